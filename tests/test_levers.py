from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim.levers as registry
from sim.model.core import OCGModel
from sim.params import PARAMETERS, spec
from sim.policy.assumptions import LEVER_COSTS
from sim.policy.budget import AnnualCost, lever_space, parse_levers
from sim.scenario import Scenario, load_scenario, scenarios_dir

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


# --------------------------------------------------------------------------------------------
# the lever registry (sim.levers): one place for every lever's metadata and its cost
# --------------------------------------------------------------------------------------------
COST_FREE = {"cost.meeting": 0.0, "cost.wrongful_separation": 0.0}


def _on_grid(x: float, low: float, step: float) -> bool:
    k = (x - low) / step
    return abs(k - round(k)) < 1e-9


@pytest.mark.parametrize("entry", registry.LEVERS, ids=lambda e: e.param)
def test_registry_ranges_lie_inside_the_parameter_table(entry):
    p = spec(entry.param)
    assert p.lever, "the registry holds levers only"
    assert entry.unit == p.unit
    kinds = {bool: ("bool",), str: ("choice",), float: ("float", "int"), int: ("int",)}
    assert entry.kind in kinds[p.kind]
    if entry.kind == "choice":
        assert p.choices
        return
    if entry.kind == "bool":
        assert entry.search in (None, (0, 1))
        return
    assert p.low <= entry.low < entry.high <= p.high
    assert entry.low <= p.default <= entry.high, "the slider can show today's value"
    assert entry.step > 0 and _on_grid(entry.high, entry.low, entry.step)
    assert _on_grid(p.default, entry.low, entry.step), "today's value is a slider position"
    if entry.search is not None:
        lo, hi = entry.search
        assert entry.low <= lo <= p.default <= hi <= entry.high
    if entry.kind == "int":
        values = [entry.low, entry.high, entry.step, p.default, *(entry.search or ())]
        assert all(float(v).is_integer() for v in values)


def test_registry_names_are_unique_and_every_cost_parameter_belongs_to_a_lever():
    assert len({e.param for e in registry.LEVERS}) == len(registry.LEVERS)
    assert len({e.name for e in registry.LEVERS}) == len(registry.LEVERS)
    assert set(registry.DEFAULT_SEARCH) <= {e.param for e in registry.searchable()}
    named = {c for e in registry.LEVERS for c in e.costs}
    assert named == {p.name for p in PARAMETERS if p.section == "cost"}
    # a lever with a price is searchable, and the other way round
    assert all(bool(e.costs) == (e.search is not None) for e in registry.LEVERS)


@pytest.mark.parametrize("entry", registry.searchable(), ids=lambda e: e.param)
def test_each_levers_cost_rests_on_the_cost_parameters_it_names(entry):
    """Doubling a cost parameter changes a lever's price exactly when the registry names it."""
    world = {"places": 80_000.0, "prisons": 120, "regions": 10}
    lo, hi = entry.search
    if entry.param == "sharing.software_complexity":
        lo, hi = 0.5, 1.0  # the price is of complexity removed

    def price(overrides):
        params = Scenario().parameters(overrides)
        cost = registry.annual_cost
        at = {**params.as_dict()}
        return cost({**at, entry.param: hi}, params.cost, **world) - cost(
            {**at, entry.param: lo}, params.cost, **world
        )

    base = price({})
    assert base != 0.0
    for p in PARAMETERS:
        if p.section != "cost" or p.name == "cost.wrongful_separation":
            continue  # wrongful separations are priced per case in a run, not in the mix
        changed = price({p.name: 2 * p.default})
        assert (changed != base) == (p.name in entry.costs), p.name


def test_the_optimisers_space_is_the_registrys():
    space = lever_space(parse_levers(None))
    assert space.names == list(registry.DEFAULT_SEARCH)
    for lv in space.levers:
        entry = registry.lever(lv.name)
        assert lv.kind == entry.kind
        if entry.kind != "bool":
            assert (lv.low, lv.high) == entry.search
    assert set(LEVER_COSTS) == {e.param for e in registry.searchable()}
    assert all(LEVER_COSTS[e.param] == e.costs for e in registry.searchable())


def test_in_run_cost_and_the_budgets_annual_cost_agree_for_random_mixes():
    """The model's weekly cost x 52 is the budget's annual cost of the same mix and scale.

    The model counts whole PIO posts per prison and separation places rounded at random; the
    budget prices the rates, so the budget is given the rates those counts amount to. Meetings
    held and wrongful separations (events of a run) are priced at 0 in both.
    """
    rng = np.random.default_rng(7)
    scale = 0.02
    budget = AnnualCost(Scenario(values=COST_FREE))
    places = budget.world.places
    for _ in range(6):
        mix = {}
        for entry in registry.searchable():
            lo, hi = entry.search
            if entry.kind == "bool":
                mix[entry.param] = bool(rng.random() < 0.5)
            elif entry.kind == "int":
                mix[entry.param] = float(rng.integers(lo, hi + 1))
            else:
                mix[entry.param] = float(rng.uniform(lo, hi))
        model = OCGModel(rng=5, scale=scale, years=1, intervention_week=0, **COST_FREE, **mix)
        model.step()
        counted = {
            "intelligence.pios_per_1000": model.intelligence.pio_count.sum() / scale / places * 1e3,
            "disruption.separation_places_per_1000": (
                model.disruption.separation_places.sum() / scale / places * 1e3
            ),
        }
        in_run = model.costs.week_cost * 52.0
        assert in_run == pytest.approx(scale * 1e6 * budget.total({**mix, **counted}), rel=1e-9)
        # and the budget's own rates are close to what the model counts (whole posts, places)
        assert in_run == pytest.approx(scale * 1e6 * budget.total(mix), rel=0.1)
