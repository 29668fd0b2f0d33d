"""The convening's roster: who is in the room, their company and role.

A CSV with columns ``name, company, role`` and, optionally, ``voice``: a short recording of
the person (a path relative to the roster), which lets synth name the voices it finds. Roles
are business leader, public partner, facilitator or other (several spellings accepted, since
people type these by hand).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from synth.errors import InputError
from synth.records import Participant, Role

ROLE_NAMES: dict[str, Role] = {
    "business": "business", "business leader": "business", "industry": "business",
    "leader": "business", "employer": "business",
    "public": "public", "public partner": "public", "partner": "public", "education": "public",
    "workforce": "public", "economic development": "public",
    "facilitator": "facilitator", "convener": "facilitator", "staff": "facilitator",
    "other": "other", "": "other",
}


def parse_role(value: str) -> Role:
    """A role from free text, or a clear error listing the accepted ones."""
    key = " ".join(value.lower().replace("_", " ").replace("-", " ").split())
    if key not in ROLE_NAMES:
        raise InputError(
            f"unknown role '{value}'. Use business, public, facilitator or other."
        )
    return ROLE_NAMES[key]


def _rows(p: Path) -> list[dict[str, str]]:
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{p}: no such roster file.") from None
    except UnicodeDecodeError:
        raise InputError(f"{p}: the roster is not UTF-8 text; re-save it as UTF-8 CSV.") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "name" not in (rows[0].keys() if rows else ()):
        raise InputError(f"{p}: a roster needs a header row with name, company, role.")
    return rows


def load_roster(path: str | Path) -> list[Participant]:
    """Read a roster CSV; names must be unique (they are how speakers are matched)."""
    p = Path(path)
    rows = _rows(p)
    people: dict[str, Participant] = {}
    for n, row in enumerate(rows, start=2):
        name = (row.get("name") or "").strip()
        if not name:
            raise InputError(f"{p}, line {n}: the name is empty.")
        if name in people:
            raise InputError(f"{p}, line {n}: '{name}' appears twice; names must be unique.")
        try:
            role = parse_role(row.get("role") or "")
        except InputError as exc:
            raise InputError(f"{p}, line {n}: {exc}") from None
        people[name] = Participant(name=name, company=(row.get("company") or "").strip() or None,
                                   role=role)
    return list(people.values())


def load_voices(path: str | Path) -> dict[str, Path]:
    """Name -> voice sample of the roster's people that have one (the ``voice`` column,
    relative to the roster's folder); a named file that is missing is an error, so a typo
    does not silently leave a person unnamed."""
    p = Path(path)
    voices: dict[str, Path] = {}
    for n, row in enumerate(_rows(p), start=2):
        name, voice = (row.get("name") or "").strip(), (row.get("voice") or "").strip()
        if not name or not voice:
            continue
        where = (p.parent / voice).resolve()
        if not where.is_file():
            raise InputError(f"{p}, line {n}: no voice sample at {voice}.")
        voices[name] = where
    return voices
