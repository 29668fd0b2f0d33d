"""How wide the conversation context is, read from each meeting (synth/themes/clustering.py):
``lag_similarity``, ``persistence`` and ``context_width`` on hand-made sequences.

An agenda meeting stays on a topic for dozens of statements (statements far apart are still
alike: high persistence, the full context); a round table moves on after a turn and its
priorities come back interleaved (statements far apart are no more alike than any two:
persistence near or below 0, the narrow context).
"""

from __future__ import annotations

import numpy as np
import pytest

import synth.themes.clustering as clustering
from synth.themes.clustering import (
    ClusterParams,
    context_width,
    interleaved,
    lag_similarity,
    persistence,
)

NAN = float("nan")


def _onehot(topics: list[int] | np.ndarray, k: int = 5) -> np.ndarray:
    """One orthogonal unit vector per topic; after centring by the meeting mean, with the five
    topics equally frequent, two statements of one topic have cosine 1 and of two topics -1/4."""
    return np.eye(k)[np.asarray(topics)]


def _zeros(n: int) -> np.ndarray:
    return np.zeros(n, dtype=int)


def _round_table(n: int, seed: int, runs: tuple[int, int]) -> np.ndarray:
    """Five priorities interleaved at random: each turn a new one, ``runs`` statements long."""
    rng = np.random.default_rng(seed)
    seq: list[int] = []
    prev = -1
    while len(seq) < n:
        topic = int(rng.choice([t for t in range(5) if t != prev]))
        seq += [topic] * int(rng.integers(*runs))
        prev = topic
    return np.array(seq[:n])


def test_defaults_are_the_documented_ones() -> None:
    p = ClusterParams()
    assert (p.persistence_full, p.narrow_context, p.persistence_lags) == (0.1, 2, (8, 24))
    assert (p.semantic_context, p.context_share) == (30, 0.05)


# --------------------------------------------------------------------------- lag_similarity


# signs + + - - + - along one axis, mean (0, 0) before the offset; lengths differ (cosines
# do not care) and a constant offset (5, 5) is removed by centring
SIX = np.array([[3, 0], [1, 0], [-1, 0], [-2, 0], [1, 0], [-2, 0]], dtype=float) + 5.0


def test_lag_similarity_hand_worked() -> None:
    # lag 1: ++ +- -- -+ +-  -> (1 - 1 + 1 - 1 - 1) / 5 = -0.2
    # lag 2: (0,2) +- (1,3) +- (2,4) -+ (3,5) --  -> (-1 - 1 - 1 + 1) / 4 = -0.5
    # lag 3: (0,3) +- (1,4) ++ (2,5) --  -> 1/3
    # lag 4: (0,4) ++ (1,5) +-  -> 0;  lag 5: (0,5) +-  -> -1;  lag 6: no pair -> NaN
    sim = lag_similarity(SIX, _zeros(6), 6)
    np.testing.assert_allclose(sim, [-0.2, -0.5, 1 / 3, 0.0, -1.0, NAN], atol=1e-12)


def test_lag_similarity_in_two_dimensions() -> None:
    # four directions 90 degrees apart, mean 0: neighbours orthogonal, lag 2 opposite
    x = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=float)
    np.testing.assert_allclose(lag_similarity(x, _zeros(4), 3), [0.0, -1.0, 0.0], atol=1e-12)


def test_lag_similarity_never_pairs_two_recordings() -> None:
    # recordings 0 0 0 | 1 1 1 (centring still uses the whole meeting's mean)
    # lag 1: (0,1) ++ (1,2) +- (3,4) -+ (4,5) +-  -> -0.5;  lag 2: (0,2) +- (3,5) --  -> 0
    # lag 3: every pair spans the two recordings -> NaN
    sim = lag_similarity(SIX, np.array([0, 0, 0, 1, 1, 1]), 3)
    np.testing.assert_allclose(sim, [-0.5, 0.0, NAN], atol=1e-12)


# --------------------------------------------------------------------------- persistence

# + + + + - - - - along one axis: lags 1..5 give 5/7, 1/3, -1/5, -1, -1
# (lag 1: 6 same of 7; lag 2: 4 same of 6; lag 3: 2 same of 5; lags 4, 5: none the same)
EIGHT = np.array([[1.0, 0.0]] * 4 + [[-1.0, 0.0]] * 4)


def test_persistence_hand_worked() -> None:
    np.testing.assert_allclose(lag_similarity(EIGHT, _zeros(8), 5),
                               [5 / 7, 1 / 3, -1 / 5, -1.0, -1.0], atol=1e-12)
    near = (5 / 7 + 1 / 3) / 2  # lags 1 and 2: 11/21
    # distant lags 2..3: mean(1/3, -1/5) = 1/15; 1/15 / (11/21) = 7/55
    p = persistence(EIGHT, _zeros(8), ClusterParams(persistence_lags=(2, 3)))
    assert p == pytest.approx((1 / 15) / near) and p == pytest.approx(7 / 55)
    # distant lags 3..5: mean(-1/5, -1, -1) = -11/15; / (11/21) = -7/5
    p = persistence(EIGHT, _zeros(8), ClusterParams(persistence_lags=(3, 5)))
    assert p == pytest.approx(-7 / 5)
    # the 13 neighbour pairs (lag 1: 6 alike, 1 opposite; lag 2: 4 alike, 2 opposite) have
    # mean 7/13 and standard error sqrt((1 - 49/169) / 13) = 0.234: evidence at 2 of them, not 3
    assert persistence(EIGHT, _zeros(8), ClusterParams(persistence_lags=(2, 3),
                                                       near_evidence_z=3)) == 0.0


def test_persistence_within_recordings() -> None:
    # each recording one topic: lags 1..3 inside a recording are all alike, lag 4 has no pair
    groups = np.array([0] * 4 + [1] * 4)
    np.testing.assert_allclose(lag_similarity(EIGHT, groups, 4), [1, 1, 1, NAN], atol=1e-12)
    params = ClusterParams(persistence_lags=(3, 4))
    assert persistence(EIGHT, groups, params) == pytest.approx(1.0)
    # one recording: distant lags 3, 4 = (-1/5 - 1) / 2 = -3/5; / (11/21) = -63/55
    assert persistence(EIGHT, _zeros(8), params) == pytest.approx(-63 / 55)


def test_persistence_unknown_for_short_talk_and_zero_for_uniform_talk() -> None:
    params = ClusterParams()  # distant lags 8..24
    assert persistence(EIGHT, _zeros(8), params) is None  # no pair 8 apart
    same = np.ones((50, 3))  # every statement alike: after centring nothing is shared,
    assert persistence(same, _zeros(50), params) == 0.0  # so nothing persists either


def test_agenda_meeting_persists() -> None:
    # five topics one after another, 120 statements each (600 in all). At lag d, 4d of the
    # n - d pairs span a change of topic: similarity (n - d - 4d - 4d/4) / (n - d) =
    # (n - 6d) / (n - d).
    n = 600
    x = _onehot(np.repeat(np.arange(5), 120))
    d = np.arange(1, 25)
    expected = (n - 6 * d) / (n - d)
    np.testing.assert_allclose(lag_similarity(x, _zeros(n), 24), expected, atol=1e-12)
    p = persistence(x, _zeros(n), ClusterParams())
    assert p == pytest.approx(expected[7:24].mean() / expected[:2].mean())
    assert p == pytest.approx(0.8736, abs=1e-4)
    assert p >= ClusterParams().persistence_full


def test_round_table_does_not_persist() -> None:
    # five priorities interleaved at random, turns of 2 or 3 statements: neighbours in one turn
    # are alike (lag 1 about 0.5), statements 8..24 apart no more than any two (about 0)
    n = 600
    x = _onehot(_round_table(n, seed=1, runs=(2, 4)))
    sim = lag_similarity(x, _zeros(n), 24)
    assert sim[0] > 0.4
    assert abs(np.mean(sim[7:24])) < 0.01
    p = persistence(x, _zeros(n), ClusterParams())
    assert p is not None and -0.05 < p < 0.01


# --------------------------------------------------------------------------- context_width


def test_agenda_meeting_gets_the_full_width() -> None:
    x = _onehot(np.repeat(np.arange(5), 120))
    assert context_width(x, _zeros(600), ClusterParams()) == 30
    # 400 statements: the full width is capped at 5% of them
    x = _onehot(np.repeat(np.arange(5), 80))
    assert context_width(x, _zeros(400), ClusterParams()) == 20


def test_round_table_gets_the_narrow_width() -> None:
    x = _onehot(_round_table(600, seed=1, runs=(2, 4)))
    assert context_width(x, _zeros(600), ClusterParams()) == 2
    # longer turns (2 to 4 statements), same verdict
    x = _onehot(_round_table(600, seed=1, runs=(2, 5)))
    assert context_width(x, _zeros(600), ClusterParams()) == 2


def test_width_grows_linearly_with_persistence() -> None:
    # EIGHT with distant lags 2..3 has persistence 7/55; context_share 1 lets the full width be
    # semantic_context (6): width = 2 + share * (6 - 2), share = min(p / persistence_full, 1)
    base = dict(semantic_context=6, context_share=1.0, narrow_context=2,
                persistence_lags=(2, 3))
    # 7/55 / 0.2 = 0.636...: 2 + 2.545 = 4.545 -> 5
    assert context_width(EIGHT, _zeros(8), ClusterParams(**base, persistence_full=0.2)) == 5
    # 7/55 / 0.5 = 0.2545...: 2 + 1.018 -> 3
    assert context_width(EIGHT, _zeros(8), ClusterParams(**base, persistence_full=0.5)) == 3
    # at or above persistence_full: the full width
    assert context_width(EIGHT, _zeros(8), ClusterParams(**base, persistence_full=0.1)) == 6
    # persistence_full <= 0 turns the measure off: always the full width
    off = ClusterParams(**{**base, "persistence_lags": (3, 5)}, persistence_full=0.0)
    assert context_width(EIGHT, _zeros(8), off) == 6
    # negative persistence (-7/5): the narrow width
    neg = ClusterParams(**{**base, "persistence_lags": (3, 5)}, persistence_full=0.2)
    assert context_width(EIGHT, _zeros(8), neg) == 2
    # the narrow width never exceeds the full one
    tight = ClusterParams(**{**base, "persistence_lags": (3, 5), "semantic_context": 1},
                          persistence_full=0.2)
    assert context_width(EIGHT, _zeros(8), tight) == 1


def test_width_respects_recordings() -> None:
    # the same eight statements as two one-topic recordings persist fully (p = 1): full width;
    # as one recording the topic changes half way (p = -63/55): narrow width
    params = ClusterParams(semantic_context=4, context_share=1.0, narrow_context=1,
                           persistence_full=0.5, persistence_lags=(3, 4))
    assert context_width(EIGHT, np.array([0] * 4 + [1] * 4), params) == 4
    assert context_width(EIGHT, _zeros(8), params) == 1


def test_unmeasurable_meeting_keeps_the_capped_width() -> None:
    # 8 statements have no pair 8 apart: persistence unknown, the full (capped) width is kept
    wide = ClusterParams(semantic_context=6, context_share=1.0, narrow_context=1)
    assert persistence(EIGHT, _zeros(8), wide) is None
    assert context_width(EIGHT, _zeros(8), wide) == 6
    # the same statements measured at lags 3..5 (persistence -7/5) get the narrow width
    measured = ClusterParams(semantic_context=6, context_share=1.0, narrow_context=1,
                             persistence_lags=(3, 5))
    assert context_width(EIGHT, _zeros(8), measured) == 1
    # default knobs: the cap is max(2, 5% of the statements)
    assert context_width(EIGHT, _zeros(8), ClusterParams()) == 2


# --------------------------------------------------------------------------- hard cases


def test_round_table_without_runs_gets_the_narrow_width() -> None:
    rng = np.random.default_rng(0)
    seq = [0]
    while len(seq) < 600:  # a new priority at every statement, never the same twice in a row
        seq.append(int(rng.choice([t for t in range(5) if t != seq[-1]])))
    x = _onehot(seq)
    assert lag_similarity(x, _zeros(600), 1)[0] < 0  # neighbours are never alike
    assert context_width(x, _zeros(600), ClusterParams()) == 2


def test_round_table_with_short_turns_gets_the_narrow_width() -> None:
    # lags 1-2 similarity 0.0095 and distant 0.006 read as persistence 0.62 (the full width 30)
    # before the neighbours' similarity had to be evidence (ClusterParams.near_evidence_z)
    x = _onehot(_round_table(600, seed=0, runs=(1, 3)))
    sim = lag_similarity(x, _zeros(600), 24)
    assert abs(np.mean(sim[7:24])) < 0.01  # statements far apart: no more alike than any two
    assert context_width(x, _zeros(600), ClusterParams()) <= 3


# --------------------------------------------------------------------------- conversation order


def test_only_the_narrowest_chosen_width_is_a_round_table() -> None:
    p = ClusterParams()
    assert not interleaved(30, 30, p)  # agenda meeting: its topics come one after another
    assert interleaved(2, 30, p)  # round table: its priorities come back interleaved
    assert not interleaved(16, 30, p)  # in between: order may still help
    assert not interleaved(2, 2, p)  # too short to tell: as before


@pytest.mark.parametrize(("topics", "calls"), [
    (np.repeat(np.arange(5), 120), 1),
    (_round_table(600, seed=1, runs=(2, 4)), 0),
])
def test_only_a_meeting_that_persists_prefers_themes_in_conversation_order(
        monkeypatch: pytest.MonkeyPatch, topics: np.ndarray, calls: int) -> None:
    seen: list[float] = []
    real = clustering.prefer_order

    def spy(x, labels, k, params, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(params.order_weight)
        return real(x, labels, k, params, *args, **kwargs)

    monkeypatch.setattr(clustering, "prefer_order", spy)
    x = _onehot(topics) + 0.01 * np.random.default_rng(0).normal(size=(len(topics), 5))
    texts = [f"topic {t} words" for t in topics]
    clustering.cluster_conversation(x, texts, _zeros(len(topics)), n_clusters=5)
    assert seen == [ClusterParams().order_weight] * calls
