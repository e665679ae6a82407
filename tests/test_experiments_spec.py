"""Strict validation of experiment files: one-line errors, nothing written."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from sim.experiments import cli, load_experiment
from sim.params import ScenarioError

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
[experiment]
name = "ok"
seed = 1
replicates = 2
years = 2
burn_in_weeks = 52
scale = 0.05

[design]
type = "grid"
factors = { "intelligence.pios_per_1000" = [1.0, 2.0], "trust.meetings_local" = [0.0, 4.0] }
"""

BAD = {
    "no seed": GOOD.replace("seed = 1\n", ""),
    "unknown table": GOOD + "\n[extras]\nx = 1\n",
    "unknown key": GOOD.replace("seed = 1", "seed = 1\nsed = 2"),
    "unknown parameter": GOOD.replace("trust.meetings_local", "trust.meeting_locl"),
    "unknown section": GOOD.replace("trust.meetings_local", "trustt.meetings_local"),
    "value out of range": GOOD.replace("[1.0, 2.0]", "[1.0, 200.0]"),
    "wrong type": GOOD.replace("replicates = 2", 'replicates = "two"'),
    "wrong value type": GOOD.replace("[1.0, 2.0]", '["a", 2.0]'),
    "bounds outside range": GOOD.replace('type = "grid"', 'type = "lhs"\nn = 10').replace(
        "[1.0, 2.0]", "[1.0, 500.0]"
    ),
    "low above high": GOOD.replace('type = "grid"', 'type = "lhs"\nn = 10').replace(
        "[1.0, 2.0]", "[2.0, 1.0]"
    ),
    "sobol n not power of two": GOOD.replace('type = "grid"', 'type = "sobol"\nn = 100'),
    "non-numeric sampled factor": GOOD.replace('type = "grid"', 'type = "lhs"\nn = 4').replace(
        '"trust.meetings_local" = [0.0, 4.0]', '"disruption.transfer_policy" = ["none", "x"]'
    ),
    "scale out of range": GOOD.replace("scale = 0.05", "scale = 5.0"),
    "missing seed": GOOD.replace("seed = 1", ""),
    "bad design type": GOOD.replace('"grid"', '"grd"'),
    "key of another design": GOOD.replace('type = "grid"', 'type = "grid"\ntrajectories = 3'),
    "malformed toml": GOOD + "\n[design\n",
    "bad model": GOOD.replace('name = "ok"', 'name = "ok"\nmodel = "nosuchmodule:f"'),
    "missing scenario": GOOD.replace(
        'type = "grid"', 'type = "scenarios"\nscenarios = ["nope"]'
    ).replace(
        'factors = { "intelligence.pios_per_1000" = [1.0, 2.0], "trust.meetings_local" = '
        "[0.0, 4.0] }",
        "",
    ),
    "bad executor": GOOD + '\n[execution]\nexecutor = "gpu"\n',
}


def _parser():
    parser = argparse.ArgumentParser(prog="ocgsim")
    cli.register(parser.add_subparsers(required=True))
    return parser


def test_good_file_loads(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(GOOD)
    exp = load_experiment(path)
    assert exp.fixed == {"run.years": 2, "run.intervention_week": 52, "run.scale": 0.05}
    assert load_experiment(path, overrides={"scale": 0.01}).fixed["run.scale"] == 0.01


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_rejected_one_line_nothing_written(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.toml"
    path.write_text(BAD[case])
    for command in ("plan", "experiment"):
        args = _parser().parse_args([command, str(path), "--scale", "0.05"])
        if case == "scale out of range":
            args.scale = None
        with pytest.raises(ScenarioError) as info:
            args.func(args)
        message = str(info.value)
        assert "\n" not in message and str(path) in message, message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


def test_a_missing_seed_says_what_is_allowed(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD["no seed"])
    args = _parser().parse_args(["plan", str(path)])
    with pytest.raises(ScenarioError, match=r"missing experiment.seed; allowed: an integer"):
        args.func(args)


def test_sobol_refusal_explains():
    with pytest.raises(ScenarioError, match="power of two"):
        from sim.experiments import parse_experiment

        parse_experiment(BAD["sobol n not power of two"])


def test_scale_override_validated(tmp_path):
    path = tmp_path / "ok.toml"
    path.write_text(GOOD)
    with pytest.raises(ScenarioError, match="run.scale"):
        load_experiment(path, overrides={"scale": 9.0})


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "experiments").glob("*.toml")))
def test_shipped_experiment_files_validate(name):
    path = ROOT / "experiments" / f"{name}.toml"
    exp = load_experiment(path)
    assert exp.fixed["run.scale"] <= 0.1
    from sim.experiments import build_design

    assert build_design(exp).n_runs > 0


def test_morris_screening_lists_every_numeric_parameter():
    """The screening design stays in step with the schema: every numeric model parameter (run
    settings aside) is a factor, with bounds inside its allowed range."""
    from sim.params import PARAMETERS

    exp = load_experiment(ROOT / "experiments" / "morris_screening.toml")
    factors = exp.factors
    numeric = [
        p
        for p in PARAMETERS
        if isinstance(p.default, int | float)
        and not isinstance(p.default, bool)
        and not p.name.startswith("run.")
    ]
    assert sorted(p.name for p in numeric) == sorted(factors)
    for p in numeric:
        low, high = factors[p.name]
        assert p.low <= low < high <= p.high, p.name
