"""Sobol' indices of a noisy output's mean through a GP emulator (sim.analysis.effect_emulation).

The Ishigami function (a = 7, b = 0.1; analytic S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244)
plus heteroscedastic noise (sd 0.5 + 0.5 |x1|, about an eighth of a run's variance), on a Latin
hypercube of 200 points x 4 seeds. Measured over design seeds 1-6 (outside the suite): the
largest error of any index was 0.02-0.07, the held-out coverage 0.88-0.95, the leave-one-out
coverage 0.90-0.95 and the noise share 0.10-0.13, so the bounds below (0.1, 0.75, 0.85) hold
with room; the emulator's error is not in SALib's intervals (the
module says so), which is why the test bounds the error, not the interval's coverage.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from sim.analysis.effect_emulation import as_switches, bootstrap_indices, emulated_sensitivity

S1 = np.array([0.3139, 0.4424, 0.0])
ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(u: np.ndarray) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def noisy(u: np.ndarray, seeds: int, rng: np.random.Generator) -> np.ndarray:
    sd = 0.5 + 0.5 * np.abs(-np.pi + 2 * np.pi * u[:, 0])
    return ishigami(u)[:, None] + rng.normal(0, 1, (len(u), seeds)) * sd[:, None]


@pytest.fixture(scope="module")
def found():
    rng = np.random.default_rng(1)
    x = qmc.LatinHypercube(d=3, seed=1).random(200)
    hx = qmc.LatinHypercube(d=3, seed=101).random(40)
    return emulated_sensitivity(
        x, noisy(x, 4, rng), ["x1", "x2", "x3"], holdout=(hx, noisy(hx, 4, rng)), seed=1
    )


def test_the_emulated_indices_are_near_the_analytic_ones(found):
    assert np.abs(found.indices["S1"].to_numpy() - S1).max() < 0.1, found.indices
    assert np.abs(found.indices["ST"].to_numpy() - ST).max() < 0.1, found.indices
    # the inert-in-first-order factor is told from the others
    assert found.indices.loc["x3", "S1"] < 0.1 < found.indices.loc["x3", "ST"]


def test_the_emulator_is_validated_on_held_out_runs(found):
    assert found.holdout["n"] == 40 and found.holdout["coverage95"] >= 0.75
    assert 0.85 <= found.loo["coverage95"] <= 1.0
    # the noise is about an eighth of a run's variance here (0.10-0.13 measured)
    assert 0.05 < found.noise["share"] < 0.25


def test_bad_input_is_refused_in_one_line():
    x = np.random.default_rng(0).random((10, 2))
    y = np.zeros((10, 3))
    with pytest.raises(ValueError, match=r"x: shape \(10, 2\); must be \(points x 3 factors\)"):
        emulated_sensitivity(x, y, ["a", "b", "c"])
    with pytest.raises(ValueError, match=r"y: shape \(10, 1\); must be \(10 points x >= 2 seeds\)"):
        emulated_sensitivity(x, y[:, :1], ["a", "b"])
    with pytest.raises(ValueError, match=r"outside \[0, 1\]"):
        emulated_sensitivity(x * 3, y, ["a", "b"])


def switched(u: np.ndarray) -> np.ndarray:
    """4 u1 under the second structure, 0 under the first (u3 inert).

    With the switch s equally likely 0 or 1: Var = 5/3, E[f | s] = 2 s and E[f | u1] = 2 u1, so
    S1 = 0.2 (u1), 0 (u2), 0.6 (s) and ST = 0.4, 0, 0.8.
    """
    return 4 * u[:, 0] * (u[:, 2] >= 0.5)


def test_a_structural_switch_is_a_factor_with_two_variants():
    """Measured over design seeds 1-6: the largest error of any index 0.008-0.014 (0.038 when
    the switch is given as a continuous factor), so the bound 0.03 holds with room."""
    rng = np.random.default_rng(1)
    x = qmc.LatinHypercube(d=3, seed=1).random(80)
    y = switched(x)[:, None] + rng.normal(0, 0.2, (80, 3))
    found = emulated_sensitivity(x, y, ["u1", "u2", "s"], switches=[2], seed=1)
    assert np.abs(found.indices["S1"].to_numpy() - [0.2, 0.0, 0.6]).max() < 0.03, found.indices
    assert np.abs(found.indices["ST"].to_numpy() - [0.4, 0.0, 0.8]).max() < 0.03, found.indices
    # the emulator was fitted on the two variants: at u1 = 0.5 they differ by 4 x 0.5 = 2
    probe = as_switches(np.array([[0.5, 0.5, 0.2], [0.5, 0.5, 0.8]]), [2])
    low, high = found.emulator.predict(probe)[0]
    assert probe[:, 2].tolist() == [0.0, 1.0] and abs(high - low - 2.0) < 0.3


def test_resampled_designs_say_how_far_the_indices_move():
    """A clear structure keeps its indices over resampled designs; pure noise does not.

    Measured over design seeds 1-3 (5 refits each, each on the distinct points drawn): the
    switch's total index 0.80-0.81 with intervals within 0.79-0.82, the inert factor's 0.00;
    on pure noise the widest interval was 0.92-0.99 wide, so the bounds below hold with room.
    """
    rng = np.random.default_rng(1)
    x = qmc.LatinHypercube(d=3, seed=1).random(80)
    y = switched(x)[:, None] + rng.normal(0, 0.2, (80, 3))
    spread = bootstrap_indices(x, y, ["u1", "u2", "s"], switches=[2], boots=5, seed=1)
    assert spread.loc["s", "ST_low"] > 0.6 and spread.loc["s", "ST_high"] < 0.95, spread
    assert spread.loc["u2", "ST_high"] < 0.05, spread
    noise = rng.normal(0, 1, (80, 3))
    wild = bootstrap_indices(x, noise, ["u1", "u2", "s"], switches=[2], boots=5, seed=1)
    assert (wild["ST_high"] - wild["ST_low"]).max() > 0.5, wild


def test_a_point_drawn_twice_is_fitted_once(monkeypatch):
    """Two copies of a replicate mean would halve that point's noise in the refit."""
    import sim.analysis.effect_emulation as module

    seen = []
    real = module.emulated_sensitivity

    def spy(x, y, names, **kwargs):
        seen.append(len(x))
        assert len(np.unique(x, axis=0)) == len(x), "a design point given twice"
        return real(x, y, names, **kwargs)

    monkeypatch.setattr(module, "emulated_sensitivity", spy)
    rng = np.random.default_rng(2)
    x = qmc.LatinHypercube(d=3, seed=2).random(30)
    y = switched(x)[:, None] + rng.normal(0, 0.2, (30, 3))
    module.bootstrap_indices(x, y, ["u1", "u2", "s"], switches=[2], boots=3, n_base=64, seed=2)
    assert len(seen) == 3 and all(12 <= n < 30 for n in seen), seen
