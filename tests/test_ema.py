"""The EMA workbench adapter and the scenario-discovery example."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser_support import require_modules

from sim.io.files import current_umask

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "scenario_discovery.py"


@pytest.fixture(scope="module")
def ema():
    require_modules("ema_workbench", extra="ema")
    import sim.policy.ema

    return sim.policy.ema


def test_plausible_ranges_come_from_the_parameter_table(ema, monkeypatch):
    from sim.params import spec

    assert not hasattr(ema, "PLAUSIBLE")  # no ranges of its own
    for name in ema.DEFAULT_UNCERTAINTIES:
        p = spec(name)
        low, high = ema.plausible_range(name)
        assert (low, high) == p.plausible_range(), name
        assert p.low <= low < p.default < high <= p.high, name
        assert "assumption" in p.source, name

    class WithPlausible:
        def plausible_range(self):
            return (0.4, 0.6)

    monkeypatch.setattr(ema, "spec", lambda name: WithPlausible())
    assert ema.plausible_range("trust.culture_gap") == (0.4, 0.6)


def test_a_parameter_without_a_plausible_range_is_refused(ema):
    with pytest.raises(KeyError, match="no plausible range"):
        ema.plausible_range("sharing.common_database")
    with pytest.raises(KeyError):
        ema.plausible_range("no.such_parameter")


def test_model_has_uncertainties_levers_outcomes(ema):
    model = ema.build_model(scale=0.01, years=1)
    names = [u.name for u in model.uncertainties]
    assert names == [ema.ema_name(n) for n in ema.DEFAULT_UNCERTAINTIES]
    assert "disruption__separation_places_per_1000" in [lv.name for lv in model.levers]
    levers = {lv.name: type(lv).__name__ for lv in model.levers}
    assert levers["sharing__common_database"] == "BooleanParameter"
    # kinds from the lever registry: liaison officers are a float, local meetings whole numbers
    assert levers["sharing__liaison_officers"] == "RealParameter"
    assert levers["trust__meetings_local"] == "IntegerParameter"
    assert levers["intelligence__pios_per_1000"] == "RealParameter"
    assert [o.name for o in model.outcomes] == list(ema.DEFAULT_OUTCOMES)
    assert ema.DEFAULT_OUTCOMES[0] == "oc_harm_per_year"
    assert ema.dotted_name("trust__culture_gap") == "trust.culture_gap"


def test_model_function_takes_workbench_values(ema):
    summary = ema.run_ocgsim(
        seed=3,
        scale=0.01,
        years=1,
        sharing__common_database=np.True_,
        sharing__liaison_officers=np.int64(2),
        trust__culture_gap=np.float64(0.5),
    )
    assert summary["weeks"] == 52 and "ocg_members" in summary


def test_prim_finds_a_planted_box(ema):
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a__x": rng.random(400), "b__y": rng.random(400), "c__z": rng.random(400)})
    y = np.where((x["a__x"] > 0.6) & (x["b__y"] < 0.5), 10.0, 0.0) + rng.normal(0, 0.1, 400)
    found = ema.discover(x, {"harm": y}, "harm", cut=5.0)
    limits = found.limits.set_index("parameter")
    assert set(limits.index) >= {"a.x", "b.y"}
    assert limits.loc["a.x", "low"] == pytest.approx(0.6, abs=0.08)
    assert limits.loc["b.y", "high"] == pytest.approx(0.5, abs=0.08)
    assert found.density > 0.8 and found.coverage > 0.6
    assert "coverage" in found.text()


def test_scenario_discovery_example_runs(ema, tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("scenario_discovery", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = tmp_path / "sd"
    args = ["--runs", "12", "--scale", "0.01", "--years", "1", "--out", str(out)]
    assert example.main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "box.csv",
        "box.png",
        "discovery.json",
        "experiments.csv",
    ]
    # the folder's permissions follow the umask, as every other results folder's (not 0700)
    assert out.stat().st_mode & 0o777 == 0o777 & ~current_umask()
    table = pd.read_csv(out / "experiments.csv")
    assert len(table) == 12 and "recruits_prison_per_1000_py" in table
    result = json.loads((out / "discovery.json").read_text())
    assert result["experiments"] == 12 and result["cases"] >= 3
    assert "cases of interest" in capsys.readouterr().out
    # same seed, same experiments
    again = tmp_path / "sd2"
    assert example.main([*args[:-1], str(again)]) == 0
    assert (again / "experiments.csv").read_bytes() == (out / "experiments.csv").read_bytes()
    # bad input: one line, exit 2, nothing written
    capsys.readouterr()
    assert example.main(["--runs", "2", "--out", str(tmp_path / "bad")]) == 2
    assert not (tmp_path / "bad").exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--runs" in err[0]
