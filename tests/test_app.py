"""The Streamlit app, page by page, with ``streamlit.testing.v1.AppTest`` on a temporary database.

No model runs here: the convening is a small hand-made result with made-up embeddings. The
real pipeline behind the upload is covered by tests/test_app_browser.py.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from synth.convening import jobs  # noqa: E402
from synth.decisions import ballots  # noqa: E402
from synth.decisions.secret_hash import verify_secret  # noqa: E402
from synth.errors import InputError  # noqa: E402
from synth.export.results import ballot_quotes, priority_report  # noqa: E402
from synth.store import ConveningSpec, import_result, init_db, make_engine, queries, transaction  # noqa: E402
from synth.store.result import parse_result, with_vectors  # noqa: E402
from synth_app import auth  # noqa: E402
from synth_app.results import export_files  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PASSCODE = "cascade-valley-2026"
# A whole sentence (so the quote rule picks it) full of markup that must show as typed.
TRICKY = "Here <b>Childcare</b> is **the** [issue](http://evil.example) for welders."
PEOPLE = [("Ana", "Acme Welding", "business"), ("Ben", "Bolt Fab", "business"),
          ("Cy", "Cobalt Machining", "business"), ("Pat", "North College", "public")]
TOPICS = {"t1": ("welder apprenticeships", range(0, 6)), "t2": ("childcare near plants",
                                                              range(6, 12)),
          "t3": ("air permits", range(12, 16))}
REC = "9f2c4e6a8b0d1357"  # the recording id (16 hex digits, as synth writes them)


def _result() -> dict[str, Any]:
    statements = []
    for key, (topic, nums) in TOPICS.items():
        for i in nums:
            text = TRICKY if i == 6 else f"We need {topic}, said in way number {i}."
            statements.append({"id": f"s{i:02d}", "text": text, "speaker": PEOPLE[i % 4][0],
                               "start": 10.0 * i, "end": 10.0 * i + 8, "recording": REC,
                               "line": i, "turn": i, "kind": "need", "clusterable": True,
                               "theme": key})
    themes = [{"id": key, "rank": n, "label": topic, "label_generated": True,
               "keywords": topic.split(), "statement_ids": [f"s{i:02d}" for i in nums],
               "statement_count": len(nums), "speakers": [], "breadth": 0, "companies": [],
               "talk_share": 0.0, "stability": 0.8, "kinds": {"need": len(nums)}, "quotes": []}
              for n, (key, (topic, nums)) in enumerate(TOPICS.items(), start=1)]
    return {"schema": 1,
            "recordings": [{"id": REC, "name": "plenary.txt", "kind": "transcript",
                            "duration": 200.0, "sha256": "", "language": "en", "model": "",
                            "turns": 16, "removed": []}],
            "participants": [{"name": n, "company": c, "role": r} for n, c, r in PEOPLE],
            "talk_time_by_role": {"business": 0.75, "public": 0.25},
            "statements": statements, "themes": themes}


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A migrated SQLite database holding one processed convening, and the staff passcode."""
    url = f"sqlite:///{tmp_path / 'synth.db'}"
    monkeypatch.setenv("SYNTH_DATABASE_URL", url)
    monkeypatch.delenv("SYNTH_FILES_DIR", raising=False)
    engine = make_engine(url)
    init_db(engine)
    rng = np.random.default_rng(0)
    centres = {key: rng.normal(size=8) for key in TOPICS}
    vectors = {f"s{i:02d}": centres[key] + 0.1 * rng.normal(size=8)
               for key, (_, nums) in TOPICS.items() for i in nums}
    report = import_result(engine, with_vectors(parse_result(_result()), vectors),
                           convening=ConveningSpec("Launch", industry="Manufacturing",
                                                   region="Cascade Valley"))
    auth.set_passcode(jobs.files_dir(url), PASSCODE)
    yield {"url": url, "engine": engine, "convening": report.convening_id}
    engine.dispose()


def themes(engine, convening_id: int) -> dict[str, queries.ThemeSummary]:
    with transaction(engine) as s:
        return {t.label: t for t in queries.theme_summaries(s, convening_id, include_all=True)}


def signed_in(passcode: str = PASSCODE) -> AppTest:
    """A new browser session (a new tab, another browser, a reload) after one passcode try."""
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input(passcode)
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception, at.exception
    return at


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


# --- access -------------------------------------------------------------------------------


def test_staff_pages_need_the_passcode(db) -> None:
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert [t.value for t in at.title] == ["synth: staff sign-in"]
    assert not any(b.key == "merge" for b in at.button)
    at.text_input[0].input("wrong guess")
    at.get("form_submit_button")[0].click()
    at.run()
    assert [e.value for e in at.error] == ["That passcode is not right."]
    assert not any("welder" in t for t in texts(at))
    at = signed_in()
    assert [t.value for t in at.title] == ["Candidate priorities"]


def test_first_use_chooses_a_passcode_stored_only_as_a_scrypt_hash(db) -> None:
    path = auth.passcode_file(jobs.files_dir(db["url"]))
    path.unlink()
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.text_input[0].input("short")
    at.text_input[1].input("short")
    at.get("form_submit_button")[0].click()
    at.run()
    assert "at least 8" in at.error[0].value
    at.text_input[0].input(PASSCODE)
    at.text_input[1].input(PASSCODE)
    at.get("form_submit_button")[0].click()
    at.run()
    assert [t.value for t in at.title] == ["Candidate priorities"]
    stored = path.read_text()
    assert stored.startswith("scrypt$") and PASSCODE not in stored
    assert verify_secret(PASSCODE, stored) and not verify_secret("nope", stored)


def test_a_reload_keeps_the_facilitator_signed_in_until_sign_out(db) -> None:
    folder = jobs.files_dir(db["url"])
    at = signed_in()
    token = at.query_params.get(auth.PARAM)
    assert token and len(token) >= 40
    # Only the token's hash is kept on the server, with its expiry.
    stored = auth.sessions_file(folder).read_text()
    assert token not in stored and auth._token_hash(token) in stored

    reloaded = AppTest.from_file(APP, default_timeout=30)  # a reload: a new browser session
    reloaded.query_params[auth.PARAM] = token
    reloaded.run()
    assert [t.value for t in reloaded.title] == ["Candidate priorities"]
    assert reloaded.query_params.get(auth.PARAM) == token

    next(b for b in reloaded.sidebar.button if b.key == "sign-out").click()
    reloaded.run()
    assert [t.value for t in reloaded.title] == ["synth: staff sign-in"]
    assert auth.PARAM not in reloaded.query_params
    again = AppTest.from_file(APP, default_timeout=30)
    again.query_params[auth.PARAM] = token  # the old address, after sign-out
    again.run()
    assert [t.value for t in again.title] == ["synth: staff sign-in"]
    assert not at.exception and not again.exception


@pytest.mark.parametrize("token", ["made-up-token", "expired"])
def test_a_forged_or_expired_session_token_signs_nobody_in(db, token) -> None:
    if token == "expired":
        token = auth.start_session(jobs.files_dir(db["url"]), hours=-1)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params[auth.PARAM] = token
    at.run()
    assert [t.value for t in at.title] == ["synth: staff sign-in"]
    assert not any("welder" in t for t in texts(at))
    assert auth.PARAM not in at.query_params


# --- facilitator review --------------------------------------------------------------------


def test_candidates_show_as_cards_with_plain_text_quotes(db) -> None:
    at = signed_in()
    shown = texts(at)
    assert any(t.startswith("#1") for t in shown)
    # The quote is shown exactly as said, markup and all, and never through Markdown.
    assert f"\u201c{TRICKY}\u201d" in shown
    assert not any("Childcare" in m.value for m in at.markdown)
    assert any("generated label" in c.value for c in at.caption)
    assert {m.label for m in at.metric} >= {"Breadth of support", "Stability"}


def test_a_candidate_read_back_in_the_recap_ranks_first_and_says_whose_name_it_is(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # "air permits" ranks last by breadth (three leaders each, the least of their talk time), but
    # the facilitator's recap named it.
    url = f"sqlite:///{tmp_path / 'synth.db'}"
    monkeypatch.setenv("SYNTH_DATABASE_URL", url)
    monkeypatch.delenv("SYNTH_FILES_DIR", raising=False)
    engine = make_engine(url)
    init_db(engine)
    data = _result()
    data["themes"][2]["read_back"] = True
    import_result(engine, parse_result(data), convening=ConveningSpec("Launch"))
    auth.set_passcode(jobs.files_dir(url), PASSCODE)
    at = signed_in()
    shown = texts(at)
    assert "#1  air permits" in shown, shown
    assert any("from the facilitator's recap" in c.value for c in at.caption)
    assert any(c.value.startswith("generated label: written by synth") for c in at.caption)
    engine.dispose()


def test_confirm_rename_merge_and_undo(db) -> None:
    engine, conv = db["engine"], db["convening"]
    ids = {label: t.id for label, t in themes(engine, conv).items()}
    at = signed_in()
    button(at, f"confirm-{ids['air permits']}").click()
    at.run()
    assert themes(engine, conv)["air permits"].status == "confirmed"
    assert at.success[0].value.startswith("Confirmed")

    next(t for t in at.text_input if t.key == f"label-{ids['air permits']}").input(
        "Faster air permits")
    button(at, f"rename-{ids['air permits']}").click()
    at.run()
    assert "Faster air permits" in themes(engine, conv)

    first, second = ids["welder apprenticeships"], ids["childcare near plants"]
    next(m for m in at.multiselect if m.key == "merge-pick").set_value([first, second])
    at.run()
    button(at, "merge").click()
    at.run()
    after = themes(engine, conv)
    assert after["childcare near plants"].status == "merged"
    assert len(after["welder apprenticeships"].statement_ids) == 12

    button(at, "undo").click()
    at.run()
    after = themes(engine, conv)
    assert after["childcare near plants"].status == "candidate"
    assert len(after["welder apprenticeships"].statement_ids) == 6
    assert not at.exception


def _unescaped(element) -> str:
    """An alert's text as the user reads it (its Markdown escapes removed)."""
    return element.value.replace("\\", "")


def _card_with(at: AppTest, key: str) -> list:
    """Every element of the one review card holding the widget ``key``: the innermost bordered
    block around it."""
    from streamlit.testing.v1.element_tree import Block

    found = [list(b) for b in at.main if isinstance(b, Block) and b.type == "flex_container"
             and b.proto.flex_container.border and any(getattr(n, "key", None) == key
                                                       for n in b)]
    return min(found, key=len)


def test_feedback_shows_in_the_card_that_was_clicked_and_names_what_the_user_sees(db) -> None:
    """Issue 27: feedback showed only at the top of a long page, naming internal ids
    ("Confirmed priority 7." for card #6)."""
    engine, conv = db["engine"], db["convening"]
    ids = {label: t.id for label, t in themes(engine, conv).items()}
    at = signed_in()
    last = ids["air permits"]  # card #3, the bottom of the page
    button(at, f"confirm-{last}").click()
    at.run()
    card = _card_with(at, f"confirm-{last}")
    assert [_unescaped(n) for n in card if n.type == "success"] == [
        "Confirmed #3 \u201cair permits\u201d."]
    assert len(at.success) == 1  # there only, not at the top too

    middle = ids["childcare near plants"]  # card #2
    next(t for t in at.text_input if t.key == f"label-{middle}").input("Childcare by the plants")
    button(at, f"rename-{middle}").click()
    at.run()
    card = _card_with(at, f"rename-{middle}")
    assert [_unescaped(n) for n in card if n.type == "success"] == [
        "Renamed #2 to \u201cChildcare by the plants\u201d."]
    assert len(at.success) == 1

    # A discarded card leaves the list: its feedback shows where it was, before the card that
    # took its place, and in no other card.
    first = ids["welder apprenticeships"]
    button(at, f"discard-{first}").click()
    at.run()
    (said,) = at.success
    assert _unescaped(said).startswith("Discarded #1 \u201cwelder apprenticeships\u201d")
    assert not any(n.type == "success" for tid in (middle, last)
                   for n in _card_with(at, f"discard-{tid}"))
    keys = [getattr(n, "key", None) for n in at.main]
    where = next(i for i, n in enumerate(at.main) if n is said)
    assert keys.index("create") < where < keys.index(f"confirm-{middle}")
    assert not at.exception


def _chart(at: AppTest, field: str):
    """The one chart encoding ``field`` on x: its spec and its data."""
    import json

    import pyarrow as pa

    for c in at.get("vega_lite_chart"):
        spec = json.loads(c.proto.spec)
        if spec["encoding"]["x"].get("field") == field:
            data = pa.ipc.open_stream(c.proto.datasets[0].data.data).read_all().to_pandas()
            return spec, data
    return None


def test_count_charts_have_whole_number_axes_whole_labels_and_say_when_empty(db) -> None:
    from synth.decisions import review

    engine, conv = db["engine"], db["convening"]
    long = ("Shared apprenticeship pipeline for welders, machinists and maintenance "
            "technicians across the valley")
    for label, t in themes(engine, conv).items():
        review.confirm(engine, t.id)
        if label == "air permits":
            review.rename(engine, t.id, long)
    ballots.open_vote(engine, conv)
    at = signed_in()
    at.switch_page("synth_app/pages/results.py").run()
    # No dots yet: said in words, and no chart whose axis runs from 0 to 0 ("0.000000").
    assert any("No dots yet" in i.value for i in at.info)
    assert _chart(at, "count") is None
    codes = dict(ballots.issue_codes(engine, conv))
    tid = next(t for t, label in ballots.vote_info(engine, conv).priorities if label == long)
    ballots.cast_ballot(engine, codes["Ana"], {tid: 1})
    at.run()
    spec, data = _chart(at, "count")
    axis = spec["encoding"]["x"]["axis"]
    assert axis["format"] == "d" and axis["tickMinStep"] == 1  # 0 and 1, never 0.5
    y = spec["encoding"]["y"]["axis"]
    assert y["labelLimit"] == 0 and "split" in y["labelExpr"]  # wrapped, never cut
    assert y["labelOverlap"] is False  # no label left out when bars are close
    row = data[data["name"].str.contains("Shared apprenticeship")].iloc[0]
    assert row["name"].endswith(long) and "\n" in row["label"]
    assert row["label"].replace("\n", " ") == row["name"]
    assert max(len(line) for line in row["label"].split("\n")) <= 32

    review_page = signed_in()  # the breadth chart on the review page is drawn the same way
    spec, _ = _chart(review_page, "count")
    assert spec["encoding"]["x"]["axis"]["format"] == "d"


def test_the_maps_legend_leaves_out_discarded_themes(db) -> None:
    from synth.decisions import review

    engine, conv = db["engine"], db["convening"]
    review.discard(engine, themes(engine, conv)["air permits"].id)
    at = signed_in()
    _, data = _chart(at, "x")
    assert set(data["theme"]) == {"#1 welder apprenticeships", "#2 childcare near plants",
                                  "(in no theme)"}


def test_a_stale_page_is_refused_with_a_plain_message(db) -> None:
    from synth.decisions import review

    engine, conv = db["engine"], db["convening"]
    tid = themes(engine, conv)["air permits"].id
    at = signed_in()
    review.rename(engine, tid, "Renamed elsewhere")  # someone else, after our page was drawn
    button(at, f"discard-{tid}").click()
    at.run()
    assert "changed by someone else" in at.error[0].value
    assert themes(engine, conv)["Renamed elsewhere"].status == "candidate"
    assert not at.exception


def test_split_with_preview_and_move_statements(db) -> None:
    engine, conv = db["engine"], db["convening"]
    tid = themes(engine, conv)["welder apprenticeships"].id
    at = signed_in()
    button(at, f"preview-{tid}").click()
    at.run()
    assert any(t.startswith("Part 1") for t in texts(at))
    assert len(themes(engine, conv)) == 3  # a preview writes nothing
    button(at, f"split-{tid}-apply").click()
    at.run()
    assert len(themes(engine, conv)) == 4

    permits = themes(engine, conv)["air permits"]
    next(m for m in at.multiselect if m.key == f"move-pick-{permits.id}").set_value(
        [permits.statement_ids[0]])
    at.run()
    button(at, f"move-{permits.id}").click()
    at.run()
    assert len(themes(engine, conv)["air permits"].statement_ids) == 3
    assert not at.exception


def test_create_a_priority_by_hand(db) -> None:
    engine, conv = db["engine"], db["convening"]
    before = themes(engine, conv)
    taken = [before["air permits"].statement_ids[0], before["welder apprenticeships"]
             .statement_ids[0]]
    at = signed_in()
    button(at, "create").click()  # nothing filled in: a plain message, nothing made
    at.run()
    assert "needs a label" in at.error[0].value
    next(t for t in at.text_input if t.key == "create-label").input("Shared <i>welding</i> lab")
    next(m for m in at.multiselect if m.key == "create-pick").set_value(taken)
    at.run()
    button(at, "create").click()
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("Created the priority")
    after = themes(engine, conv)
    made = after["Shared <i>welding</i> lab"]
    assert made.status == "confirmed" and sorted(made.statement_ids) == sorted(taken)
    assert len(after["air permits"].statement_ids) == 3
    # The label is shown as text, never as markup.
    assert any(t.endswith("Shared <i>welding</i> lab") for t in texts(at))
    button(at, "undo").click()
    at.run()
    assert "Shared <i>welding</i> lab" not in {
        label for label, t in themes(engine, conv).items() if t.rank is not None}


def test_speakers_map_to_the_roster(db) -> None:
    from synth.decisions import review

    engine, conv = db["engine"], db["convening"]
    review.assign_speaker(engine, conv, "Pat", None)
    at = signed_in()
    box = next(s for s in at.selectbox if s.key == "speaker-Pat")
    box.set_value("Cy")
    at.get("form_submit_button")[-1].click()
    at.run()
    with transaction(engine) as s:
        who = queries.resolve_speakers(s, queries.get_convening(s, conv))
    assert who["Pat"].name == "Cy"
    assert not at.exception


def _who(engine, conv) -> dict[str, str]:
    with transaction(engine) as s:
        return {k: w.name for k, w in
                queries.resolve_speakers(s, queries.get_convening(s, conv)).items()}


def test_speakers_rename_and_merge(db) -> None:
    from synth.decisions import review

    engine, conv = db["engine"], db["convening"]
    review.assign_speaker(engine, conv, "Pat", None)  # a voice not on the roster
    at = signed_in()
    assert any("statements" in d.value.columns for d in at.dataframe)
    next(s for s in at.selectbox if s.key == "speaker-rename-pick").set_value("Pat")
    next(t for t in at.text_input if t.key == "speaker-rename-name").input("Pat [Morgan]")
    at.run()
    button(at, "speaker-rename").click()
    at.run()
    assert not at.exception
    assert _who(engine, conv)["Pat"] == "Pat [Morgan]"
    assert at.success[0].value.startswith("Speaker Pat is now")

    next(s for s in at.selectbox if s.key == "speaker-merge-other").set_value("Ben")
    at.run()
    next(s for s in at.selectbox if s.key == "speaker-merge-keep").set_value("Ana")
    at.run()
    button(at, "speaker-merge").click()
    at.run()
    assert not at.exception
    assert _who(engine, conv)["Ben"] == "Ana"
    # Ben's statements now count as Ana's: breadth of support drops where both spoke.
    button(at, "undo").click()
    at.run()
    assert _who(engine, conv)["Ben"] == "Ben"

    next(t for t in at.text_input if t.key == "speaker-rename-name").input("   ")
    at.run()
    button(at, "speaker-rename").click()
    at.run()
    assert "cannot be empty" in at.error[0].value
    assert not at.exception


def test_speakers_tab_without_speakers_says_what_to_do(tmp_path, monkeypatch) -> None:
    from synth.convening import setup

    url = f"sqlite:///{tmp_path / 'bare.db'}"
    monkeypatch.setenv("SYNTH_DATABASE_URL", url)
    engine = make_engine(url)
    init_db(engine)
    setup.create_convening(engine, title="Launch", industry="M", region="R")
    auth.set_passcode(jobs.files_dir(url), PASSCODE)
    at = signed_in()
    infos = [i.value for i in at.info]
    assert any("No speakers yet" in i and "Recordings tab" in i for i in infos)
    assert any("No candidate priorities yet" in i for i in infos)
    engine.dispose()


def test_search_and_map(db) -> None:
    at = signed_in()
    next(t for t in at.text_input if t.key == "search").input("permits")
    at.run()
    assert "4 statement(s) match." in texts(at)
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    assert not at.exception


def test_empty_database_says_what_to_do(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("SYNTH_DATABASE_URL", url)
    auth.set_passcode(jobs.files_dir(url), PASSCODE)
    at = signed_in()
    assert any("creating a convening" in i.value for i in at.info)


# --- vote and results ----------------------------------------------------------------------


def _open_vote(db) -> dict[str, str]:
    engine, conv = db["engine"], db["convening"]
    from synth.decisions import review

    for t in themes(engine, conv).values():
        review.confirm(engine, t.id)
    ballots.open_vote(engine, conv)
    return dict(ballots.issue_codes(engine, conv))


def test_a_voter_code_opens_the_ballot_and_nothing_else(db) -> None:
    codes = _open_vote(db)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = codes["Ana"]
    at.run()
    assert [t.value for t in at.title] == ["Your ballot"]
    assert not any(b.key in {"merge", "open-vote"} for b in at.button)
    assert not at.sidebar.button
    dots = at.number_input
    assert len(dots) == 3 and {m.label for m in at.metric} == {"Dots left"}
    rules = ballots.vote_info(db["engine"], db["convening"]).rules
    dots[0].set_value(1)
    at.run()
    assert at.metric[0].value == str(rules.dots_per_voter - 1)
    button(at, "cast").click()
    at.run()
    assert at.success[0].value.startswith("Your ballot is saved")
    saved = ballots.current_ballot(db["engine"], codes["Ana"])
    assert saved is not None and sum(saved.dots.values()) == 1

    next(r for r in at.radio if r.key == "vol-role").set_value("champion")
    button(at, "volunteer").click()
    at.run()
    rosters = ballots.champion_rosters(db["engine"], db["convening"])
    assert any("Ana" in r.champions for r in rosters)


def test_a_typed_code_survives_a_reload_and_opens_only_the_ballot(db) -> None:
    codes = _open_vote(db)
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("synth_app/pages/vote.py").run()
    next(t for t in at.text_input if t.label == "Your voter code").input(codes["Ben"])
    at.get("form_submit_button")[0].click()
    at.run()
    assert at.query_params.get("code") == codes["Ben"]
    assert len(at.number_input) == 3 and not at.sidebar.button

    reloaded = AppTest.from_file(APP, default_timeout=30)
    reloaded.query_params["code"] = at.query_params["code"]
    reloaded.run()
    assert [t.value for t in reloaded.title] == ["Your ballot"]
    assert len(reloaded.number_input) == 3
    assert not any(b.key in {"merge", "open-vote", "sign-out"} for b in reloaded.button)

    button(reloaded, "forget-code").click()
    reloaded.run()
    assert "code" not in reloaded.query_params
    assert not reloaded.number_input and not reloaded.exception


def _failures(engine, key: str) -> int:
    """Wrong codes counted against a code key (from any source)."""
    from synth.store.schema import CodeAttempt

    with transaction(engine) as s:
        row = s.get(CodeAttempt, (key, "*"))
        return row.failures if row else 0


def test_a_wrong_link_then_the_right_typed_code_opens_the_ballot(db) -> None:
    """Issue 27: the address's wrong code won over the typed one, and every rerun of the page
    counted it again until the voter was told to wait."""
    codes = _open_vote(db)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = "ABCD-EFGH-JKMN"  # a personal link with a wrong code
    for _ in range(5):  # reruns of the same page: clicks, the page looking again
        at.run()
    assert "not right" in at.error[0].value and not at.number_input
    assert _failures(db["engine"], "ABCD") == 1  # counted once, not per rerun
    _type_code(at, codes["Ben"])
    assert not at.error and len(at.number_input) == 3
    assert at.query_params.get("code") == codes["Ben"]  # the typed code replaced the link's
    assert _failures(db["engine"], "ABCD") == 1


def test_the_ballot_waits_for_the_vote_and_shows_a_quote_of_each_priority(db) -> None:
    from synth.decisions import review

    engine, conv = db["engine"], db["convening"]
    for t in themes(engine, conv).values():
        review.confirm(engine, t.id)
    codes = dict(ballots.issue_codes(engine, conv))  # handed out before the vote opens
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = codes["Ana"]
    at.run()
    assert any("appears here by itself" in i.value for i in at.info)
    assert not at.number_input
    ballots.open_vote(engine, conv)
    at.run()  # what the page's own look every few seconds does (tests/test_app_browser.py)
    assert len(at.number_input) == 3
    quotes = ballot_quotes(engine, conv)
    for tid, label in ballots.vote_info(engine, conv).priorities:
        said = [t.value for t in _ballot_card(at, label) if t.type == "text"]
        # One verbatim quote of this priority's own statements, with its speaker.
        assert f"\u201c{quotes[tid].text}\u201d" in said, said
        assert f"\u2014 {quotes[tid].speaker}" in said
        assert label in quotes[tid].text or quotes[tid].text == TRICKY
    expanders = [n for n in at.main if n.type == "expander"]
    assert [e.label for e in expanders].count("What was said") == 3


def _ballot_card(at: AppTest, label: str) -> list:
    """Every element of the one ballot card showing ``label``."""
    from streamlit.testing.v1.element_tree import Block

    found = [list(b) for b in at.main if isinstance(b, Block) and b.type == "flex_container"
             and b.proto.flex_container.border
             and any(n.type == "text" and n.value == label for n in b)]
    assert len(found) == 1, label
    return found[0]


def test_importance_and_feasibility_scores_when_the_vote_asks(db) -> None:
    from synth.decisions import review
    from synth.decisions.voting import BallotRules

    engine, conv = db["engine"], db["convening"]
    for t in themes(engine, conv).values():
        review.confirm(engine, t.id)
    at = signed_in()
    at.switch_page("synth_app/pages/results.py").run()
    next(c for c in at.checkbox if c.key == "rules-scores").check()
    at.run()
    button(at, "open-vote").click()
    at.run()
    assert ballots.vote_info(engine, conv).rules == BallotRules(
        dots_per_voter=3, max_per_priority=2, ask_importance_feasibility=True)
    assert any("No scores yet" in i.value for i in at.info)
    codes = dict(ballots.issue_codes(engine, conv))

    first, second = (tid for tid, _ in ballots.vote_info(engine, conv).priorities[:2])
    for name, importance, feasibility in (("Ana", 5, 2), ("Ben", 4, 3)):
        voter = AppTest.from_file(APP, default_timeout=30)
        voter.query_params["code"] = codes[name]
        voter.run()
        radios = {r.key: r for r in voter.radio}
        assert {f"importance-{first}", f"feasibility-{first}"} <= set(radios)
        assert radios[f"importance-{first}"].value is None  # optional: nothing chosen yet
        voter.number_input[0].set_value(1)
        radios[f"importance-{first}"].set_value(importance)
        radios[f"feasibility-{first}"].set_value(feasibility)
        voter.run()
        button(voter, "cast").click()
        voter.run()
        assert voter.success[0].value.startswith("Your ballot is saved"), voter.error
        saved = ballots.current_ballot(engine, codes[name])
        assert saved.importance == {first: importance} and saved.feasibility == {
            first: feasibility}
        assert second not in saved.importance

    again = AppTest.from_file(APP, default_timeout=30)  # coming back shows the saved scores
    again.query_params["code"] = codes["Ana"]
    again.run()
    assert next(r for r in again.radio if r.key == f"importance-{first}").value == 5

    at.run()
    table = next(d.value for d in at.dataframe if "mean importance (1-5)" in d.value.columns)
    row = table.iloc[0]
    assert row["mean importance (1-5)"] == "4.5" and row["mean feasibility (1-5)"] == "2.5"
    assert "not scored" in set(table["mean importance (1-5)"])
    assert not at.exception


def _open_scored_vote(db) -> tuple[dict[str, str], list[int]]:
    """A vote asking for scores, its ballot in an order that is not id (or insertion) order."""
    from synth.decisions import review
    from synth.decisions.voting import BallotRules
    from synth.store import ballots as store

    engine, conv = db["engine"], db["convening"]
    for t in themes(engine, conv).values():
        review.confirm(engine, t.id)
    ballots.open_vote(engine, conv, BallotRules(3, 2, ask_importance_feasibility=True))
    a, b, c = (tid for tid, _ in ballots.vote_info(engine, conv).priorities)
    with transaction(engine) as s:
        store.set_ballot(s, conv, [b, c, a])
    order = [tid for tid, _ in ballots.vote_info(engine, conv).priorities]
    assert order == [b, c, a] and order != sorted(order)
    return dict(ballots.issue_codes(engine, conv)), order


def _card(at: AppTest, tid: int) -> tuple:
    """One priority's dots, importance and feasibility widgets, found by priority id."""
    radios = {r.key: r for r in at.radio}
    return ({n.key: n for n in at.number_input}[f"dots-{tid}"], radios[f"importance-{tid}"],
            radios[f"feasibility-{tid}"])


def _shown(at: AppTest, order: list[int]) -> dict[int, tuple]:
    return {tid: tuple(w.value for w in _card(at, tid)) for tid in order}


def _type_code(at: AppTest, code: str) -> None:
    next(t for t in at.text_input if t.label == "Your voter code").input(code)
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception, at.exception


def test_voters_one_after_another_in_one_session_each_get_only_their_own_ballot(db) -> None:
    """Dots on some priorities, scores on others, two voters and a returning one in one browser
    session: every score lands on the priority whose card it was given on, and nothing of one
    voter's ballot reaches the next voter's."""
    codes, order = _open_scored_vote(db)
    engine = db["engine"]
    blank = {tid: (0, None, None) for tid in order}
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("synth_app/pages/vote.py").run()
    _type_code(at, codes["Ana"])
    dots, importance, feasibility = _card(at, order[0])
    dots.set_value(2)
    importance.set_value(5)
    feasibility.set_value(2)
    _card(at, order[2])[1].set_value(4)  # a score without dots
    at.run()
    button(at, "cast").click()
    at.run()
    assert at.success, at.error
    ana = ballots.current_ballot(engine, codes["Ana"])
    assert (dict(ana.dots), dict(ana.importance), dict(ana.feasibility)) == (
        {order[0]: 2}, {order[0]: 5, order[2]: 4}, {order[0]: 2})

    # The personal link of the next voter opened in the same session (the address changes, as
    # it does going back and forward between pages): her ballot starts blank.
    at.query_params["code"] = codes["Ben"]
    at.run()
    assert _shown(at, order) == blank
    dots, importance, feasibility = _card(at, order[1])
    dots.set_value(1)
    importance.set_value(3)
    feasibility.set_value(4)
    _card(at, order[0])[0].set_value(2)  # dots without scores
    at.run()
    button(at, "cast").click()
    at.run()
    assert at.success, at.error
    ben = ballots.current_ballot(engine, codes["Ben"])
    assert (dict(ben.dots), dict(ben.importance), dict(ben.feasibility)) == (
        {order[0]: 2, order[1]: 1}, {order[1]: 3}, {order[1]: 4})

    # "Not you?" and a typed code: the next voter again starts blank.
    button(at, "forget-code").click()
    at.run()
    _type_code(at, codes["Cy"])
    assert _shown(at, order) == blank

    # Ana comes back: her own ballot, each score on its own priority; casting again keeps it.
    button(at, "forget-code").click()
    at.run()
    _type_code(at, codes["Ana"])
    assert _shown(at, order) == {order[0]: (2, 5, 2), order[1]: (0, None, None),
                                 order[2]: (0, 4, None)}
    button(at, "cast").click()
    at.run()
    again = ballots.current_ballot(engine, codes["Ana"])
    assert again.revision == 2 and (again.dots, again.importance, again.feasibility) == (
        ana.dots, ana.importance, ana.feasibility)
    assert ballots.current_ballot(engine, codes["Cy"]) is None


def test_a_returning_voter_sees_each_saved_score_on_its_own_priority(db) -> None:
    codes, order = _open_scored_vote(db)
    engine = db["engine"]
    ballots.cast_ballot(engine, codes["Ana"], {order[1]: 2}, {order[1]: 5, order[2]: 1},
                        {order[0]: 3})
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = codes["Ana"]
    at.run()
    assert _shown(at, order) == {order[0]: (0, None, 3), order[1]: (2, 5, None),
                                 order[2]: (0, 1, None)}
    _card(at, order[2])[2].set_value(4)
    at.run()
    button(at, "cast").click()
    at.run()
    saved = ballots.current_ballot(engine, codes["Ana"])
    assert (dict(saved.dots), dict(saved.importance), dict(saved.feasibility)) == (
        {order[1]: 2}, {order[1]: 5, order[2]: 1}, {order[0]: 3, order[2]: 4})


def test_a_stored_ballot_that_cannot_be_read_shows_no_blank_form(db, monkeypatch) -> None:
    """Were the form shown blank, casting it would replace the voter's stored ballot."""
    from synth.errors import StoreError

    codes, order = _open_scored_vote(db)
    ballots.cast_ballot(db["engine"], codes["Ana"], {order[2]: 1}, {order[2]: 4})
    real = ballots.current_ballot

    def busy(*args, **kwargs):
        raise StoreError("the database is busy")

    monkeypatch.setattr(ballots, "current_ballot", busy)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = codes["Ana"]
    at.run()
    assert "busy" in at.error[0].value
    assert not at.number_input and not any(b.key == "cast" for b in at.button)
    monkeypatch.setattr(ballots, "current_ballot", real)
    at.run()
    assert _shown(at, order)[order[2]] == (1, 4, None) and not at.exception


def test_spending_too_many_dots_moves_no_priority_on_the_page(db) -> None:
    """The over-spend warning shows below the priorities, so the cards never shift under a
    voter's finger (or a positional click) between one run and the next."""
    codes, order = _open_scored_vote(db)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = codes["Ana"]
    at.run()

    def is_card(node) -> bool:
        return type(node).__name__ == "Block" and sum(
            (getattr(w, "key", None) or "").startswith("dots-") for w in node) == 1

    def cards() -> list[tuple[int, list[str]]]:
        """Where each priority's card is among its siblings on the page, and its keys."""
        blocks = [at.main]
        while blocks:
            block = blocks.pop()
            children = sorted(block.children.items())
            if any(is_card(node) for _, node in children):
                return [(i, [w.key for w in node if getattr(w, "key", None)])
                        for i, node in children if is_card(node)]
            blocks += [node for _, node in children if type(node).__name__ == "Block"]
        return []

    before = cards()
    assert [keys[0] for _, keys in before] == [f"dots-{tid}" for tid in order]
    _card(at, order[0])[0].set_value(2)
    _card(at, order[1])[0].set_value(2)
    at.run()
    assert "take some back" in at.error[0].value
    assert cards() == before


def test_a_vote_without_scores_asks_for_none(db) -> None:
    codes = _open_vote(db)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = codes["Ana"]
    at.run()
    assert not at.radio or all(not (r.key or "").startswith("importance") for r in at.radio)


def test_a_wrong_code_is_a_plain_message(db) -> None:
    _open_vote(db)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["code"] = "ABCD-EFGH-JKMN"
    at.run()
    assert "not right" in at.error[0].value
    assert not at.exception


def test_one_persons_typos_never_make_other_voters_wait(db) -> None:
    """Issue 26: the throttle was keyed on the client address, which Streamlit gives as None
    for every local or same-host proxied connection: four typos by one person made every
    other voter wait. It is keyed by browser session, and a right code always goes through."""
    codes = _open_vote(db)
    typo = AppTest.from_file(APP, default_timeout=30).run()
    typo.switch_page("synth_app/pages/vote.py").run()
    for n in range(6):  # three free tries, then 1, 2 and 4 s waits for this session
        _type_code(typo, f"ABCD-EFGH-JKM{n + 2}")
    assert "too many wrong codes" in typo.error[0].value
    for name in ("Ben", "Cy", "Pat"):
        voter = AppTest.from_file(APP, default_timeout=30)
        voter.query_params["code"] = codes[name]
        voter.run()
        assert not voter.error and len(voter.number_input) == 3, name
    typo.query_params["code"] = codes["Ana"]  # the typist's own right code, still blocked
    typo.run()
    assert not typo.error and len(typo.number_input) == 3


def test_links_warn_when_phones_cannot_open_them_and_staff_set_the_address_once(
        db, monkeypatch) -> None:
    """Issue 27: voter links pointed at 127.0.0.1 with no word that phones cannot reach it."""
    from synth_app import links

    monkeypatch.delenv(links.ENV, raising=False)
    monkeypatch.setattr(links, "lan_address", lambda: "192.168.1.20")
    monkeypatch.setattr(links, "listens_on_network", lambda: False)  # the project's config
    at = signed_in()
    at.switch_page("synth_app/pages/results.py").run()
    warning = " ".join(w.value for w in at.warning)
    assert "only this" in warning and "phones cannot reach it" in warning
    assert "--server.address 0.0.0.0" in warning and "192.168.1.20" in warning

    next(t for t in at.text_input if t.key == "public-url").input("vote.example.org:8501")
    next(b for b in at.get("form_submit_button") if b.label == "Save address").click()
    at.run()
    assert not at.warning and not at.exception
    assert any("http://vote.example.org:8501/" in c.value for c in at.caption)
    # Kept beside the database: a new session (another day, another staff member) uses it.
    assert links.saved(jobs.files_dir(db["url"])) == "http://vote.example.org:8501/"
    again = signed_in()
    again.switch_page("synth_app/pages/results.py").run()
    assert not again.warning

    next(t for t in again.text_input if t.key == "public-url").input("not an address")
    next(b for b in again.get("form_submit_button") if b.label == "Save address").click()
    again.run()
    assert again.error and links.saved(jobs.files_dir(db["url"])) == (
        "http://vote.example.org:8501/")


def test_a_detected_network_address_starts_the_links_when_the_app_serves_the_room(
        db, monkeypatch) -> None:
    from synth_app import links

    folder = jobs.files_dir(db["url"])
    monkeypatch.delenv(links.ENV, raising=False)
    monkeypatch.setattr(links, "lan_address", lambda: "10.0.0.7")
    monkeypatch.setattr(links, "listens_on_network", lambda: True)
    assert links.base_url(folder) == ("http://10.0.0.7:8501/", "network")
    monkeypatch.setenv(links.ENV, "https://vote.example.org/")
    assert links.base_url(folder) == ("https://vote.example.org/", "environment")
    links.save(folder, "http://192.168.4.2:8501")
    assert links.base_url(folder) == ("http://192.168.4.2:8501/", "saved")
    links.save(folder, "")  # back to the automatic choice
    assert links.base_url(folder)[1] == "environment"
    monkeypatch.setattr(links, "listens_on_network", lambda: False)
    monkeypatch.delenv(links.ENV)
    assert links.base_url(folder) == ("http://127.0.0.1:8501/", "loopback")


def test_the_machines_network_address_is_found_without_sending_anything() -> None:
    import ipaddress

    from synth_app import links

    found = links.lan_address()  # None on a machine with no network at all
    assert found is None or not ipaddress.ip_address(found).is_loopback
    assert links.is_loopback("http://127.0.0.1:8501/") and links.is_loopback("http://[::1]/")
    assert links.is_loopback("http://localhost:8501/") and links.is_loopback("http://0.0.0.0/")
    assert not links.is_loopback("http://192.168.1.20:8501/")
    assert not links.is_loopback("https://vote.example.org/")


def test_printable_voter_cards_with_qr_codes(db, monkeypatch) -> None:
    from synth.decisions.voter_codes import ballot_link, cards_html, format_code, qr_svg
    from synth_app import links, results

    made: list[str] = []  # what the app hands to its download button (the bytes are checked
    # in a real browser by tests/test_app_browser.py)
    monkeypatch.setattr(results, "cards_html", lambda *a, **k: made.append(
        cards_html(*a, **k)) or made[-1])
    monkeypatch.setenv(links.ENV, "http://192.168.1.20:8501/")
    engine, conv = db["engine"], db["convening"]
    with transaction(engine) as s:  # a name typed in by a person is text on the card
        partnership = queries.get_convening(s, conv).partnership_id
        next(p for p in queries.roster_of(s, partnership).values()
             if p.name == "Cy").name = "<b>Cy</b> & co"
    at = signed_in()
    at.switch_page("synth_app/pages/results.py").run()
    button(at, "issue-codes").click()
    at.run()
    assert len(at.dataframe[0].value) == 4
    assert next(b for b in at.get("download_button") if b.key == "cards-download"
                ).proto.label == "Download printable cards with QR codes (HTML)"
    html = made[-1]
    for _, code in at.session_state["_issued_codes"]:
        link = ballot_link("http://192.168.1.20:8501/", code)
        assert format_code(code) in html and link.replace("&", "&amp;") in html
        assert qr_svg(link) in html  # the QR code is of this voter's own link
    assert html.count("<svg") == 4 and "Launch" in html
    assert "&lt;b&gt;Cy&lt;/b&gt; &amp; co" in html and "<b>Cy</b>" not in html

def test_results_page_runs_the_vote_and_offers_every_export(db) -> None:
    from synth.decisions import review
    from synth.export.render import FORMATS

    engine, conv = db["engine"], db["convening"]
    for t in themes(engine, conv).values():
        review.confirm(engine, t.id)
    at = signed_in()
    at.switch_page("synth_app/pages/results.py").run()
    assert [t.value for t in at.title] == ["Vote and results"]
    button(at, "open-vote").click()
    at.run()
    assert ballots.vote_info(engine, conv).status == "open"
    button(at, "issue-codes").click()
    at.run()
    assert len(at.dataframe) >= 1
    codes = dict(ballots.issue_codes(engine, conv, ["Ben"]))
    first = ballots.vote_info(engine, conv).priorities[0][0]
    ballots.cast_ballot(engine, codes["Ben"], {first: 2})
    button(at, "close-vote").click()
    at.run()
    assert ballots.vote_info(engine, conv).status == "closed"
    assert {b.key for b in at.get("download_button")} >= {f"export-{f}" for f in FORMATS}
    files = {fmt: data for fmt, _, data, _ in export_files(priority_report(engine, conv))}
    assert set(files) == set(FORMATS) and all(files.values())
    assert b"2" in files["csv"] and "rank" in files["csv"].decode("utf-8-sig")
    assert not at.exception


# --- background jobs -----------------------------------------------------------------------


def test_a_job_refuses_a_file_whose_content_is_not_its_type(db) -> None:
    with pytest.raises(InputError, match="holds text"):
        jobs.submit(db["url"], db["convening"], [("meeting.wav", b"Ana: hello there\n")],
                    start=False)


def test_each_bad_upload_gets_its_own_message_and_good_files_still_go_through(
        db, monkeypatch) -> None:
    """Issue 27: one bad file refused the whole batch, and messages showed synth's folders."""
    monkeypatch.setattr(jobs, "_launch", lambda url, root, job: job)  # queued, never started
    monkeypatch.setenv("SYNTH_MAX_UPLOAD_MB", "1")
    root = jobs.files_dir(db["url"])
    at = signed_in()
    next(u for u in at.file_uploader if u.key == f"upload-{db['convening']}").set_value([
        ("meeting.wav", b"Ana: hello there\n", "audio/wav"),
        ("notes.txt", b"Ana: we need welders.\n", "text/plain"),
        ("huge.txt", b"Ana: words.\n" * 100_000, "text/plain"),
        ("scan.json", b"\x89PNG\r\n\x1a\n" + bytes(200), "application/json")])
    at.run()
    button(at, "process").click()
    at.run()
    errors = [_unescaped(e) for e in at.error]
    assert sorted(e.split(":")[0] for e in errors) == ["huge.txt", "meeting.wav", "scan.json"]
    assert not any(str(root) in e or "/inputs" in e for e in errors), errors
    (job,) = jobs.jobs_of(root, db["convening"])
    assert [Path(p).name for p in job.inputs] == ["notes.txt"]  # the good one went through
    assert sorted(p.name for p in Path(job.inputs[0]).parent.iterdir()) == ["notes.txt"]

    # A job that failed says so with its files' names, never where synth keeps them.
    jobs._write(root, replace(job, status="failed",
                              error=f"{job.inputs[0]}: cannot be decoded (in {root})"))
    at.run()
    (shown,) = [_unescaped(e) for e in at.error]
    assert "cannot be decoded" in shown and str(root) not in shown and "/" not in shown
    assert not at.exception


def test_a_job_whose_process_died_is_reported_failed(db) -> None:
    job = jobs.submit(db["url"], db["convening"], [("notes.txt", b"Ana: we need welders.\n")],
                      start=False)
    root = jobs.files_dir(db["url"])
    assert jobs.jobs_of(root, db["convening"])[0].status == "queued"
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)  # a process that has ended without writing "done"
    jobs._write(root, replace(jobs.load(root, job.id), status="running", pid=pid))
    (state,) = jobs.jobs_of(root, db["convening"])
    assert state.status == "failed" and "stopped unexpectedly" in (state.error or "")


def test_queued_jobs_show_how_many_are_ahead(db) -> None:
    """One job runs at a time (SYNTH_MAX_JOBS unset): the page shows the others' place."""
    root = jobs.files_dir(db["url"])
    made = [jobs.submit(db["url"], db["convening"], [(f"table{i}.txt", b"Ana: welders.\n")],
                        start=False) for i in (1, 2, 3)]
    # The first runs (in this test's process: it looks alive); two wait in line.
    jobs._write(root, replace(made[0], held=False, status="running", pid=os.getpid()))
    for n, job in enumerate(made[1:], start=1):
        jobs._write(root, replace(job, held=False, order=made[0].order + n))
    at = signed_in()
    shown = [p.text for p in at.get("progress")]
    assert "table2.txt: queued, 1 ahead" in shown and "table3.txt: queued, 2 ahead" in shown
    assert any("(2 queued)" in i.value for i in at.info)
    assert {j.id: j.status for j in jobs.jobs_of(root)} == {
        made[0].id: "running", made[1].id: "queued", made[2].id: "queued"}  # none started
    assert not at.exception


def test_a_running_job_shows_each_stage_and_is_seen_after_a_reload(db) -> None:
    from synth_app.setup import stages

    job = jobs.submit(db["url"], db["convening"], [("notes.txt", b"Ana: we need welders.\n")],
                      start=False)
    root = jobs.files_dir(db["url"])
    # Whisper is half way through the audio (the pid is this test's: the job looks alive).
    jobs._write(root, replace(job, status="running", pid=os.getpid(), progress=0.27,
                              message="50% of audio, about 60 s left"))
    at = signed_in()  # a new browser session, as after a reload
    shown = texts(at)
    assert any(t.startswith("Upload: done, 1 file(s)") for t in shown)
    assert "Transcription: 50%, 50% of audio, about 60 s left" in shown
    assert "Theme finding: waiting" in shown
    assert any("in the background" in i.value for i in at.info)
    assert not at.exception

    def stage(progress: float, message: str) -> dict[str, str]:
        state = replace(job, status="running", progress=progress, message=message)
        return dict(stages(state))

    assert stage(0.54, "done")["Transcription"] == "words done; telling the speakers apart"
    assert stage(0.54, "splitting statements")["Transcription"] == "done"
    assert stage(0.72, "embedding statements")["Theme finding"].startswith("50%")
    assert stage(0.95, "saving: themes") == {"Upload": stage(0, "")["Upload"],
                                             "Transcription": "done", "Theme finding": "done",
                                             "Saving": "50%, saving: themes"}
