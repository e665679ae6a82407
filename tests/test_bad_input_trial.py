"""Silent wrong behaviour from the new-user trial (issue 28): each bad input is refused.

Every case runs the real command line in this process, from a folder holding scenario and
experiment files and an experiment whose run files were removed; it must exit with status 2,
print one line naming the file or option and what is allowed, and leave the folder unchanged.
"""

from __future__ import annotations

import json
import shutil

import pytest
from clihelp import MINI, TESTS, cli, snapshot, toy

from sim.cli import policy as policy_cli
from sim.cli.main import main
from sim.experiments.cli import planned_runs
from sim.experiments.design import build_design
from sim.experiments.spec import parse_experiment
from sim.io.guards import MAX_RUNS

LATE = "[[schedule]]\nweek = 5000\ndisruption.police_actions_per_region = 8.0\n"
EARLY = "[[schedule]]\nweek = 10\ndisruption.police_actions_per_region = 8.0\n"
SHORT_RUN = ["--years", "3", "--scale", "0.01", "--quiet", "--no-figure"]
UNSAFE_NAMES = {"slash": "a/b", "dotdot": "../x", "long": "x" * 300, "space": "a b"}

#: case -> (argv with {d} for the working folder, words the error line must contain)
CASES = {
    # 1. a dated intervention outside the run
    "run_schedule_after_the_run": (
        ["run", "{d}/late.toml", *SHORT_RUN, "--out", "{d}/new"],
        ["late.toml", "schedule entry 1", "week = 5000", "--years = 3", "[1, 156]"],
    ),
    "run_schedule_week_zero": (
        ["run", "{d}/week0.toml", *SHORT_RUN, "--out", "{d}/new"],
        ["week0.toml", "week = 0", "[1, 5200]"],
    ),
    "experiment_schedule_after_the_run": (
        ["experiment", "{d}/late_exp.toml", "--out", "{d}/new"],
        ["late.toml", "week = 5000", "experiment.years = 3"],
    ),
    "plan_schedule_after_the_run": (
        ["plan", "{d}/late_exp.toml", "--calibrate", "0"],
        ["late.toml", "week = 5000"],
    ),
    "compare_schedule_after_the_run": (
        ["compare", "{d}/late.toml", "--years", "3", "--out", "{d}/new"],
        ["late.toml", "week = 5000", "--years = 3"],
    ),
    # 2. contradictory options
    "run_scale_twice": (
        ["run", "--scale", "0.02", "--set", "run.scale=0.5", "--out", "{d}/new"],
        ["--scale 0.02", "--set run.scale=0.5", "run.scale"],
    ),
    "run_years_twice": (
        ["run", "--years", "3", "--set", "run.years=4", "--out", "{d}/new"],
        ["--years 3", "--set run.years=4", "run.years"],
    ),
    "run_set_twice": (
        ["run", "--set", "run.scale=0.1", "--set", "run.scale=0.2", "--out", "{d}/new"],
        ["run.scale=0.1", "run.scale=0.2", "allowed: one"],
    ),
    "experiment_serial_with_scheduler": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--executor", "serial"]
        + ["--scheduler", "tcp://127.0.0.1:1"],
        ["--executor serial", "--scheduler", "Dask"],
    ),
    "experiment_workers_with_serial": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--executor", "serial"]
        + ["--workers", "8"],
        ["--workers 8", "--executor serial"],
    ),
    "experiment_workers_with_serial_file": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--workers", "8"],
        ["--workers 8", "execution.executor = 'serial'", "mini.toml"],
    ),
    "resume_serial_with_scheduler": (
        ["resume", "{d}/empty", "--executor", "processes", "--scheduler", "tcp://127.0.0.1:1"],
        ["--executor processes", "--scheduler"],
    ),
    "compare_serial_with_scheduler": (
        ["compare", "more_pios", "--executor", "serial", "--scheduler", "tcp://127.0.0.1:1"],
        ["--executor serial", "--scheduler"],
    ),
    "optimise_robustness_and_none": (
        ["optimise", "--budget", "5", "--robustness", "community.market_recovery_rate"]
        + ["--no-robustness"],
        ["--robustness community.market_recovery_rate", "--no-robustness", "one of them"],
    ),
    "optimise_workers_with_serial": (
        ["optimise", "--budget", "5", "--executor", "serial", "--workers", "8"],
        ["--workers 8", "--executor serial"],
    ),
    "plan_negative_calibrate": (
        ["plan", "{d}/mini.toml", "--calibrate", "-1"],
        ["--calibrate -1", ">= 0"],
    ),
    # 3. a results folder with no runs
    "report_no_runs": (["report", "{d}/empty"], ["empty", "no runs stored", "ocgsim resume"]),
    "analyse_no_runs": (["analyse", "{d}/empty"], ["empty", "no runs stored"]),
    # 4. the baseline compared with itself
    "compare_baseline_with_itself": (
        ["compare", "england_wales"],
        ["england_wales", "baseline", "+0.0%"],
    ),
    "compare_baseline_file_with_itself": (
        ["compare", "{d}/plain.toml"],
        ["plain.toml", "every scenario given"],
    ),
    # 5. work that would not finish
    "plan_a_billion_replicates": (
        ["plan", "{d}/huge.toml", "--calibrate", "0"],
        ["huge.toml", "replicates = 1000000000", "2,000,000,000 runs", "years", "allowed"],
    ),
    "experiment_a_billion_replicates": (
        ["experiment", "{d}/huge.toml", "--out", "{d}/new"],
        ["2,000,000,000 runs", f"at most {MAX_RUNS:,} runs"],
    ),
    "plan_replicates_option": (
        ["plan", "{d}/mini.toml", "--replicates", "100000000", "--calibrate", "0"],
        ["--replicates 100000000", "200,000,000 runs"],
    ),
    "compare_huge_replicates": (
        ["compare", "more_pios", "--replicates", "100000000"],
        ["--replicates 100000000", "200,000,000 runs", "would take at least"],
    ),
    "optimise_huge_candidates": (
        ["optimise", "--budget", "5", "--candidates", "100000000"],
        ["--candidates 100000000", "runs would take at least"],
    ),
    # 6. names into paths, files nested too deeply
    **{
        f"run_scenario_name_{case}": (
            ["run", f"{{d}}/name_{case}.toml", *SHORT_RUN, "--out", "{d}/new"],
            [f"name_{case}.toml", "scenario.name", "1-64 letters"],
        )
        for case in UNSAFE_NAMES
    },
    "run_scenario_long_file_name": (
        ["run", "{d}/" + "y" * 100 + ".toml", *SHORT_RUN, "--out", "{d}/new"],
        ["100 characters", "at most 64"],
    ),
    "run_deeply_nested_scenario": (
        ["run", "{d}/deep.toml", *SHORT_RUN, "--out", "{d}/new"],
        ["deep.toml", "nested too deeply"],
    ),
    "run_deeply_nested_set": (
        ["run", "--set", "run.scale=" + "[" * 100_000, "--out", "{d}/new"],
        ["--set", "run.scale"],
    ),
    "plan_deeply_nested_experiment": (
        ["plan", "{d}/deep.toml", "--calibrate", "0"],
        ["deep.toml", "nested too deeply"],
    ),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Scenario and experiment files, and an experiment whose run files were removed."""
    d = tmp_path_factory.mktemp("trial")
    (d / "late.toml").write_text(LATE)
    (d / "week0.toml").write_text(LATE.replace("5000", "0"))
    (d / "plain.toml").write_text('[scenario]\nname = "plain"\ndescription = "nothing"\n')
    (d / "mini.toml").write_text(MINI)
    (d / "late_exp.toml").write_text(
        MINI.replace('scenarios = ["more_pios"]', f'scenarios = ["{d / "late.toml"}"]')
    )
    (d / "huge.toml").write_text(MINI.replace("replicates = 2", "replicates = 1000000000"))
    for case, name in UNSAFE_NAMES.items():
        (d / f"name_{case}.toml").write_text(f'[scenario]\nname = "{name}"\n')
    (d / "deep.toml").write_text("x = " + "[" * 100_000)
    (d / ("y" * 100 + ".toml")).write_text(EARLY)
    serial = '[execution]\nexecutor = "serial"\n'
    (d / "toy.toml").write_text(toy('type = "single"', replicates=3, extra=serial))
    # an experiment of a toy model, its runs then removed
    assert main(["experiment", str(d / "toy.toml"), "--out", str(d / "empty")]) == 0
    shutil.rmtree(d / "empty" / "runs")
    return d


@pytest.fixture(autouse=True)
def _toy_path(monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(corpus, capsys, monkeypatch, case):
    monkeypatch.chdir(corpus)  # default output folders (results/...) would appear here
    argv, words = CASES[case]
    before = snapshot(corpus)
    code, _, err = cli(capsys, [a.replace("{d}", str(corpus)) for a in argv])
    assert code == 2, err
    assert len(err) == 1, err
    assert err[0].startswith("ocgsim: error: "), err
    for word in words:
        assert word in err[0], (word, err[0])
    assert snapshot(corpus) == before, "bad input wrote or removed something"


def test_schedule_in_the_burn_in_runs_with_a_warning_and_the_command_is_recorded(tmp_path, capsys):
    (tmp_path / "early.toml").write_text(EARLY)
    out = tmp_path / "out"
    argv = ["run", str(tmp_path / "early.toml"), *SHORT_RUN, "--seed", "3", "--out", str(out)]
    code, _, err = cli(capsys, argv)
    assert code == 0, err
    err = [line for line in err if not line.startswith("ocgsim: note: scale ")]  # (a small run)
    assert len(err) == 1 and err[0].startswith("ocgsim: warning: "), err
    assert "schedule entry 1 (week 10) is in the burn-in" in err[0]
    assert "run.intervention_week = 104" in err[0]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command_line"] == ["ocgsim", *argv]


def test_a_schedule_entry_after_the_run_is_refused_by_the_model_too(tmp_path):
    """The API (and so every experiment run) refuses it too, instead of dropping it."""
    from sim.model.core import OCGModel
    from sim.params import ScenarioError

    (tmp_path / "late.toml").write_text(LATE)
    with pytest.raises(ScenarioError, match="week = 5000 is after the run's last week"):
        OCGModel(tmp_path / "late.toml", rng=1, scale=0.01, years=2)


@pytest.mark.parametrize(
    "design",
    [
        'type = "single"',
        'type = "grid"\nfactors = { "toy.x1" = [0.0, 1.0], "toy.n" = [1, 2, 3] }',
        'type = "lhs"\nn = 7\nfactors = { "toy.x1" = [0.0, 1.0], "toy.x2" = [0.0, 1.0] }',
        'type = "sobol"\nn = 8\nfactors = { "toy.x1" = [0.0, 1.0], "toy.x2" = [0.0, 1.0] }',
        'type = "sobol"\nn = 8\nsecond_order = false\n'
        'factors = { "toy.x1" = [0.0, 1.0], "toy.x2" = [0.0, 1.0], "toy.x3" = [0.0, 1.0] }',
        'type = "morris"\ntrajectories = 4\nlevels = 4\n'
        'factors = { "toy.x1" = [0.0, 1.0], "toy.x2" = [0.0, 1.0] }',
    ],
)
def test_the_run_count_before_building_matches_the_design(design):
    experiment = parse_experiment(toy(design, model="ishigami", replicates=3))
    assert planned_runs(experiment) == build_design(experiment).n_runs


def test_a_scenario_design_counts_the_baseline_too():
    experiment = parse_experiment(MINI)
    assert planned_runs(experiment) == build_design(experiment).n_runs == 4


def test_the_largest_accepted_design_is_planned(tmp_path, capsys, monkeypatch):
    """The bound refuses only what exceeds it: MAX_RUNS runs are still planned."""
    monkeypatch.setattr("sim.io.guards.MAX_RUNS", 1000)
    path = tmp_path / "big.toml"
    path.write_text(toy('type = "single"', model="ishigami", replicates=1000))
    code, text, err = cli(capsys, ["plan", path, "--calibrate", "0"])
    assert code == 0, err
    assert "1000 runs" in text or "1,000 runs" in text, text
    path.write_text(toy('type = "single"', model="ishigami", replicates=1001))
    code, _, err = cli(capsys, ["plan", path, "--calibrate", "0"])
    assert code == 2 and len(err) == 1, err
    assert "1,001 runs" in err[0] and "at most 1,000 runs" in err[0], err


def test_failed_runs_print_the_first_reason(tmp_path, capsys, monkeypatch):
    """A model that fails at run time (here os:getcwd, which takes no arguments) says why."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad_model.toml"
    path.write_text(
        '[experiment]\nname = "bad"\nmodel = "os:getcwd"\nschema = "toymodels:SCHEMA"\n'
        'seed = 1\nreplicates = 2\n[execution]\nexecutor = "serial"\n'
    )
    code, text, err = cli(capsys, ["experiment", path, "--out", tmp_path / "r", "--no-progress"])
    assert code == 3, err
    first = [line for line in text.splitlines() if line.startswith("first failure:")]
    assert len(first) == 1 and "run 0" in first[0] and "TypeError" in first[0], text
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["command_line"] == ["ocgsim", "experiment", str(path), "--out"] + [
        str(tmp_path / "r"),
        "--no-progress",
    ]


def test_dashboard_without_the_viz_extra_exits_2(capsys, monkeypatch):
    monkeypatch.setattr(policy_cli, "missing_viz", lambda: ["solara"])
    code, _, err = cli(capsys, ["dashboard", "--port", "0"])
    assert code == 2 and len(err) == 1 and "'viz'" in err[0], err


def test_experiments_doc_says_a_model_entry_runs_code():
    text = (TESTS.parent / "docs" / "experiments.md").read_text(encoding="utf-8")
    assert "imports that module, which runs its code" in text
