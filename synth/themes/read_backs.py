"""The facilitator's read-backs as label material.

The facilitator sums up what leaders said ("So, growing your own frontline people into leads and
supervisors", "I'm writing 'food safety' up here") and those words go on the flip chart. Their
statements are never clustered or quoted (leaders set the agenda), but a read-back that is about
a theme names it in the room's own summary. A facilitator statement counts for the theme its
embedding is closest to, when it is at least as close as three quarters of that theme's own
statements (the theme's own spread is the bar, not a constant); only its phrases that echo a
word two or more of the theme's statements use are kept, so "I'll send notes by Friday" or a
prompt about growth lends no words to the theme it happens to lie near.

On the six convening dev meetings and the four check meetings in ``samples/checks/`` the
best-matching candidate's label names its gold priority in 70% and 70% of cases (seed 0; seeds
1-3: 73/70/60% and 80/80/80%), against 67% and 55% (70/60/63%, 75/75/75%) without read-backs
(``pipelines/evaluate_convenings.py [--data samples/checks]``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from synth.records import Statement
from synth.themes.clustering import normalise
from synth.themes.labels import singular

# A read-back must lie at least as close to the theme as this percentile of its own statements.
CLOSENESS_PERCENTILE = 25
ECHOED_BY = 2  # statements of the theme that use a word of the read-back's phrase


def closeness_bars(theme_vectors: Sequence[np.ndarray], centroids: np.ndarray) -> list[float]:
    """Per theme, how close the facilitator's words must lie to it to be about it: as close as
    :data:`CLOSENESS_PERCENTILE` of its own statements (``theme_vectors``) lie to its unit
    mean vector (``centroids``). The theme's own spread is the bar, not a constant."""
    return [float(np.percentile(normalise(np.asarray(v, dtype=np.float64)) @ c,
                                CLOSENESS_PERCENTILE))
            for v, c in zip(theme_vectors, centroids, strict=True)]


def read_backs(
    themes: Sequence[Sequence[Statement]],
    theme_vectors: Sequence[np.ndarray],
    centroids: np.ndarray,
    facilitator: Sequence[Statement],
    facilitator_vectors: np.ndarray,
) -> list[list[Statement]]:
    """Per theme, the facilitator statements that sum it up, each with only its phrases that
    echo the theme's own words (``phrases`` from the spaCy step; without them there is nothing
    to echo and no read-back is used). ``centroids``: each theme's unit mean statement vector,
    the one that also decides its suggested name."""
    out: list[list[Statement]] = [[] for _ in themes]
    if not themes or not facilitator:
        return out
    bars = closeness_bars(theme_vectors, centroids)
    uses = [Counter(singular(w) for s in members for w in {w for p in s.phrases
                                                            for w in p.split()})
            for members in themes]
    sims = normalise(np.asarray(facilitator_vectors, dtype=np.float64)) @ centroids.T
    for s, row in zip(facilitator, sims, strict=True):
        t = int(np.argmax(row))
        if row[t] < bars[t]:
            continue
        echoes = tuple(p for p in s.phrases
                       if any(uses[t][singular(w)] >= ECHOED_BY for w in p.split()))
        if echoes:
            out[t].append(replace(s, phrases=echoes))
    return out
