"""The best path of states through a sequence, with a cost for changing state (Viterbi).

Two steps label a sequence this way: speaker turns (one state per voice, a frame at a time) and
sticky themes (one state per theme, a statement at a time). Both want each step's best-scoring
state, except that a change of state must earn its ``penalty``, so one odd step does not
break a run.
"""

from __future__ import annotations

import numpy as np


def best_path(scores: np.ndarray, penalty: float | np.ndarray,
              restarts: np.ndarray | None = None) -> np.ndarray:
    """The state per step (``scores`` is steps x states, higher is better) that maximises the
    total score less ``penalty`` for every change of state.

    ``penalty`` is one cost, or one per step (``penalty[t]``: the cost of changing state into
    step ``t``). At a step where ``restarts`` is true the state may change for free (a new
    recording starts). Ties keep the current state; the path is exact, not greedy.
    """
    n, k = scores.shape
    came_from = np.zeros((n, k), dtype=np.int64)
    best = scores[0].copy()
    states = np.arange(k)
    for t in range(1, n):
        leader = int(np.argmax(best))
        if restarts is not None and restarts[t]:
            came_from[t] = leader
            best = best[leader] + scores[t]
            continue
        switch = best[leader] - (penalty[t] if isinstance(penalty, np.ndarray) else penalty)
        stay = best >= switch
        came_from[t] = np.where(stay, states, leader)
        best = np.where(stay, best, switch) + scores[t]
    path = np.empty(n, dtype=np.int64)
    path[-1] = int(np.argmax(best))
    for t in range(n - 1, 0, -1):
        path[t - 1] = came_from[t, path[t]]
    return path
