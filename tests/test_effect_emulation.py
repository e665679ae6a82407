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

from sim.analysis.effect_emulation import emulated_sensitivity

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
