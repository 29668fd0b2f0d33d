"""Conversation-aware clustering: the preference for themes in conversation order."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from synth.clustering import ClusterParams, inertia, prefer_order


def test_inertia_hand_worked() -> None:
    # Cluster 0: points 0 and 2 (mean 1, squared distances 1 + 1); cluster 1: 5 alone (0).
    x = np.array([[0.0], [2.0], [5.0]])
    assert inertia(x, np.array([0, 0, 1])) == pytest.approx(2.0)


def test_a_theme_that_comes_back_keeps_its_free_clustering() -> None:
    # Topic A, then B, then A again: themes in time order would have to split or merge them.
    rng = np.random.default_rng(0)
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    x = np.vstack([c + 0.05 * rng.standard_normal((40, 2)) for c in (a, b, a)])
    free = np.r_[np.zeros(40, int), np.ones(40, int), np.zeros(40, int)]
    params = replace(ClusterParams(), order_weight=20.0)  # time decides the ordered clustering
    accept_all = prefer_order(x, free, 2, replace(params, order_slack=1e6), 3, 0)
    assert adjusted_rand_score(free, accept_all) < 0.5  # the ordered themes are wrong here ...
    out = prefer_order(x, free, 2, params, restarts=3, seed=0)
    assert out.tolist() == free.tolist()  # ... and their worse fit keeps the free ones


def test_ordered_themes_win_when_they_fit_within_the_slack() -> None:
    # Structureless features: the free split is arbitrary, the ordered one follows the talk.
    rng = np.random.default_rng(1)
    x = 0.05 * rng.standard_normal((200, 5))
    free = (x[:, 0] > 0).astype(int)
    loose = prefer_order(x, free, 2, replace(ClusterParams(), order_slack=1.0), 3, 0)
    runs = 1 + int(np.count_nonzero(loose[1:] != loose[:-1]))
    assert runs <= 3 and loose.tolist() != free.tolist()
    strict = prefer_order(x, free, 2, replace(ClusterParams(), order_slack=-0.5), 3, 0)
    assert strict.tolist() == free.tolist()
    off = prefer_order(x, free, 2, replace(ClusterParams(), order_weight=0.0), 3, 0)
    assert off.tolist() == free.tolist()
