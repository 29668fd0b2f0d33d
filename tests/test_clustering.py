"""Conversation-aware clustering: the preference for themes in conversation order."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from synth.themes.clustering import (
    ClusterParams,
    cluster_conversation,
    final_restarts,
    inertia,
    normalise,
    prefer_order,
    similarity_profiles,
)


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


def test_ordered_themes_are_drawn_from_the_features_the_free_ones_came_from() -> None:
    # The joined views are structureless; the drawing features change topic after 30 of 120.
    rng = np.random.default_rng(2)
    x = 0.05 * rng.standard_normal((120, 5))
    draw = np.vstack([np.tile([1.0, 0.0], (30, 1)), np.tile([0.0, 1.0], (90, 1))])
    draw += 0.05 * rng.standard_normal(draw.shape)
    free = np.r_[np.zeros(30, int), np.ones(90, int)]
    loose = replace(ClusterParams(), order_slack=1e6)
    drawn = prefer_order(x, free, 2, loose, 3, 0, draw=draw)
    assert adjusted_rand_score(free, drawn) == 1.0
    blind = prefer_order(x, free, 2, loose, 3, 0)  # from the structureless views: split near half
    assert adjusted_rand_score(free, blind) < 0.5


def test_statements_that_relate_alike_to_the_rest_get_alike_profiles() -> None:
    # Two statements orthogonal to each other (first-order cosine 0) that resemble the rest of
    # the conversation in exactly the same way: their similarity profiles nearly coincide.
    rng = np.random.default_rng(2)
    rest = np.hstack([rng.standard_normal((200, 4)), np.zeros((200, 1))])
    pair = np.array([[1.0, 0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0, -1.0]])
    x = np.vstack([rest, pair])
    assert (normalise(pair[:1]) @ normalise(pair[1:]).T).item() == pytest.approx(0.0)
    prof = similarity_profiles(x, ClusterParams(profile_dims=10))
    assert prof.shape == (202, 10)
    assert np.allclose(np.linalg.norm(prof, axis=1), 1.0)
    assert float(prof[200] @ prof[201]) > 0.9
    # ... while a statement unlike them stays apart
    unlike = int(np.argmin(normalise(rest) @ normalise(pair[:1]).T))
    assert float(prof[200] @ prof[unlike]) < 0.5


def test_profiles_are_deterministic_and_bounded_by_the_landmarks() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal((900, 8))
    params = ClusterParams(profile_dims=50, profile_landmarks=30)
    a, b = similarity_profiles(x, params), similarity_profiles(x, params)
    assert a.tobytes() == b.tobytes()
    assert a.shape == (900, 29)  # 30 landmarks leave at most 29 centred dimensions


def test_a_returning_theme_is_found_whether_or_not_profiles_draw_the_themes() -> None:
    # A, B, A, C, B in turn over statements whose texts share nothing: the clustering must link
    # each theme's stretches by their embeddings, with profiles and without.
    rng = np.random.default_rng(4)
    centres = np.eye(3, 24)
    order = [0, 1, 0, 2, 1]
    vectors = np.vstack([centres[t] + 0.3 * rng.standard_normal((40, 24)) for t in order])
    truth = np.repeat(order, 40)
    texts = [f"statement {i}" for i in range(len(truth))]
    groups = np.zeros(len(truth), dtype=int)
    for dims in (50, 0):
        params = replace(ClusterParams(), profile_dims=dims)
        labels = cluster_conversation(vectors, texts, groups, n_clusters=3, params=params)
        assert adjusted_rand_score(truth, labels) > 0.9


def test_restarts_follow_a_budget_of_statement_restarts() -> None:
    # a short meeting (where k-means' optimum depends most on the seed) gets the most restarts,
    # a long one fewer, never below the floor; past final_n_init_below the selection's n_init
    p = ClusterParams()
    assert final_restarts(200, p) == p.final_n_init
    assert final_restarts(1000, p) == p.restart_budget // 1000
    assert final_restarts(p.final_n_init_below, p) == p.final_n_init_floor
    assert final_restarts(p.final_n_init_below + 1, p) == p.n_init
    assert p.final_n_init_floor < p.restart_budget // 1000 < p.final_n_init
