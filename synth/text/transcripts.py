"""Read transcripts people already have: plain text, WebVTT, SRT and synth's own JSON.

Every turn keeps the 0-based line of the file it came from, so a quote can be traced back to
the exact place in the user's document. Text transcripts carry no times; we estimate them from
word counts at a typical speaking rate (so that talk-time shares are meaningful) and say so in
the recording's kind.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from synth.errors import InputError
from synth.records import Recording, Removal, Transcript, Turn, Word

log = logging.getLogger(__name__)

WORDS_PER_SECOND = 2.5  # about 150 words a minute, typical of meeting speech

_TIMING = re.compile(
    r"^\s*(?P<a>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})\s*-->\s*(?P<b>(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3})"
)
# A WebVTT voice span runs to its </v>, the next voice or the end of the cue.
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+(?P<speaker>[^>]+)>(?P<text>.*?)(?=</v>|<v[\s.]|$)",
                    re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def read_text(path: Path, limit: int) -> str:
    """Read a text file as UTF-8 (with or without BOM) or UTF-16 with BOM; refuse anything else."""
    size = path.stat().st_size
    if size > limit:
        raise InputError(
            f"{path}: {size / 1e6:.0f} MB is too large for a transcript (limit "
            f"{limit / 1e6:.0f} MB, set SYNTH_MAX_TRANSCRIPT_BYTES to change it). Split the file."
        )
    data = path.read_bytes()
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16")
        else:
            text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: is not valid UTF-8 text (bad byte 0x{data[exc.start]:02x} at position "
            f"{exc.start}). Re-save the transcript as UTF-8 and try again."
        ) from exc
    # The whole text, not only the head identify() looks at: a NUL anywhere would pass the
    # whole pipeline and fail only at import (the database takes none), losing the work.
    nul = text.find("\x00")
    if nul < 0 and "\\u0000" in text and path.suffix.lower() == ".json":
        nul = _json_nul(text)
    if nul >= 0:
        raise InputError(
            f"{path}: holds a NUL character (\\x00) at line {text.count(chr(10), 0, nul) + 1}; "
            "the file is damaged there. Remove it (or export the transcript again) and retry."
        )
    return text


def _json_nul(text: str) -> int:
    """Where a JSON string escape ``\\u0000`` (a NUL once parsed) is, or -1 (``\\\\u0000``,
    an escaped backslash before ``u0000``, is text)."""
    for m in re.finditer(r"(\\+)u0000", text):
        if len(m.group(1)) % 2 == 1:
            return m.start()
    return -1


# A speaker label as people write them: "Tom Reyes:", "Dr. Mary-Ann O'Neil:", "Speaker 1:",
# "PERSON A:", "Marketing:", "Hon. Seamus O'Regan (Minister of Natural Resources):", "The Chair
# (Hon. Anthony Rota (Nipissing, Lib.)):", "Tom Reyes (00:01:02):". The colon must be followed
# by a space or the end of the line, so "7:30" or "http://x" never ends a label; the name part
# is then checked word by word (_is_name) so that "Here is the thing: ..." stays text.
_LABEL = re.compile(
    r"^\s*(?P<name>[^:()]{1,80}?)\s*"
    r"(?:\((?P<paren>[^()]{0,200}(?:\([^()]{0,200}\)[^()]{0,200})?)\)\s*)?"
    r":(?:\s+(?P<text>.*))?$",
    re.DOTALL,
)
_PAREN = re.compile(r"^\s*(?P<name>[^:()]{1,80}?)\s*(?:\(.*\))?\s*$", re.DOTALL)
_NAME_WORD = re.compile(r"[^\W_][\w.'\u2019\-]*$")
MAX_NAME_WORDS = 6
# Lower-case words allowed inside a name: particles ("de la Cruz", "van Dijk") and the small
# words of a role ("Head of Sales", "Minister for Health").
_PARTICLES = frozenset("al bin da das de del della den der di do dos du el la le st van von y "
                       "of and for the".split())
# Words that open a sentence but never a name or a role ("So: ...", "We Said: ...").
_OPENERS = frozenset(
    "a about after also an and as at because before but by during for from he here how i if "
    "in it its my no not now ok okay on or our she so that then there these they this those "
    "to today tomorrow we well what when where which who why with yes yesterday you your "
    "one two three four five first second third finally "
    "note notes nb ps re subject agenda summary update reminder example warning".split())


def _is_name(name: str) -> bool:
    """True for a short run of capitalised words: a person's name, a role or "Speaker 1"."""
    words = name.split()
    if not 1 <= len(words) <= MAX_NAME_WORDS:
        return False
    if words[0].lower().strip(".") in _OPENERS and not (len(words) == 1 and len(name) == 1):
        return False  # "A:" and "I:" of an interview stay labels
    if not words[0][0].isupper():
        return False
    for word in words:
        if not _NAME_WORD.match(word):
            return False
        if not (word[0].isupper() or word[0].isdigit() or word in _PARTICLES
                or any(ch.isupper() for ch in word)):  # "d'Entremont", "al-Hassan"
            return False
    return True


def _speaker_split(text: str) -> tuple[str | None, str]:
    """(speaker, words) of a ``Speaker: words`` line, or (None, the line) when it has no label.

    A parenthetical after the name (a role, a riding, a time stamp) is dropped, and the
    honorific kept, so "Hon. Seamus O'Regan (Minister of Natural Resources)" and "Hon. Seamus
    O'Regan" are the same speaker, as a roster would name them once; when the name outside is
    a role ("The Acting Chair (Mr. Bruce Stanton)") the person inside speaks. The words may be
    empty ("Marketing:" alone).
    """
    m = _LABEL.match(text)
    if m is None or not _is_name(m.group("name")):
        return None, text.strip()
    speaker = " ".join(m.group("name").split())
    inner = _PAREN.match(m.group("paren") or "")
    if speaker.lower().startswith("the ") and inner and _is_name(inner.group("name")):
        speaker = " ".join(inner.group("name").split())
    return speaker, (m.group("text") or "").strip()


def parse_plain(text: str, recording_id: str) -> list[Turn]:
    """One turn per line, ``Speaker: words`` or just words; a line with no words makes none."""
    turns: list[Turn] = []
    clock = 0.0
    for line_no, raw in enumerate(text.splitlines()):
        speaker, words = _speaker_split(raw)
        if not words:
            continue
        duration = max(len(words.split()) / WORDS_PER_SECOND, 0.4)
        turns.append(Turn(recording_id=recording_id, index=len(turns), start=round(clock, 3),
                          end=round(clock + duration, 3), text=words, speaker=speaker,
                          line=line_no))
        clock += duration
    return turns


def _seconds(stamp: str) -> float:
    parts = stamp.replace(",", ".").split(":")
    value = 0.0
    for part in parts:
        value = value * 60 + float(part)
    return value


def _cues(lines: list[str]) -> Iterator[tuple[float, float, int, str]]:
    """Yield (start, end, first text line, text) for each timed cue of a VTT or SRT file."""
    i = 0
    while i < len(lines):
        m = _TIMING.match(lines[i])
        if not m:
            i += 1
            continue
        start, end = _seconds(m.group("a")), _seconds(m.group("b"))
        first = i + 1
        j = first
        # A cue ends at a blank line, or at the next timing line when an export left the
        # blank line out (then the number line before that timing is the next cue's, too).
        while j < len(lines) and lines[j].strip() and not _TIMING.match(lines[j]):
            j += 1
        last = j
        if j < len(lines) and _TIMING.match(lines[j]) and last > first \
                and lines[last - 1].strip().isdigit():
            last -= 1
        yield start, end, first, "\n".join(lines[first:last])
        i = j


def _cue_parts(body: str) -> list[tuple[str | None, str, int]]:
    """(speaker, words, line offset in the cue) for each speaker's part of one cue.

    ``<v Name>`` voice spans (Teams; several in one cue are several parts), else a
    ``Name:`` label (Zoom), which may start any line of the cue: a line without one continues
    the part above it.
    """
    parts: list[tuple[str | None, str, int]] = []
    voices = list(_VOICE.finditer(body))
    if voices:
        before = _TAG.sub("", body[:voices[0].start()])
        if before.strip():
            parts.append((None, before, 0))
        for v in voices:
            parts.append((v.group("speaker").strip(), _TAG.sub("", v.group("text")),
                          body.count("\n", 0, v.start())))
    else:
        for offset, line in enumerate(body.split("\n")):
            speaker, words = _speaker_split(_TAG.sub("", line))
            if speaker is not None or not parts:
                parts.append((speaker, words, offset))
            else:
                prev = parts[-1]
                parts[-1] = (prev[0], f"{prev[1]} {words}", prev[2])
    return [(speaker, " ".join(words.split()), offset) for speaker, words, offset in parts
            if words.split()]


def parse_cues(text: str, recording_id: str, path: Path) -> list[Turn]:
    """WebVTT or SRT: a turn per speaker per cue, speaker from ``<v Name>`` or ``Name:``.

    A cue with several speakers shares its time among them by their number of words.
    """
    lines = text.splitlines()
    turns: list[Turn] = []
    for start, end, first, body in _cues(lines):
        if not (math.isfinite(start) and math.isfinite(end)):
            raise InputError(f"{path}: the cue at line {first} has an impossible time "
                             f"({lines[first - 1].strip()[:40]}...). Fix its timing line.")
        if end < start:
            raise InputError(
                f"{path}: the cue at line {first} ends before it starts. Fix its timing line."
            )
        parts = _cue_parts(body)
        total = sum(len(words.split()) for _, words, _ in parts)
        said = 0
        for n, (speaker, words, offset) in enumerate(parts):
            a = start if n == 0 else round(start + (end - start) * said / total, 3)
            said += len(words.split())
            b = end if n == len(parts) - 1 else round(start + (end - start) * said / total, 3)
            turns.append(Turn(recording_id=recording_id, index=len(turns), start=a, end=b,
                              text=words, speaker=speaker, line=first + offset))
    if not turns and any("-->" in ln for ln in lines):
        raise InputError(f"{path}: no readable cues (timing lines are malformed). Check the file.")
    return turns


def _time(obj: dict[str, Any], where: str) -> tuple[float, float]:
    """(start, end) in seconds: finite, not negative, in order; else ValueError naming them."""
    start, end = float(obj["start"]), float(obj["end"])
    if not (math.isfinite(start) and math.isfinite(end) and 0 <= start <= end):
        raise ValueError(f"{where} has start {start} and end {end}; times are seconds from "
                         "the start, and a turn ends after it starts")
    return start, end


def _optional(obj: dict[str, Any], key: str, kind: type, where: str) -> Any:
    value = obj.get(key)
    if value is None:
        return None
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool) \
            and math.isfinite(value):
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if kind is str and isinstance(value, str):
        return value
    raise ValueError(f"{where}.{key} should be {kind.__name__}, got {str(value)[:40]!r}")


def _text(obj: dict[str, Any], where: str) -> str:
    value = obj["text"]
    if not isinstance(value, str):
        raise ValueError(f"{where}.text should be text, got {type(value).__name__}")
    return value


def _turn_from_json(raw: dict[str, Any], recording_id: str, index: int) -> Turn:
    where = f"turns[{index}]"
    words = []
    for n, w in enumerate(raw.get("words") or ()):
        at = f"{where}.words[{n}]"
        probability = float(w.get("probability", 1.0))
        if not math.isfinite(probability):
            raise ValueError(f"{at}.probability is {probability}")
        words.append(Word(*_time(w, at), _text(w, at), probability,
                          _optional(w, "speaker", str, at)))
    start, end = _time(raw, where)
    return Turn(recording_id=recording_id, index=index, start=start, end=end,
                text=_text(raw, where), speaker=_optional(raw, "speaker", str, where),
                line=_optional(raw, "line", int, where), words=tuple(words),
                confidence=_optional(raw, "confidence", float, where))


def parse_json(text: str, recording: Recording, path: Path) -> Transcript:
    """synth's own transcript JSON, as written by :func:`synth.text.writers.to_json`."""
    try:
        data = json.loads(text)
        raw_turns = data["turns"]
        turns = tuple(_turn_from_json(t, recording.id, i) for i, t in enumerate(raw_turns))
        removed = tuple(Removal(recording.id, *_time(r, f"removed[{n}]"), str(r["text"]),
                                str(r["reason"])) for n, r in enumerate(data.get("removed") or ()))
        language = _optional(data, "language", str, "the transcript")
        model = _optional(data, "model", str, "the transcript")
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError,
            RecursionError) as exc:
        raise InputError(
            f"{path}: is not a synth transcript JSON ({type(exc).__name__}: {str(exc)[:200]}). "
            'Expected an object with a "turns" list of {"start", "end", "text", "speaker"}.'
        ) from exc
    return Transcript(recording=recording, turns=turns, language=language, removed=removed,
                      model=model)


def load_transcript(path: str | Path, recording: Recording, limit: int, *,
                    max_turn_chars: int | None = None) -> Transcript:
    """Parse a transcript file whose kind was established by :func:`synth.audio.ingest.identify`.

    A turn longer than ``max_turn_chars`` (:data:`MAX_TURN_CHARS` unless given) is read as
    consecutive parts (:func:`split_long_turns`)."""
    p = Path(path)
    text = read_text(p, limit)
    ext = p.suffix.lower()
    if ext == ".json":
        transcript = parse_json(text, recording, p)
    elif ext in {".vtt", ".srt"} or text.lstrip().startswith("WEBVTT"):
        transcript = Transcript(recording=recording, turns=tuple(parse_cues(text, recording.id, p)))
    else:
        transcript = Transcript(recording=recording, turns=tuple(parse_plain(text, recording.id)))
        if transcript.turns and not any(t.speaker for t in transcript.turns):
            log.warning("%s: no speaker names found; every line is one turn by an unknown "
                        "speaker", p.name)
    if not any(t.text.strip() for t in transcript.turns):  # a JSON turn may be empty
        raise InputError(f"{p}: the transcript has no turns (no text found). Check the file.")
    duration = max(t.end for t in transcript.turns)
    # spaCy refuses a text over its max_length (E088): a turn that long is read as parts.
    return Transcript(recording=_with_duration(transcript.recording, duration),
                      turns=tuple(split_long_turns(transcript.turns,
                                                   max_turn_chars or MAX_TURN_CHARS)),
                      language=transcript.language, removed=transcript.removed,
                      model=transcript.model)


def _with_duration(recording: Recording, duration: float) -> Recording:
    return Recording(id=recording.id, name=recording.name, kind=recording.kind,
                     duration=duration, sha256=recording.sha256)


# --- turns too long for spaCy ----------------------------------------------------------------

# spaCy refuses a text longer than nlp.max_length (1,000,000 characters; E088) and needs about
# 1 GB per 100,000 characters to parse one, so a longer turn (a transcript pasted as one line)
# is read as consecutive parts of at most this many characters.
MAX_TURN_CHARS = 100_000
_SENTENCE_END = re.compile(r"[.!?\u2026][\"')\]\u201d\u2019]*\s+")


def _cut(text: str, a: int, max_chars: int) -> int:
    """Where the part starting at ``a`` ends: after the last sentence in reach, else at the
    last space, else (no space at all) at the limit."""
    if len(text) - a <= max_chars:
        return len(text)
    window = text[a:a + max_chars]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] > max_chars // 2:
        return a + ends[-1]
    space = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
    return a + (space + 1 if space > 0 else max_chars)


def _parts(turn: Turn, max_chars: int) -> list[Turn]:
    text = turn.text
    bounds, a = [], 0
    while a < len(text):
        b = _cut(text, a, max_chars)
        lead = len(text[a:b]) - len(text[a:b].lstrip())
        tail = len(text[a:b].rstrip())
        if tail > lead:
            bounds.append((a + lead, a + tail))
        a = b
    # Word timings, when they spell the text (Whisper's words carry their leading space).
    offsets = []
    if turn.words:
        joined = "".join(w.text for w in turn.words)
        skip = len(joined) - len(joined.lstrip())
        if joined.strip() == text:
            pos = -skip
            for w in turn.words:
                offsets.append((pos + len(w.text) - len(w.text.lstrip()), w))
                pos += len(w.text)
    span, length = turn.end - turn.start, max(len(text), 1)
    out = []
    for a, b in bounds:
        words = tuple(w for at, w in offsets if a <= at < b) if offsets else ()
        if words:
            start, end = words[0].start, words[-1].end
        else:
            start = round(turn.start + span * a / length, 3)
            end = round(turn.start + span * b / length, 3)
        out.append(Turn(recording_id=turn.recording_id, index=0, start=start, end=end,
                        text=text[a:b], speaker=turn.speaker, line=turn.line, words=words,
                        confidence=turn.confidence))
    return out


def split_long_turns(turns: Sequence[Turn], max_chars: int = MAX_TURN_CHARS) -> list[Turn]:
    """Turns of at most ``max_chars`` characters: a longer one becomes consecutive turns of
    the same speaker and line, cut after a sentence where one ends within reach (else at a
    space), each a verbatim part of it with its share of the time (its words' own times when
    the turn has word timings). Turns are numbered again in order. Short turns are kept as
    they are (the same list when none is long)."""
    if all(len(t.text) <= max_chars for t in turns):
        return list(turns)
    out: list[Turn] = []
    for t in turns:
        for part in _parts(t, max_chars) if len(t.text) > max_chars else [t]:
            out.append(replace(part, index=len(out)))
    return out
