"""``ocgsim optimise`` and ``ocgsim dashboard`` on the command line; costs of lever mixes."""

from __future__ import annotations

import json
import shutil
import socket

import pandas as pd
import pyarrow.parquet as pq
import pytest
from clihelp import assert_rejected

from sim.cli import policy as policy_cli
from sim.cli.main import main
from sim.params import ScenarioError
from sim.policy.budget import DEFAULT_LEVERS, AnnualCost, lever_space, parse_levers
from sim.policy.outcomes import PRIMARY_OUTCOME
from sim.scenario import load_scenario

#: A real-model search small enough for the suite: scale 0.01, 3 years (levers on at week 104),
#: in this process, with a robustness check of two mixes under one assumption.
TINY = [
    "--scale",
    "0.01",
    "--years",
    "3",
    "--replicates",
    "2",
    "--candidates",
    "3",
    "--confirm",
    "2",
    "--levers",
    "intelligence.pios_per_1000,sharing.common_database",
    "--top",
    "2",
    "--robustness",
    "harm.recording_ratio",
    "--executor",
    "serial",
    "--quiet",
]


BAD_OPTIMISE = {
    "negative budget": (["--budget", "-1"], ["--budget", ">= 0"]),
    "nan budget": (["--budget", "nan"], ["--budget"]),
    "unknown lever": (
        ["--budget", "5", "--levers", "intelligence.pio"],
        ["--levers", "intelligence.pio", "intelligence.pios_per_1000"],
    ),
    "bad range": (
        ["--budget", "5", "--levers", "intelligence.pios_per_1000=5:2"],
        ["--levers", "LOW <= HIGH"],
    ),
    "range on a switch": (
        ["--budget", "5", "--levers", "sharing.common_database=0:1"],
        ["--levers", "no range"],
    ),
    "scale": (["--budget", "5", "--scale", "7"], ["--scale", "run.scale", "allowed"]),
    "replicates": (["--budget", "5", "--replicates", "1"], ["--replicates", ">= 2"]),
    "candidates": (["--budget", "5", "--candidates", "0"], ["--candidates", ">= 1"]),
    "confirm": (["--budget", "5", "--confirm", "1"], ["--confirm"]),
    "years before the levers": (["--budget", "5", "--years", "2"], ["--years", "week 104"]),
    "outcome": (["--budget", "5", "--outcome", "harm"], ["--outcome", "oc_harm_per_year"]),
    "scenario": (["--budget", "5", "--scenario", "nosuch"], ["nosuch", "no such scenario"]),
    "robustness unknown": (
        ["--budget", "5", "--robustness", "harm.nothing"],
        ["--robustness harm.nothing", "unknown"],
    ),
    "robustness lever": (
        ["--budget", "5", "--robustness", "intelligence.pios_per_1000"],
        ["--robustness intelligence.pios_per_1000", "lever"],
    ),
    "robustness twice": (
        ["--budget", "5", "--robustness", "trust.culture_gap", "trust.culture_gap"],
        ["--robustness", "twice"],
    ),
    "top": (["--budget", "5", "--top", "0"], ["--top 0", ">= 1"]),
    "workers": (["--budget", "5", "--workers", "-1"], ["--workers -1"]),
    "scheduler": (["--budget", "5", "--scheduler", "here"], ["--scheduler", "tcp://HOST:PORT"]),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIMISE))
def test_optimise_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, case):
    args, words = BAD_OPTIMISE[case]
    out = tmp_path / "out"
    assert_rejected(capsys, ["optimise", *args, "--out", str(out)], out, *words)


def test_optimise_existing_out_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    capsys.readouterr()
    assert main(["optimise", "--budget", "5", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and "already exists" in err[0]
    assert list(out.iterdir()) == []


def test_optimise_on_the_model_writes_the_front_and_resumes(tmp_path):
    import pyarrow.parquet as pq

    first = tmp_path / "a"
    assert main(["optimise", "--budget", "5", *TINY, "--out", str(first)]) == 0
    names = ["mixes.csv", "front.csv", "recommendation.json", "front.png", "robustness.csv"]
    assert {p.name for p in first.iterdir()} == {*names, "manifest.json", "runs"}
    assert not (tmp_path / "a.partial").exists()
    rec = json.loads((first / "recommendation.json").read_text())
    assert rec["budget"] == 5.0 and rec["cost"] <= 5.0 + 1e-9
    assert rec["outcome"] == PRIMARY_OUTCOME
    assert set(rec["mix"]) == {"intelligence.pios_per_1000", "sharing.common_database"}
    assert rec["mix"]["sharing.common_database"] is False  # GBP 8m: over the budget
    assert len(rec["confirmation"]["seeds"]) == 2 and len(rec["confirmation"]["diff_ci"]) == 2
    robust = rec["robustness"]
    assert robust["source"] == "--robustness" and len(robust["conditions"]) == 3
    table = pd.read_csv(first / "robustness.csv")
    assert len(table) == 3 * 2 and set(table["rank"]) == {1, 2}
    assert set(table["value"].dropna()) == {0.05, 0.5}  # the plausible range's ends
    mixes = pd.read_csv(first / "mixes.csv")
    assert (mixes["cost"] <= 5.0 + 1e-9).all() and "status quo" in set(mixes["stage"])
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["costs"]["cost_parameters"]["cost.police_operation"] == 20_000.0
    assert manifest["scale"] == 0.01 and manifest["outcome"] == PRIMARY_OUTCOME
    engine = manifest["evaluator"]["engine"]
    assert engine["executor"] == "serial" and engine["runs_read_back"] == 0
    made = engine["runs_made"]
    # the engine's stored runs: every run once, with its seed, levers and every metric
    runs = pq.read_table(first / "runs" / "runs").to_pandas()
    assert len(runs) == made and runs["run_id"].is_unique and PRIMARY_OUTCOME in runs

    # an interrupted search continues: keep a third of the stored runs and give the command again
    second = tmp_path / "b"
    partial = tmp_path / "b.partial"
    shutil.copytree(first / "runs", partial)
    for part in (partial / "runs").glob("*.parquet"):
        kept = pq.read_table(part).to_pandas()
        kept = kept[kept["run_id"] < made // 3]
        part.unlink()
        kept.to_parquet(partial / "runs" / "main-resumed-00001.parquet", index=False)
    assert main(["optimise", "--budget", "5", *TINY, "--out", str(second)]) == 0
    again = json.loads((second / "manifest.json").read_text())["evaluator"]["engine"]
    assert again["runs_read_back"] == made // 3
    assert again["runs_made"] == made - made // 3
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_a_runs_folder_of_another_search_is_refused(tmp_path, capsys):
    partial = tmp_path / "out.partial"
    partial.mkdir()
    (partial / "manifest.json").write_text('{"search_sha256": "another"}')
    before = sorted(p.name for p in partial.iterdir())
    capsys.readouterr()
    code = main(["optimise", "--budget", "5", *TINY, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "another search" in err[0], err
    assert sorted(p.name for p in partial.iterdir()) == before
    assert not (tmp_path / "out").exists()


def test_parse_levers_defaults_and_ranges():
    assert list(parse_levers(None)) == list(DEFAULT_LEVERS)
    ranges = parse_levers(["intelligence.pios_per_1000=2:3", "sharing.common_database"])
    assert ranges == {
        "intelligence.pios_per_1000": ("float", 2.0, 3.0),
        "sharing.common_database": ("bool", 0, 1),
    }
    with pytest.raises(ScenarioError, match="given twice"):
        parse_levers(["trust.meetings_local,trust.meetings_local"])


def test_annual_costs_follow_the_cost_parameters():
    cost = AnnualCost()
    assert cost({}) == 0.0
    places = cost.world.places
    assert cost({"intelligence.pios_per_1000": 3.0}) == pytest.approx(places / 1000 * 42_000 / 1e6)
    assert cost({"sharing.common_database": True}) == pytest.approx(8.0)
    assert cost({"sharing.software_complexity": 0.5}) == pytest.approx(1.0)
    assert cost({"sharing.liaison_officers": 1}) == pytest.approx(10 * 55_000 / 1e6)
    assert cost({"trust.meetings_local": 3.0}) == pytest.approx(120 * 1_500 / 1e6)
    # police capacity: operations a week per region x regions x 52 x cost.police_operation
    assert cost({"disruption.police_actions_per_region": 5.0}) == pytest.approx(
        10 * 52 * 20_000 / 1e6
    )
    # separation places: per 1,000 places x places / 1,000 x cost.separation_place
    assert cost({"disruption.separation_places_per_1000": 6.0}) == pytest.approx(
        places / 1000 * 60_000 / 1e6
    )
    # a scenario's own values are the status quo
    more = AnnualCost(load_scenario("more_pios"))
    assert more({"intelligence.pios_per_1000": 3.0}) == pytest.approx(0.0)
    space = lever_space(parse_levers(None), load_scenario("more_pios"))
    assert space.status_quo()["intelligence.pios_per_1000"] == 3.0


def test_capacity_costs_are_what_the_model_counts():
    """The optimiser's prices of police capacity and separation places are the model's costs."""
    from sim.api import simulate

    # no meetings or wrongful separations to pay for: only capacity costs differ
    run = {
        "run.scale": 0.05,
        "run.years": 1,
        "run.intervention_week": 0,
        "cost.meeting": 0.0,
        "cost.wrongful_separation": 0.0,
    }
    base = simulate(run, 3)["cost_million_per_year"]
    for lever, value, rel in (
        ("disruption.police_actions_per_region", 5.0, 1e-9),
        # places are whole places per prison, rounded at random: close, not equal
        ("disruption.separation_places_per_1000", 15.0, 0.1),
    ):
        more = simulate({**run, lever: value}, 3)["cost_million_per_year"]
        assert (more - base) / 0.05 == pytest.approx(AnnualCost()({lever: value}), rel=rel)


# --------------------------------------------------------------------------------------------
# dashboard command (its page is tested in test_dashboard.py)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("port", ["-1", "70000"])
def test_dashboard_bad_port_exits_2(capsys, port):
    capsys.readouterr()
    assert main(["dashboard", "--port", port]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"--port {port}" in err[0] and "allowed" in err[0]


def test_dashboard_port_in_use_exits_2(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        capsys.readouterr()
        assert main(["dashboard", "--host", "127.0.0.1", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot listen" in err[0] and "free port" in err[0]


def test_dashboard_without_the_viz_extra_says_how_to_install(capsys, monkeypatch):
    monkeypatch.setattr(policy_cli, "missing_viz", lambda: ["solara"])
    capsys.readouterr()
    assert main(["dashboard", "--port", "0"]) == 2  # bad input: the house rule (issue 28)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install -e '.[viz]'" in err[0]


def test_dashboard_command_serves_the_page_module():
    cmd = policy_cli.dashboard_command("127.0.0.1", 8123)
    assert cmd[1:5] == ["-m", "solara", "run", "sim.policy.dashboard"]
    assert "--production" in cmd and "--no-open" in cmd
    assert cmd[cmd.index("--port") + 1] == "8123"


def test_a_stopped_search_keeps_the_robustness_assumptions_it_chose(tmp_path, monkeypatch):
    """The default assumptions are chosen when a search starts and reused when it continues.

    A Morris screening that finishes between the interruption and the same command again (here:
    `influential` answering otherwise) must neither restart the search nor change its check.
    """
    import sim.policy.assumptions
    import sim.policy.optimise

    args = [a for a in TINY if a not in ("--robustness", "harm.recording_ratio")]
    args += ["--out", str(tmp_path / "out"), "--results", str(tmp_path)]
    first = (["harm.recording_ratio"], "the first screening")
    monkeypatch.setattr(sim.policy.assumptions, "influential", lambda *a, **k: first)

    def stop(*a, **k):
        raise KeyboardInterrupt

    real = sim.policy.optimise.robustness
    monkeypatch.setattr(sim.policy.optimise, "robustness", stop)
    assert main(["optimise", "--budget", "5", *args]) == 130
    partial = tmp_path / "out.partial"
    recorded = json.loads((partial / "manifest.json").read_text())["record"]["robustness"]
    assert recorded["source"] == "the first screening"
    stored = len(pq.read_table(partial / "runs").to_pandas())
    assert stored > 0

    later = (["community.market_recovery_rate"], "a later screening")
    monkeypatch.setattr(sim.policy.assumptions, "influential", lambda *a, **k: later)
    monkeypatch.setattr(sim.policy.optimise, "robustness", real)
    assert main(["optimise", "--budget", "5", *args]) == 0
    rec = json.loads((tmp_path / "out" / "recommendation.json").read_text())["robustness"]
    assert rec["source"] == "the first screening"
    assert all("recording_ratio" in c for c in rec["conditions"][1:])
    engine = json.loads((tmp_path / "out" / "manifest.json").read_text())["evaluator"]["engine"]
    assert engine["runs_read_back"] == stored  # the search continued, not started again


@pytest.fixture(scope="module")
def ensemble_file(tmp_path_factory):
    """Three plausible worlds near the defaults (a hand-made ensemble file)."""
    import numpy as np

    from sim.analysis.history import save_ensemble
    from sim.params.table import spec
    from sim.plausible import UNCERTAIN

    default = np.array([float(spec(n).default) for n in UNCERTAIN])
    path = tmp_path_factory.mktemp("ensemble") / "worlds.json"
    save_ensemble(path, list(UNCERTAIN), default * np.array([[1.0], [0.9], [1.1]]), {"by": "hand"})
    return path


def test_optimise_checks_its_best_mixes_in_each_plausible_world(tmp_path, capsys, ensemble_file):
    out = tmp_path / "out"
    tiny = [a for a in TINY if a not in ("--robustness", "harm.recording_ratio", "--quiet")]
    capsys.readouterr()
    argv = ["optimise", "--budget", "5", *tiny, "--ensemble", str(ensemble_file), "--worlds", "2"]
    assert main([*argv, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(out / "robustness.csv")
    # the model as assumed, then each world: 3 conditions x the 2 best mixes
    assert list(table["condition"].unique()) == [
        "as assumed",
        "plausible world 0",
        "plausible world 1",
    ]
    assert len(table) == 3 * 2 and set(table["parameter"].dropna()) == {"world"}
    rec = json.loads((out / "recommendation.json").read_text())
    assert "2 plausible worlds of" in rec["robustness"]["source"]
    assert "of 2 plausible worlds" in text and "ranks first" in text, text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["robustness"]["ensemble"]["sha256"][:12] in rec["robustness"]["source"]


def test_optimise_refuses_bad_ensemble_options_in_one_line(tmp_path, capsys, ensemble_file):
    out = tmp_path / "out"
    base = ["optimise", "--budget", "5", "--out", str(out)]
    with_file = [*base, "--ensemble", str(ensemble_file)]
    assert_rejected(capsys, [*base, "--worlds", "2"], out, "--worlds", "only with --ensemble")
    assert_rejected(capsys, [*with_file, "--worlds", "9"], out, "--worlds 9", "2 to 3")
    assert_rejected(capsys, [*with_file, "--no-robustness"], out, "--ensemble", "one of them")
    assert_rejected(capsys, [*with_file, "--robustness", "trust.culture_gap"], out, "one of them")
    assert_rejected(capsys, [*base, "--ensemble", str(tmp_path / "none.json")], out,
                    "--ensemble", "not a plausible-ensemble file")  # fmt: skip
    assert_rejected(capsys, [*with_file, "--scenario", "brazil_factions"], out,
                    "justice.custody_probability", "the scenario sets too")  # fmt: skip
