"""The priorities sector partnerships commonly name: suggestions for candidate themes.

A small, editable list (``synth/data/priorities.json``, or a partnership's own file in the same
shape) of priorities in the partnership's words, each with a description of what leaders say
about it, symptoms included ("the bus stops before the shift ends"). A candidate theme whose
statements resemble one entry clearly more than any other carries that entry's name as a
suggestion in its label; the rest stay free themes with the words of the room.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from synth.errors import InputError

# A suggestion needs its entry this close to the theme's mean statement (MiniLM cosine) and this
# much closer than the next entry; below that the theme keeps only its own words.
MIN_SIMILARITY = 0.45
MIN_MARGIN = 0.03
_MAX_NAME_CHARS = 60


@dataclass(frozen=True, slots=True)
class Priority:
    """One commonly named priority: a short name and what leaders say about it."""

    name: str
    description: str

    @property
    def text(self) -> str:
        """What is embedded: the name and its description."""
        return f"{self.name}. {self.description}"


@dataclass(frozen=True, slots=True)
class PriorityList:
    """Entries with their (unit) embeddings, one row per entry."""

    entries: tuple[Priority, ...]
    vectors: np.ndarray


def default_path() -> Path:
    """The list shipped with synth."""
    return Path(str(resources.files("synth") / "data" / "priorities.json"))


def load_priorities(path: str | Path | None = None) -> tuple[Priority, ...]:
    """Entries of a priority list file, validated; a clear message for each kind of mistake."""
    path = Path(path) if path is not None else default_path()
    where = str(path)
    shape = '{"priorities": [{"name": ..., "description": ...}, ...]}'
    try:
        # utf-8-sig: a list saved by Notepad starts with a byte-order mark; it is still UTF-8.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{where}: no such priority list file. Check the path, or leave the "
                         "option out to use synth's own list.") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a folder, not a priority list file. Give the JSON "
                         "file itself.") from None
    except UnicodeDecodeError:
        raise InputError(f"{where}: not a text file in UTF-8. Save the priority list as "
                         "UTF-8 JSON.") from None
    except OSError as err:
        raise InputError(f"{where}: cannot read the priority list ({err.strerror or err}). "
                         "Check that the file is there and readable.") from None
    if not text.strip():
        raise InputError(f"{where}: the priority list file is empty. It should hold {shape}.")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{where}: not a JSON priority list ({err}). Fix the JSON at that "
                         f"place (a missing comma or quote?); the file should hold {shape}."
                         ) from None
    items = raw.get("priorities") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise InputError(f"{where}: expected {shape} with at least one entry.")
    entries: list[Priority] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        at = f"{where}: entry {n}"
        if not isinstance(item, dict):
            raise InputError(f"{at} is not an object with a name and a description.")
        name, description = item.get("name"), item.get("description")
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{at} has no name: give a short name such as \"Childcare\".")
        name = " ".join(name.split())
        if len(name) > _MAX_NAME_CHARS:
            raise InputError(f"{at} ({name[:30]}...): the name is over {_MAX_NAME_CHARS} "
                             "characters; keep it short and put the rest in the description.")
        if not isinstance(description, str) or len(description.split()) < 3:
            raise InputError(f"{at} ({name}): the description needs a few words on what leaders "
                             "say about it.")
        if name.lower() in seen:
            raise InputError(f"{at}: {name!r} is listed twice (entry {seen[name.lower()]} has the "
                             "same name); keep one entry per name.")
        seen[name.lower()] = n
        entries.append(Priority(name=name, description=" ".join(description.split())))
    return tuple(entries)


def suggest(centroids: np.ndarray, priorities: PriorityList | None) -> list[Priority | None]:
    """The entry each theme (one unit centroid a row) clearly resembles, or None.

    One entry suggests at most one theme: where two themes resemble the same entry, the closer
    one keeps it (ties to the earlier theme), so two candidates never carry the same name.
    """
    out: list[Priority | None] = [None] * len(centroids)
    if priorities is None or not priorities.entries or len(centroids) == 0:
        return out
    sim = np.asarray(centroids, dtype=np.float64) @ np.asarray(priorities.vectors, np.float64).T
    best = np.argmax(sim, axis=1)
    ranked = np.sort(sim, axis=1)
    margin = ranked[:, -1] - (ranked[:, -2] if sim.shape[1] > 1 else 0.0)
    taken: set[int] = set()
    for t in sorted(range(len(centroids)), key=lambda t: (-sim[t, best[t]], t)):
        e = int(best[t])
        if sim[t, e] >= MIN_SIMILARITY and margin[t] >= MIN_MARGIN and e not in taken:
            out[t] = priorities.entries[e]
            taken.add(e)
    return out


def embed_priorities(entries: Sequence[Priority], embed) -> PriorityList:
    """Entries with their vectors from ``embed`` (texts -> unit rows)."""
    vectors = np.asarray(embed([p.text for p in entries]), dtype=np.float64)
    return PriorityList(entries=tuple(entries), vectors=vectors)
