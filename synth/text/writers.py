"""Write a transcript as synth JSON, WebVTT, SRT or plain text, chosen by file extension.

Writes go to a temporary file that is renamed into place, so a crash never leaves a half
written result over a good earlier one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from synth.errors import InputError
from synth.files import atomic_write_text
from synth.records import Transcript


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def transcript_dict(t: Transcript) -> dict[str, Any]:
    """The JSON-ready form of a transcript (also what :func:`parse_json` reads back)."""
    return {
        "recording": asdict(t.recording),
        "language": t.language,
        "model": t.model,
        "turns": [asdict(turn) for turn in t.turns],
        "removed": [asdict(r) for r in t.removed],
    }


def to_json(t: Transcript) -> str:
    return json.dumps(transcript_dict(t), indent=1, ensure_ascii=False) + "\n"


def to_vtt(t: Transcript) -> str:
    out = ["WEBVTT", ""]
    for turn in t.turns:
        out.append(f"{_stamp(turn.start, '.')} --> {_stamp(turn.end, '.')}")
        out.append(f"<v {turn.speaker}>{turn.text}" if turn.speaker else turn.text)
        out.append("")
    return "\n".join(out)


def to_srt(t: Transcript) -> str:
    out = []
    for n, turn in enumerate(t.turns, 1):
        out += [str(n), f"{_stamp(turn.start, ',')} --> {_stamp(turn.end, ',')}",
                f"{turn.speaker}: {turn.text}" if turn.speaker else turn.text, ""]
    return "\n".join(out)


def to_text(t: Transcript) -> str:
    return "".join(f"{turn.speaker}: {turn.text}\n" if turn.speaker else f"{turn.text}\n"
                   for turn in t.turns)


WRITERS: dict[str, Callable[[Transcript], str]] = {
    ".json": to_json, ".vtt": to_vtt, ".srt": to_srt, ".txt": to_text,
}


def write_transcript(t: Transcript, path: str | Path) -> None:
    """Write ``t`` in the format named by the extension of ``path``."""
    p = Path(path)
    writer = WRITERS.get(p.suffix.lower())
    if writer is None:
        raise InputError(
            f"{p}: unknown output format '{p.suffix}'. Use .json, .vtt, .srt or .txt."
        )
    atomic_write_text(p, writer(t))
