"""Fuzzing with hypothesis: the transcript parsers and the result importer.

Any input either parses into valid records or raises synth's own InputError (a SynthError)
with a message that names the file; never another exception, never a hang. For the
importer, a refused file also leaves the database exactly as it was, and the database
passes SQLite's integrity and foreign-key checks after every example.

Runs are reproducible (``derandomize=True``, no example database) and small, so CI stays
fast; each test has a deadline per example and a hard timeout.
"""

from __future__ import annotations

import copy
import json
import math
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from test_store import ROSTER, result, state
from typer.testing import CliRunner

from synth.audio.ingest import identify
from synth.errors import InputError, SynthError
from synth.records import Recording, Turn
from synth.store import ConveningSpec, import_result, init_db, make_engine, transaction
from synth.store.result import load_result, parse_result
from synth.store.schema import Base
from synth.text.transcripts import load_transcript, parse_cues, parse_json, parse_plain

FUZZ = settings(max_examples=120, deadline=timedelta(seconds=2), derandomize=True,
                database=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.function_scoped_fixture])
LIMIT = 1_000_000
REC = Recording("rec0000000000000", "fuzz.json", "transcript")
PATH = Path("fuzz.vtt")

# --- what a valid record is ---------------------------------------------------------------


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def assert_valid_turns(turns: Any, recording_id: str = REC.id) -> None:
    """Turns downstream steps can rely on: typed fields, finite ordered times, dense index."""
    for i, t in enumerate(turns):
        assert isinstance(t, Turn)
        assert t.index == i and t.recording_id == recording_id
        assert isinstance(t.text, str)
        assert t.speaker is None or isinstance(t.speaker, str)
        assert _finite(t.start) and _finite(t.end) and 0 <= t.start <= t.end, (t.start, t.end)
        assert t.line is None or (isinstance(t.line, int) and not isinstance(t.line, bool)
                                  and t.line >= 0)
        assert t.confidence is None or _finite(t.confidence)
        for w in t.words:
            assert isinstance(w.text, str) and _finite(w.start) and _finite(w.end)
            assert 0 <= w.start <= w.end and _finite(w.probability)
            assert w.speaker is None or isinstance(w.speaker, str)


def assert_clear(exc: SynthError, name: str) -> None:
    """One line that names the file: the CLI prints exactly this."""
    message = str(exc)
    assert name in message and "\n" not in message and len(message) < 2000, message


# --- strategies ----------------------------------------------------------------------------

# Text biased towards what the parsers look for, mixed with anything at all.
SYNTAX = st.sampled_from(["WEBVTT", "-->", " --> ", "00:00:01.000", "00:01,500", "1:02:03.4",
                          "99:59:59,999", "<v Ana>", "<v.loud Ben Lee>", "</v>", "<b>", ":",
                          "Ana: ", "NOTE", "\n", "\n\n", "\r\n", " ", "\ufeff", "\x00", "1",
                          "10:30", "http://x", "é", "\u2028", "ＡＢ：", "<", ">"])
TEXTY = st.lists(st.one_of(SYNTAX, st.text(max_size=12)), max_size=40).map("".join)
STAMP = st.builds(lambda h, m, s, ms, sep: f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}",
                  st.integers(0, 120), st.integers(0, 99), st.integers(0, 99),
                  st.integers(0, 999), st.sampled_from([".", ","]))


@st.composite
def cue_files(draw: st.DrawFn) -> str:
    """Plausible WebVTT/SRT, with the mistakes exports really have mixed in."""
    out = [draw(st.sampled_from(["WEBVTT", "WEBVTT - Teams", "", "\ufeffWEBVTT"]))]
    for n in range(draw(st.integers(0, 6))):
        if draw(st.booleans()):
            out.append(str(n + 1))
        a, b = draw(STAMP), draw(STAMP)
        out.append(draw(st.sampled_from([f"{a} --> {b}", f"{a}-->{b}", f"{a} --> {b} align:start",
                                         f"{a} -> {b}", f"{a} -->", a])))
        for _ in range(draw(st.integers(0, 3))):
            out.append(draw(st.one_of(TEXTY, st.sampled_from(
                ["<v Linda Park>We can't find machinists.</v>", "Greg: housing", "<v >x",
                 "<v Ann>unclosed", "<i></i>", "   "]))))
        out.append(draw(st.sampled_from(["", "", "\n", " "])))
    return "\n".join(out)


JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                      st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
JSON = st.recursive(JSON_LEAF, lambda c: st.lists(c, max_size=4)
                    | st.dictionaries(st.text(max_size=8), c, max_size=4), max_leaves=12)


@st.composite
def transcript_json(draw: st.DrawFn) -> str:
    """synth transcript JSON with some fields replaced by anything at all."""
    def field(good: Any) -> Any:
        return draw(st.one_of(st.just(good), JSON)) if draw(st.integers(0, 5)) == 0 else good

    turns = []
    for i in range(draw(st.integers(0, 4))):
        words = [{"start": field(i + 0.1), "end": field(i + 0.4), "text": field(" we"),
                  "probability": field(0.9), "speaker": field(None)}
                 for _ in range(draw(st.integers(0, 2)))]
        turns.append({"start": field(float(i)), "end": field(i + 0.5), "text": field("We need"),
                      "speaker": field("S1"), "line": field(None), "words": field(words),
                      "confidence": field(0.8)})
    data = {"recording": field({}), "language": field("en"), "model": field("base"),
            "turns": field(turns), "removed": field([{"start": 0.0, "end": 1.0, "text": "x",
                                                       "reason": "loop"}])}
    return json.dumps(data, allow_nan=True)


# --- the transcript parsers ------------------------------------------------------------------


@pytest.mark.timeout(120)
@FUZZ
@given(text=st.one_of(st.text(), TEXTY))
@example(text="Ana" + ":" * 5000 + " x")
@example(text="a" * 59 + ": words\n" + " " * 10000 + ":\n")
def test_plain_text_parser_never_fails(text: str) -> None:
    turns = parse_plain(text, REC.id)
    assert_valid_turns(turns)
    assert all(t.text and t.text == t.text.strip() for t in turns)
    assert [t.start for t in turns] == sorted(t.start for t in turns)


@pytest.mark.timeout(120)
@FUZZ
@given(text=st.one_of(cue_files(), TEXTY, st.text()))
@example(text="WEBVTT\n\n" + "9" * 400 + ":00:00.000 --> " + "9" * 401 + ":00:00.000\nx\n")
@example(text="00:00:01.000 --> 00:00:02.000\n<v " + "a" * 20000)
@example(text="WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nbackwards\n")
def test_cue_parser_parses_or_says_what_is_wrong(text: str) -> None:
    try:
        turns = parse_cues(text, REC.id, PATH)
    except InputError as exc:
        assert_clear(exc, "fuzz.vtt")
        return
    assert_valid_turns(turns)
    assert all(t.text and t.line is not None for t in turns)


@pytest.mark.timeout(120)
@FUZZ
@given(text=st.one_of(transcript_json(), JSON.map(json.dumps), st.text()))
@example(text="[" * 100_000)  # deeper than the JSON reader's recursion limit
@example(text='{"turns": [{"start": NaN, "end": Infinity, "text": "x"}]}')
@example(text='{"turns": [{"start": 1e400, "end": 1e400, "text": "x"}]}')
@example(text='{"turns": [{"start": 0, "end": 1, "text": "x", "speaker": {"a": 1}}]}')
@example(text='{"turns": [{"start": 2, "end": 1, "text": "x"}]}')
def test_transcript_json_parser_parses_or_says_what_is_wrong(text: str) -> None:
    try:
        transcript = parse_json(text, REC, Path("fuzz.json"))
    except InputError as exc:
        assert_clear(exc, "fuzz.json")
        return
    assert_valid_turns(transcript.turns)
    assert transcript.language is None or isinstance(transcript.language, str)
    assert transcript.model is None or isinstance(transcript.model, str)
    for r in transcript.removed:
        assert _finite(r.start) and _finite(r.end) and isinstance(r.text, str)


@pytest.mark.timeout(180)
@FUZZ
@given(data=st.one_of(st.binary(max_size=600), TEXTY.map(str.encode),
                      cue_files().map(lambda s: s.encode("utf-16")),
                      transcript_json().map(str.encode)),
       ext=st.sampled_from([".txt", ".vtt", ".srt", ".json", ".TXT", ".wav"]))
def test_any_file_is_a_transcript_or_one_clear_message(data: bytes, ext: str,
                                                      tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"meeting notes é{ext}"
    path.write_bytes(data)
    try:
        transcript = load_transcript(path, identify(path), LIMIT)
    except InputError as exc:
        assert_clear(exc, path.name)
        return
    assert transcript.turns
    assert_valid_turns(transcript.turns, transcript.recording.id)
    assert _finite(transcript.recording.duration)


# --- the result importer -------------------------------------------------------------------


BASE = result({"t1": [0, 1, 2], "t2": [3, 4], "t3": [5]}, n=8, roster=ROSTER)


ODD = st.sampled_from(["", "x" * 5000, "nul\x00byte", "é" * 70, -1, 2**31, 2**64, 1e308,
                       float("nan"), float("inf"), -0.0, [], {}, True, "s00", "r1", "t1", None])


@st.composite
def mutated_results(draw: st.DrawFn) -> Any:
    """The valid result above with a few values replaced, removed, or made odd."""
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            # A field of one record: where most of the checking is.
            section = draw(st.sampled_from(["statements", "themes", "recordings",
                                            "participants"]))
            items = data.get(section)
            if not isinstance(items, list) or not items:
                continue
            parent = items[draw(st.integers(0, len(items) - 1))]
            if not isinstance(parent, dict):
                continue
            key = draw(st.sampled_from([*sorted(parent), "extra"]))
        else:
            # Anywhere: walk down a few levels, choosing a key or an index at each.
            parent, key, node = data, None, data
            for _depth in range(draw(st.integers(0, 3))):
                if isinstance(node, dict) and node:
                    key = draw(st.sampled_from(sorted(node)))
                elif isinstance(node, list) and node:
                    key = draw(st.integers(0, len(node) - 1))
                else:
                    break
                parent, node = node, node[key]
            if key is None:
                continue
        action = draw(st.sampled_from(["replace", "delete", "odd", "odd"]))
        if action == "delete":
            if isinstance(parent, dict):
                parent.pop(key, None)
            else:
                del parent[key]
        else:
            parent[key] = draw(ODD if action == "odd" else JSON)
    return data


def _first_statement(**changes: Any) -> dict[str, Any]:
    """BASE with statement 0 changed."""
    return {**BASE, "statements": [{**BASE["statements"][0], **changes},
                                   *BASE["statements"][1:]]}


def _counts(engine: Engine) -> dict[str, int]:
    with transaction(engine) as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables}


def _checked(engine: Engine) -> None:
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, int, str]]:
    """One SQLite store for the whole module, holding a reviewed convening."""
    from synth.decisions import review

    path = tmp_path_factory.mktemp("fuzzstore") / "synth.db"
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    conv = import_result(engine, parse_result(BASE), convening=ConveningSpec(
        "Launch", industry="manufacturing", region="North Bay")).convening_id
    with transaction(engine) as s:
        from synth.store import queries
        first = min(t.id for t in queries.themes_of(s, conv))
    review.confirm(engine, first)
    yield engine, conv, f"sqlite:///{path}"
    engine.dispose()


@pytest.mark.timeout(300)
@FUZZ
@given(data=st.one_of(mutated_results(), JSON), rerun=st.booleans())
@example(data=_first_statement(start=float("nan")), rerun=True)
@example(data=_first_statement(start=float("inf"), end=float("inf")), rerun=False)
@example(data=_first_statement(turn=2**64), rerun=True)
@example(data=_first_statement(speaker="x" * 5000), rerun=False)
@example(data=_first_statement(text="a\x00b"), rerun=False)
@example(data={**BASE, "talk_time_by_role": {"business": float("inf")}}, rerun=False)
def test_importer_imports_or_refuses_and_changes_nothing(store, data: Any, rerun: bool) -> None:
    engine, conv, _ = store
    counts, before = _counts(engine), state(engine, conv)
    target = conv if rerun else ConveningSpec("Fuzz", industry="fuzz", region="fuzz")
    try:
        report = import_result(engine, parse_result(data), convening=target)
    except SynthError as exc:
        assert isinstance(exc, InputError), exc
        assert_clear(exc, "result")
        assert _counts(engine) == counts and state(engine, conv) == before
    else:
        # A file that passed the checks is stored whole: one more run, every statement in.
        after = _counts(engine)
        assert after["runs"] == counts["runs"] + 1
        with transaction(engine) as s:
            from synth.store import queries
            stored = queries.statements_of(s, report.convening_id)
        assert {x["id"] for x in data["statements"]} <= set(stored)
        for x in stored.values():
            assert _finite(x.start) and _finite(x.end) and x.start <= x.end
    _checked(engine)


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=60)
@given(raw=st.one_of(st.binary(max_size=400), mutated_results().map(
    lambda d: json.dumps(d, allow_nan=True).encode()), st.just(b"[" * 100_000)))
def test_result_files_load_or_say_what_is_wrong(raw: bytes, tmp_path_factory) -> None:
    path = tmp_path_factory.mktemp("fuzzfile") / "result.json"
    path.write_bytes(raw)
    try:
        load_result(path)
    except InputError as exc:
        assert_clear(exc, "result.json")


@pytest.mark.timeout(300)
@settings(FUZZ, max_examples=12, deadline=timedelta(seconds=20))
@given(raw=st.one_of(mutated_results().map(lambda d: json.dumps(d, allow_nan=True).encode()),
                     st.binary(max_size=100)))
def test_synth_import_on_a_bad_file_is_one_line_and_keeps_the_store(store, raw: bytes,
                                                                    tmp_path_factory,
                                                                    monkeypatch) -> None:
    from synth.cli.main import app

    engine, conv, url = store
    folder = tmp_path_factory.mktemp("cli")
    # The CLI works on its own copy, so a success here does not change the shared store.
    with sqlite3.connect(url.removeprefix("sqlite:///")) as src, \
            sqlite3.connect(folder / "synth.db") as dst:
        src.backup(dst)
    monkeypatch.setenv("SYNTH_DATABASE_URL", f"sqlite:///{folder / 'synth.db'}")
    path = folder / "result.json"
    path.write_bytes(raw)
    copy_engine = make_engine(f"sqlite:///{folder / 'synth.db'}")
    counts, before = _counts(copy_engine), state(copy_engine, conv)
    out = CliRunner().invoke(app, ["import", str(path), "--convening", "Launch"])
    # stdout and stderr together: INFO log lines, then the one line for the user.
    said = [ln for ln in out.output.splitlines() if not ln.startswith("INFO ")]
    if out.exit_code == 0:
        assert len(said) == 1 and said[0].startswith("imported into convening"), out.output
    else:
        assert out.exit_code == 2, out.output
        assert len(said) == 1 and said[0].startswith("error: "), out.output
        assert "Traceback" not in out.output
        assert _counts(copy_engine) == counts and state(copy_engine, conv) == before
    _checked(copy_engine)
    copy_engine.dispose()
