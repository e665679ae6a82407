"""Comparisons over plausible worlds (``ocgsim compare --ensemble``): statistics, runs, report.

The statistics are checked on synthetic effects with known answers; one small comparison
(2 worlds x 2 seeds x 3 arms x 2 taskings at scale 0.01 for 3 years, 24 runs, about 15 s) checks
the runs, the files and the report, which is also opened in a browser.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser_support import browser, local_page  # noqa: F401 - fixtures
from clihelp import assert_rejected, cli, snapshot

from sim.analysis.history import save_ensemble
from sim.params.table import spec
from sim.plausible import UNCERTAIN
from sim.policy.outcomes import PRIMARY_OUTCOME
from sim.policy.worlds import (
    TASKINGS,
    beats_table,
    effects_table,
    paired_effects,
    share_words,
    world_tasks,
    yardstick,
)
from sim.policy.worlds_report import assumption_shares, noise_share


def test_the_yardstick_says_each_band_and_takes_the_nearer_band_in_a_gap():
    said = {p: yardstick(p) for p in (0.0, 0.05, 0.07, 0.08, 0.15, 0.3, 0.45, 0.6, 0.85, 0.95, 1)}
    assert said[0.0] == said[0.05] == said[0.07] == "remote"
    assert said[0.08] == said[0.15] == "highly unlikely"
    assert said[0.3] == "unlikely" and said[0.45] == "a realistic possibility"
    assert said[0.6] == "likely" and said[0.85] == "highly likely"
    assert said[0.95] == said[1] == "almost certain"
    with pytest.raises(ValueError, match="share 1.5: must be a probability"):
        yardstick(1.5)


def _runs(effects: dict[str, np.ndarray], base: np.ndarray) -> pd.DataFrame:
    """Runs of one tasking: base[w, s] and each arm at base x (1 + effect[w, s] / 100)."""
    rows = []
    worlds, seeds = base.shape
    for w in range(worlds):
        for s in range(seeds):
            rows.append(("several_sources", w, "baseline", s + 1, base[w, s]))
            for name, e in effects.items():
                value = base[w, s] + base[w].mean() * e[w, s] / 100
                rows.append(("several_sources", w, name, s + 1, value))
    return pd.DataFrame(rows, columns=["tasking", "world", "scenario", "seed", PRIMARY_OUTCOME])


def test_paired_effects_are_per_cent_of_the_baseline_in_the_same_world():
    base = np.array([[100.0, 110.0], [200.0, 190.0]])
    cut = np.array([[-5.0, -3.0], [1.0, -2.0]])
    effects = paired_effects(_runs({"a": cut}, base), "baseline")
    got = effects.set_index(["world", "seed"])["effect_pct"]
    for w in range(2):
        for s in range(2):
            assert got[(w, s + 1)] == pytest.approx(cut[w, s])


def test_the_effects_table_gives_median_interval_and_share_of_worlds():
    rng = np.random.default_rng(1)
    worlds, seeds = 40, 4
    base = 1000 + rng.normal(0, 10, (worlds, seeds))
    # a helps in 30 of 40 worlds (world means -2, the rest +2), b never
    a = np.where(np.arange(worlds)[:, None] < 30, -2.0, 2.0) + rng.normal(0, 0.1, (worlds, seeds))
    b = np.full((worlds, seeds), 3.0)
    effects = paired_effects(_runs({"a": a, "b": b}, base), "baseline")
    table = effects_table(effects).set_index("scenario")
    assert table.loc["a", "share_reducing"] == pytest.approx(0.75)
    assert table.loc["a", "words"] == "likely" and table.loc["a", "worlds"] == worlds
    assert table.loc["b", "share_reducing"] == 0 and table.loc["b", "share_high"] < 0.1
    assert table.loc["b", "words"] == "highly unlikely"  # (the interval's end nearer a half)
    assert table.loc["b", "median"] == pytest.approx(3.0)
    every = effects[effects["scenario"] == "a"]["effect_pct"]
    low, high = np.percentile(every, [2.5, 97.5])
    assert table.loc["a", "low"] == pytest.approx(low) and table.loc["a", "high"] == pytest.approx(
        high
    )
    beats = beats_table(effects).set_index(["a", "b"])
    assert beats.loc[("a", "b"), "share"] == 1.0 and beats.loc[("b", "a"), "share"] == 0.0
    # 40 worlds of 40: the exact interval's lower end is 0.91, so "highly likely", not more
    assert beats.loc[("a", "b"), "share_low"] == pytest.approx(0.912, abs=0.001)
    assert beats.loc[("a", "b"), "words"] == "highly likely"
    # the mean's interval takes the seed as the unit: 4 seeds, t on 3 degrees of freedom
    assert table.loc["b", "mean"] == pytest.approx(3.0)
    assert table.loc["a", "mean_low"] < table.loc["a", "mean"] < table.loc["a", "mean_high"]


def test_share_words_are_cautious_and_say_when_there_is_no_evidence():
    assert share_words(30, 30)[2] == "highly likely" and share_words(30, 30)[0] > 0.88
    assert share_words(19, 30)[2] == "no evidence either way"
    assert share_words(0, 30)[2] == "highly unlikely" and share_words(0, 30)[1] < 0.12
    low, high, _ = share_words(25, 30)
    assert 0.6 < low < 0.7 and 0.9 < high < 0.95


def _effects_frame(effect: np.ndarray) -> pd.DataFrame:
    """Effects of one intervention (``a``) as ``paired_effects`` gives them: worlds x seeds."""
    worlds, seeds = effect.shape
    return pd.DataFrame(
        {
            "tasking": "several_sources",
            "world": np.repeat(np.arange(worlds), seeds),
            "scenario": "a",
            "seed": np.tile(np.arange(seeds), worlds),
            "effect_pct": effect.ravel(),
        }
    )


def test_the_noise_share_recovers_known_variance_components():
    # world means with variance 4, seed noise with variance 1: noise share 1 / 5
    rng = np.random.default_rng(2)
    worlds, seeds = 400, 6
    effect = rng.normal(0, 2, (worlds, 1)) + rng.normal(0, 1, (worlds, seeds))
    frame = _effects_frame(effect)
    row = noise_share(frame).iloc[0]
    # standard errors at this size: within about 0.03, between about 0.3 (so +-0.1, +-0.8)
    assert row["within"] == pytest.approx(1.0, abs=0.1)
    assert row["between"] == pytest.approx(4.0, abs=0.8)
    assert row["noise_share"] == pytest.approx(0.2, abs=0.04)


def test_a_seed_effect_shared_by_every_world_is_not_taken_for_noise_within_worlds():
    # the same seeds in every world: a seed's effect common to all worlds (variance 4) must not
    # hide the worlds' own variance (1); a one-way analysis would put it all in "within"
    rng = np.random.default_rng(5)
    worlds, seeds = 300, 6
    effect = (
        rng.normal(0, 1, (worlds, 1))
        + rng.normal(0, 2, (1, seeds))
        + rng.normal(0, 0.5, (worlds, seeds))
    )
    frame = _effects_frame(effect)
    row = noise_share(frame).iloc[0]
    assert row["between"] == pytest.approx(1.0, abs=0.25) and row["p_between"] < 1e-6


def test_assumption_shares_find_the_parameter_that_drives_the_effect():
    rng = np.random.default_rng(3)
    worlds = pd.DataFrame(rng.random((60, 3)), columns=["p", "q", "r"])
    mean = 5.0 * worlds["p"].to_numpy()  # the effect follows p only
    effect = mean[:, None] + rng.normal(0, 0.1, (60, 2))
    shares = assumption_shares(_effects_frame(effect), worlds).set_index("parameter")
    assert shares.loc["p", "share"] > 0.9 and shares.loc["p", "r2"] > 0.95
    assert shares.loc["q", "share"] < 0.05 and shares.loc["r", "share"] < 0.05


def test_world_tasks_pair_seeds_and_the_world_wins_over_the_scenario():
    worlds = pd.DataFrame({"community.vacancy_fill_rate": [0.04, 0.06]})
    arms = [("baseline", {}), ("x", {"scenario": "more_pios", "community.vacancy_fill_rate": 9})]
    tasks, index = world_tasks(worlds, arms, [1, 2], {"run.scale": 0.01})
    assert len(tasks) == len(TASKINGS) * 2 * 2 * 2 == len(index)
    by_id = {run_id: (params, seed) for run_id, params, seed in tasks}
    for row in index.itertuples():
        params, seed = by_id[row.run_id]
        assert seed == row.seed and params["disruption.tasking"] == row.tasking
        assert params["community.vacancy_fill_rate"] == worlds.iloc[row.world, 0]
        assert params["run.scale"] == 0.01
        assert ("scenario" in params) == (row.scenario == "x")


@pytest.fixture(scope="module")
def ensemble(tmp_path_factory) -> Path:
    """Three worlds near the defaults (a hand-made ensemble file)."""
    default = np.array([float(spec(n).default) for n in UNCERTAIN])
    values = default * np.array([[1.0], [0.9], [1.1]])
    path = tmp_path_factory.mktemp("ensemble") / "worlds.json"
    save_ensemble(path, list(UNCERTAIN), values, {"made": "by hand, for tests"})
    return path


@pytest.fixture(scope="module")
def compared(ensemble, tmp_path_factory) -> Path:
    """``ocgsim compare more_pios shared_database --ensemble``: 2 worlds x 2 seeds, scale 0.01."""
    from sim.cli.main import main

    out = tmp_path_factory.mktemp("worlds") / "out"
    argv = ["compare", "more_pios", "shared_database", "--ensemble", ensemble, "--worlds", 2,
            "--replicates", 2, "--scale", 0.01, "--years", 3, "--workers", 1, "--out", out,
            "--no-progress"]  # fmt: skip
    assert main([str(a) for a in argv]) == 0
    return out


def test_compare_over_worlds_writes_its_tables_and_report(compared):
    for name in ("runs.csv", "effects.csv", "effects_by_tasking.csv", "beats.csv", "noise.csv",
                 "assumptions.csv", "report.html"):  # fmt: skip
        assert (compared / name).stat().st_size > 0, name
    runs = pd.read_csv(compared / "runs.csv")
    assert len(runs) == 24 and set(runs["tasking"]) == set(TASKINGS)
    assert set(runs["world"]) == {0, 1} and set(runs["seed"]) == {1, 2}
    table = pd.read_csv(compared / "effects_by_tasking.csv")
    assert sorted(table["scenario"]) == ["more_pios"] * 2 + ["shared_database"] * 2
    assert np.isfinite(table[["median", "low", "high", "share_reducing"]].to_numpy()).all()
    page = (compared / "report.html").read_text()
    assert "The baseline (England &amp; Wales) against more_pios" in page
    assert "with seeds 1&ndash;2 in every world" in page and "The last two columns are" in page
    assert 'police tasking <code>"several_sources"</code>, with' in page


def test_compare_over_worlds_is_a_function_of_its_inputs(compared, ensemble, tmp_path):
    from sim.cli.main import main

    again = tmp_path / "again"
    argv = ["compare", "more_pios", "shared_database", "--ensemble", ensemble, "--worlds", 2,
            "--replicates", 2, "--scale", 0.01, "--years", 3, "--workers", 1, "--out", again,
            "--no-progress"]  # fmt: skip
    assert main([str(a) for a in argv]) == 0
    for name in ("runs.csv", "effects.csv", "effects_by_tasking.csv"):
        assert (again / name).read_bytes() == (compared / name).read_bytes(), name


def test_compare_over_worlds_given_again_reads_its_runs_back(capsys, compared, ensemble):
    from sim.cli.main import main

    page = (compared / "report.html").read_bytes()
    (compared / "runs.csv").unlink()
    argv = ["compare", "more_pios", "shared_database", "--ensemble", ensemble, "--worlds", 2,
            "--replicates", 2, "--scale", 0.01, "--years", 3, "--executor", "serial", "--out",
            compared, "--no-progress"]  # fmt: skip
    capsys.readouterr()
    assert main([str(a) for a in argv]) == 0
    assert "0 runs made, 24 read back" in capsys.readouterr().out
    assert (compared / "report.html").read_bytes() == page
    # another comparison (three seeds) is refused on this folder, in one line, before any run
    argv[argv.index("--replicates") + 1] = 3
    before = snapshot(compared)
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "holds the runs of another comparison" in err[0], err
    assert snapshot(compared) == before


def test_the_report_of_a_worlds_folder_is_rebuilt_from_its_stored_runs(capsys, compared):
    from sim.cli.main import main

    page = (compared / "report.html").read_bytes()
    table = (compared / "effects_by_tasking.csv").read_bytes()
    (compared / "report.html").unlink()
    (compared / "effects_by_tasking.csv").unlink()
    assert main(["report", str(compared)]) == 0
    assert (compared / "report.html").read_bytes() == page
    assert (compared / "effects_by_tasking.csv").read_bytes() == table
    # every run's metrics are stored, so the held-out scorecard can be rebuilt too
    runs = pd.read_csv(compared / "runs.csv")
    assert {"oc_harm_gbp_modern_slavery_per_year", "ocg_members"} <= set(runs.columns)
    out = compared / "elsewhere.html"
    assert_rejected(capsys, ["report", str(compared), "--out", str(out)], out, "plausible worlds")


def test_bad_input_to_compare_over_worlds_is_refused_in_one_line(capsys, ensemble, tmp_path):
    out = tmp_path / "out"
    base = ["compare", "more_pios", "--out", str(out), "--no-progress"]
    assert_rejected(capsys, [*base, "--ensemble", str(tmp_path / "none.json")], out,
                    "--ensemble", "not a plausible-ensemble file")  # fmt: skip
    assert_rejected(capsys, [*base, "--ensemble", str(ensemble), "--worlds", "9"], out,
                    "--worlds 9", "allowed: 2 to 3")  # fmt: skip
    assert_rejected(capsys, [*base, "--worlds", "3"], out, "--worlds", "only with --ensemble")
    with_file = [*base, "--ensemble", str(ensemble), "--worlds", "2"]
    assert_rejected(capsys, [*with_file, "--replicates", "1"], out, "--replicates 1", ">= 2")
    assert_rejected(capsys, [*with_file, "--years", "2"], out, "--intervention-week 104")
    assert_rejected(capsys, [*with_file, "--scale", "-1"], out, "--scale")
    assert_rejected(capsys, [*with_file, "--seed", "3"], out, "--seed", "not used with --ensemble")
    assert_rejected(capsys, [*with_file, "--workers", "-1"], out, "--workers -1")
    assert_rejected(capsys, ["compare", "brazil_factions", "--ensemble", str(ensemble), "--worlds",
                             "2", "--out", str(out)], out, "justice.custody_probability",
                    "which each world")  # fmt: skip
    assert_rejected(capsys, ["compare", "nope", "--ensemble", str(ensemble), "--worlds", "2",
                             "--out", str(out)],
                    out, "nope")  # fmt: skip
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("not a comparison")
    before = sorted(p.name for p in other.iterdir())
    from sim.cli.main import main

    assert main(["compare", "more_pios", "--out", str(other), "--ensemble", str(ensemble),
                 "--worlds", "2", "--no-progress"]) == 2  # fmt: skip
    assert "holds no runs of a comparison" in capsys.readouterr().err
    assert sorted(p.name for p in other.iterdir()) == before
    edited = tmp_path / "edited.json"
    edited.write_text(ensemble.read_text().replace('"made"', '"hand"'))
    assert_rejected(capsys, [*base, "--ensemble", str(edited)], out, "does not match its sha256")


def test_the_worlds_report_in_a_browser(compared, local_page):  # noqa: F811
    page = local_page(compared / "report.html", "worlds_report")
    assert page.errors == [], page.errors
    for table in ("effects-table", "beats-table", "noise-table", "anchors-table"):
        rows = page.driver.execute_script(
            "const t = document.getElementById(arguments[0]); return t ? t.rows.length : 0", table
        )
        assert rows >= 2, table
    for words in ("Effects across plausible worlds", "prison-only tasking", "Assurance appendix",
                  "Held-out scorecard", "sha256", "more_pios", "shared_database",
                  "Too few worlds (2) for the fit", "PROTON-OC", "not by these runs"):  # fmt: skip
        assert words in page.text, words


def test_calibrate_ensemble_writes_plausible_worlds_with_a_hash(capsys, tmp_path):
    from sim.analysis.history import load_ensemble

    out = tmp_path / "worlds.json"
    code, text, _ = cli(capsys, ["calibrate", "--ensemble", out, "--scale", 0.01, "--years", 3,
                                 "--waves", 1, "--points", 6, "--replicates", 2, "--worlds", 3,
                                 "--workers", 1, "--quiet"])  # fmt: skip
    assert code == 0
    assert "| wave | runs |" in text and "constrained" in text
    assert "The defaults' implausibility" in text
    if out.exists():  # (a world may fail its confirmation at this tiny scale)
        table, meta = load_ensemble(out)
        assert list(table.columns) == list(UNCERTAIN) and meta["scale"] == 0.01
    else:
        assert "no world passed: nothing written" in text


def test_bad_input_to_calibrate_ensemble_is_refused_in_one_line(capsys, tmp_path):
    out = tmp_path / "worlds.json"
    base = ["calibrate", "--ensemble", str(out)]
    assert_rejected(capsys, [*base, "--waves", "0"], out, "--waves 0", ">= 1")
    assert_rejected(capsys, [*base, "--replicates", "1"], out, "--replicates 1", ">= 2")
    assert_rejected(capsys, [*base, "--points", "3"], out, "--points 3", ">= 4")
    assert_rejected(capsys, [*base, "--worlds", "0"], out, "--worlds 0", ">= 1")
    assert_rejected(capsys, [*base, "--workers", "0"], out, "--workers 0", ">= 1")
    assert_rejected(capsys, [*base, "--seed", "-1"], out, "--seed -1", ">= 0")
    assert_rejected(capsys, [*base, "--scale", "0"], out, "--scale")
    txt = tmp_path / "worlds.txt"
    assert_rejected(capsys, ["calibrate", "--ensemble", str(txt)], txt, "ending in .json")
    plain = tmp_path / "plain.json"
    assert_rejected(capsys, ["calibrate", "--waves", "2"], plain, "--waves", "only with --ensemble")
    deep = tmp_path / "no" / "worlds.json"
    assert_rejected(capsys, ["calibrate", "--ensemble", str(deep)], deep, "does not exist")
