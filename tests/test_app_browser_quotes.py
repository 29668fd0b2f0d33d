"""Quotes in a real headless browser: a typed transcript's cards, withdrawing a quote, exports.

The app is served by ``streamlit run`` on a database holding one convening made from a typed
transcript (no audio, so no real times), its priorities confirmed and the vote open. Checked:
each quote says its transcript line, never a time; withdrawing a quote from a card lower on the
page says so in that card, on screen, not only at the top; after an export downloads, the page
shows one "Exports" heading and each export's name in full. Screenshots go to test-artifacts/.

Needs Debian's chromium and the ``playwright`` package (tests/browser.py); skipped when either
is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser import ARTIFACTS, click, marks, serve_app, settle, shot, signed_in_page, sync_api

pytestmark = marks(300)

REC = "7e1d2c3b4a596877"  # the typed transcript's recording id
PEOPLE = [("Ana Ruiz", "Acme Welding", "business"), ("Ben Cho", "Bolt Fab", "business"),
          ("Cy Diaz", "Cobalt Machining", "business"), ("Pat Lund", "North College", "public")]
TOPICS = {
    "t1": ("Welder apprenticeships", "We need a welder apprenticeship that starts in the "
                                     "high schools, or our shop floor will be empty in {n} years."),
    "t2": ("Childcare near plants", "Parents on the early shift cannot find childcare that "
                                    "opens before six, and we lose {n} of them a year."),
    "t3": ("Faster air permits", "Our plant expansion waited {n} months on an air permit "
                                 "that should have taken a few weeks to approve."),
}


def _result() -> dict[str, Any]:
    statements, themes, line = [], [], 0
    for key, (label, text) in TOPICS.items():
        ids = []
        for n in range(4):
            sid = f"{key}-{n}"
            ids.append(sid)
            # Typed transcripts get estimated times (2.5 words a second): never shown.
            statements.append({"id": sid, "text": text.format(n=n + 2),
                               "speaker": PEOPLE[n][0], "start": 7.5 * line,
                               "end": 7.5 * line + 7, "recording": REC, "line": line,
                               "turn": line, "kind": "need", "clusterable": True,
                               "theme": key})
            line += 1
        themes.append({"id": key, "rank": len(themes) + 1, "label": label,
                       "label_generated": True, "keywords": label.lower().split(),
                       "statement_ids": ids, "statement_count": 4, "speakers": [],
                       "breadth": 0, "companies": [], "talk_share": 0.0, "stability": 0.8,
                       "kinds": {"need": 4}, "quotes": []})
    return {"schema": 1,
            "recordings": [{"id": REC, "name": "launch.txt", "kind": "transcript",
                            "duration": 90.0, "sha256": "", "language": "en", "model": "",
                            "turns": line, "removed": []}],
            "participants": [{"name": n, "company": c, "role": r} for n, c, r in PEOPLE],
            "talk_time_by_role": {"business": 0.75, "public": 0.25},
            "statements": statements, "themes": themes}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The app on a free local port over a convening from a typed transcript, vote open."""
    from synth.decisions import ballots, review
    from synth.store import ConveningSpec, import_result, init_db, make_engine, queries, transaction
    from synth.store.result import parse_result

    tmp = tmp_path_factory.mktemp("quotes-app")
    url = f"sqlite:///{tmp / 'synth.db'}"
    engine = make_engine(url)
    init_db(engine)
    conv = import_result(engine, parse_result(_result()), convening=ConveningSpec(
        "Launch", industry="Manufacturing", region="Cascade Valley")).convening_id
    with transaction(engine) as s:
        ids = [t.id for t in queries.themes_of(s, conv)]
    for tid in ids:
        review.confirm(engine, tid)
    ballots.open_vote(engine, conv)
    engine.dispose()
    with serve_app(url, tmp) as base:
        yield {"base": base, "url": url}


ATTRIBUTION = re.compile(r"^\u2014 (.+), (.+)$")


def test_quotes_of_a_typed_transcript_and_withdrawing_one(server, browser) -> None:
    with signed_in_page(browser, server["base"], "q-failure") as page:
        page.get_by_role("button", name="Withdraw this quote").first.wait_for()
        texts = [t.strip() for t in page.get_by_test_id("stText").all_inner_texts()]
        where = [m.group(2) for t in texts if (m := ATTRIBUTION.match(t))]
        # Every quote says its line in the transcript (1-based), never an estimated time.
        assert len(where) >= 6, texts
        assert all(re.fullmatch(r"line \d+", w) for w in where), where
        assert not any(re.search(r"\b\d+:\d\d\b", t) for t in texts), texts
        shot(page, "q1-typed-transcript-quotes")

        # Withdraw the first quote of the last card: the outcome shows in that card, on screen.
        last_label = TOPICS["t3"][0]
        card = _innermost_card(page, _head(page, last_label))
        quote = card.get_by_test_id("stText").filter(has_text="\u201c").first.inner_text()
        card.get_by_role("button", name="Withdraw this quote").first.click()
        settle(page)
        click(page, "Yes, withdraw")
        alert = page.get_by_test_id("stAlertContentSuccess").filter(has_text="Withdrew 1 ")
        sync_api.expect(alert).to_have_count(1)
        holder = _innermost_card(page, alert)
        sync_api.expect(holder.get_by_test_id("stText").filter(
            has_text=re.compile(rf"^#\d+\s+{last_label}$"))).to_have_count(1)
        withdraw = holder.get_by_role("button", name="Withdraw this quote")
        sync_api.expect(withdraw).not_to_have_count(0)
        box = alert.bounding_box()
        assert box is not None and 0 <= box["y"] <= page.viewport_size["height"], box
        # ... and not at the top of the page as well
        first_card = _innermost_card(page, _head(page, TOPICS["t1"][0]))
        assert first_card.get_by_test_id("stAlertContentSuccess").count() == 0
        assert quote.strip() not in [t.strip() for t in
                                     page.get_by_test_id("stText").all_inner_texts()]
        page.screenshot(path=str(ARTIFACTS / "q2-withdraw-feedback-in-card.png"))


def test_exports_after_a_download(server, browser) -> None:
    with signed_in_page(browser, server["base"], "q-failure-exports") as page:
        page.set_viewport_size({"width": 1024, "height": 900})  # a laptop: six in a row were cut
        page.get_by_role("link", name="Vote and results").click()
        settle(page)
        page.get_by_role("heading", name="Exports").wait_for()
        with page.expect_download() as got:
            click(page, "Markdown report")
        assert got.value.suggested_filename == "priorities.md"
        page.wait_for_timeout(1500)  # a rerun, if one came, would have drawn by now
        settle(page)
        sync_api.expect(page.get_by_role("heading", name="Exports")).to_have_count(1)
        # Each export's name shows in full in its button (not "Markd..."): nothing in the
        # button is wider than its box (Streamlit cuts a long label with an ellipsis).
        for name in ("CSV", "JSON", "Markdown report", "Follow-up email", "Excel (XLSX)",
                     "Word (DOCX)"):
            button = page.get_by_test_id("stDownloadButton").filter(has_text=name)
            sync_api.expect(button).to_have_count(1)
            cut = button.evaluate("b => [...b.querySelectorAll('*')].filter("
                                  "e => e.scrollWidth > e.clientWidth + 1).length")
            assert cut == 0, name
        page.get_by_role("heading", name="Exports").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "q3-exports.png"))


def _head(page, label: str):
    """A card's heading: its number and label."""
    return page.get_by_test_id("stText").filter(has_text=re.compile(rf"^#\d+\s+{label}$"))


def _innermost_card(page, inside):
    """The card that holds ``inside``: the innermost block holding it and a card's buttons."""
    discard = page.get_by_role("button", name="Discard", exact=True)
    block = page.get_by_test_id("stVerticalBlock")
    cards = block.filter(has=inside).filter(has=discard)
    return cards.filter(has_not=cards)
