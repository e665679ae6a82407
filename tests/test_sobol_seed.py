"""Sobol bootstrap intervals are the same for the same seed, including seed 0."""

from __future__ import annotations

import numpy as np

from sim.analysis import sobol_indices

PROBLEM = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}


def test_seed_zero_gives_the_same_intervals_and_leaves_numpy_alone():
    n, d = 64, 3
    rng = np.random.default_rng(5)
    y = rng.normal(size=n * (d + 2)) + np.repeat(rng.normal(size=n), d + 2)
    first = sobol_indices(PROBLEM, y, resamples=50, seed=0)["indices"]
    np.random.seed(123)
    np.random.random(7)  # the global generator moves on between the two calls
    after_draws = np.random.get_state()[1].copy()
    second = sobol_indices(PROBLEM, y, resamples=50, seed=0)["indices"]
    assert first.equals(second)
    assert np.array_equal(np.random.get_state()[1], after_draws)  # put back as it was
    other = sobol_indices(PROBLEM, y, resamples=50, seed=1)["indices"]
    assert not first["S1_conf"].equals(other["S1_conf"])  # the seed matters
