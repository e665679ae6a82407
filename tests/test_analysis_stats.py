"""Means with CIs, paired differences, precision check, and the analyse command."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from sim.analysis import analyse, mean_ci, paired_differences, precision_check, summarise
from sim.experiments import cli, parse_experiment, run_experiment

TESTS = Path(__file__).resolve().parent


def test_mean_ci_matches_scipy():
    x = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    res = mean_ci(x)
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sps.sem(x))
    assert res["mean"] == pytest.approx(5.0)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((lo, hi))
    assert np.isnan(mean_ci([3.0])["half_width"])


def _runs():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 5, 20)  # shared by replicate: common random numbers
    rows = []
    for scen, effect in (("baseline", 0.0), ("better", -2.0)):
        for r in range(20):
            rows.append(
                {
                    "run_id": len(rows),
                    "point_id": int(scen != "baseline"),
                    "replicate": r,
                    "seed": r,
                    "scenario": scen,
                    "status": "ok",
                    "error": None,
                    "y": 100 + effect + noise[r] + rng.normal(0, 0.1),
                }
            )
    return pd.DataFrame(rows)


def test_paired_differences_use_common_random_numbers():
    runs = _runs()
    diffs = paired_differences(runs, ["scenario"], {"scenario": "baseline"}, ["y"])
    row = diffs.iloc[0]
    assert row["scenario"] == "better" and row["n_pairs"] == 20
    assert row["diff"] == pytest.approx(-2.0, abs=0.1)
    assert row["diff_ci_high"] < 0 and row["significant"]  # pairing removes the shared noise
    assert row["pct_change"] == pytest.approx(100 * row["diff"] / row["baseline_mean"])


def test_precision_check_flags_and_sizes():
    runs = _runs()
    summary = summarise(runs, ["scenario"], ["y"])
    assert precision_check(summary, 0.05).empty
    bad = precision_check(summary, 0.001)
    assert len(bad) == 2
    assert (bad["replicates_needed"] > 20).all()


def test_analyse_scenarios_writes_tables_and_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(TESTS) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    text = """
[experiment]
name = "scen"
model = "toymodels:noisy"
schema = "toymodels:SCHEMA"
seed = 11
replicates = 8
[design]
type = "scenarios"
scenarios = ["better", "worse"]
[output]
series = true
[analysis]
metrics = ["y", "no_such_metric"]
precision = 0.001
[execution]
executor = "serial"
"""
    run_experiment(parse_experiment(text, overrides={"out": str(tmp_path / "s")}), progress=False)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["analyse", str(tmp_path / "s")])
    assert args.func(args) == 0
    out = tmp_path / "s" / "analysis"
    for name in (
        "summary.csv",
        "summary.parquet",
        "differences.csv",
        "precision.csv",
        "forest_metrics.png",
        "series_y.png",
    ):
        assert (out / name).stat().st_size > 0, name
    diffs = pd.read_csv(out / "differences.csv").set_index("scenario")
    assert diffs.loc["better", "diff"] == pytest.approx(1.0, abs=1e-9)
    assert diffs.loc["worse", "diff"] == pytest.approx(-1.0, abs=1e-9)


def test_analyse_reports_undefined_metric_plainly(tmp_path, monkeypatch):
    """A metric that is NaN in every run of a scenario (e.g. a sharing delay when nothing is
    shared) is reported as undefined, not as "+nan%" or "-1 replicates needed"."""
    monkeypatch.syspath_prepend(str(TESTS))
    text = """
[experiment]
name = "undef"
model = "toymodels:undefined_metric"
schema = "toymodels:SCHEMA"
seed = 5
replicates = 4
[design]
type = "scenarios"
scenarios = ["better", "worse"]
[analysis]
metrics = ["y", "delay"]
[execution]
executor = "serial"
"""
    run_experiment(parse_experiment(text, overrides={"out": str(tmp_path / "u")}), progress=False)
    report = analyse(tmp_path / "u", plots=False)
    text_out = report.text()
    assert "worse delay: undefined (no finite pairs)" in text_out
    assert "nan%" not in text_out
    assert any("worse: 0 finite value(s)" in w for w in report.warnings)
    assert not any("-1 replicates" in w for w in report.warnings)


def test_analyse_grid_heatmap(tmp_path):
    text = """
[experiment]
name = "grid"
model = "toymodels:noisy"
schema = "toymodels:SCHEMA"
seed = 11
replicates = 4
[design]
type = "grid"
factors = { "toy.x1" = [0.0, 1.0], "toy.n" = [3, 5] }
[execution]
executor = "serial"
"""
    run_experiment(parse_experiment(text, overrides={"out": str(tmp_path / "g")}), progress=False)
    from sim.analysis import analyse

    report = analyse(tmp_path / "g", metrics=["y"])
    assert (tmp_path / "g" / "analysis" / "heatmap_y.png").exists()
    diffs = report.tables["differences"]  # baseline = the point at the defaults (x1=0, n=3)
    assert len(diffs) == 3
    assert "y" in report.text()
