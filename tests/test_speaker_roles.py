"""A speaker mapped to a facilitator or a public partner (issue 27, item 2): facilitator talk
leaves the candidates at once (and comes back on undo), breadth, companies and the business
leaders' talk share follow, and a re-run is told what the facilitator mapped.

Small hand-made results in the store, as in test_store; no model runs.
"""

# The store fixtures (engine, db_url, ...) come from conftest and test_store.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from test_store import by_label, load, result, state, theme_id

from synth.convening import setup
from synth.decisions import review
from synth.store import queries, transaction

# Statement number -> speaker label as diarization gives them: S1 opens and sums up (the
# facilitator, once mapped), S2-S4 are business leaders, S5 is the college.
SPEAKERS = {0: "S1", 1: "S2", 2: "S3", 3: "S1", 4: "S4", 5: "S2", 6: "S5", 7: "S1", 8: "S3",
            9: "S1", 10: "S1"}
THEMES = {"hire": [0, 1, 2, 3, 4], "care": [5, 6, 7, 8], "talk": [9, 10]}


@pytest.fixture
def conv(engine: Engine) -> int:
    conv = load(engine, result(THEMES, n=11, speakers=SPEAKERS)).convening_id
    for label, name in {"S2": "Ana", "S3": "Ben", "S4": "Cy"}.items():
        review.assign_speaker(engine, conv, label, name)
    return conv


def members(engine: Engine, conv: int, key: str) -> set[str]:
    with transaction(engine) as s:
        tid = theme_id(engine, conv, key)
        return {m.statement_id for m in queries.members_of(s, [tid])}


def test_mapping_a_facilitator_takes_their_talk_out_of_the_candidates_and_undo(
        engine: Engine, conv: int) -> None:
    before = state(engine, conv)
    versions = {k: by_label(engine, conv)[f"label {k}"].version for k in THEMES}
    review.assign_speaker(engine, conv, "S1", "Fay", who="facilitator")
    assert members(engine, conv, "hire") == {"s01", "s02", "s04"}
    assert members(engine, conv, "care") == {"s05", "s06", "s08"}
    themes = by_label(engine, conv)
    hire = themes["label hire"]
    assert "Fay" not in hire.speakers and hire.statement_ids == ("s01", "s02", "s04")
    # A candidate made only of the facilitator's talk is gone from the ranking.
    assert themes["label talk"].status == "discarded" and themes["label talk"].rank is None
    assert {k: themes[f"label {k}"].version for k in THEMES} == {
        k: v + 1 for k, v in versions.items()}
    with transaction(engine) as s:  # not marked as a facilitator's edit: re-runs may re-place
        assert not any(t.edited for t in queries.themes_of(s, conv))
    review.undo(engine, conv)
    assert state(engine, conv) == before
    assert by_label(engine, conv)["label talk"].status == "candidate"


def test_pinned_facilitator_talk_stays_where_it_was_put(engine: Engine, conv: int) -> None:
    review.move(engine, ["s03"], theme_id(engine, conv, "care"))  # pinned by hand
    review.assign_speaker(engine, conv, "S1", "Fay")
    assert "s03" in members(engine, conv, "care") and "s07" not in members(engine, conv, "care")


def test_merging_into_or_renaming_as_a_facilitator_sets_their_talk_aside(
        engine: Engine, conv: int) -> None:
    review.assign_speaker(engine, conv, "S5", "Fay")  # the college's voice, wrongly, first
    assert "s06" not in members(engine, conv, "care")
    review.undo(engine, conv)
    review.rename_speaker(engine, conv, "S1", "Fay")  # a roster name maps the label
    assert members(engine, conv, "hire") == {"s01", "s02", "s04"}
    review.undo(engine, conv)
    # S5 turns out to be the facilitator too: merged into S1 once S1 is mapped.
    review.assign_speaker(engine, conv, "S1", "Fay")
    review.merge_speakers(engine, conv, "S1", "S5")
    assert members(engine, conv, "care") == {"s05", "s08"}
    review.undo(engine, conv)
    assert "s06" in members(engine, conv, "care")


def test_a_public_partner_keeps_their_statements_but_not_breadth(engine: Engine,
                                                                  conv: int) -> None:
    review.assign_speaker(engine, conv, "S5", "Pat")
    care = by_label(engine, conv)["label care"]
    assert "s06" in care.statement_ids and "Pat" in care.speakers
    assert care.business_leaders == ("Ana", "Ben") and care.breadth == 2
    with transaction(engine) as s:
        assert queries.talk_time(s, conv).seconds["public"] == 6.0


def test_business_leaders_talk_share_tells_equal_breadth_apart(engine: Engine,
                                                                conv: int) -> None:
    review.assign_speaker(engine, conv, "S1", "Fay")
    themes = by_label(engine, conv)
    hire, care = themes["label hire"], themes["label care"]
    assert hire.business_leaders == ("Ana", "Ben", "Cy") and hire.breadth == 3
    assert hire.companies == ("Acme Welding", "Bolt Fab", "Cobalt Machining")
    # Business leaders said s01, s02, s04, s05, s08 (6 s each): 3 of 5 in hire, 2 in care.
    assert (hire.business_seconds, hire.business_share) == (18.0, 0.6)
    assert (care.business_seconds, care.business_share) == (12.0, 0.4)
    with transaction(engine) as s:
        shares = queries.talk_time(s, conv).shares
    assert shares["facilitator"] == pytest.approx(5 / 11, abs=1e-4)


def test_equal_breadth_and_companies_rank_by_business_talk(engine: Engine) -> None:
    speakers = {0: "S2", 1: "S3", 2: "S2", 3: "S2", 4: "S3"}
    conv = load(engine, result({"short": [0, 1], "long": [2, 3, 4]}, n=5,
                               speakers=speakers)).convening_id
    review.assign_speaker(engine, conv, "S2", "Ana")
    review.assign_speaker(engine, conv, "S3", "Ben")
    with transaction(engine) as s:
        ranked = [t.label for t in queries.theme_summaries(s, conv)]
    assert ranked == ["label long", "label short"]


def test_a_rerun_is_told_the_labels_the_facilitator_mapped(engine: Engine, conv: int) -> None:
    review.assign_speaker(engine, conv, "S1", "Fay")
    review.merge_speakers(engine, conv, "S2", "S5")  # S5 counts as S2, who is Ana
    assert setup.speaker_names(engine, conv) == {"S1": "Fay", "S2": "Ana", "S3": "Ben",
                                                 "S4": "Cy", "S5": "Ana"}


def test_processing_passes_the_mapping_to_the_pipeline(engine: Engine, conv: int,
                                                       db_url: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's job (synth.convening.jobs.process) hands the mapped labels to the pipeline, so a
    re-run does not cluster the facilitator's words again."""
    from synth.convening import jobs, pipeline

    seen: dict = {}

    class Stop(Exception):
        pass

    def fake(inputs, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen.update(kwargs)
        raise Stop

    review.assign_speaker(engine, conv, "S1", "Fay")
    monkeypatch.setattr(pipeline, "synthesize", fake)
    with pytest.raises(Stop):
        jobs.process(db_url, conv, [])
    assert seen["known_speakers"]["S1"] == "Fay"
