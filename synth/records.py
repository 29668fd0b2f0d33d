"""Plain records passed between the steps of the pipeline.

Everything here is a frozen dataclass with no behaviour beyond (de)serialisation, so that
steps stay pure functions of their inputs and results can be cached and compared.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

StatementKind = Literal["opportunity", "need", "other"]
Role = Literal["business", "public", "facilitator", "other"]

# What synth writes as a recording id (the first 16 hex digits of the file's sha256). Ids
# name files (media copies, cached transcripts), so nothing else may pass for one.
_RECORDING_ID = re.compile(r"[0-9a-f]{16}")


# Line breaks as str.splitlines() knows them: a single-line field must hold none of them.
_LINE_BREAKS = re.compile(r"\s*[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029][\s]*")


def one_line(text: str) -> str:
    """``text`` with every line break (and the spaces around it) collapsed to one space, and
    no leading or trailing space: for titles, labels and names, which are single-line
    everywhere (an email header, a Markdown heading, a terminal table)."""
    return _LINE_BREAKS.sub(" ", text).strip()


def is_recording_id(value: object) -> bool:
    """True for a recording id as synth makes it: exactly 16 lowercase hex digits."""
    return isinstance(value, str) and _RECORDING_ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Word:
    """One recognised word with its timing (seconds from the start of its recording)."""

    start: float
    end: float
    text: str
    probability: float
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Recording:
    """One input file of a convening, identified by the hash of its content."""

    id: str  # first 16 hex digits of the sha256 of the file's bytes
    name: str  # file name as given by the user, for display only
    kind: Literal["audio", "transcript"]
    duration: float | None = None  # seconds, when known
    sha256: str = ""


@dataclass(frozen=True, slots=True)
class Turn:
    """What one speaker said without interruption, verbatim."""

    recording_id: str
    index: int  # 0-based position of the turn in its recording
    start: float
    end: float
    text: str
    speaker: str | None = None
    line: int | None = None  # 0-based line in a text transcript; None for audio
    words: tuple[Word, ...] = ()
    confidence: float | None = None  # mean word probability, audio only


@dataclass(frozen=True, slots=True)
class Removal:
    """A stretch of recognised text the hallucination guard removed, and why."""

    recording_id: str
    start: float
    end: float
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Transcript:
    """The turns of one recording plus what was learned while producing them."""

    recording: Recording
    turns: tuple[Turn, ...]
    language: str | None = None
    removed: tuple[Removal, ...] = ()
    model: str | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    """A person on the convening's roster."""

    name: str
    company: str | None = None
    role: Role = "business"


@dataclass(frozen=True, slots=True)
class Statement:
    """One sentence-sized unit of what was said, with full provenance back to its turn."""

    id: str  # stable: hash of recording id, start time and text
    recording_id: str
    turn_index: int
    start: float
    end: float
    text: str  # verbatim: a substring of the turn's text
    speaker: str | None = None
    line: int | None = None
    kind: StatementKind = "other"
    clusterable: bool = True  # False for back-channels, fillers and facilitator talk
    position: int = 0  # order of the statement within the convening (all recordings)
    # Noun phrases of up to three words ("welding apprenticeship"), lower case: label material.
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Note:
    """One line the room wrote (a flip-chart line, a sticky note), typed from paper.

    Written, not said: it has no speaker, no time and no audio, so it is never a quote and
    never played; it is matched to the candidate it writes about and counted beside the talk.
    """

    id: str  # stable: hash of the notes file's content hash, line and text
    file: str  # the notes file's name, for display
    line: int  # 0-based line of the file (a CSV's header is line 0)
    text: str  # as typed
    author: str | None = None  # "Linda Park: ..." or the CSV's author column
    table: str | None = None  # "Table 2: ..." or the CSV's table column
    sheet: str | None = None  # the flip chart's title: the last "# heading" above the line
    dots: int = 0  # paper dots stuck on this note


@dataclass(frozen=True, slots=True)
class Quote:
    """A verbatim quote backing a theme: the statement's own words, speaker and time."""

    statement_id: str
    text: str
    speaker: str | None
    start: float
    end: float
    recording_id: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Theme:
    """A candidate shared priority: statements that belong together, and who raised them."""

    id: str  # stable across re-runs on the same input
    label: str
    keywords: tuple[str, ...]
    statement_ids: tuple[str, ...]
    speakers: tuple[str, ...]
    companies: tuple[str, ...] = ()
    quotes: tuple[Quote, ...] = ()
    stability: float = 0.0  # 0..1, how consistently the members cluster together
    talk_share: float = 0.0  # share of clustered talk time (0..1)
    label_generated: bool = True  # labels are machine-made until a facilitator edits them
    read_back: bool = False  # named in the facilitator's recap: the room confirmed it
    kinds: dict[str, int] = field(default_factory=dict)  # statement kind -> count

    @property
    def breadth(self) -> int:
        """Distinct speakers: the ranking key (many voices, not one loud one)."""
        return len(self.speakers)


def to_dict(record: Any) -> dict[str, Any]:
    """A JSON-ready dict of any record above."""
    return asdict(record)
