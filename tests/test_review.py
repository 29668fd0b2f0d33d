"""Facilitator review: every action, its audit entry and its undo; bad requests; the CLI."""

# The store fixtures (engine, db_url, ...) are imported from test_store and requested by
# name, which ruff reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from sqlalchemy import Engine
from test_store import by_label, load, result, state, theme_id

from synth.decisions import review
from synth.errors import ConflictError, InputError, NotFoundError, ReviewError
from synth.store import queries, transaction
from synth.store.schema import StatementVector

THEMES = {"hire": [0, 1, 2, 3], "care": [4, 5, 6], "house": [7, 8], "solo": [9]}


@pytest.fixture
def conv(engine: Engine) -> int:
    """A convening with four candidates: hire (4), care (3), house (2), solo (1)."""
    return load(engine, result(THEMES, n=14)).convening_id


def ids(engine: Engine, conv: int) -> dict[str, int]:
    return {k: theme_id(engine, conv, k) for k in THEMES}


def audit(engine: Engine, conv: int) -> list[tuple[str, str, int | None]]:
    with transaction(engine) as s:
        return [(a.action, a.who, a.undone_by) for a in queries.audit_of(s, conv)]


def undo_restores(engine: Engine, conv: int, before: dict) -> None:
    review.undo(engine, conv, who="tester")
    assert state(engine, conv) == before


def fake_embed(texts: Sequence[str]) -> np.ndarray:
    """Two clear topics: texts mentioning an even statement number, and the others."""
    out = []
    for t in texts:
        n = int(t.split()[2])
        out.append([1.0, 0.05 * n] if n % 2 == 0 else [0.0, 1.0 + 0.05 * n])
    return np.asarray(out, dtype=np.float32)


# --- each action and its undo --------------------------------------------------------------


def test_confirm_and_undo(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)
    before = state(engine, conv)
    out = review.confirm(engine, t["hire"], who="maria")
    assert by_label(engine, conv)["label hire"].status == "confirmed"
    assert out.versions == {t["hire"]: 2}
    assert audit(engine, conv)[-1] == ("confirm", "maria", None)
    undo_restores(engine, conv, before)
    assert by_label(engine, conv)["label hire"].version == 3  # undo is a change too


def test_rename_marks_the_label_as_the_facilitators_and_undo(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)
    before = state(engine, conv)
    review.rename(engine, t["care"], "  Childcare   for shift workers ")
    theme = by_label(engine, conv)["Childcare for shift workers"]
    assert not theme.label_generated
    undo_restores(engine, conv, before)


def test_merge_into_the_first_and_undo(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)
    before = state(engine, conv)
    review.merge(engine, [t["care"], t["house"], t["solo"]])
    themes = by_label(engine, conv)
    assert themes["label care"].statement_ids == ("s04", "s05", "s06", "s07", "s08", "s09")
    assert themes["label house"].status == "merged"
    assert themes["label house"].merged_into == t["care"]
    assert themes["label solo"].statement_ids == ()
    with transaction(engine) as s:
        entry = queries.audit_of(s, conv)[-1]
    assert entry.before["members"]["s07"] == {"theme": t["house"], "pinned": False}
    assert entry.after["members"]["s07"] == {"theme": t["care"], "pinned": False}
    undo_restores(engine, conv, before)


def test_split_preview_writes_nothing_then_commit_and_undo(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)
    before, log = state(engine, conv), audit(engine, conv)
    groups = review.preview_split(engine, t["hire"], parts=2, embed=fake_embed)
    assert sorted(g.statement_ids for g in groups) == [("s00", "s02"), ("s01", "s03")]
    assert all(g.label for g in groups)
    assert state(engine, conv) == before and audit(engine, conv) == log
    with transaction(engine) as s:
        assert queries.count(s, StatementVector, conv) == 0

    out = review.split(engine, t["hire"], parts=2, embed=fake_embed)
    themes = by_label(engine, conv)
    assert themes["label hire"].statement_ids == groups[0].statement_ids
    new = next(th for th in themes.values() if th.id == out.created[0])
    assert new.statement_ids == groups[1].statement_ids and new.label_generated
    with transaction(engine) as s:  # embeddings are kept for later splits and re-runs
        assert queries.count(s, StatementVector, conv) == 4
    undo_restores(engine, conv, before)
    assert out.created[0] not in {th.id for th in by_label(engine, conv).values()}


def test_split_with_groups_given_by_hand(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)
    out = review.split(engine, t["hire"], groups=[["s00"], ["s01", "s02"], ["s03"]])
    assert len(out.created) == 2
    with transaction(engine) as s:
        themes = {th.id: th for th in queries.theme_summaries(s, conv)}
    assert themes[t["hire"]].statement_ids == ("s00",)
    assert themes[out.created[0]].statement_ids == ("s01", "s02")


def test_move_pins_statements_and_undo(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)
    before = state(engine, conv)
    review.move(engine, ["s00", "s13"], t["care"])  # s13 was in no theme
    themes = by_label(engine, conv)
    assert themes["label care"].pinned == ("s00", "s13")
    assert "s00" not in themes["label hire"].statement_ids
    undo_restores(engine, conv, before)


def test_move_out_of_every_theme(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)
    review.move(engine, ["s04"], None, convening_id=conv)
    assert by_label(engine, conv)["label care"].statement_ids == ("s05", "s06")
    assert state(engine, conv)["members"]["s04"] == (None, True)
    assert t["care"] in state(engine, conv)["themes"]


def test_discard_and_undo(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)
    before = state(engine, conv)
    review.discard(engine, t["solo"])
    with transaction(engine) as s:
        ranked = queries.theme_summaries(s, conv)
    assert t["solo"] not in [r.id for r in ranked]
    undo_restores(engine, conv, before)


def test_create_a_priority_by_hand_and_undo(engine: Engine, conv: int) -> None:
    before = state(engine, conv)
    out = review.create_theme(engine, conv, "Broadband", ["s10", "s11", "s03"])
    theme = by_label(engine, conv)["Broadband"]
    assert theme.id == out.created[0] and theme.status == "confirmed"
    assert theme.statement_ids == ("s03", "s10", "s11") and theme.pinned == theme.statement_ids
    assert "s03" not in by_label(engine, conv)["label hire"].statement_ids
    undo_restores(engine, conv, before)


def test_undo_goes_back_one_action_at_a_time_and_stops_at_the_import(engine: Engine,
                                                                     conv: int) -> None:
    t = ids(engine, conv)
    start = state(engine, conv)
    review.confirm(engine, t["hire"])
    after_confirm = state(engine, conv)
    review.rename(engine, t["hire"], "Welders")
    review.undo(engine, conv)
    assert state(engine, conv) == after_confirm
    review.undo(engine, conv)
    assert state(engine, conv) == start
    with pytest.raises(ReviewError, match="import"):
        review.undo(engine, conv)
    assert [a for a, _, _ in audit(engine, conv)] == ["import", "confirm", "rename", "undo",
                                                      "undo"]


def test_nothing_to_undo_in_a_new_convening(engine: Engine, conv: int) -> None:
    review.confirm(engine, ids(engine, conv)["hire"])
    review.undo(engine, conv)
    with pytest.raises(ReviewError):
        review.undo(engine, conv)


# --- speakers ------------------------------------------------------------------------------


def test_speaker_corrections_change_breadth_and_undo(engine: Engine) -> None:
    speakers = {0: "SPEAKER_0", 1: "SPEAKER_1", 2: "SPEAKER_2", 3: "Pat"}
    conv = load(engine, result({"t": [0, 1, 2, 3]}, n=4, speakers=speakers)).convening_id
    assert by_label(engine, conv)["label t"].breadth == 0  # Pat is public; no one else mapped
    before = state(engine, conv)
    review.rename_speaker(engine, conv, "SPEAKER_0", "Ana")  # a roster name maps itself
    review.assign_speaker(engine, conv, "SPEAKER_1", "Ben")
    review.assign_speaker(engine, conv, "SPEAKER_2", "Cy")
    assert by_label(engine, conv)["label t"].business_leaders == ("Ana", "Ben", "Cy")
    review.merge_speakers(engine, conv, "SPEAKER_1", "SPEAKER_2")  # the same person
    assert by_label(engine, conv)["label t"].business_leaders == ("Ana", "Ben")
    with transaction(engine) as s:
        assert queries.talk_time(s, conv).seconds["business"] == 18.0
    for _ in range(4):
        review.undo(engine, conv)
    assert state(engine, conv) == before


def test_speaker_errors(engine: Engine, conv: int) -> None:
    with pytest.raises(NotFoundError, match="NOBODY"):
        review.rename_speaker(engine, conv, "NOBODY", "X")
    with pytest.raises(NotFoundError, match="roster"):
        review.assign_speaker(engine, conv, "Ana", "Zed")
    with pytest.raises(ReviewError, match="itself"):
        review.merge_speakers(engine, conv, "Ana", "Ana")
    review.merge_speakers(engine, conv, "Ana", "Ben")
    with pytest.raises(ReviewError, match="already merged"):
        review.merge_speakers(engine, conv, "Ben", "Ana")


# --- bad requests change nothing ------------------------------------------------------------


BAD = {
    "merge into itself": lambda e, t, c: review.merge(e, [t["hire"], t["hire"]]),
    "merge one": lambda e, t, c: review.merge(e, [t["hire"]]),
    "split one statement": lambda e, t, c: review.split(e, t["solo"], embed=fake_embed),
    "split too many parts": lambda e, t, c: review.split(e, t["house"], parts=3,
                                                         embed=fake_embed),
    "split bad groups": lambda e, t, c: review.split(e, t["hire"], groups=[["s00"], ["s01"]]),
    "unknown theme": lambda e, t, c: review.confirm(e, 9999),
    "unknown statement": lambda e, t, c: review.move(e, ["s00", "nope"], t["care"]),
    "unknown convening": lambda e, t, c: review.undo(e, 9999),
    "empty label": lambda e, t, c: review.rename(e, t["hire"], "  "),
    "create without statements": lambda e, t, c: review.create_theme(e, c, "X", []),
    "act on a merged theme": lambda e, t, c: review.rename(e, t["house"], "X"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_requests_are_refused_and_change_nothing(engine: Engine, conv: int,
                                                     case: str) -> None:
    t = ids(engine, conv)
    if case == "act on a merged theme":
        review.merge(engine, [t["care"], t["house"]])
    before, log = state(engine, conv), audit(engine, conv)
    with pytest.raises(InputError) as err:
        BAD[case](engine, t, conv)
    assert str(err.value)
    assert state(engine, conv) == before and audit(engine, conv) == log


def test_a_stale_version_is_refused(engine: Engine, conv: int) -> None:
    t = ids(engine, conv)["hire"]
    seen = by_label(engine, conv)["label hire"].version
    review.rename(engine, t, "Welders", expected={t: seen})  # first edit wins
    before = state(engine, conv)
    with pytest.raises(ConflictError, match=f"version {seen}"):
        review.rename(engine, t, "Machinists", expected={t: seen})
    assert state(engine, conv) == before


# --- the CLI ---------------------------------------------------------------------------------


def test_cli_import_review_and_undo(db_url: str, tmp_path, monkeypatch) -> None:  # noqa: F811
    import json
    import re

    import typer
    from typer.testing import CliRunner

    from synth.cli import review as review_cli

    app = typer.Typer()
    app.add_typer(review_cli.db_app, name="db")
    app.command("import")(review_cli.import_result)
    app.add_typer(review_cli.review_app, name="review")
    app.add_typer(review_cli.speakers_app, name="speakers")
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(result(THEMES, n=14)))
    run = CliRunner().invoke
    assert run(app, ["db", "init"]).exit_code == 0
    out = run(app, ["import", str(path), "--convening", "Launch", "--industry", "manufacturing",
                    "--region", "North Bay"])
    assert out.exit_code == 0, out.output
    again = run(app, ["import", str(path), "--convening", "Launch"])  # a re-run, by title
    assert again.exit_code == 0 and "4 themes kept" in again.output, again.output
    listing = run(app, ["review", "list", "--convening", "Launch"])
    assert listing.exit_code == 0 and "label hire" in listing.output
    first = listing.output.splitlines()[1].split()[1]  # rank 1's theme id
    assert run(app, ["review", "confirm", first]).exit_code == 0
    assert run(app, ["review", "rename", first, "Welders"]).exit_code == 0
    assert "Welders" in run(app, ["review", "list", "--convening", "Launch"]).output
    assert run(app, ["review", "undo", "--convening", "Launch"]).exit_code == 0
    assert "Welders" not in run(app, ["review", "list", "--convening", "Launch"]).output
    bad = run(app, ["review", "merge", first, first])
    assert bad.exit_code == 2 and "itself" in bad.output
    assert run(app, ["speakers", "assign", "Ana", "Ben", "--convening", "Launch"]).exit_code == 0
    report = run(app, ["review", "report", "--convening", "Launch"])
    assert report.exit_code == 0 and "business" in report.output

    # The speaker edits say what they did, show in the list and the log, and fail in one line.
    def said(*args: str) -> str:
        out = run(app, [*args, "--convening", "Launch"])
        assert out.exit_code == 0, out.output
        return out.stdout  # what the command says; stderr may hold CliRunner logging noise

    assert said("speakers", "rename", "Cy", "Cyrus") == "speaker Cy is Cyrus\n"
    assert said("speakers", "merge", "Ben", "Pat") == "speaker Pat merged into Ben\n"
    assert re.search(r"^Pat += Ben +Ben \(business, Bolt Fab\)$",
                     said("speakers", "list"), re.M)
    assert [line.split()[4:] for line in said("review", "log").splitlines()[-3:]] == [
        ["assign_speaker", "speaker", "Ana:", "Ben"], ["rename_speaker", "speaker", "Cy:", "Cyrus"],
        ["merge_speakers", "speaker", "Pat", "into", "Ben"]]
    same = run(app, ["speakers", "merge", "Ben", "Ben", "--convening", "Launch"])
    assert (same.exit_code, same.output) == (2, "error: cannot merge speaker 'Ben' into itself.\n")
    nowhere = run(app, ["speakers", "list", "--convening", "Nowhere"])
    assert nowhere.exit_code == 2 and nowhere.output.startswith("error: no convening titled")
