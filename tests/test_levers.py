from __future__ import annotations

import pandas as pd
import pytest

from sim.model.core import OCGModel
from sim.params import PARAMETERS, spec
from sim.scenario import load_scenario, scenarios_dir

LEVERS = {p.name for p in PARAMETERS if p.lever}
LEVER_ONLY = sorted(
    path.stem
    for path in scenarios_dir().glob("*.toml")
    if load_scenario(path).values and set(load_scenario(path).values) <= LEVERS
)
WEEK = 20
# scale 0.02: at 0.01 every prison has one PIO whether pios_per_1000 is 2 or 3 (rounding)
KW = {"scale": 0.02, "years": 1, "intervention_week": WEEK}


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return OCGModel(rng=21, **KW).run().timeseries()


def test_there_are_lever_only_scenarios():
    assert {"more_pios", "shared_database", "no_sharing", "trust_building"} <= set(LEVER_ONLY)


@pytest.mark.parametrize("name", LEVER_ONLY)
def test_levers_keep_baseline_values_before_the_intervention_week(baseline, name):
    ts = OCGModel(name, rng=21, **KW).run().timeseries()
    pd.testing.assert_frame_equal(ts[ts["week"] < WEEK], baseline[baseline["week"] < WEEK])
    # ... and the scenario does change the run from the intervention week on
    assert not ts[ts["week"] >= WEEK].equals(baseline[baseline["week"] >= WEEK])


@pytest.mark.parametrize(
    "overrides",
    [
        {"regime.faction_control": 0.6},
        {"intelligence.paperwork_share": 0.1},
        {"disruption.restrict_communications": False},
    ],
    ids=lambda o: next(iter(o)),
)
def test_other_levers_keep_baseline_values_before_the_intervention_week(baseline, overrides):
    ts = OCGModel(rng=21, **KW, **overrides).run().timeseries()
    pd.testing.assert_frame_equal(ts[ts["week"] < WEEK], baseline[baseline["week"] < WEEK])
    assert not ts.equals(baseline)


def test_params_switch_at_the_intervention_week():
    m = OCGModel("more_pios", rng=21, **KW)
    default = spec("intelligence.pios_per_1000").default
    assert m.params["intelligence.pios_per_1000"] == default
    assert m.scenario_params["intelligence.pios_per_1000"] == 3.0
    m.run(WEEK - 1)
    assert m.params["intelligence.pios_per_1000"] == default
    m.step()
    assert m.week == WEEK and m.params["intelligence.pios_per_1000"] == 3.0
    ts = m.run().timeseries()
    pios = ts.set_index("week")["pios"]
    assert pios[WEEK] > pios[WEEK - 1]
    assert (pios[pios.index < WEEK] == pios[1]).all()


def test_intervention_week_zero_applies_levers_from_the_start():
    m = OCGModel("double_pios", rng=3, scale=0.02, years=1, intervention_week=0)
    assert m.params["intelligence.pios_per_1000"] == 4.0
    ts = m.run().timeseries()
    base = OCGModel(rng=3, scale=0.02, years=1, intervention_week=0).run().timeseries()
    assert (ts["pios"] > base["pios"]).all()


def test_non_levers_apply_from_the_start():
    m = OCGModel("humberside", rng=3, scale=0.5, years=1, intervention_week=WEEK)
    assert m.params["run.world"] == "humberside"
    assert m.params["estate.capacity"] == 2000


def test_summary_window_starts_at_the_intervention_week():
    m = OCGModel(rng=3, **KW).run()
    s = m.summary()
    assert s["weeks"] == 52 and s["window_weeks"] == 52 - WEEK + 1
