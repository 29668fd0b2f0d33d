"""The one hand-off from pipeline to store (issue 28): the pipeline's result goes into the
store as records, with the vectors it computed; its JSON file is read into the same records."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from sqlalchemy import Engine

from synth.convening.handoff import to_result
from synth.convening.pipeline import Convening
from synth.convening.report import to_json
from synth.records import Participant, Recording, Statement, Theme, Transcript, Turn, Word
from synth.store import import_result, queries, transaction
from synth.store.result import load_result

ROSTER = (Participant("Tom Reyes", "Reyes Precision Machining", "business"),
          Participant("Linda Park", "Northfork Fabrication", "business"),
          Participant("Karen Holloway", "Cascade Valley Workforce Board", "facilitator"))


def convening(text: str = "notes.txt") -> Convening:
    """A recorded convening built by hand (no models): three turns with Whisper's word
    probabilities, two candidates, and a vector per statement."""
    rid = hashlib.sha256(text.encode()).hexdigest()[:16]
    said = [("Tom Reyes", "We need more welders on the floor.", 0.0, 3.0),
            ("Linda Park", "Welders are hard to find here.", 3.0, 6.0),
            ("Karen Holloway", "What about housing?", 6.0, 8.0),
            ("Linda Park", "Nobody can afford to live near the plant.", 8.0, 12.0)]
    turns = tuple(Turn(rid, i, a, b, words_, who, words=tuple(
        Word(a + n * 0.3, a + n * 0.3 + 0.3, f" {w}", 0.5 + n / 40)
        for n, w in enumerate(words_.split())))
        for i, (who, words_, a, b) in enumerate(said))
    statements = tuple(Statement(f"s{i}", rid, i, a, b, words_, who, kind="need",
                                 clusterable=who != "Karen Holloway", position=i)
                       for i, (who, words_, a, b) in enumerate(said))
    themes = (Theme("t-weld", "Welders", ("welders",), ("s0", "s1"), ("Tom Reyes", "Linda Park"),
                    stability=0.75),
              Theme("t-home", "Housing", ("housing",), ("s3",), ("Linda Park",), stability=0.5))
    found = SimpleNamespace(themes=themes, assignment={"s0": "t-weld", "s1": "t-weld",
                                                       "s2": None, "s3": "t-home"})
    vectors = np.random.default_rng(0).normal(size=(len(statements), 8)).astype(np.float32)
    return Convening((Transcript(Recording(rid, text, "audio", 12.0), turns),), statements,
                     found, ROSTER, vectors)


@pytest.fixture
def no_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any embedding from here on fails the test."""
    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("the statements were embedded again")

    monkeypatch.setattr("synth.text.embed.embed_texts", refuse)
    monkeypatch.setattr("synth.models.load_embedder", refuse)


def test_the_pipelines_result_and_its_json_file_are_the_same_records(tmp_path: Path) -> None:
    c = convening()
    path = tmp_path / "result.json"
    path.write_text(to_json(c), encoding="utf-8")
    direct, from_file = to_result(c, source="result.json"), load_result(path)
    assert direct.statements[0].word_probs  # Whisper's probabilities come along
    assert from_file.vectors == {} and set(direct.vectors) == {"s0", "s1", "s2", "s3"}
    assert replace(direct, vectors={}) == from_file  # the digest too


def test_the_pipelines_vectors_are_stored_and_nothing_is_embedded_again(
        engine: Engine, no_embedder: None) -> None:
    c = convening()
    report = import_result(engine, to_result(c, source="notes.txt"), convening=_convening(engine))
    with transaction(engine) as s:
        stored = queries.vectors_of(s, report.convening_id, ["s0", "s1", "s2", "s3"])
        labels = sorted(t.label for t in queries.themes_of(s, report.convening_id))
    assert labels == ["Housing", "Welders"]
    for n, sid in enumerate(("s0", "s1", "s2", "s3")):
        assert np.array_equal(stored[sid], c.vectors[n])  # type: ignore[index]


def test_a_job_imports_the_pipelines_result_without_embedding_it_again(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        no_embedder: None) -> None:
    from synth.convening import jobs

    notes = tmp_path / "notes.txt"
    notes.write_text("Tom Reyes: We need more welders on the floor.\n", encoding="utf-8")
    monkeypatch.setattr("synth.convening.pipeline.synthesize",
                        lambda *_a, **_kw: convening())
    monkeypatch.setenv("SYNTH_FILES_DIR", str(tmp_path / "files"))
    url = engine.url.render_as_string(hide_password=False)
    report = jobs.process(url, _convening(engine), [notes])
    assert report["statements_added"] == 4
    with transaction(engine) as s:
        assert len(queries.vectors_of(s, report["convening_id"], ["s0", "s1", "s2", "s3"])) == 4


def _convening(engine: Engine) -> int:
    with transaction(engine) as s:
        return queries.find_or_create_convening(
            s, title="Launch", industry="Manufacturing", region="Cascade Valley",
            date=dt.date(2026, 12, 6), kind="launch").id
