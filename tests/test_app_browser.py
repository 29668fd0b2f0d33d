"""End to end in a real headless browser: the app served by ``streamlit run``, driven by Playwright.

A facilitator signs in, uploads the sample convening's recording and watches the background job
show its upload, transcription and theme-finding progress, reloads the page mid-job (still
signed in, the job still running), waits for the candidates (real transcription with Whisper
tiny.en, real diarization and theme finding), merges two and confirms them, opens the vote;
two business leaders vote with their codes on a phone-sized screen; the facilitator reloads,
closes the vote, and the CSV export is downloaded and checked. A screenshot of each page goes
to test-artifacts/.

Needs Debian's chromium and the ``playwright`` package (tests/browser.py); skipped when either
is missing.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import ARTIFACTS, SAMPLE, click, marks, serve_app, settle, shot, sign_in, sync_api

# The real pipeline on six minutes of audio: a few minutes on a laptop's two cores.
JOB_TIMEOUT_S = 900
pytestmark = marks(JOB_TIMEOUT_S + 300)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app on a fresh database holding one convening with the sample's roster."""
    from synth.convening import setup
    from synth.store import init_db, make_engine
    from synth.text.roster import load_roster

    tmp = tmp_path_factory.mktemp("app")
    url = f"sqlite:///{tmp / 'synth.db'}"
    engine = make_engine(url)
    init_db(engine)
    conv = setup.create_convening(engine, title="Launch", industry="Manufacturing",
                                  region="Cascade Valley")
    setup.save_roster(engine, conv, load_roster(SAMPLE / "roster.csv"))
    engine.dispose()
    # Whisper tiny.en (packaged, the app's "fast" choice) keeps the real transcription short;
    # a fresh cache makes sure the recording is transcribed now, not read from an earlier run.
    with serve_app(url, tmp, SYNTH_WHISPER_MODEL="tiny.en") as base:
        yield {"base": base, "url": url, "tmp": tmp}


def _saved_ballot(url: str, link: str):
    from urllib.parse import parse_qs, urlsplit

    from synth.decisions import ballots
    from synth.store import make_engine

    engine = make_engine(url)
    try:
        return ballots.current_ballot(engine, parse_qs(urlsplit(link).query)["code"][0])
    finally:
        engine.dispose()


def _ballot_of(url: str, link: str) -> tuple[tuple[int, str], ...]:
    """The priorities (id, label) on the ballot a personal link opens, in display order."""
    from urllib.parse import parse_qs, urlsplit

    from synth.decisions import ballots
    from synth.store import make_engine

    engine = make_engine(url)
    try:
        voter = ballots.check_code(engine, parse_qs(urlsplit(link).query)["code"][0])
        return ballots.vote_info(engine, voter.convening_id).priorities
    finally:
        engine.dispose()


def _feedback_in_the_card(page) -> None:
    """Confirm the last card of the review: its feedback shows in that card, beside its
    buttons and on screen, naming the number and label the facilitator sees."""
    heads = [m.groups() for t in page.get_by_test_id("stText").all_inner_texts()
             if (m := re.match(r"^(#\d+)\s+(.+)$", t.strip()))]
    number, label = heads[-1]
    page.get_by_role("button", name="Confirm", exact=True).last.click()
    settle(page)
    alert = page.get_by_test_id("stAlertContentSuccess").filter(has_text="Confirmed ")
    sync_api.expect(alert).to_have_count(1)
    assert alert.inner_text().strip() == f"Confirmed {number} \u201c{label}\u201d."
    block = page.get_by_test_id("stVerticalBlock")
    card = block.filter(has=alert).filter(has_not=block.filter(has=alert))  # the innermost
    sync_api.expect(card.get_by_test_id("stText").filter(has_text=label)).not_to_have_count(0)
    sync_api.expect(card.get_by_role("button", name="Discard", exact=True)).to_have_count(1)
    box = alert.bounding_box()
    assert box is not None and 0 <= box["y"] <= page.viewport_size["height"], box
    page.screenshot(path=str(ARTIFACTS / "05b-feedback-in-card.png"))  # what is on screen


def _check_cards(page, links: dict[str, str]) -> None:
    """The printable voter cards: each voter's name, code, link and a QR code of the link."""
    from synth.decisions.voter_codes import format_code, qr_svg

    with page.expect_download() as got:
        click(page, "Download printable cards with QR codes (HTML)")
    html = Path(got.value.path()).read_text(encoding="utf-8")
    assert html.count("<svg") == len(links)
    for name, link in links.items():
        code = link.rsplit("code=", 1)[1]
        assert name in html and format_code(code) in html and qr_svg(link) in html, name
    printed = page.context.new_page()
    printed.set_content(html)
    shot(printed, "08b-voter-cards")
    printed.close()


def test_facilitator_to_voters_to_export(server, browser) -> None:
    page = browser.new_page()
    try:
        _flow(page, server, browser)
    except Exception:
        for n, open_page in enumerate(browser.pages):  # what each page showed when it failed
            if not open_page.is_closed():
                shot(open_page, f"failure-{n}")
        raise


STAGE = re.compile(r"^(Upload|Transcription|Theme finding|Saving): ")


def _stages(page) -> set[str]:
    """The job's stage lines on the page now (st.text elements)."""
    try:
        lines = page.get_by_test_id("stText").all_inner_texts()
    except sync_api.Error:  # the page is redrawing
        return set()
    return {line.strip() for line in lines if STAGE.match(line.strip())}


def _flow(page, server, browser) -> None:
    sign_in(page, server["base"])
    assert "session=" in page.url  # what keeps the facilitator signed in across a reload
    shot(page, "01-review-empty")

    # Upload the sample recording with a bad file in the same batch: the bad one gets its own
    # message (naming no folder of the server), the recording still goes through, and the
    # background job transcribes it and finds the themes.
    page.get_by_role("tab", name="Recordings").click()
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Recordings or transcripts")
    bad = server["tmp"] / "minutes.wav"
    bad.write_text("Chair: this is text, not a recording.\n")
    uploader.locator("input[type=file]").set_input_files([str(SAMPLE / "convening.ogg"),
                                                          str(bad)])
    uploader.get_by_text("convening.ogg").wait_for()
    uploader.get_by_text("minutes.wav").wait_for()
    settle(page)
    click(page, "Process")
    refused = page.get_by_test_id("stAlertContentError").filter(has_text="minutes.wav")
    refused.wait_for()
    message = refused.inner_text()
    assert "holds text" in message and "/" not in message, message
    page.get_by_text(re.compile(r"^Upload: done, 1 file\(s\), 1\.0 MB")).wait_for()
    page.get_by_text(re.compile(r"^Transcription: \d+%")).wait_for(timeout=120_000)
    seen = _stages(page)
    shot(page, "02-processing")

    # A reload mid-job: still signed in, and the job goes on and still shows its progress.
    page.reload()
    page.get_by_role("heading", name="Candidate priorities").wait_for()
    page.get_by_text("Processing 1 upload(s) in the background").wait_for()
    page.get_by_role("tab", name="Recordings").click()
    page.get_by_text(STAGE).first.wait_for()
    shot(page, "03-reloaded-mid-job")

    done = page.get_by_text("processed.").first
    deadline = time.monotonic() + JOB_TIMEOUT_S
    while not done.is_visible():
        assert time.monotonic() < deadline, f"the job did not finish; stages seen: {seen}"
        assert not page.get_by_test_id("stAlertContentError").count(), page.get_by_test_id(
            "stAlertContentError").all_inner_texts()
        seen |= _stages(page)
        page.wait_for_timeout(1000)
    running = {line.split(":")[0] for line in seen if re.search(r": [1-9]\d*%", line)}
    assert {"Transcription", "Theme finding"} <= running, seen
    assert any(line.startswith("Upload: done") for line in seen), seen
    from synth.convening import jobs

    (job,) = jobs.jobs_of(jobs.files_dir(server["url"]))
    assert job.status == "done" and job.model == "tiny.en"  # SYNTH_WHISPER_MODEL's pick
    shot(page, "04-recordings-processed")

    page.get_by_role("tab", name="Review").click()
    confirms = page.get_by_role("button", name="Confirm", exact=True)
    confirms.first.wait_for()
    assert confirms.count() >= 2
    shot(page, "05-review-candidates")

    # Merge the first two candidates, then confirm every remaining one.
    picker = page.get_by_label("Merge these themes (into the first chosen)")
    for _ in range(2):
        picker.click()
        # Not the "Select all" entry that Streamlit puts first.
        page.get_by_role("option").filter(has_text=re.compile(r"^#")).first.click()
        settle(page)
    page.keyboard.press("Escape")
    before = confirms.count()
    click(page, "Merge")
    page.get_by_text("Merged 2 themes:").wait_for()
    sync_api.expect(confirms).to_have_count(before - 1)
    _feedback_in_the_card(page)
    enabled = page.get_by_role("button", name="Confirm", exact=True, disabled=False)
    for left in range(before - 2, 0, -1):
        enabled.first.click()
        sync_api.expect(enabled).to_have_count(left - 1)
    settle(page)
    page.get_by_role("tab", name="Speakers").click()
    settle(page)
    shot(page, "06-speakers")
    page.get_by_role("tab", name="Map and search").click()
    settle(page)
    shot(page, "07-map-and-search")

    # Hand out codes before the vote opens: the list, and cards to print with QR codes. The
    # links here are loopback (SYNTH_PUBLIC_URL is 127.0.0.1), which the page warns about.
    page.get_by_role("link", name="Vote and results").click()
    settle(page)
    page.get_by_text("which only this computer can open").wait_for()
    click(page, "Issue codes")
    with page.expect_download() as got:
        click(page, "Download codes (CSV)")
    links = {row["name"]: row["link"] for row in
             csv.DictReader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8-sig")))}
    _check_cards(page, links)

    # A voter opens a personal link with a wrong code, then types the right one on the same
    # page: the ballot's page opens (the typed code wins), waiting for the vote.
    phone = browser.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(f"{server['base']}/?code=ABCD-EFGH-JKMN")
    phone.get_by_text("that code is not right").wait_for()
    scores = {"Tom Reyes": ("5", "2"), "Linda Park": ("3", "4")}
    first = next(iter(scores))
    phone.get_by_label("Your voter code").fill(links[first].rsplit("code=", 1)[1])
    click(phone, "Open my ballot")
    phone.get_by_text("appears here by itself").wait_for()
    assert links[first].rsplit("code=", 1)[1] in phone.url
    assert not phone.get_by_test_id("stAlertContentError").count()
    shot(phone, "09a-phone-waiting-for-the-vote")

    # Open the vote, asking for importance and feasibility too: the waiting phone shows the
    # ballot by itself, with no reload.
    page.get_by_text("Also ask each voter to score importance and feasibility").click()
    settle(page)
    click(page, "Open voting")
    page.get_by_text("Voting is open").first.wait_for()
    shot(page, "08-vote-open")
    phone.get_by_text(re.compile(r"^Dots left: \d+ of \d+")).wait_for(timeout=20_000)

    # Two business leaders vote on a phone-sized screen with their personal links.
    for n, name in enumerate(scores):
        tid, label = _ballot_of(server["url"], links[name])[n]
        phone.goto(links[name])  # the personal link printed on the voter's card
        phone.get_by_role("heading", name="Your ballot").wait_for()
        # The title is drawn first: wait for the whole run, or the card below may be found
        # while Streamlit still swaps the last run's elements for this run's (once the dots
        # landed on the next priority's input).
        settle(phone)
        assert phone.get_by_role("button", name="Merge").count() == 0
        # The one card of this priority (the innermost block holding its label and a number
        # input): dots and scores go in it, never by position on the page. "Innermost" is
        # said outright (no block with a number input inside it): taking the last match in
        # document order once picked the block of all the cards on a slow CI machine.
        block = phone.get_by_test_id("stVerticalBlock")
        card = block.filter(has=phone.get_by_text(label, exact=True)).filter(
            has=phone.get_by_role("spinbutton")).filter(
            has_not=block.filter(has=phone.get_by_role("spinbutton")))
        # Type the dots (a phone's steppers are small).
        dots = card.get_by_role("spinbutton")
        dots.fill("2")
        dots.press("Enter")
        settle(phone)
        phone.get_by_text("Dots left: 1 of 3").wait_for()
        assert phone.get_by_text("Dots left:").first.is_visible()
        for what, score in zip(("Importance", "Feasibility"), scores[name], strict=True):
            group = card.get_by_role("radiogroup", name=what)
            group.get_by_text(score, exact=True).click()
            settle(phone)
            sync_api.expect(group.get_by_role("radio", name=score)).to_be_checked()
        # The priority's best quote, verbatim with its speaker, when the voter asks for it.
        card.get_by_text("What was said").click()
        card.get_by_text(re.compile("^\u201c")).wait_for()
        card.get_by_text(re.compile("^\u2014 ")).wait_for()
        # Five choices in a row and a quote still fit a phone: nothing runs off the side.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        if n == 0:
            card.get_by_text("What was said").scroll_into_view_if_needed()
            phone.screenshot(path=str(ARTIFACTS / "09-ballot-phone.png"))  # the screen
        click(phone, "Cast my ballot")
        phone.get_by_text("Your ballot is saved").wait_for()
        # The scores went to the priority the dots went to (the one card they were typed in).
        saved = _saved_ballot(server["url"], links[name])
        importance, feasibility = (int(v) for v in scores[name])
        assert (dict(saved.dots), dict(saved.importance), dict(saved.feasibility)) == (
            {tid: 2}, {tid: importance}, {tid: feasibility}), (label, saved)
        if n == 0:
            shot(phone, "09b-ballot-phone-cast")
    phone.close()

    # Reload to see the ballots (still signed in), close the vote, download the CSV, check it.
    page.reload()
    page.get_by_role("heading", name="Vote and results").wait_for()
    page.get_by_text("2 ballot(s) cast").wait_for()
    click(page, "Close voting")
    page.get_by_text("Voting is closed").first.wait_for()
    with page.expect_download() as got:
        page.get_by_role("button", name="CSV", exact=True).click()
    data = Path(got.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert rows and rows[0]["rank"] == "1"
    assert sum(int(r["dots"]) for r in rows) == 4
    means = {col: sorted(float(r[col]) for r in rows if r[col])
             for col in ("importance (mean of 1-5)", "feasibility (mean of 1-5)")}
    assert means == {"importance (mean of 1-5)": [3.0, 5.0],
                     "feasibility (mean of 1-5)": [2.0, 4.0]}
    shot(page, "10-results")
