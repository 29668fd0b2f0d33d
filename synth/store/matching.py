"""Match a re-run's candidate themes to the themes already in the store.

The rule, for each new candidate ``n`` against each stored theme ``e`` (with its *current*
members, i.e. after the facilitator's merges, moves and splits):

* ``J`` = Jaccard of their statement ids, ``|n & e| / |n | e|``;
* ``C`` = containment, ``|n & e| / |n|``: the share of the new candidate already in ``e``;
* ``cos`` = cosine of the two centroids, when both have stored embeddings.

``e`` is a match when ``J >= 0.3``, or ``C >= 0.5``, or ``cos >= 0.9``; of the matches the one
with the highest ``J + C + cos`` wins (ties: the older theme). Several new candidates may
match one stored theme: a facilitator's merge of A and B then absorbs the re-run's separate
A' and B' instead of bringing B back. A candidate that matches nothing is new.

Containment makes the rule robust to growth (a recording added: ``n`` = old members plus new
statements) and to finer clustering; centroid similarity catches a candidate made mostly of
new statements that is about the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MIN_JACCARD = 0.3
MIN_CONTAINMENT = 0.5
MIN_COSINE = 0.9


@dataclass(frozen=True, slots=True)
class Members:
    """A theme's statement ids and, when every vector is known, their centroid."""

    key: str | int
    ids: frozenset[str]
    centroid: np.ndarray | None = None


def centroid(ids: Sequence[str] | frozenset[str],
             vectors: Mapping[str, np.ndarray]) -> np.ndarray | None:
    """The unit-length mean vector of the statements, or None when some vector is missing."""
    if not ids or any(i not in vectors for i in ids):
        return None
    mean = np.mean([vectors[i] for i in sorted(ids)], axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else None


def score(new: Members, old: Members) -> float | None:
    """The match score of a new candidate against a stored theme, or None when no match."""
    shared = len(new.ids & old.ids)
    jaccard = shared / len(new.ids | old.ids) if new.ids | old.ids else 0.0
    containment = shared / len(new.ids) if new.ids else 0.0
    cos = (float(np.dot(new.centroid, old.centroid))
           if new.centroid is not None and old.centroid is not None else None)
    if jaccard >= MIN_JACCARD or containment >= MIN_CONTAINMENT or (
            cos is not None and cos >= MIN_COSINE):
        return jaccard + containment + (cos or 0.0)
    return None


def match_themes(new: Sequence[Members], old: Sequence[Members]) -> dict[str | int, int]:
    """New candidate key -> id of the stored theme it continues (unmatched keys are absent)."""
    out: dict[str | int, int] = {}
    for n in new:
        best: tuple[float, int] | None = None
        for o in sorted(old, key=lambda m: int(m.key)):
            s = score(n, o)
            if s is not None and (best is None or s > best[0]):
                best = (s, int(o.key))
        if best is not None:
            out[n.key] = best[1]
    return out
