"""What the store imports: a pipeline result as records, checked whole before any write.

The pipeline hands its result over as these records directly
(:func:`synth.convening.handoff.to_result`, with its statement vectors); a result JSON
(``synth synthesize --out result.json``) is read into the same records by :func:`load_result`.
Every problem in a file is reported as an :class:`InputError` naming the place in the file, so
a bad file is refused whole and the database is never touched by half of it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from synth.errors import InputError
from synth.records import is_recording_id
from synth.store.schema import ROLES, STATEMENT_KINDS


@dataclass(frozen=True, slots=True)
class RecordingIn:
    id: str
    name: str
    kind: str
    duration: float | None


@dataclass(frozen=True, slots=True)
class ParticipantIn:
    name: str
    company: str | None
    role: str


@dataclass(frozen=True, slots=True)
class StatementIn:
    id: str
    text: str
    speaker: str | None
    start: float
    end: float
    recording: str
    line: int | None
    turn: int
    kind: str
    clusterable: bool
    position: int
    word_probs: tuple[float, ...] = ()  # one per whitespace-separated word; () when typed


@dataclass(frozen=True, slots=True)
class ThemeIn:
    id: str
    label: str
    label_generated: bool
    keywords: tuple[str, ...]
    statement_ids: tuple[str, ...]
    stability: float
    # Named in the facilitator's recap (the room confirmed it): ranked before the others.
    read_back: bool = False
    # The partnership priority this theme raises again (issue 29: new talk mapped onto the
    # known priorities), None for a new candidate; the store links the theme to it.
    known_priority: int | None = None
    # The statements the pipeline quoted, best first (each one of ``statement_ids``).
    quotes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NoteIn:
    """A note the room wrote (issue 30), with the candidate it was matched to (``theme``: a
    theme id of the result, None when it matched nothing said)."""

    id: str
    text: str
    file: str
    line: int
    author: str | None
    table: str | None
    sheet: str | None
    dots: int
    theme: str | None
    statement_id: str | None  # the said statement it is nearest to
    similarity: float | None


@dataclass(frozen=True, slots=True)
class ResultIn:
    """A checked result: every theme member is a known statement, each in one theme at most.

    Made by :func:`make_result` only, so the checks and the digest always hold.
    """

    source: str
    digest: str  # sha256 of the records (vectors aside): the same result, the same digest
    recordings: tuple[RecordingIn, ...]
    participants: tuple[ParticipantIn, ...]
    talk_time_by_role: dict[str, float]
    statements: tuple[StatementIn, ...]
    themes: tuple[ThemeIn, ...]
    # Statement id -> embedding, when the result carries them (the pipeline's does; a JSON
    # file does not): stored for splits and for matching themes on later re-runs.
    vectors: Mapping[str, np.ndarray] = field(default_factory=dict)
    notes: tuple[NoteIn, ...] = ()  # what the room wrote; () for a result of talk alone


def make_result(*, source: str, recordings: tuple[RecordingIn, ...],
                participants: tuple[ParticipantIn, ...], talk_time_by_role: dict[str, float],
                statements: tuple[StatementIn, ...], themes: tuple[ThemeIn, ...],
                vectors: Mapping[str, Sequence[float] | np.ndarray] | None = None,
                notes: tuple[NoteIn, ...] = ()) -> ResultIn:
    """The checked result of these records: links and vectors checked, digest computed."""
    _check_links(source, recordings, statements, themes)
    _check_notes(source, notes, statements, themes)
    records = [[asdict(r) for r in rows] for rows in (recordings, participants, statements,
                                                      themes)]
    for t in records[3]:  # a result without known priorities keeps the digest it always had
        if t["known_priority"] is None:
            del t["known_priority"]
        del t["quotes"]  # picked from the statements and themes above: no new content
    payload: list[Any] = [records, talk_time_by_role]
    if notes:  # a result of talk alone keeps the digest it always had
        payload.append([asdict(n) for n in notes])
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    return ResultIn(source=source, digest=digest, recordings=recordings,
                    participants=participants, talk_time_by_role=talk_time_by_role,
                    statements=statements, themes=themes,
                    vectors=_check_vectors(statements, vectors or {}), notes=notes)


def with_vectors(result: ResultIn,
                 vectors: Mapping[str, Sequence[float] | np.ndarray]) -> ResultIn:
    """``result`` carrying these statement embeddings (statement id -> vector), checked."""
    return replace(result, vectors=_check_vectors(result.statements, vectors))


def _check_vectors(statements: tuple[StatementIn, ...],
                   vectors: Mapping[str, Any]) -> dict[str, np.ndarray]:
    known = {s.id for s in statements}
    out: dict[str, np.ndarray] = {}
    dims: set[int] = set()
    for sid, vec in vectors.items():
        if sid not in known:
            raise InputError(f"an embedding is given for statement {sid!r}, "
                             "which is not in the result.")
        arr = np.asarray(vec, dtype=np.float32).reshape(-1)
        dims.add(arr.size)
        out[sid] = arr
    if len(dims) > 1:
        raise InputError(f"embeddings of different sizes {sorted(dims)}: use one model.")
    return out


def load_result(path: str | Path) -> ResultIn:
    """Read and check a result file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such result file.") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError(f"{p}: not a JSON result file ({exc}).") from None
    return parse_result(data, source=p.name)


def parse_result(data: Any, *, source: str = "result") -> ResultIn:
    """Check a result already read from JSON; the message names the first problem found."""
    where = _Where(source)
    if not isinstance(data, dict):
        raise InputError(f"{source}: a result is a JSON object, got {type(data).__name__}.")
    recordings = tuple(_recording(r, where.at("recordings", i))
                       for i, r in enumerate(_list(data, "recordings", where)))
    participants = tuple(_participant(p, where.at("participants", i))
                         for i, p in enumerate(_list(data, "participants", where, optional=True)))
    talk = data.get("talk_time_by_role") or {}
    if not isinstance(talk, dict) or not all(_is_number(v) for v in talk.values()):
        raise InputError(f"{source}: 'talk_time_by_role' must map roles to numbers.")
    statements = tuple(_statement(s, where.at("statements", i), i)
                       for i, s in enumerate(_list(data, "statements", where)))
    themes = tuple(_theme(t, where.at("themes", i))
                   for i, t in enumerate(_list(data, "themes", where)))
    notes = tuple(_note(n, where.at("notes", i))
                  for i, n in enumerate(_list(data, "notes", where, optional=True)))
    return make_result(source=source, recordings=recordings, participants=participants,
                       talk_time_by_role={str(k): float(v) for k, v in talk.items()},
                       statements=statements, themes=themes, notes=notes)


class _Where:
    """The place in the file a value came from, for messages: ``result.json: themes[2].id``."""

    def __init__(self, source: str, path: str = "") -> None:
        self.source, self.path = source, path

    def at(self, key: str, index: int | None = None) -> _Where:
        step = f"{key}[{index}]" if index is not None else key
        return _Where(self.source, f"{self.path}.{step}" if self.path else step)

    def __str__(self) -> str:
        return f"{self.source}: {self.path}" if self.path else self.source


def _is_number(v: Any) -> bool:
    """A finite number: JSON's NaN and Infinity are refused (a database stores no such time)."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an integer too large for a float
        return False


# Whole numbers (turn, line) must fit the database's integer columns.
MAX_INT = 2**31 - 1


def _list(data: dict[str, Any], key: str, where: _Where, *, optional: bool = False) -> list[Any]:
    if key not in data:
        if optional:
            return []
        raise InputError(f"{where}: '{key}' is missing; is this a synth result file?")
    value = data[key]
    if not isinstance(value, list):
        raise InputError(f"{where.at(key)}: expected a list, got {type(value).__name__}.")
    return value


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: _Where, *,
         optional: bool = False, default: Any = None, max_len: int | None = None) -> Any:
    value = _get_typed(obj, key, kind, where, optional=optional, default=default)
    if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_INT:
        raise InputError(f"{where.at(key)}: expected a whole number from 0 to {MAX_INT}, "
                         f"got {value}.")
    if isinstance(value, str):
        if "\x00" in value:
            raise InputError(f"{where.at(key)}: holds a NUL character (\\x00); "
                             "the file is corrupt.")
        if max_len is not None and len(value) > max_len:
            raise InputError(f"{where.at(key)}: {len(value)} characters is too long "
                             f"(at most {max_len}).")
    return value


def _short(value: Any) -> str:
    """A value for a message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _get_typed(obj: Any, key: str, kind: type | tuple[type, ...], where: _Where, *,
               optional: bool = False, default: Any = None) -> Any:
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected an object, got {type(obj).__name__}.")
    if key not in obj or obj[key] is None:
        if optional:
            return default
        raise InputError(f"{where}: '{key}' is missing.")
    value = obj[key]
    numeric = kind is float or kind == (float,)
    if numeric and _is_number(value):
        return float(value)
    if isinstance(value, bool) and kind is int:
        raise InputError(f"{where.at(key)}: expected an integer, got {_short(value)}.")
    if not numeric and isinstance(value, kind):
        return value
    name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
    raise InputError(f"{where.at(key)}: expected {name}, got {_short(value)}.")


def _recording(r: Any, where: _Where) -> RecordingIn:
    rid = _get(r, "id", str, where, max_len=64)
    if not is_recording_id(rid):
        # Ids name the recording's files (media copy, cached transcripts): a crafted one
        # ("*", "../x") must never reach a file operation.
        raise InputError(f"{where.at('id')}: {_short(rid)} is not a recording id (16 "
                         "lowercase hex digits, as synth writes them).")
    return RecordingIn(id=rid,
                       name=_get(r, "name", str, where, max_len=500),
                       kind=_get(r, "kind", str, where, optional=True, default="audio",
                                 max_len=20),
                       duration=_get(r, "duration", float, where, optional=True))


def _participant(p: Any, where: _Where) -> ParticipantIn:
    role = _get(p, "role", str, where, optional=True, default="business")
    if role not in ROLES:
        raise InputError(f"{where.at('role')}: unknown role {_short(role)}; "
                         f"use one of {', '.join(ROLES)}.")
    return ParticipantIn(name=_get(p, "name", str, where, max_len=200),
                         company=_get(p, "company", str, where, optional=True, max_len=200),
                         role=role)


def _statement(s: Any, where: _Where, position: int) -> StatementIn:
    kind = _get(s, "kind", str, where, optional=True, default="other")
    if kind not in STATEMENT_KINDS:
        raise InputError(f"{where.at('kind')}: unknown kind {_short(kind)}; "
                         f"use one of {', '.join(STATEMENT_KINDS)}.")
    start, end = _get(s, "start", float, where), _get(s, "end", float, where)
    if end < start:
        raise InputError(f"{where}: ends ({end}) before it starts ({start}).")
    return StatementIn(
        id=_get(s, "id", str, where, max_len=64), text=_get(s, "text", str, where),
        speaker=_get(s, "speaker", str, where, optional=True, max_len=200), start=start,
        end=end,
        recording=_get(s, "recording", str, where, max_len=64),
        line=_get(s, "line", int, where, optional=True),
        turn=_get(s, "turn", int, where, optional=True, default=0), kind=kind,
        clusterable=_get(s, "clusterable", bool, where, optional=True, default=True),
        position=position, word_probs=_word_probs(s, where))


def _word_probs(s: Any, where: _Where) -> tuple[float, ...]:
    probs = _get(s, "word_probs", list, where, optional=True, default=[])
    if not all(_is_number(p) and 0.0 <= float(p) <= 1.0 for p in probs):
        raise InputError(f"{where.at('word_probs')}: word probabilities are numbers from 0 "
                         "to 1.")
    return tuple(float(p) for p in probs)


def _theme(t: Any, where: _Where) -> ThemeIn:
    ids = _get(t, "statement_ids", list, where)
    if not all(isinstance(i, str) for i in ids):
        raise InputError(f"{where.at('statement_ids')}: statement ids are strings.")
    keywords = _get(t, "keywords", list, where, optional=True, default=[])
    return ThemeIn(id=str(_get(t, "id", (str, int), where, max_len=64)),
                   label=_get(t, "label", str, where, max_len=300),
                   label_generated=_get(t, "label_generated", bool, where, optional=True,
                                        default=True),
                   keywords=tuple(str(k) for k in keywords), statement_ids=tuple(ids),
                   stability=_get(t, "stability", float, where, optional=True, default=0.0),
                   read_back=_get(t, "read_back", bool, where, optional=True, default=False),
                   known_priority=_get(t, "known_priority", int, where, optional=True),
                   quotes=_quote_ids(t, where))


def _quote_ids(t: Any, where: _Where) -> tuple[str, ...]:
    """The statement ids of a theme's quotes, in order ("quotes": [{"statement_id": ...}])."""
    quotes = _get(t, "quotes", list, where, optional=True, default=[])
    if not all(isinstance(q, dict) and isinstance(q.get("statement_id"), str) for q in quotes):
        raise InputError(f"{where.at('quotes')}: each quote is an object with a "
                         "'statement_id' string.")
    return tuple(q["statement_id"] for q in quotes)


def _note(n: Any, where: _Where) -> NoteIn:
    theme = _get(n, "theme", (str, int), where, optional=True, max_len=64)
    dots = _get(n, "dots", int, where, optional=True, default=0)
    return NoteIn(id=_get(n, "id", str, where, max_len=64), text=_get(n, "text", str, where),
                  file=_get(n, "file", str, where, max_len=500),
                  line=_get(n, "line", int, where),
                  author=_get(n, "author", str, where, optional=True, max_len=200),
                  table=_get(n, "table", str, where, optional=True, max_len=200),
                  sheet=_get(n, "sheet", str, where, optional=True, max_len=300), dots=dots,
                  theme=None if theme is None else str(theme),
                  statement_id=_get(n, "nearest_statement", str, where, optional=True,
                                    max_len=64),
                  similarity=_get(n, "similarity", float, where, optional=True))


def _check_notes(source: str, notes: tuple[NoteIn, ...], statements: tuple[StatementIn, ...],
                 themes: tuple[ThemeIn, ...]) -> None:
    """Every note once, matched to a theme and nearest to a statement of this result."""
    theme_ids = {t.id for t in themes}
    statement_ids = {s.id for s in statements}
    seen: set[str] = set()
    for n in notes:
        if n.id in seen:
            raise InputError(f"{source}: note id {n.id!r} appears twice.")
        seen.add(n.id)
        if n.theme is not None and n.theme not in theme_ids:
            raise InputError(f"{source}: note {n.id!r} ({_short(n.text)}) is matched to theme "
                             f"{_short(n.theme)}, which is not in 'themes'.")
        if n.statement_id is not None and n.statement_id not in statement_ids:
            raise InputError(f"{source}: note {n.id!r} is nearest to statement "
                             f"{_short(n.statement_id)}, which is not in 'statements'.")


def _check_links(source: str, recordings: tuple[RecordingIn, ...],
                 statements: tuple[StatementIn, ...], themes: tuple[ThemeIn, ...]) -> None:
    rec_ids = {r.id for r in recordings}
    seen: set[str] = set()
    for s in statements:
        if s.id in seen:
            raise InputError(f"{source}: statement id {s.id!r} appears twice.")
        seen.add(s.id)
        if s.recording not in rec_ids:
            raise InputError(f"{source}: statement {s.id!r} comes from recording "
                             f"{s.recording!r}, which is not in 'recordings'.")
    owner: dict[str, str] = {}
    theme_ids: set[str] = set()
    for t in themes:
        if t.id in theme_ids:
            raise InputError(f"{source}: theme id {t.id!r} appears twice.")
        theme_ids.add(t.id)
        for sid in t.statement_ids:
            if sid not in seen:
                raise InputError(f"{source}: theme {t.id!r} ({t.label!r}) lists statement "
                                 f"{_short(sid)}, which is not in 'statements'.")
            if sid in owner and owner[sid] != t.id:
                raise InputError(f"{source}: statement {sid!r} is in two themes "
                                 f"({owner[sid]!r} and {t.id!r}).")
            owner[sid] = t.id
        for sid in t.quotes:
            if sid not in t.statement_ids:
                raise InputError(f"{source}: theme {t.id!r} ({t.label!r}) quotes statement "
                                 f"{_short(sid)}, which is not one of its statements.")
