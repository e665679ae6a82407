"""Levers declared beside their parameters (``LEVERS`` of a parameter section) are priced once.

A new costed lever is an entry in its section's ``LEVERS`` with a ``basis``: the registry, the
model's cost process and the optimiser's budget then price it by the same formula
(``sim.levers.declared_cost``), with no edit to them.
"""

import pytest

from sim import levers
from sim.levers import BASES, LeverSpec, declared_cost
from sim.model.core import OCGModel
from sim.policy.budget import AnnualCost


def spec(basis, param="intelligence.pios_per_1000", cost="cost.pio"):
    return LeverSpec(
        param, "probe", "float", "Probe", "1", 0.0, 10.0, 0.5, (0.0, 5.0), (cost,), basis
    )


@pytest.mark.parametrize(
    ("basis", "value", "expected"),
    [
        ("per_1000_places", 2.0, 2.0 * 800.0 / 1000.0 * 100.0),
        ("per_region", 2.0, 2.0 * 10 * 100.0 * 0.5),
        ("per_region_week", 2.0, 2.0 * 10 * 0.5 * 52.0 * 100.0),
        ("when_on", True, 100.0 * 0.5),
        ("when_on", False, 0.0),
        ("below_one", 0.25, 100.0 * 0.75 * 0.5),
        ("below_one", 1.5, 0.0),
    ],
)
def test_each_basis_prices_a_lever_as_documented(basis, value, expected):
    lever = spec(basis)
    values = {lever.param: value, "cost.pio": 100.0}
    got = declared_cost(lever, values, places=800.0, regions=10, scale=0.5)
    assert got == pytest.approx(expected)


def test_a_basis_needs_one_cost_parameter_and_a_known_name():
    with pytest.raises(ValueError, match="basis"):
        spec("per_head")
    with pytest.raises(ValueError, match="exactly one cost"):
        LeverSpec("a.b", "b", "float", "B", "1", costs=("cost.x", "cost.y"), basis="when_on")
    assert set(BASES) == {
        "per_1000_places",
        "per_region",
        "per_region_week",
        "when_on",
        "below_one",
    }


def test_a_declared_lever_is_priced_alike_in_a_run_and_in_the_budget(monkeypatch):
    # declare a second price on the PIO rate (per 1,000 places) and compare budget and run
    lever = spec("per_1000_places", cost="cost.separation_place")
    monkeypatch.setattr(levers, "DECLARED", (lever,))
    budget = AnnualCost()
    price = budget.params["cost.separation_place"]
    assert budget.prices == {"cost.separation_place": price}
    rate = "intelligence.pios_per_1000"
    extra = budget.total({rate: 3.0}) - budget.total({rate: 2.0})  # GBP million a year
    per_rate = budget.world.places / 1000.0 * (budget.params["cost.pio"] + price) / 1e6
    assert extra == pytest.approx(per_rate)
    # in a run, the weekly cost counts the same price at the run's scale
    model = OCGModel(rng=1, scale=0.05, years=1)
    model.step()
    monkeypatch.setattr(levers, "DECLARED", ())
    plain = OCGModel(rng=1, scale=0.05, years=1)
    plain.step()
    places = float(model.world.prison_capacity.sum())
    added = model.params[rate] * places / 1000.0 * model.params["cost.separation_place"] / 52.0
    assert model.costs.week_cost - plain.costs.week_cost == pytest.approx(added)
