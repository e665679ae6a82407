"""Outputs that cannot mislead, and entry points (issue 10).

Units and full-scale equivalents in every table, strict JSON, CSV beside Parquet, the metric
listing, multiple-comparison correction, readable default analyses, the calibration quick look,
the plan's estimate, experiment overrides that change its identity, permissions under the umask.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import stat
import subprocess
import sys
import tomllib

import numpy as np
import pandas as pd
import pytest
from clihelp import MINI, ROOT, cli, env

from sim.analysis import analyse, holm, paired_differences, units
from sim.cli.main import main


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """One finished run with a command-line override (scale 0.01, 3 years)."""
    out = tmp_path_factory.mktemp("single") / "run"
    argv = ["run", "more_pios", "--scale", "0.01", "--years", "3", "--quiet", "--out", str(out)]
    assert main([*argv, "--set", "intelligence.pios_per_1000=4"]) == 0
    return out


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """The MINI experiment of the sim model, run and analysed without any metric list."""
    d = tmp_path_factory.mktemp("exp")
    (d / "mini.toml").write_text(MINI)
    assert main(["experiment", str(d / "mini.toml"), "--out", str(d / "r"), "--no-progress"]) == 0
    return d / "r"


# --- entry points and packaging --------------------------------------------------------------


def test_python_dash_m_and_version_and_help_without_a_command(tmp_path):
    version = subprocess.run(
        [sys.executable, "-m", "sim", "--version"], capture_output=True, text=True, env=env()
    )
    assert version.returncode == 0 and re.fullmatch(r"ocgsim \S+\n", version.stdout)
    bare = subprocess.run(
        [sys.executable, "-m", "sim"], capture_output=True, text=True, env=env(), cwd=tmp_path
    )
    assert bare.returncode == 0
    assert "usage: ocgsim" in bare.stdout and "experiment" in bare.stdout
    assert list(tmp_path.iterdir()) == [], "ocgsim without a command must not run anything"


def test_every_imported_library_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    # the core dependencies, and the optional extras (imported only by the modules that need them)
    declared = project["dependencies"] + sum(project["optional-dependencies"].values(), [])
    names = {re.split(r"[\[<>=!~ ]", d, maxsplit=1)[0].lower() for d in declared}
    module_of = {
        "salib": "SALib",
        "dask": "dask",
        "distributed": "dask",
        "sklearn": "scikit-learn",
    }
    imported = set()
    for path in (ROOT / "sim").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = {
        m for m in imported if m not in sys.stdlib_module_names and m not in ("sim", "tests")
    }
    assert third_party, "the scan found no imports"
    for module in sorted(third_party):
        dist = module_of.get(module.lower(), module).lower()
        assert dist in names, f"{module} is imported by sim/ but not declared in pyproject.toml"


def test_shipped_files_are_read_through_the_package(tmp_path, monkeypatch, capsys):
    """Names resolve through importlib.resources from any folder, and a local file wins."""
    from sim.resources import shipped_dir

    monkeypatch.chdir(tmp_path)
    assert (shipped_dir("scenarios") / "more_pios.toml").is_file()
    assert (shipped_dir("experiments") / "compare_recommendations.toml").is_file()
    code, out, _ = cli(capsys, ["scenarios"])
    assert code == 0 and "more_pios" in out
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.toml").write_text("[intelligence]\npios_per_1000 = 5.0\n")
    from sim.scenario import load_scenario

    assert load_scenario("mine").values == {"intelligence.pios_per_1000": 5.0}
    assert "mine" in cli(capsys, ["scenarios"])[1]
    # a project's own ./experiments/NAME.toml wins over the shipped file of that name
    from sim.resources import find

    shipped = shipped_dir("experiments") / "compare_recommendations.toml"
    assert find("compare_recommendations", "experiments") == shipped
    (tmp_path / "experiments").mkdir()
    own = tmp_path / "experiments" / "compare_recommendations.toml"
    own.write_text("# the project's own version\n" + shipped.read_text())
    assert find("compare_recommendations", "experiments") == own
    assert find("compare_recommendations.toml", "experiments") == own
    # a folder named like a scenario (say `compare more_pios --out more_pios`) is not the scenario
    (tmp_path / "more_pios").mkdir()
    assert find("more_pios", "scenarios") == shipped_dir("scenarios") / "more_pios.toml"


# --- single runs -------------------------------------------------------------------------------


def test_summary_json_is_strict_json_with_null_for_nan(tmp_path):
    out = tmp_path / "run"
    argv = ["run", "--scale", "0.01", "--years", "1", "--allow-short-window", "--quiet"]
    assert main([*argv, "--no-figure", "--out", str(out)]) == 0

    def refuse(token):
        raise AssertionError(f"{token} is not JSON")

    summary = json.loads((out / "summary.json").read_text(), parse_constant=refuse)
    json.loads((out / "manifest.json").read_text(), parse_constant=refuse)
    assert set(summary) == set(units.summary_names())
    assert summary["ocg_members_drift"] is None  # undefined in a run under two years
    assert all(v is None or math.isfinite(v) for v in summary.values())


def test_single_run_has_csv_beside_parquet_with_units_and_full_scale(single):
    ts = pd.read_parquet(single / "timeseries.parquet")
    pd.testing.assert_frame_equal(pd.read_csv(single / "timeseries.csv"), ts, check_dtype=False)
    table = pd.read_csv(single / "summary.csv").set_index("metric")
    summary = json.loads((single / "summary.json").read_text())
    assert set(table.index) == set(summary)
    assert (table["scale"] == 0.01).all()
    for name, row in table.iterrows():
        m = units.info(name)
        assert row["unit"] == m.unit and bool(row["extensive"]) == m.extensive, name
        if summary[name] is None:
            continue
        expected = summary[name] / 0.01 if m.extensive else summary[name]
        assert row["full_scale_value"] == pytest.approx(expected), name


def test_overview_title_names_the_overrides(single):
    manifest = json.loads((single / "manifest.json").read_text())
    assert "intelligence.pios_per_1000=4.0" in manifest["title"]
    assert manifest["overrides"]["run.scale"] == 0.01
    assert (single / "overview.png").stat().st_size > 0


def test_overview_marks_the_intervention_and_says_full_scale(tmp_path, monkeypatch):
    import matplotlib.figure

    from sim.io.output import plot_overview

    weeks = np.arange(1, 157)
    cols = [m.name for m in units._series().values()]
    ts = pd.DataFrame({"week": weeks, **{c: np.full(156, 10.0) for c in cols}})
    seen = {}
    real = matplotlib.figure.Figure.savefig

    def capture(fig, *args, **kwargs):
        seen["title"] = fig._suptitle.get_text()
        seen["lines"] = [
            ln.get_xdata()[0] for ax in fig.axes for ln in ax.get_lines() if len(ln.get_xdata())
        ]
        seen["ylabels"] = [ax.get_ylabel() for ax in fig.axes]
        return real(fig, *args, **kwargs)

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", capture)
    plot_overview(ts, tmp_path / "o.png", "run X", scale=0.02, intervention_week=104)
    assert "full-scale equivalents" in seen["title"] and "intervention week 104" in seen["title"]
    assert seen["lines"].count(2.0) == 6, "a dashed line at year 2 in every panel"
    assert "people (full-scale equivalent)" in seen["ylabels"]
    # harm in pounds, the primary outcome's unit (harm-days are not the headline)
    assert "GBP / week (full-scale equivalent)" in seen["ylabels"]


def test_metrics_command_lists_every_metric_with_unit_and_definition(capsys):
    code, out, _ = cli(capsys, ["metrics"])
    assert code == 0
    for m in units.catalogue():
        line = next(ln for ln in out.splitlines() if ln[2:].split(" ")[0] == m.name)
        assert m.unit in line and m.doc in line
        assert ("count" if m.extensive else "rate") in line
        assert line.startswith("*") == bool(m.headline)
    code, out, _ = cli(capsys, ["metrics", "--headline"])
    listed = [ln[2:].split(" ")[0] for ln in out.splitlines() if ln.startswith("* ")]
    assert listed == units.headline_names()


def test_files_respect_the_umask(tmp_path, monkeypatch):
    """Results are readable by the group and others under umask 022, and private under 077."""
    old = os.umask(0o022)
    try:
        out = tmp_path / "run"
        assert main(["run", "--scale", "0.01", "--years", "3", "--quiet", "--out", str(out)]) == 0
        (tmp_path / "mini.toml").write_text(MINI.replace("replicates = 2", "replicates = 1"))
        exp = tmp_path / "exp"
        assert main(["experiment", str(tmp_path / "mini.toml"), "--out", str(exp)]) == 0
        assert main(["analyse", str(exp), "--no-plots"]) == 0
        for path in [out, *out.rglob("*"), exp, *exp.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))
        os.umask(0o077)
        private = tmp_path / "private"
        assert (
            main(["run", "--scale", "0.01", "--years", "3", "--quiet", "--out", str(private)]) == 0
        )
        for path in [private, *private.rglob("*")]:
            mode = stat.S_IMODE(path.stat().st_mode)
            assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    finally:
        os.umask(old)


# --- experiments and analysis -------------------------------------------------------------------


def test_default_analysis_is_the_headline_metrics_with_units(experiment, tmp_path):
    report = analyse(experiment, out_dir=tmp_path / "a")
    summary = report.tables["summary"]
    assert list(dict.fromkeys(summary["metric"])) == units.headline_names()
    for _, row in summary.iterrows():
        m = units.info(row["metric"])
        assert row["unit"] == m.unit and row["scale"] == 0.01
        expected = row["mean"] / 0.01 if m.extensive else row["mean"]
        assert row["mean_full_scale"] == pytest.approx(expected)
    diffs = report.tables["differences"]
    assert {"scale", "unit", "diff_full_scale", "p_value", "p_holm"} <= set(diffs)
    assert {"significant", "significant_uncorrected"} <= set(diffs)
    assert {"diff_ci_low", "diff_ci_high", "pct_ci_low", "pct_ci_high"} <= set(diffs)  # unadjusted
    assert (diffs["p_holm"].dropna() >= diffs["p_value"].dropna()).all()
    on_disk = pd.read_csv(tmp_path / "a" / "differences.csv")
    assert list(on_disk.columns) == list(diffs.columns)
    assert any("model units" in n for n in report.notes)


def test_default_figures_are_few_and_readable(experiment, tmp_path):
    from matplotlib.image import imread

    report = analyse(experiment, out_dir=tmp_path / "a")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in report.files)
    forests = [n for n in names if n.startswith("forest_")]
    groups = {units.group_of(m) for m in units.headline_names()}
    assert sorted(forests) == sorted(f"forest_{g}.png" for g in groups)
    series = [n for n in names if n.startswith("series_")]
    assert 0 < len(series) <= len(units.headline_names())
    assert len(names) <= 5 + len(forests) + len(series)
    for name in forests + series:
        height, width = imread(tmp_path / "a" / name).shape[:2]
        assert width <= 2000 and height <= 1600, (name, width, height)


def test_every_metric_on_request_still_works(experiment, tmp_path, capsys):
    code, _, err = cli(
        capsys, ["analyse", experiment, "--all-metrics", "--no-plots", "--out", tmp_path / "all"]
    )
    assert code == 0, err
    summary = pd.read_csv(tmp_path / "all" / "summary.csv")
    assert summary["metric"].nunique() > len(units.headline_names())


def test_series_plot_clips_count_bands_at_zero_and_marks_the_intervention(tmp_path, monkeypatch):
    import matplotlib.axes

    from sim.analysis import plots
    from sim.analysis.plots import series_plot

    rng = np.random.default_rng(1)
    rows = []
    for run in range(3):
        for week in range(1, 60):
            rows.append((run, week, "recruits_prison", float(rng.poisson(0.3))))
    series = pd.DataFrame(rows, columns=["run_id", "week", "metric", "value"])
    runs = pd.DataFrame({"run_id": [0, 1, 2], "scenario": ["a", "a", "a"]})
    lows = []
    real = matplotlib.axes.Axes.fill_between

    def capture(ax, x, y1, y2=0, **kwargs):
        lows.append(np.asarray(y1, dtype=float))
        return real(ax, x, y1, y2, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "fill_between", capture)
    labels = {}
    real_save = plots._save

    def save(fig, path):
        labels["y"] = fig.axes[0].get_ylabel()
        labels["x"] = [line.get_xdata()[0] for line in fig.axes[0].get_lines()]
        return real_save(fig, path)

    monkeypatch.setattr(plots, "_save", save)
    series_plot(
        series,
        runs,
        "recruits_prison",
        tmp_path / "s.png",
        unit="people/week",
        extensive=True,
        scale=0.01,
        intervention_week=26,
    )
    assert lows and all((low >= 0).all() for low in lows)
    assert "people/week" in labels["y"] and "full-scale equivalent" in labels["y"]
    assert 0.5 in labels["x"], "the intervention week (26 = half a year) is marked"


def test_precision_warnings_do_not_extrapolate_from_three_runs(tmp_path):
    """A CI far wider than wanted at n=3 does not produce 'about 2,000 replicates needed'."""
    from clihelp import toy

    from sim.experiments import parse_experiment, run_experiment

    text = toy('type = "scenarios"\nscenarios = ["better"]', model="noisy", replicates=3)
    exp = parse_experiment(
        text + '[execution]\nexecutor = "serial"\n', overrides={"out": tmp_path / "r"}
    )
    run_experiment(exp, progress=False)
    report = analyse(tmp_path / "r", metrics=["z"], plots=False, precision=0.01)
    lines = [w for w in report.warnings if w.startswith("z at")]
    assert lines and all("too far to say" in w for w in lines), lines
    for w in report.warnings:
        needed = re.search(r"about (\d+) replicates", w)
        assert not needed or int(needed.group(1)) <= 300, w


def test_holm_adjustment_matches_the_step_down_rule():
    p = np.array([0.01, 0.04, 0.03, 0.005, np.nan])
    # sorted: 0.005*4, 0.01*3, 0.03*2, 0.04*1 -> 0.02, 0.03, 0.06, 0.04 -> monotone 0.06
    np.testing.assert_allclose(holm(p)[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(holm(p)[4])
    assert (holm(np.array([0.9, 0.8])) <= 1.0).all()


def test_many_null_comparisons_are_not_reported_as_significant():
    """Sixty scenarios with no effect: uncorrected CIs flag some by chance; Holm flags none."""
    rng = np.random.default_rng(1)
    rows = []
    for s in range(61):
        for r in range(10):
            rows.append(
                {
                    "run_id": len(rows),
                    "point_id": s,
                    "replicate": r,
                    "scenario": f"s{s}",
                    "status": "ok",
                    "y": rng.normal(0, 1),
                }
            )
    runs = pd.DataFrame(rows)
    diffs = paired_differences(runs, ["scenario"], {"scenario": "s0"}, ["y"])
    assert diffs["significant_uncorrected"].sum() >= 1
    assert diffs["significant"].sum() == 0
    assert ((diffs["p_value"] < 0.05) == diffs["significant_uncorrected"]).all()


def test_analyse_warns_about_a_short_window(tmp_path, capsys):
    (tmp_path / "short.toml").write_text(
        MINI.replace("years = 3", "years = 2").replace("replicates = 2", "replicates = 1")
    )
    out = tmp_path / "r"
    argv = ["experiment", str(tmp_path / "short.toml"), "--out", str(out)]
    assert main([*argv, "--allow-short-window"]) == 0
    assert main(["resume", str(out)]) == 0  # the folder remembers that it was allowed
    code, text, err = cli(capsys, ["analyse", out, "--no-plots"])
    assert code == 0
    assert any("weeks 104-104" in line and line.startswith("WARNING") for line in err)
    assert "WARNING" in text


def test_years_and_replicates_overrides_change_the_identity(tmp_path, capsys):
    (tmp_path / "mini.toml").write_text(MINI.replace("replicates = 2", "replicates = 1"))
    out = tmp_path / "r"
    base = ["experiment", tmp_path / "mini.toml", "--out", out, "--no-progress"]
    assert cli(capsys, [*base, "--replicates", "2", "--years", "4"])[0] == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["design"]["n_runs"] == 4
    assert manifest["design"]["base_parameters"]["run.years"] == 4
    assert manifest["overrides"] == {"replicates": 2, "years": 4}
    for other in (["--replicates", "3", "--years", "4"], ["--replicates", "2"]):
        code, _, err = cli(capsys, [*base, *other])
        assert code == 2 and "different experiment" in err[0] and "--replicates" in err[0]
    code, text, _ = cli(capsys, ["resume", out, "--no-progress"])  # resume re-applies them
    assert code == 0 and "4 done" in text and "0 run now" in text


def test_plan_states_the_uncertainty_of_its_estimate(tmp_path, capsys):
    from sim.experiments import load_experiment, plan_experiment

    (tmp_path / "mini.toml").write_text(MINI)
    plan = plan_experiment(load_experiment(tmp_path / "mini.toml"), calibrate=2)
    low, high = plan.estimated_range
    ideal = plan.runs * plan.seconds_per_run / min(plan.workers, plan.runs)
    assert low == pytest.approx(plan.startup_seconds + ideal)
    assert high == pytest.approx(plan.startup_seconds + plan.SLOWDOWN * ideal) and high > low
    code, text, _ = cli(capsys, ["plan", tmp_path / "mini.toml"])
    assert code == 0
    assert re.search(r"estimated time: \S+ to \S+ on \d+ worker", text)
    assert "parallelise perfectly" in text


def test_a_plan_of_few_runs_counts_only_the_busy_workers_and_says_when_serial_is_faster():
    import dataclasses

    from sim.experiments import load_experiment, plan_experiment

    path = ROOT / "experiments" / "compare_recommendations.toml"
    plan = plan_experiment(load_experiment(path), calibrate=0)
    timing = {"seconds_per_run": 2.0, "startup_seconds": 3.0}
    one = dataclasses.replace(plan, runs=1, workers=8, **timing)
    low, _ = one.estimated_range
    assert low == pytest.approx(3.0 + 2.0)  # one run keeps one worker busy, not eight
    assert "finish sooner serially" in one.text()
    many = dataclasses.replace(plan, runs=100, workers=2, **timing)
    assert many.estimated_range[0] == pytest.approx(3.0 + 100.0)
    assert "finish sooner serially" not in many.text()


def test_docs_experiment_template_names_real_scenarios():
    text = (ROOT / "docs" / "experiments.md").read_text()
    block = text.split("## The experiment file", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    from sim.scenario import load_scenario

    for ref in re.findall(r'^scenario = "([^"]+)"', block, flags=re.M):
        load_scenario(ref)  # raises if the template names a missing scenario


def test_calibration_quick_look_from_the_readme_does_not_fail(capsys):
    code, text, err = cli(capsys, ["calibrate", "--seeds", "2", "--scale", "0.05", "--years", "3"])
    assert code == 0, text
    assert "quick look" in text and "full scale" in text


def test_calibration_margin_applies_below_full_scale_only():
    from sim.calibration import TARGETS, calibration_table, small_scale_margin

    prison = next(t for t in TARGETS if t.metric == "prison_population")
    good = {t.metric: (t.low + t.high) / 2 for t in TARGETS}
    near = dict(good, prison_population=0.99 * prison.low)  # 1% under the range
    assert small_scale_margin(1.0) == 0.0 and small_scale_margin(0.05) > 0.01
    assert calibration_table([good], 1.0)[1]
    table, ok = calibration_table([near], 1.0)
    assert not ok and "| NO |" in table
    scaled = {t.metric: near[t.metric] * (0.05 if t.extensive else 1.0) for t in TARGETS}
    table, ok = calibration_table([scaled], 0.05)
    assert ok and "| near |" in table
    far = dict(scaled, prison_population=0.5 * scaled["prison_population"])
    assert not calibration_table([far], 0.05)[1]


def test_experiment_json_is_strict(tmp_path):
    """Experiment manifests and records are strict JSON: NaN and infinities become null."""
    from sim.experiments.store import atomic_write_json

    path = tmp_path / "m.json"
    atomic_write_json(path, {"a": float("nan"), "b": [np.float64("inf"), np.array([1.0, np.nan])]})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [None, [1.0, None]]}


def test_the_printed_analysis_is_short_and_states_its_correction(tmp_path):
    """However many comparisons are significant, ``analyse`` prints a bounded summary."""
    from sim.analysis import MAX_PRINTED, AnalysisReport

    n = 5 * MAX_PRINTED
    diffs = pd.DataFrame(
        {
            "scenario": [f"s{i}" for i in range(n)],
            "metric": "oc_harm_per_year",
            "pct_change": np.linspace(-9, -1, n),
            "pct_ci_low": -10.0,
            "pct_ci_high": -0.5,
            "significant": True,
        }
    )
    text = AnalysisReport(path=tmp_path, tables={"differences": diffs}).text()
    lines = text.splitlines()
    assert f"{n} of {n} significant after Holm correction" in text
    assert "unadjusted 95% CI" in text and "differences.csv" in lines[-1]
    assert sum(line.startswith("  s") for line in lines) == MAX_PRINTED
    assert len(lines) <= MAX_PRINTED + 5


def test_overview_reads_plainly_and_marks_only_a_run_that_changes_a_lever():
    from sim.io.output import changes_levers, readable_number
    from sim.params import defaults

    assert [readable_number(v) for v in (7_400_000, 35_190, 5_000, 850, 0.5)] == [
        "7.4M",
        "35.2k",
        "5k",
        "850",
        "0.5",
    ]
    base = defaults()
    assert not changes_levers(base)  # the baseline has no intervention to mark
    assert changes_levers({**base, "intelligence.pios_per_1000": 3.0})
