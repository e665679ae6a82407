"""``ocgsim optimise`` and ``ocgsim dashboard`` on the command line; costs of lever mixes."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from sim import policy_cli
from sim.budget import DEFAULT_LEVERS, AnnualCost, lever_space, parse_levers
from sim.cli import main
from sim.params import ScenarioError
from sim.scenario import load_scenario

#: A real-model search small enough for the suite: scale 0.01, 3 years (levers on at week 104).
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
    "--quiet",
]


def _assert_rejected(capsys, argv, out: Path, *words: str) -> None:
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not out.exists(), "output written for bad input"
    assert not list(out.parent.glob(f".{out.name}*")), "temporary output left behind"


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
    "outcome": (["--budget", "5", "--outcome", "harm"], ["--outcome", "ocg_members"]),
    "scenario": (["--budget", "5", "--scenario", "nosuch"], ["nosuch", "no such scenario"]),
}


@pytest.mark.parametrize("case", sorted(BAD_OPTIMISE))
def test_optimise_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, case):
    args, words = BAD_OPTIMISE[case]
    out = tmp_path / "out"
    _assert_rejected(capsys, ["optimise", *args, "--out", str(out)], out, *words)


def test_optimise_existing_out_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    capsys.readouterr()
    assert main(["optimise", "--budget", "5", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--out" in err[0] and "already exists" in err[0]
    assert list(out.iterdir()) == []


def test_optimise_on_the_model_writes_the_front_and_is_deterministic(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert main(["optimise", "--budget", "5", *TINY, "--out", str(out)]) == 0
    for name in ("mixes.csv", "front.csv", "recommendation.json", "front.png"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    rec = json.loads((outs[0] / "recommendation.json").read_text())
    assert rec["budget"] == 5.0 and rec["cost"] <= 5.0 + 1e-9
    assert set(rec["mix"]) == {"intelligence.pios_per_1000", "sharing.common_database"}
    assert rec["mix"]["sharing.common_database"] is False  # GBP 8m: over the budget
    assert len(rec["confirmation"]["seeds"]) == 2 and len(rec["confirmation"]["diff_ci"]) == 2
    mixes = pd.read_csv(outs[0] / "mixes.csv")
    assert (mixes["cost"] <= 5.0 + 1e-9).all() and "status quo" in set(mixes["stage"])
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    assert manifest["costs"]["police_action_cost_source"].startswith("assumption")
    assert manifest["scale"] == 0.01 and manifest["outcome"] == "ocg_members"


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
    # a scenario's own values are the status quo
    more = AnnualCost(load_scenario("more_pios"))
    assert more({"intelligence.pios_per_1000": 3.0}) == pytest.approx(0.0)
    space = lever_space(parse_levers(None), load_scenario("more_pios"))
    assert space.status_quo()["intelligence.pios_per_1000"] == 3.0


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
    assert main(["dashboard", "--port", "0"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install -e '.[viz]'" in err[0]


def test_dashboard_command_serves_the_page_module():
    cmd = policy_cli.dashboard_command("127.0.0.1", 8123)
    assert cmd[1:5] == ["-m", "solara", "run", "sim.dashboard"]
    assert "--production" in cmd and "--no-open" in cmd
    assert cmd[cmd.index("--port") + 1] == "8123"
