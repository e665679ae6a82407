"""The budget optimiser on synthetic problems with known optima, and its parts."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd
import pytest

from sim.optimise import (
    Lever,
    LeverSpace,
    SearchSettings,
    SerialBatch,
    optimise,
    pareto_front,
    write_result,
)

SPACE = LeverSpace(
    (
        Lever("x", "float", 0.0, 10.0, baseline=0.0),
        Lever("k", "int", 0, 5, baseline=0),
        Lever("b", "bool", baseline=False),
    )
)
BUDGET = 10.0


def cost(mix):
    return mix["x"] + 2 * mix["k"] + 4 * mix["b"]


def diminishing(mix):
    """Harm with diminishing returns to x: the optimum spends the whole budget (x=6, k=2)."""
    return 100 - 20 * math.log1p(mix["x"]) - 6 * mix["k"] - 9 * mix["b"]


def interior(mix):
    """Harm with an interior optimum in x (x=2, k=2, b=true; cost 10)."""
    return 50 + 2 * (mix["x"] - 2.5) ** 2 - 3 * mix["k"] - 8 * mix["b"]


def noisy(truth, common=2.0, own=0.5):
    """A stochastic evaluator: noise shared by all mixes for a seed, plus noise of its own."""

    def evaluate(mix, seed):
        shared = np.random.default_rng(seed).normal(0.0, common)
        key = zlib.crc32(repr(sorted(mix.items())).encode())
        mine = np.random.default_rng([seed, key]).normal(0.0, own)
        return {"harm": truth(mix) + shared + mine, "other": 1.0}

    return evaluate


def brute_force(truth):
    best = None
    for k in range(6):
        for b in (False, True):
            for x in np.linspace(0.0, 10.0, 4001):
                mix = {"x": float(x), "k": k, "b": b}
                if cost(mix) <= BUDGET + 1e-9 and (best is None or truth(mix) < truth(best)):
                    best = mix
    return best


@pytest.mark.parametrize(
    "truth, expected",
    [(diminishing, {"x": 6.0, "k": 2, "b": False}), (interior, {"x": 2.0, "k": 2, "b": True})],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_finds_the_known_optimum(truth, expected, seed):
    optimum = brute_force(truth)
    assert optimum["k"] == expected["k"] and optimum["b"] == expected["b"]
    assert optimum["x"] == pytest.approx(expected["x"], abs=0.01)
    result = optimise(SPACE, noisy(truth), cost, BUDGET, "harm", SearchSettings(seed=seed))
    best = result.recommended
    assert cost(best) <= BUDGET + 1e-9
    assert best["k"] == expected["k"] and best["b"] == expected["b"], best
    assert best["x"] == pytest.approx(expected["x"], abs=0.5), best
    # within 0.3 harm units of the true optimum (the noise sd of one run is about 2)
    assert truth(best) - truth(optimum) <= 0.3
    # the confirmation interval (fresh seeds) covers the true difference from the status quo
    lo, hi = result.confirmation["diff_ci"]
    true_diff = truth(best) - truth(SPACE.status_quo())
    assert lo - 1.0 <= true_diff <= hi + 1.0
    assert result.runs <= SearchSettings().planned_runs()


def test_same_seed_same_result_and_common_random_numbers():
    seen = []

    def evaluate(mix, seed):
        seen.append((tuple(sorted(mix.items())), seed))
        return noisy(diminishing)(mix, seed)

    settings = SearchSettings(candidates=8, max_replicates=4, zoom_candidates=4, confirm=2)
    a = optimise(SPACE, evaluate, cost, BUDGET, "harm", settings)
    b = optimise(SPACE, noisy(diminishing), cost, BUDGET, "harm", settings)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.recommended == b.recommended
    # every mix is run on the first seeds of one list (common random numbers)
    search_seeds = sorted({s for _, s in seen[: a.runs - 4]})
    per_mix = {}
    for mix, s in seen[: a.runs - 4]:
        per_mix.setdefault(mix, []).append(s)
    order = [s for s in dict.fromkeys(s for _, s in seen)]
    for seeds in per_mix.values():
        assert seeds == order[: len(seeds)]
    assert len(search_seeds) == 4


def test_the_batch_evaluator_is_the_one_seam():
    calls = []
    inner = SerialBatch(noisy(diminishing))

    def batch(jobs):
        calls.append(len(jobs))
        return inner(jobs)

    settings = SearchSettings(candidates=8, max_replicates=4, zoom_rounds=0, confirm=0)
    result = optimise(SPACE, None, cost, BUDGET, "harm", settings, batch=batch)
    assert sum(calls) == result.runs
    assert len(calls) >= 3  # one batch per halving round, not one call per run
    assert result.confirmation == {}


def test_lever_mapping_covers_integers_and_booleans_evenly():
    u = (np.arange(600) + 0.5) / 600
    k = Lever("k", "int", 0, 5).from_unit(u)
    assert sorted(set(k.tolist())) == [0, 1, 2, 3, 4, 5]
    assert np.bincount(k).tolist() == [100] * 6
    b = Lever("b", "bool").from_unit(u)
    assert b.sum() == 300
    x = Lever("x", "float", 2.0, 6.0).from_unit(np.array([0.0, 0.5, 1.0]))
    assert x[0] == 2.0 and x[1] == 4.0 and x[2] < 6.0 + 1e-12
    with pytest.raises(ValueError, match="kind"):
        Lever("c", "choice")


def test_fill_moves_a_mix_to_the_budget_edge():
    mix = {"x": 1.0, "k": 1, "b": False}
    filled = SPACE.fill(mix, cost, BUDGET)
    assert cost(filled) <= BUDGET + 1e-9
    assert cost(filled) == pytest.approx(BUDGET, abs=1e-6)
    assert filled["b"] is False and filled["k"] >= 1 and filled["x"] > 1.0
    quo = SPACE.status_quo()
    assert SPACE.fill(quo, cost, BUDGET) == quo  # no direction to move in


def test_pareto_front():
    costs = np.array([0.0, 1.0, 1.0, 2.0, 3.0, 3.0])
    harm = np.array([5.0, 4.0, 4.5, 4.2, 3.0, 3.0])
    assert pareto_front(costs, harm).tolist() == [True, True, False, False, True, False]


def test_over_budget_status_quo_and_impossible_budget_are_refused():
    dear = LeverSpace((Lever("x", "float", 1.0, 2.0, baseline=1.0),))
    with pytest.raises(ValueError, match="status quo"):
        optimise(dear, noisy(lambda m: m["x"]), lambda m: m["x"], 0.5, "harm")
    with pytest.raises(KeyError, match="returned no 'nothing'"):
        optimise(SPACE, noisy(diminishing), cost, BUDGET, "nothing", SearchSettings(candidates=2))


def test_write_result_is_atomic_and_complete(tmp_path):
    settings = SearchSettings(candidates=8, max_replicates=4, zoom_candidates=4, confirm=2)
    result = optimise(SPACE, noisy(diminishing), cost, BUDGET, "harm", settings)
    out = tmp_path / "opt"
    write_result(result, out, manifest={"note": "test"}, unit="GBP million")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["front.csv", "front.png", "manifest.json", "mixes.csv", "recommendation.json"]
    mixes = pd.read_csv(out / "mixes.csv")
    assert len(mixes) == len(result.table) and mixes["recommended"].sum() == 1
    assert (mixes["cost"] <= BUDGET + 1e-9).all()
    front = pd.read_csv(out / "front.csv")
    assert front["cost"].is_monotonic_increasing and front["diff"].is_monotonic_decreasing
    with pytest.raises(FileExistsError):
        write_result(result, out)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
