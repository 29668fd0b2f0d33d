"""How stable each theme is: does it come back when the input is perturbed?

The clustering itself is deterministic, so re-running it with another seed would change
nothing; instead each run drops a random share of the statements (a subsample, drawn with its
own seed) and clusters the rest. A theme's stability is the mean, over runs, of the best Jaccard
overlap between its surviving members and any cluster of that run (Hennig's cluster-wise
stability). 1 means the theme comes back whole every time; below about 0.5 it is a fragile
candidate the facilitator should look at twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

log = logging.getLogger(__name__)


def theme_stability(
    labels: np.ndarray,
    cluster: Callable[[np.ndarray, int], np.ndarray],
    *,
    runs: int,
    seed: int = 0,
    keep: float = 0.8,
) -> np.ndarray:
    """Stability in 0..1 of each theme in ``labels`` (theme numbers 0..k-1, -1 = none).

    ``cluster(index, run)`` must cluster the rows ``index`` (sorted, so conversation order is
    kept) with a seed derived from ``run`` and return a label per row. Each run keeps a share
    ``keep`` of the rows.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    if k == 0 or runs <= 0:
        return np.zeros(k)
    n = len(labels)
    scores = np.zeros((runs, k))
    for r in range(runs):
        rng = np.random.default_rng([seed, r])  # one independent, reproducible stream per run
        size = max(2, int(round(keep * n)))
        index = np.sort(rng.choice(n, size=min(size, n), replace=False))
        sub = cluster(index, r)
        base = labels[index]
        for t in range(k):
            members = base == t
            if not members.any():
                scores[r, t] = np.nan
                continue
            best = 0.0
            for c in np.unique(sub[members]):
                if c < 0:
                    continue
                other = sub == c
                best = max(best, float((members & other).sum() / (members | other).sum()))
            scores[r, t] = best
    with np.errstate(all="ignore"):
        mean = np.nanmean(np.where(np.isnan(scores).all(axis=0), 0.0, scores), axis=0)
    return np.clip(np.nan_to_num(mean), 0.0, 1.0)
