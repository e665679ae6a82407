"""An experiment file over plausible worlds (``[design] ensemble``): design, runs, analysis.

One small experiment (3 scenarios x 2 worlds x 2 replicates at scale 0.01 for 3 years, 12 runs,
a few seconds) is run on the engine and analysed; the design and the bad input are checked
without running anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from clihelp import snapshot

from sim.analysis.history import save_ensemble
from sim.cli.main import main
from sim.experiments.design import build_design
from sim.experiments.spec import ExperimentError, load_experiment
from sim.params.table import spec
from sim.plausible import UNCERTAIN

DESIGN = """
[experiment]
name = "over_worlds"
seed = 1
replicates = 2
years = 3
burn_in_weeks = 104
scale = 0.01
{parameters}
[design]
type = "{dtype}"
{design}
"""


def _ensemble(path: Path, factors=(1.0, 0.9, 1.1)) -> Path:
    default = np.array([float(spec(n).default) for n in UNCERTAIN])
    save_ensemble(path, list(UNCERTAIN), default * np.array(factors)[:, None], {"by": "hand"})
    return path


def _file(folder: Path, design: str, dtype: str = "scenarios", parameters: str = "") -> Path:
    path = folder / "exp.toml"
    path.write_text(DESIGN.format(dtype=dtype, design=design, parameters=parameters))
    return path


SCENARIOS = 'scenarios = ["more_pios", "shared_database"]\nensemble = "worlds.json"\n'


def test_each_scenario_runs_in_each_world_with_the_same_seeds(tmp_path):
    _ensemble(tmp_path / "worlds.json")
    design = build_design(load_experiment(_file(tmp_path, SCENARIOS + "worlds = 2")))
    assert design.n_points == 3 * 2 and design.factor_names == ["world"]
    assert "3 scenarios x 2 plausible worlds" in design.describe()
    record = design.settings["ensemble"]
    assert record["parameters"] == list(UNCERTAIN) and len(record["values"]) == 2
    fill = "community.vacancy_fill_rate"
    for run in design.runs():
        point = design.points[run.point_id]
        world = point["factors"]["world"]
        assert run.params[fill] == pytest.approx(record["values"][world][UNCERTAIN.index(fill)])
        assert run.seed == design.seeds[run.replicate]  # the same seeds in every world and arm
    # without worlds the file names every world of the ensemble
    assert build_design(load_experiment(_file(tmp_path, SCENARIOS))).n_points == 3 * 3


@pytest.mark.parametrize(
    ("design", "dtype", "parameters", "words"),
    [
        ('factors = {"trust.initial" = [0.3, 0.5]}\nensemble = "worlds.json"', "grid", "",
         "design.ensemble does not apply to design.type = 'grid'"),
        (SCENARIOS + "worlds = 9", "scenarios", "", "design.worlds = 9; allowed: a whole number"),
        ('scenarios = ["more_pios"]\nworlds = 2', "scenarios", "",
         "design.worlds: allowed only with design.ensemble"),
        ('scenarios = ["more_pios"]\nensemble = "none.json"', "scenarios", "",
         "design.ensemble = "),
        (SCENARIOS, "scenarios", '[parameters]\n"justice.custody_probability" = 0.5\n',
         "[parameters] sets justice.custody_probability"),
        ('scenarios = ["brazil_factions"]\nensemble = "worlds.json"', "scenarios", "",
         "design.scenarios (brazil_factions) sets justice.custody_probability"),
    ],
)  # fmt: skip
def test_bad_ensemble_keys_are_refused_in_one_line(tmp_path, design, dtype, parameters, words):
    _ensemble(tmp_path / "worlds.json")
    with pytest.raises(ExperimentError) as caught:
        load_experiment(_file(tmp_path, design, dtype, parameters))
    message = str(caught.value)
    assert words in message and "exp.toml" in message and "\n" not in message, message


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    """The experiment run (serially) and analysed: its results folder."""
    folder = tmp_path_factory.mktemp("worlds_experiment")
    _ensemble(folder / "worlds.json")
    path = _file(folder, SCENARIOS + "worlds = 2")
    out = folder / "out"
    argv = ["experiment", str(path), "--out", str(out), "--executor", "serial", "--no-progress"]
    assert main(argv) == 0
    assert main(["analyse", str(out)]) == 0
    return out


def test_the_analysis_is_the_comparison_over_worlds(ran):
    analysis = ran / "analysis"
    for name in ("runs.csv", "worlds.json", "effects_by_tasking.csv", "beats.csv", "report.html"):
        assert (analysis / name).stat().st_size > 0, name
    assert not (analysis / "differences.csv").exists()  # never pooled over worlds
    runs = pd.read_csv(analysis / "runs.csv")
    assert len(runs) == 12 and set(runs["world"]) == {0, 1}
    assert runs["run_id"].is_monotonic_increasing
    assert set(runs["tasking"]) == {"several_sources"}
    table = pd.read_csv(analysis / "effects_by_tasking.csv")
    assert sorted(table["scenario"]) == ["more_pios", "shared_database"]
    assert (table["worlds"] == 2).all()
    # each effect pairs a run with the baseline of its own world and seed
    effects = pd.read_csv(analysis / "effects.csv")
    harm = runs.set_index(["world", "scenario", "seed"])["oc_harm_gbp_per_year"]
    row = effects.iloc[0]
    base = harm.xs(("baseline",), level=["scenario"]).loc[row["world"]]
    arm = harm.loc[(row["world"], row["scenario"], row["seed"])]
    expected = 100 * (arm - base.loc[row["seed"]]) / base.mean()
    assert row["effect_pct"] == pytest.approx(expected)
    context = json.loads((analysis / "worlds.json").read_text())
    assert context["baseline"] == "baseline" and context["worlds"] == 2


def test_report_of_the_folder_is_the_analysis_report(ran):
    page = (ran / "analysis" / "report.html").read_bytes()
    assert main(["report", str(ran)]) == 0
    assert (ran / "analysis" / "report.html").read_bytes() == page
    assert main(["report", str(ran / "analysis")]) == 0
    assert (ran / "analysis" / "report.html").read_bytes() == page


def test_a_changed_ensemble_file_is_refused_on_resume(ran, capsys):
    folder = ran.parent
    before = snapshot(ran)
    _ensemble(folder / "worlds.json", factors=(1.0, 0.8, 1.2))  # valid, but other worlds
    capsys.readouterr()
    argv = ["experiment", str(folder / "exp.toml"), "--out", str(ran), "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "design.ensemble" in err[0] and "has changed" in err[0], err
    assert snapshot(ran) == before
    _ensemble(folder / "worlds.json")  # as it was: the same command continues (nothing left)
    assert main(argv) == 0


def test_the_minimum_detectable_effect_says_it_is_for_one_world(tmp_path):
    from sim.analysis.power import experiment_mde_text

    _ensemble(tmp_path / "worlds.json")
    text = experiment_mde_text(load_experiment(_file(tmp_path, SCENARIOS + "worlds = 2")))
    assert text.startswith("minimum detectable effect") and "This is for one world" in text
    assert "over the 2 plausible worlds" in text and "square root of 2" in text
    plain = experiment_mde_text(load_experiment(_file(tmp_path, 'scenarios = ["more_pios"]')))
    assert "plausible worlds" not in plain


def test_a_failed_baseline_run_leaves_its_pairs_out_and_nothing_else(ran, tmp_path):
    from sim.analysis.pipeline import analyse
    from sim.analysis.results import load_results

    res = load_results(ran)
    runs = res.runs
    base = runs[runs["scenario"] == "baseline"].iloc[0]
    runs.loc[runs["run_id"] == base["run_id"], "status"] = "failed"
    report = analyse(res, out_dir=tmp_path / "analysis", plots=False)
    assert any("2 run(s) of the interventions left out" in w for w in report.warnings)
    effects = pd.read_csv(tmp_path / "analysis" / "effects.csv")
    lost = (effects["world"] == base["world"]) & (effects["seed"] == base["seed"])
    assert len(effects) == 2 * 2 * 2 - 2 and not lost.any()
    # the failed run's world keeps its other seed, paired with its own baseline
    table = pd.read_csv(tmp_path / "analysis" / "effects_by_tasking.csv")
    assert table.drop(columns=["words"]).notna().all().all(), table
    assert (table["worlds"] == 2).all()
    noise = pd.read_csv(tmp_path / "analysis" / "noise.csv")
    assert noise.empty  # one complete world is too few for the analysis of variance


def test_the_report_names_the_baseline_seeds_and_tasking_that_ran(ran, tmp_path):
    from sim.analysis.pipeline import analyse

    analyse(ran, baseline="more_pios", out_dir=tmp_path / "analysis", plots=False, strict=True)
    page = (tmp_path / "analysis" / "report.html").read_text()
    assert "The baseline <code>more_pios</code> against baseline, shared_database" in page
    assert "England" not in page.split("<h1>", 1)[1].split("</p>", 1)[0]
    assert "with the same 2 seeds in every world" in page  # the engine's seeds, not a range
    assert 'one police tasking, <code>disruption.tasking = "several_sources"</code>' in page
    assert "The last two columns are the" not in page
    assert 'police tasking <code>"several_sources"</code>, with' in page


def test_the_tasking_column_is_the_one_the_base_scenario_ran(tmp_path, capsys):
    _ensemble(tmp_path / "worlds.json")
    (tmp_path / "prison.toml").write_text(
        '[scenario]\nname = "prison"\ndescription = "tasked from prison items"\n\n'
        '[disruption]\ntasking = "prison_only"\n'
    )
    design = 'scenarios = ["more_pios"]\nensemble = "worlds.json"\nworlds = 2'
    path = _file(tmp_path, design, parameters='scenario = "prison.toml"')
    out = tmp_path / "out"
    argv = ["experiment", str(path), "--out", str(out), "--executor", "serial", "--no-progress"]
    assert main(argv) == 0 and main(["analyse", str(out)]) == 0
    runs = pd.read_csv(out / "analysis" / "runs.csv")
    assert set(runs["tasking"]) == {"prison_only"} and set(runs["scenario"]) == {
        "prison",
        "more_pios",
    }
    page = (out / "analysis" / "report.html").read_text()
    assert 'one police tasking, <code>disruption.tasking = "prison_only"</code>' in page
    printed = capsys.readouterr()
    assert "tasking: paired with" not in printed.out + printed.err  # more_pios keeps it


def test_a_scenario_that_switches_the_tasking_is_flagged(tmp_path):
    from sim.analysis.summary import AnalysisReport
    from sim.analysis.worlds import experiment_tasking

    manifest = {
        "design": {"base_parameters": {"run.scale": 0.01}},
        "scenarios": {
            "base": None,
            "design": [
                {"label": "baseline", "values": {}},
                {"label": "prison", "values": {"disruption.tasking": "prison_only"}},
            ],
        },
    }
    report = AnalysisReport(tmp_path)
    assert experiment_tasking(manifest, report) == "several_sources"
    assert len(report.warnings) == 1 and report.warnings[0].startswith("prison set(s) disruption")


def test_an_ensemble_is_refused_for_another_model(tmp_path):
    _ensemble(tmp_path / "worlds.json")
    path = tmp_path / "toy.toml"
    path.write_text(
        '[experiment]\nname = "toy"\nmodel = "toymodels:policy"\nschema = "toymodels:SCHEMA"\n'
        'seed = 1\nreplicates = 2\n[design]\ntype = "scenarios"\nscenarios = ["cuts"]\n'
        'ensemble = "worlds.json"\n'
    )
    with pytest.raises(ExperimentError, match=r"toy.toml: design.ensemble: allowed only with"):
        load_experiment(path)
