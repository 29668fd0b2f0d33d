"""The app's privacy actions: withdraw a quote, delete a recording, each after a confirmation.

Uses test_app's database (one processed convening, recording ``REC`` = plenary.txt) and its
signed-in AppTest.
"""

# ruff: noqa: F811

from __future__ import annotations

import pytest

pytest.importorskip("streamlit")

from test_app import REC, TOPICS, button, db, signed_in, texts  # noqa: E402, F401  (fixture)

from synth.convening import jobs  # noqa: E402
from synth.store import queries, transaction  # noqa: E402
from synth.store.schema import StoredStatement  # noqa: E402

WORDS = "We need welder apprenticeships, said in way number 0."


def _search(at, query: str) -> list[str]:
    next(t for t in at.text_input if t.key == "search").input(query)
    at.run()
    return [t for t in texts(at) if t.endswith("statement(s) match.")]


def test_a_quote_is_withdrawn_from_its_card_after_a_confirmation(db) -> None:
    at = signed_in()
    assert f"\u201c{WORDS}\u201d" in texts(at)
    assert _search(at, "welder") == ["7 statement(s) match."]
    button(at, "withdraw-s00").click()
    at.run()
    # Armed only: a warning and a confirmation, nothing withdrawn yet.
    assert any("cannot be undone" in w.value for w in at.warning)
    with transaction(db["engine"]) as s:
        assert s.get(StoredStatement, (db["convening"], "s00")).text == WORDS
    button(at, "withdraw-s00-cancel").click()
    at.run()
    assert not any(b.key == "withdraw-s00-confirm" for b in at.button)
    button(at, "withdraw-s00").click()
    at.run()
    button(at, "withdraw-s00-confirm").click()
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [
        "Withdrew 1 statement: the words are erased and shown nowhere."]
    assert not any("way number 0." in t for t in texts(at))  # cards, statement lists
    assert _search(at, "welder") == ["6 statement(s) match."]
    # The theme quotes another statement instead (business leaders first: Ana's next one,
    # not the public partner's number 3); the map and search read the same view.
    assert f"\u201c{WORDS.replace('number 0', 'number 4')}\u201d" in texts(at)
    from synth.decisions.review_view import read_convening

    assert "s00" not in read_convening(db["engine"], db["convening"]).statements
    with transaction(db["engine"]) as s:
        row = s.get(StoredStatement, (db["convening"], "s00"))
        assert (row.text, row.withdrawn) == ("", True)


def test_any_statement_can_be_withdrawn_from_the_recordings_tab(db) -> None:
    at = signed_in()
    next(m for m in at.multiselect if m.key == "withdraw-pick").select("s07").select("s08")
    at.run()
    button(at, "withdraw-picked").click()
    at.run()
    button(at, "withdraw-picked-confirm").click()
    at.run()
    assert not at.exception, at.exception
    with transaction(db["engine"]) as s:
        rows = queries.statements_of(s, db["convening"])
        assert {sid for sid, r in rows.items() if r.withdrawn} == {"s07", "s08"}
    assert not any("way number 7." in t or "way number 8." in t for t in texts(at))


def test_a_recording_is_deleted_with_everything_derived_after_a_confirmation(db) -> None:
    root = jobs.files_dir(db["url"])
    (root / "media").mkdir(parents=True, exist_ok=True)
    (root / "media" / f"{REC}.txt").write_text("the plenary")
    at = signed_in()
    button(at, "delete-recording").click()
    at.run()
    assert [t for t in texts(at) if t.startswith("Delete plenary.txt")] == [
        f"Delete plenary.txt ({REC})?"]
    with transaction(db["engine"]) as s:  # armed only
        assert REC in queries.recordings_of(s, db["convening"])
    button(at, "delete-cancel").click()
    at.run()
    assert not any(b.key == "delete-confirm" for b in at.button)
    button(at, "delete-recording").click()
    at.run()
    button(at, "delete-confirm").click()
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [
        "Deleted the recording plenary.txt and everything made from it."]
    assert not (root / "media" / f"{REC}.txt").exists()
    with transaction(db["engine"]) as s:
        assert queries.recordings_of(s, db["convening"]) == {}
        assert queries.statements_of(s, db["convening"]) == {}
        assert queries.themes_of(s, db["convening"]) == []  # all were untouched candidates
    assert not any(topic in t for t in texts(at) for topic, _ in TOPICS.values())
    assert "No recordings yet." in texts(at)
