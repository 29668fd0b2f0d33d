"""A theme held together by its context only, not by what is said, is no candidate (issue 25).

Hand-worked vectors for the coherence statistic (checked against every draw of a small meeting)
and for the rule (synth.themes.sifting.dissolve_loose_themes); the real MiniLM model on the
bundled sample convening, where such a theme used to be a candidate.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest
from conftest import SAMPLE_DIR

from synth.themes.clustering import normalise
from synth.themes.sifting import LOOSE_Z, coherence_z, dissolve_loose_themes


def _centred(x: np.ndarray) -> np.ndarray:
    xn = normalise(x)
    return xn - xn.mean(axis=0, keepdims=True)


def test_the_expected_value_is_exact_over_every_draw() -> None:
    # 10 statements, every draw of 3: the mean of the statistic equals f tr(S) exactly, and
    # its spread is what the z divides by (a normal approximation: within a third)
    x = normalise(np.random.default_rng(3).normal(size=(10, 5)))
    c = _centred(x)
    stats = []
    for rows in combinations(range(10), 3):
        m = c[list(rows)].mean(axis=0)
        stats.append(float(m @ m))
    cov = c.T @ c / 10
    f = (10 - 3) / (9 * 3)
    assert np.mean(stats) == pytest.approx(f * np.trace(cov), rel=1e-9)
    sd = f * np.sqrt(2 * np.sum(cov * cov))
    assert 0.67 < np.std(stats) / sd < 1.33
    zs = [coherence_z(c, np.array(rows)) for rows in combinations(range(10), 3)]
    assert np.mean(zs) == pytest.approx(0.0, abs=1e-9)


def _meeting() -> tuple[np.ndarray, np.ndarray]:
    # themes 0 and 1: six statements each around their own direction; theme 2: four statements
    # pointing four different ways (two towards theme 0's and 1's directions, two elsewhere)
    rng = np.random.default_rng(0)
    e = np.eye(8)
    rows = [e[0] + 0.3 * rng.normal(size=8) for _ in range(6)]
    rows += [e[1] + 0.3 * rng.normal(size=8) for _ in range(6)]
    rows += [e[0] + 0.5 * e[5], e[1] + 0.5 * e[6], e[2], e[3]]
    return normalise(np.vstack(rows)), np.array([0] * 6 + [1] * 6 + [2] * 4)


def test_a_theme_of_unlike_statements_scores_near_chance_and_a_real_one_high() -> None:
    x, labels = _meeting()
    c = _centred(x)
    assert coherence_z(c, np.flatnonzero(labels == 0)) > 3
    assert coherence_z(c, np.flatnonzero(labels == 1)) > 3
    assert coherence_z(c, np.flatnonzero(labels == 2)) < LOOSE_Z
    assert coherence_z(c, np.arange(1)) == float("inf")  # one statement: nothing to measure


def test_a_loose_theme_is_dissolved_into_the_nearest_themes() -> None:
    x, labels = _meeting()
    out = dissolve_loose_themes(x, labels)
    assert out[:12].tolist() == labels[:12].tolist()
    assert 2 not in out
    assert out[12] == 0 and out[13] == 1  # each rejoins the theme it resembles


def test_set_aside_statements_stay_aside_and_tight_themes_stay() -> None:
    x, labels = _meeting()
    labels = labels.copy()
    labels[3] = -1
    out = dissolve_loose_themes(x, labels)
    assert out[3] == -1
    x2 = x.copy()
    x2[14], x2[15] = x[0], x[6]  # theme 2's stray statements replaced: no loose theme left
    assert dissolve_loose_themes(x2, np.array([0] * 6 + [1] * 6 + [0, 1, 0, 1])).tolist() == \
        [0] * 6 + [1] * 6 + [0, 1, 0, 1]
    one = np.zeros(len(x), dtype=int)
    assert dissolve_loose_themes(x, one) is one  # a single theme is never dissolved


@pytest.mark.slow
def test_the_sample_convening_has_no_loose_candidate() -> None:
    # before the rule, one candidate of the typed sample ("Quality inspectors") mixed a permit
    # complaint, a hiring need and supply-chain ideas: coherence -0.3
    from synth.convening.pipeline import synthesize
    from synth.text.roster import load_roster

    result = synthesize([SAMPLE_DIR / "convening.txt"],
                        roster=load_roster(SAMPLE_DIR / "roster.csv"))
    index = {s.id: i for i, s in enumerate(result.statements)}
    clustered = [i for i, s in enumerate(result.statements) if s.clusterable and s.text.strip()]
    c = _centred(np.asarray(result.vectors, dtype=np.float64)[clustered])
    where = {row: n for n, row in enumerate(clustered)}
    themes = result.themes.themes  # type: ignore[attr-defined]
    assert len(themes) >= 4
    for theme in themes:
        rows = np.array([where[index[sid]] for sid in theme.statement_ids])
        assert coherence_z(c, rows) >= LOOSE_Z, theme.label
