"""The budget optimiser on synthetic problems with known optima, and its parts."""

from __future__ import annotations

import contextlib
import json
import math
import re
import zlib

import numpy as np
import pandas as pd
import pytest

from sim.policy.optimise import (
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


# --------------------------------------------------------------------------------------------
# on the experiment engine, and the robustness check
# --------------------------------------------------------------------------------------------
@pytest.fixture
def _toy_path(monkeypatch):
    """Worker processes must import tests/toymodels.py."""
    import os
    from pathlib import Path

    tests = str(Path(__file__).resolve().parent)
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", f"{tests}{os.pathsep}{path}" if path else tests)


def test_the_engine_batch_gives_the_serial_result_in_parallel_and_resumes(tmp_path, _toy_path):
    from sim.experiments.batch import EngineBatch

    settings = SearchSettings(candidates=8, max_replicates=4, zoom_candidates=4, confirm=2)
    serial = optimise(SPACE, noisy(diminishing), cost, BUDGET, "harm", settings)
    folder = tmp_path / "runs"
    identity = {"problem": "diminishing", "settings": repr(settings)}
    with EngineBatch(
        folder, identity, {}, SPACE.names, model="toymodels:budget", workers=2
    ) as batch:
        parallel = optimise(SPACE, None, cost, BUDGET, "harm", settings, batch=batch)
    pd.testing.assert_frame_equal(serial.table, parallel.table)
    assert serial.recommended == parallel.recommended
    assert batch.ran == parallel.runs and batch.reused == 0
    # the same search again: every run is read back from the folder, none is run
    with EngineBatch(
        folder, identity, {}, SPACE.names, model="toymodels:budget", executor="serial"
    ) as again:
        resumed = optimise(SPACE, None, cost, BUDGET, "harm", settings, batch=again)
    assert again.ran == 0 and again.reused == resumed.runs
    pd.testing.assert_frame_equal(serial.table, resumed.table)
    # another search is refused before anything runs
    other = EngineBatch(folder, {"problem": "interior"}, {}, SPACE.names)
    with pytest.raises(Exception, match="another search"):
        other.check()


@contextlib.contextmanager
def _searched_toy(folder, tag: int):
    """The toy budget problem searched on the engine: ``(result, batch)``, the batch still open."""
    from sim.experiments.batch import EngineBatch

    settings = SearchSettings(candidates=8, max_replicates=4, zoom_candidates=4, confirm=3)
    with EngineBatch(
        folder, {"t": tag}, {}, SPACE.names, model="toymodels:budget", executor="serial"
    ) as batch:
        yield optimise(SPACE, None, cost, BUDGET, "harm", settings, batch=batch), batch


def test_robustness_ranks_the_best_mixes_under_each_condition(tmp_path, _toy_path):
    from sim.policy.optimise import robustness

    with _searched_toy(tmp_path / "r", 1) as (result, batch):
        ran = batch.ran
        check = robustness(result, batch, {"shift": (-5.0, 5.0)}, top=3, source="test")
    table = check.table
    assert check.conditions == ["as assumed", "shift = -5 (low)", "shift = 5 (high)"]
    assert len(table) == 3 * 3
    assert list(table[table["condition"] == "as assumed"]["mix"]) == [1, 2, 3]
    # a shift moves every mix and the status quo alike: the ranking cannot change
    assert check.first_count == 3 and check.same_order_count == 2  # of the 2 changed conditions
    nominal = table[table["condition"] == "as assumed"].set_index("mix")["diff"]
    for cond in check.conditions[1:]:
        assert np.allclose(table[table["condition"] == cond].set_index("mix")["diff"], nominal)
    # the confirmation's runs of the winner and the status quo were not run again
    assert batch.ran - ran == 3 * (1 + 3) * 3 - 2 * 3  # conditions x mixes x seeds - reused
    assert "ranks first of the best 3 under 3 of 3" in check.text()
    assert "unchanged under 2 of 2 changed conditions" in check.text()
    # every other mix under every condition is one Holm family; the shift changes no difference
    # between mixes, so none is detectably better than the recommendation under any condition
    assert check.family == (3 - 1) * 3
    assert check.beaten_count == 0 and "detectably better under 0 of 3" in check.text()
    result.robustness = check
    write_result(result, tmp_path / "out")
    assert (tmp_path / "out" / "robustness.csv").is_file()


def test_robustness_over_plausible_worlds_runs_each_world_as_a_condition(tmp_path, _toy_path):
    from sim.policy.optimise import robustness

    with _searched_toy(tmp_path / "r", 2) as (result, batch):
        worlds = [{"shift": -5.0}, {"shift": 5.0}]
        check = robustness(result, batch, {}, top=3, source="test", worlds=worlds)
        without = robustness(result, batch, {"shift": (-1.0, 1.0)}, top=2)
    assert without.worlds_lines() == [] and "plausible worlds" not in without.text()
    # each world's values reach its runs: the same mix and seed, 10 apart from world 1 to 2
    runs = [batch.jobs.run(i) for i in range(batch.jobs.n_runs)]
    by = {(tuple(sorted(r.params.items())), r.seed): batch.done[r.run_id]["harm"] for r in runs}
    pairs = [
        (harm, by[(tuple(sorted({**dict(key), "shift": 5.0}.items())), seed)])
        for (key, seed), harm in by.items()
        if dict(key).get("shift") == -5.0
    ]
    assert len(pairs) == (3 + 1) * 3  # the three best mixes and the status quo, 3 seeds each
    assert all(high - low == pytest.approx(10.0) for low, high in pairs), pairs
    assert check.conditions == ["as assumed", "plausible world 0", "plausible world 1"]
    table = check.table
    assert list(table[table["parameter"] == "world"]["value"].unique()) == [0, 1]
    # a shift moves every mix alike: the recommendation ranks first in both worlds, but two
    # worlds of two are no evidence either way (the exact interval's lower end is 0.16)
    lines = check.worlds_lines()
    assert lines[0].startswith("  in 2 of 2 plausible worlds (100%, 95% 16%-100%: no evidence")
    assert lines[0].endswith("the recommended mix ranks first")
    assert lines[0] in check.text()


def test_a_failed_run_stops_the_search_and_is_retried_next_time(tmp_path):
    from sim.experiments import ResultsStore
    from sim.experiments.batch import EngineBatch, RunFailedError

    folder = tmp_path / "runs"
    kwargs = {"model": "toymodels:flaky", "executor": "serial"}
    with EngineBatch(folder, {"t": 1}, {"toy.x1": 3.0}, ["x"], **kwargs) as batch:
        with pytest.raises(RunFailedError, match="toy failure"):
            batch([({"x": 1.0}, 5)])
    runs = ResultsStore(folder).runs(["x"])
    assert list(runs["status"]) == ["failed"]
    with EngineBatch(folder, {"t": 1}, {"toy.x1": 3.0}, ["x"], **kwargs) as again:
        with pytest.raises(RunFailedError):
            again([({"x": 1.0}, 5)])
    assert again.ran == 1 and again.reused == 0  # a failed run is run again, not read back


def test_another_mix_is_detectably_better_only_after_holm_correction():
    """One comparison at p = 0.02 among five: below zero unadjusted, not after Holm's correction.

    Another mix with a large, clear advantage stays detectably better after it.
    """
    from sim.analysis.stats import paired_p
    from sim.policy.optimise import Robustness, holm_against_recommendation

    n = 8
    sd = 1.0
    t = 2.517  # two-sided p of about 0.038 at 7 degrees of freedom: passes 0.05, fails 0.05/5
    rows = []
    for c, cond in enumerate(["as assumed", "a low", "a high"]):
        rows.append({"condition": cond, "mix": 1, "vs_recommended": 0.0, "vs_sd": np.nan,
                     "vs_p": np.nan, "diff": -1.0, "rank": 1})  # fmt: skip
        for mix in (2, 3):
            if c == 0 and mix == 2:
                mean = -t * sd / math.sqrt(n)  # marginal: better at 5%, not after correction
            elif c == 2 and mix == 3:
                mean = -10 * sd / math.sqrt(n)  # clearly better
            else:
                mean = 0.1
            p = paired_p(mean, sd, n)
            rows.append({"condition": cond, "mix": mix, "vs_recommended": mean, "vs_sd": sd,
                         "vs_p": p, "diff": -1.0 + mean, "rank": mix})  # fmt: skip
    table = holm_against_recommendation(pd.DataFrame(rows), n)
    marginal = table[(table["condition"] == "as assumed") & (table["mix"] == 2)].iloc[0]
    assert 0.01 < marginal["vs_p"] < 0.05  # significant unadjusted, not at 0.05 / 6
    assert marginal["vs_level"] < 0.05 and marginal["vs_high"] > 0  # Holm: not detectable
    clear = table[(table["condition"] == "a high") & (table["mix"] == 3)].iloc[0]
    assert clear["vs_high"] < 0  # detectable after the correction
    conditions = ["as assumed", "a low", "a high"]
    check = Robustness(table, conditions, list(range(n)), source="test", outcome="harm")
    assert check.family == 6 and check.beaten_count == 1
    assert "detectably better under 1 of 3" in check.text()


# --------------------------------------------------------------------------------------------
# what a search says: levers to their step, the outcome in its units, the finding, the runs
# --------------------------------------------------------------------------------------------
STEPPED = LeverSpace(
    (
        Lever("x", "float", 0.0, 10.0, baseline=0.3, step=0.5, unit="officers", label="Officers"),
        Lever("k", "int", 0, 5, baseline=0),
        Lever("b", "bool", baseline=False, label="Database"),
    )
)
#: How ``ocgsim optimise`` shows a count run at scale 0.02: full-scale equivalents.
SHOWN = {
    "outcome_label": "OC harm",
    "outcome_unit": "harm-days/year, full-scale equivalent",
    "outcome_per": 50.0,
    "cost_unit": "GBP million a year, full scale",
}


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (-148_234.7, False, "−148,200"),
        (1_234_567.0, True, "+1,235,000"),
        (3.5, False, "3.5"),
        (0.012345, False, "0.01235"),
        (0.0, True, "0"),
        (float("nan"), False, "n/a"),
    ],
)
def test_amounts_read_with_thousands_separators_and_four_figures(value, signed, text):
    from sim.policy.optimise.result import amount

    assert amount(value, signed=signed) == text


def test_a_lever_with_a_step_is_searched_and_shown_on_its_step():
    x = STEPPED.levers[0]
    assert x.value(3.26) == 3.5 and x.value(10.2) == 10.0 and x.value(-1.0) == 0.0
    assert x.status_quo() == 0.3  # today's value is kept as it is, on the step or not
    assert x.describe(3.5) == "Officers: 3.5 officers"
    assert STEPPED.levers[2].describe(True) == "Database: yes"
    assert Lever("y", "float", 0.0, 1.0).value(1 / 3) == pytest.approx(1 / 3)  # no step: any
    result = optimise(STEPPED, noisy(diminishing), cost, BUDGET, "harm", SearchSettings(seed=1))
    searched = result.table.loc[result.table["stage"] != "status quo", "x"].to_numpy()
    assert np.allclose(searched / 0.5, np.round(searched / 0.5)), searched
    assert (result.table["cost"] <= BUDGET + 1e-9).all()
    best = result.recommended["x"]
    assert f"  Officers: {best:.1f} officers" in result.text().splitlines()


def test_the_text_gives_the_outcome_in_the_units_shown_and_a_recommendation_only_when_detectable(
    tmp_path,
):
    from sim.policy.optimise.result import amount

    settings = SearchSettings(candidates=8, max_replicates=4, zoom_candidates=4, confirm=4)
    better = optimise(SPACE, noisy(diminishing), cost, BUDGET, "harm", settings)
    for key, value in SHOWN.items():
        setattr(better, key, value)
    c = better.confirmation
    assert c["diff_ci"][1] < 0 and better.detectably_better
    text = better.text()
    assert text.startswith("recommended mix for a budget of 10 (GBP million a year, full scale):")
    shown = f"{amount(c['diff'] * 50, signed=True)} harm-days/year, full-scale equivalent"
    assert f"change from today's on fresh seeds: {shown} (95% interval" in text
    assert f"today's {amount(c['status_quo_mean'] * 50)} harm-days/year" in text
    assert "e+" not in text and "e-0" not in text

    # every mix the same on every seed: the best found is no better than today's, and says so
    same = optimise(SPACE, noisy(lambda m: 50.0, own=0.0), cost, BUDGET, "harm", settings)
    for key, value in SHOWN.items():
        setattr(same, key, value)
    assert same.confirmation["diff_ci"] == [0.0, 0.0] and not same.detectably_better
    same.confirmation["ci"] = [-2.0, 3.0]  # a level's interval from few seeds can cross zero
    assert "(95% interval −100 to 150) on" in same.text()  # the lower bound keeps its minus
    same.outcome_unit = "GBP/year, full-scale equivalent"
    assert "(95% interval −£100 to £150) on" in same.text()  # in pounds too
    same.outcome_unit = SHOWN["outcome_unit"]
    text = same.text()
    assert text.startswith("no mix is detectably better than today's (the status quo)")
    assert "recommended mix" not in text and "not a recommendation" in text
    write_result(same, tmp_path / "same")
    rec = json.loads((tmp_path / "same" / "recommendation.json").read_text())
    assert rec["finding"] == "no mix is detectably better than today's (the status quo)"
    assert (
        rec["detectably_better"] is False and rec["change_shown"]["factor_from_model_units"] == 50
    )


def test_another_mix_ranking_first_is_said_in_words_with_units():
    from sim.policy.optimise import Robustness, holm_against_recommendation

    rows = [
        {"condition": "as assumed", "mix": 1, "vs_recommended": 0.0, "vs_sd": np.nan,
         "vs_p": np.nan, "diff": -1.0, "rank": 2},
        {"condition": "as assumed", "mix": 2, "vs_recommended": -2964.694, "vs_sd": 9000.0,
         "vs_p": 0.4, "diff": -2965.694, "rank": 1},
    ]  # fmt: skip
    check = Robustness(
        holm_against_recommendation(pd.DataFrame(rows), 4), ["as assumed"], [1, 2, 3, 4], "t", "h"
    )
    text = check.text(label="OC harm", unit="harm-days/year", per=50.0)
    assert "under as assumed: mix 2 ranks first, with 148,200 harm-days/year less OC harm" in text
    assert "less OC harm than the recommended mix (its OC harm minus that of the" in text
    best = check.text(label="OC harm", lead="best mix found")
    assert "the best mix found ranks first" in best and "recommended" not in best
    assert "does better by" not in text and "e+" not in text and "not detectable" in text


def test_the_run_count_includes_the_robustness_check():
    from sim.policy.optimise import robustness

    calls = []

    def counted(mix, seed):
        calls.append(seed)
        return noisy(diminishing)(mix, seed)

    settings = SearchSettings(candidates=4, max_replicates=4, zoom_candidates=4, confirm=2)
    result = optimise(SPACE, counted, cost, BUDGET, "harm", settings)
    assert result.runs == len(calls)
    result.robustness = robustness(result, SerialBatch(counted), {"shift": (-1.0, 1.0)}, top=2)
    assert result.runs == len(calls) > settings.planned_runs(4) // 2
    assert (
        result.text()
        .splitlines()[-1]
        .endswith(f"; {len(calls):,} model runs (search, confirmation and robustness check)")
    )


def test_the_command_prints_levers_on_their_step_full_scale_units_and_the_manifests_run_count(
    tmp_path, capsys
):
    from sim.cli.main import main

    tiny = ["--scale", "0.01", "--years", "3", "--replicates", "2", "--candidates", "3"]
    tiny += ["--confirm", "2", "--levers", "intelligence.pios_per_1000,sharing.common_database"]
    tiny += ["--top", "2", "--robustness", "harm.recording_ratio"]
    out = tmp_path / "opt"
    capsys.readouterr()
    assert (
        main(["optimise", "--budget", "5", *tiny, "--executor", "serial", "--out", str(out)]) == 0
    )
    text = capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    engine = manifest["evaluator"]["engine"]
    runs = engine["runs_made"] + engine["runs_read_back"]
    assert manifest["runs"] == runs and f"; {runs:,} model runs (search" in text
    rec = json.loads((out / "recommendation.json").read_text())
    first = "recommended mix for" if rec["detectably_better"] else "no mix is detectably better"
    assert text.startswith(first), text
    pios = rec["mix"]["intelligence.pios_per_1000"]
    assert pios * 2 == round(pios * 2)  # the registry's step: half a PIO per 1,000 places
    assert f"  PIOs per 1,000 places: {pios:.1f}\n" in text
    assert "  One common database: no\n" in text
    # the outcome (OC harm in £) in the report's money format, full scale
    assert re.search(r"OC harm: £[\d,]+m a year \(full-scale equivalent\)", text), text
    assert "model units" not in text and "GBP/year" not in text, text
    assert not re.search(r"\d\.\d{6,}", text) and "e+" not in text, text
