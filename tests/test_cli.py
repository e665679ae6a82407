from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from clihelp import assert_rejected, cli

from sim.cli.main import main
from sim.params import parameters_markdown
from sim.scenario import load_scenario, scenarios_dir

ROOT = Path(__file__).resolve().parent.parent
FAST = ["--scale", "0.01", "--years", "1", "--allow-short-window"]


def test_run_writes_results_and_manifest(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", "more_pios", *FAST, "--seed", "3", "--out", str(out), "--quiet"])
    assert code == 0
    for name in ("timeseries.parquet", "summary.json", "manifest.json", "overview.png"):
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0, name
    manifest = json.loads((out / "manifest.json").read_text())
    for key in ("seed", "parameters", "versions", "git_commit", "wall_seconds"):
        assert key in manifest, key
    assert manifest["seed"] == 3
    assert manifest["parameters"]["intelligence.pios_per_1000"] == 3.0
    assert manifest["parameters"]["run.scale"] == 0.01
    assert manifest["versions"]["mesa"].startswith("3.")
    assert manifest["wall_seconds"] >= 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 52 and {"week", "recruits_prison", "prison_population"} <= set(ts)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["weeks"] == 52
    assert not list(tmp_path.glob(".out.*")), "temporary folder left behind"
    assert capsys.readouterr().out == ""


def test_run_prints_summary_unless_quiet(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", *FAST, "--out", str(out), "--no-figure"]) == 0
    text = capsys.readouterr().out
    assert "prison population" in text and str(out) in text
    assert not (out / "overview.png").exists()


BAD_FILES = {
    "unknown_section": ("[nonsense]\nx = 1\n", "[nonsense]"),
    "unknown_key": ("[justice]\nofence_hazard = 0.01\n", "justice.ofence_hazard"),
    "wrong_type": ('[justice]\noffence_hazard = "high"\n', "justice.offence_hazard"),
    "out_of_range": ("[intelligence]\npios_per_1000 = -1\n", "intelligence.pios_per_1000"),
    "malformed": ("[justice\noffence_hazard = 0.01\n", "malformed TOML"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_exits_2_and_writes_nothing(tmp_path, capsys, case):
    text, word = BAD_FILES[case]
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    out = tmp_path / "out"
    assert_rejected(capsys, ["run", str(bad), *FAST, "--out", str(out)], out, str(bad), word)


def test_missing_scenario_file_exits_2(tmp_path, capsys):
    missing = tmp_path / "missing.toml"
    out = tmp_path / "out"
    assert_rejected(capsys, ["run", str(missing), *FAST, "--out", str(out)], out, str(missing))


@pytest.mark.parametrize(
    ("setting", "word"),
    [
        ("bad.key=1", "bad.key"),
        ("intelligence.pios_per_1000=-1", "intelligence.pios_per_1000"),
        ("justice.offence_hazard=abc", "justice.offence_hazard"),
    ],
)
def test_bad_set_exits_2_and_writes_nothing(tmp_path, capsys, setting, word):
    out = tmp_path / "out"
    argv = ["run", *FAST, "--set", setting, "--out", str(out)]
    assert_rejected(capsys, argv, out, "--set", word)


def test_bad_scale_exits_2(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["run", "--scale", "5", "--years", "1", "--out", str(out)]
    assert_rejected(capsys, argv, out, "run.scale")


def test_existing_out_dir_is_refused_and_left_alone(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    assert main(["run", *FAST, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(out) in err[0]
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_docs_matches_committed_parameters_md(capsys):
    assert main(["docs"]) == 0
    printed = capsys.readouterr().out
    assert printed == parameters_markdown() + "\n"
    committed = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert printed == committed, (
        "docs/parameters.md is stale: run `ocgsim docs > docs/parameters.md`"
    )


def test_scenarios_lists_every_file(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for path in scenarios_dir().glob("*.toml"):
        assert path.stem in out


@pytest.mark.parametrize("path", sorted(scenarios_dir().glob("*.toml")), ids=lambda p: p.stem)
def test_every_scenario_runs(tmp_path, capsys, path):
    out = tmp_path / "out"
    argv = ["run", str(path), *FAST, "--seed", "2", "--out", str(out), "--quiet", "--no-figure"]
    late = next((e.week for e in load_scenario(path).schedule if e.week > 52), None)
    if late is not None:
        # dated interventions after a one-year run's end are refused (issue 28), nothing written
        capsys.readouterr()
        assert main(argv) == 2
        assert f"week = {late} is after the run's last week" in capsys.readouterr().err
        assert not out.exists()
        return
    code = main(argv)
    assert code == 0
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 52
    assert (ts["prison_population"] <= ts["capacity"]).all()


def test_make_run_runs_the_england_and_wales_baseline(tmp_path):
    """`make run` calls `ocgsim run` with no scenario, which runs the baseline (issue 10)."""
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 1)[1].splitlines()[1].strip()
    assert recipe == "$(BIN)/ocgsim run"
    out = tmp_path / "run"
    assert main(["run", "--scale", "0.01", "--years", "3", "--quiet", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == "england_wales"  # the default parameters: the baseline
    assert all(k.startswith("run.") for k in manifest.get("overrides") or {})


def test_the_run_table_marks_values_outside_their_calibration_target():
    from sim.cli.main import _summary_table

    table = _summary_table({"proven_reoffending": 0.237}, 1.0, "baseline", 1, 1.0)
    line = next(x for x in table.splitlines() if "0.30" in x and "0.40" in x)
    assert line.rstrip().endswith("<- outside")
    assert "outside the calibration targets" in table
    fine = _summary_table({"proven_reoffending": 0.35}, 1.0, "baseline", 1, 1.0)
    assert "<- outside" not in fine


def test_the_run_table_shows_pounds_as_the_report_does():
    from sim.cli.main import _summary_table

    table = _summary_table({"oc_harm_gbp_per_year": 755_633_268.3}, 0.02, "baseline", 1, 1.0)
    line = next(x for x in table.splitlines() if x.startswith("OC harm (GBP / year)"))
    assert line.split()[-1] == "£37,782m", line  # a full-scale equivalent, in £ million


def test_a_run_or_plan_below_the_smallest_useful_scale_says_so(tmp_path, capsys):
    note = "ocgsim: note: scale 0.02 is below 0.1"
    argv = ["run", "--scale", "0.02", "--years", "3", "--seed", "1"]
    code, _, err = cli(capsys, [*argv, "--out", str(tmp_path / "a")])
    assert code == 0 and any(line.startswith(note) for line in err), err
    code, _, err = cli(capsys, [*argv, "--quiet", "--out", str(tmp_path / "b")])
    assert code == 0 and not any(line.startswith("ocgsim: note:") for line in err), err
    tiny = tmp_path / "tiny.toml"
    tiny.write_text('[experiment]\nname = "tiny"\nseed = 1\nscale = 0.02\nyears = 3\n')
    code, _, err = cli(capsys, ["plan", str(tiny), "--calibrate", "0"])
    assert code == 0 and err[-1].startswith(note), err
    tiny.write_text('[experiment]\nname = "tiny"\nseed = 1\nscale = 0.1\nyears = 3\n')
    code, _, err = cli(capsys, ["plan", str(tiny), "--calibrate", "0"])
    assert code == 0 and not any("note:" in line for line in err), err
