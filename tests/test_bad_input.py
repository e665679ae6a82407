"""Bad input from the new-user trial (issue 10): each is exit code 2, one line, nothing written.

Every case runs the real command line in this process against a folder holding a finished
single run (``single/``), a finished experiment of the sim model (``exp/``, with an analysis)
and a plain file (``afile``); the folder must be unchanged afterwards.
"""

from __future__ import annotations

import shutil
import textwrap

import pytest
from clihelp import MINI, cli, snapshot

from sim.cli.main import main

#: case -> (argv with {d} for the working folder, words the error line must contain)
CASES = {
    # 1. scheduler addresses
    "scheduler_refused": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--scheduler", "tcp://127.0.0.1:1"],
        ["--scheduler", "tcp://127.0.0.1:1"],
    ),
    "scheduler_no_scheme": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--scheduler", "localhost"],
        ["--scheduler", "tcp://HOST:PORT"],
    ),
    # 2. counts given as options
    "workers_negative": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--workers", "-1"],
        ["--workers -1", ">= 0"],
    ),
    "retries_negative": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--retries", "-1"],
        ["--retries -1", ">= 0"],
    ),
    "resume_workers_negative": (["resume", "{d}/exp", "--workers", "-1"], ["--workers -1"]),
    "plan_workers_negative": (["plan", "{d}/mini.toml", "--workers", "-1"], ["--workers -1"]),
    "replicates_zero": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--replicates", "0"],
        ["--replicates 0"],
    ),
    "years_out_of_range": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--years", "0"],
        ["--years", "run.years"],
    ),
    # 3. run --out that cannot be written
    "run_out_under_a_file": (
        ["run", "--scale", "0.01", "--years", "3", "--out", "{d}/afile/sub"],
        ["--out", "afile", "is a file"],
    ),
    "run_out_is_a_file": (
        ["run", "--scale", "0.01", "--years", "3", "--out", "{d}/afile"],
        ["--out", "already exists"],
    ),
    "run_out_exists": (
        ["run", "--scale", "0.01", "--years", "3", "--out", "{d}/single"],
        ["--out", "already exists"],
    ),
    # 5. experiment and analyse --out that cannot be written
    "experiment_out_is_a_file": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/afile"],
        ["--out", "is a file"],
    ),
    "experiment_out_under_a_file": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/afile/x"],
        ["--out", "is a file"],
    ),
    "experiment_out_single_run": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/single"],
        ["single", "single run"],
    ),
    "analyse_out_is_a_file": (
        ["analyse", "{d}/exp", "--out", "{d}/afile"],
        ["--out", "is a file"],
    ),
    "analyse_out_not_an_analysis": (
        ["analyse", "{d}/exp", "--out", "{d}/single"],
        ["--out", "other than an analysis"],
    ),
    # 6. a single run's folder where an experiment's is expected
    "status_single_run": (["status", "{d}/single"], ["single", "single run"]),
    "analyse_single_run": (["analyse", "{d}/single"], ["single", "single run"]),
    "resume_single_run": (["resume", "{d}/single"], ["single", "single run"]),
    "status_missing": (["status", "{d}/nosuch"], ["nosuch", "no such folder"]),
    "status_a_file": (["status", "{d}/afile"], ["afile", "is a file"]),
    # 7. analysis options
    "analyse_unknown_metric": (
        ["analyse", "{d}/exp", "--metric", "nosuch"],
        ["--metric nosuch", "allowed:", "recruits_prison_per_1000_py"],
    ),
    "analyse_unknown_baseline": (
        ["analyse", "{d}/exp", "--baseline", "nosuch"],
        ["--baseline nosuch", "allowed:", "more_pios"],
    ),
    "analyse_negative_precision": (
        ["analyse", "{d}/exp", "--precision", "-1"],
        ["--precision", "(0, 10)"],
    ),
    "analyse_zero_resamples": (["analyse", "{d}/exp", "--resamples", "0"], ["--resamples"]),
    # 8. names in [output] that the model does not have
    "output_metric_typo": (
        ["experiment", "{d}/typo_metrics.toml", "--out", "{d}/new"],
        ["output.metrics", "recruits_prison_per_1000", "did you mean"],
    ),
    "series_metric_typo": (
        ["experiment", "{d}/typo_series.toml", "--out", "{d}/new"],
        ["output.series_metrics", "recruit_prison"],
    ),
    "analysis_metric_not_kept": (
        ["plan", "{d}/not_kept.toml", "--calibrate", "0"],
        ["analysis.metrics", "share_rate", "output.metrics"],
    ),
    # 12. empty paths, scale and calibration errors
    "run_out_empty": (["run", "--scale", "0.01", "--years", "3", "--out", ""], ["--out ''"]),
    "experiment_out_empty": (["experiment", "{d}/mini.toml", "--out", ""], ["--out ''"]),
    "analyse_out_empty": (["analyse", "{d}/exp", "--out", ""], ["--out ''"]),
    "compare_out_empty": (["compare", "more_pios", "--out", ""], ["--out ''"]),
    "optimise_out_empty": (["optimise", "--budget", "5", "--out", ""], ["--out ''"]),
    "report_out_empty": (["report", "{d}/exp", "--out", ""], ["--out", ".html"]),
    "run_scale_zero": (["run", "--scale", "0", "--out", "{d}/new"], ["--scale", "run.scale"]),
    "calibrate_scale_zero": (["calibrate", "--scale", "0"], ["--scale", "run.scale"]),
    "calibrate_seeds_zero": (["calibrate", "--seeds", "0"], ["--seeds 0"]),
    "experiment_scale_zero": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--scale", "0"],
        ["--scale", "run.scale"],
    ),
    "unparsable_option": (["run", "--years", "three"], ["--years", "invalid int"]),
    # summary windows too short (issue 10, "outputs that cannot mislead")
    "run_window_one_week": (
        ["run", "--scale", "0.01", "--years", "2", "--out", "{d}/new"],
        ["--years", "weeks 104-104", "--allow-short-window"],
    ),
    "run_window_whole_run": (
        ["run", "--scale", "0.01", "--years", "1", "--out", "{d}/new"],
        ["--years", "whole run", "--allow-short-window"],
    ),
    "run_window_set": (
        [
            "run",
            "--scale",
            "0.01",
            "--years",
            "3",
            "--set",
            "run.intervention_week=150",
            "--out",
            "{d}/new",
        ],
        ["--set", "weeks 150-156"],
    ),
    "experiment_window": (
        ["experiment", "{d}/mini.toml", "--out", "{d}/new", "--years", "2"],
        ["--years", "weeks 104-104", "allow_short_window"],
    ),
    "experiment_window_in_file": (
        ["experiment", "{d}/short.toml", "--out", "{d}/new"],
        ["short.toml", "weeks 130-156 (27 weeks)"],
    ),
    "plan_window": (
        ["plan", "{d}/mini.toml", "--years", "1", "--calibrate", "0"],
        ["--years", "whole run"],
    ),
    "calibrate_window": (["calibrate", "--years", "2", "--scale", "0.01"], ["--years"]),
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A folder with a single run, an analysed experiment, a file and some experiment files."""
    d = tmp_path_factory.mktemp("corpus")
    assert (
        main(["run", "--scale", "0.01", "--years", "3", "--quiet", "--out", str(d / "single")]) == 0
    )
    (d / "mini.toml").write_text(MINI)
    assert main(["experiment", str(d / "mini.toml"), "--out", str(d / "exp"), "--no-progress"]) == 0
    assert main(["analyse", str(d / "exp"), "--no-plots"]) == 0
    (d / "afile").write_text("not a folder\n")
    (d / "typo_metrics.toml").write_text(
        MINI.replace("series = true", 'metrics = ["recruits_prison_per_1000"]')
    )
    (d / "typo_series.toml").write_text(
        MINI.replace("series = true", 'series = true\nseries_metrics = ["recruit_prison"]')
    )
    (d / "not_kept.toml").write_text(
        MINI.replace("series = true", 'metrics = ["mean_trust"]')
        + '\n[analysis]\nmetrics = ["share_rate"]\n'
    )
    (d / "short.toml").write_text(MINI.replace("burn_in_weeks = 104", "burn_in_weeks = 130"))
    return d


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_with_one_line_and_writes_nothing(corpus, capsys, case):
    argv, words = CASES[case]
    before = snapshot(corpus)
    code, _, err = cli(capsys, [a.replace("{d}", str(corpus)) for a in argv])
    assert code == 2, err
    assert len(err) == 1, err
    assert err[0].startswith("ocgsim: error: "), err
    for word in words:
        assert word in err[0], (word, err[0])
    assert "Traceback" not in err[0]
    assert snapshot(corpus) == before, "bad input wrote or removed something"


def test_short_window_can_be_allowed_explicitly(tmp_path, capsys):
    out = tmp_path / "out"
    code, text, err = cli(
        capsys,
        ["run", "--scale", "0.01", "--years", "2", "--allow-short-window", "--out", out],
    )
    assert code == 0, err
    assert "summary over weeks 104-104" in text
    assert out.is_dir()


def test_window_in_the_file_names_the_file(tmp_path):
    """An experiment file whose years and burn-in leave a short window is refused by name."""
    from sim.experiments import load_experiment, plan_experiment
    from sim.params import ScenarioError

    path = tmp_path / "short.toml"
    path.write_text(MINI.replace("years = 3", "years = 2"))
    with pytest.raises(ScenarioError, match="short.toml"):
        plan_experiment(load_experiment(path), calibrate=0)
    allowed = tmp_path / "allowed.toml"
    allowed.write_text(
        textwrap.dedent(MINI.replace("years = 3", "years = 2\nallow_short_window = true"))
    )
    assert plan_experiment(load_experiment(allowed), calibrate=0).runs == 4


def test_existing_analysis_is_left_intact_by_a_bad_option(tmp_path, capsys):
    """A bad ``analyse`` option leaves an earlier analysis exactly as it was."""
    exp = tmp_path / "mini.toml"
    exp.write_text(MINI.replace("replicates = 2", "replicates = 1"))
    out = tmp_path / "exp"
    assert main(["experiment", str(exp), "--out", str(out), "--no-progress"]) == 0
    assert main(["analyse", str(out), "--no-plots"]) == 0
    before = snapshot(out)
    code, _, err = cli(capsys, ["analyse", out, "--metric", "recruits_prison"])
    assert code == 2 and len(err) == 1
    assert snapshot(out) == before
    # an experiment never analysed: a bad option creates no empty or partial analysis folder
    shutil.rmtree(out / "analysis")
    before = snapshot(out)
    for bad in (["--metric", "nosuch"], ["--baseline", "nosuch"], ["--precision", "-1"]):
        code, _, err = cli(capsys, ["analyse", out, *bad])
        assert code == 2 and len(err) == 1, (bad, err)
        assert snapshot(out) == before and not (out / "analysis").exists(), bad
    shutil.rmtree(out)
