"""The model's levers as a search space for :mod:`sim.policy.optimise`, and what a mix costs a year.

The levers, their kinds and search ranges are the lever registry's (:mod:`sim.levers`), and so
is the formula of what they cost (:func:`sim.levers.annual_cost`), the one the model's cost
process uses. Costs are annual, at full scale (England & Wales, or the scenario's world), in GBP
million, *above the status quo* (the scenario's own lever values), from the ``cost.*``
parameters (all assumptions, see ``docs/parameters.md``) and the world's places, prisons and
regions:

* PIOs: posts (per 1,000 places x places / 1,000) x ``cost.pio``;
* liaison officers: officers per region x regions x ``cost.liaison_officer``;
* meetings: meetings a year with each tier x prisons x ``cost.meeting`` (as ``sim.processes.costs``
  counts them: one per prison and tier);
* one common database ``cost.common_database``; the common protocol ``cost.common_protocol``;
  simpler software ``cost.simplified_software`` x (1 - complexity) below 1;
* police capacity: operations a week per region x regions x 52 x ``cost.police_operation``
  (paid whether used or not, as ``sim.processes.costs`` counts it);
* separation places: places per 1,000 places x places / 1,000 x ``cost.separation_place``.

These are the costs of capacity, as ``sim.processes.costs`` counts them; the model's
``cost_million_per_year`` also counts wrongful separations (``cost.wrongful_separation`` a case),
which depend on what happens in a run and so are an outcome, not a price of the mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from sim import levers
from sim.levers import DEFAULT_SEARCH, annual_cost, searchable
from sim.params import PARAMETERS, ScenarioError, spec
from sim.policy.optimise import Lever, LeverSpace
from sim.scenario import Scenario
from sim.state.world import build_world

__all__ = [
    "DEFAULT_LEVERS",
    "SEARCH_RANGES",
    "AnnualCost",
    "lever_space",
    "parse_levers",
]

#: Levers the optimiser can search: name -> (kind, low, high), from the lever registry
#: (:data:`sim.levers.LEVERS`). Ranges start at the England & Wales default (more of a measure,
#: not less); ``--levers NAME=LOW:HIGH`` changes them within the parameter's allowed range.
SEARCH_RANGES: dict[str, tuple[str, float, float]] = {
    entry.param: (entry.kind, *entry.search) for entry in searchable()
}

#: The levers searched when none are named (:data:`sim.levers.DEFAULT_SEARCH`).
DEFAULT_LEVERS: tuple[str, ...] = DEFAULT_SEARCH


def _allowed() -> str:
    return ", ".join(SEARCH_RANGES)


def parse_levers(texts: list[str] | None, where: str = "--levers") -> dict[str, tuple]:
    """Parse lever names with optional ranges (``NAME`` or ``NAME=LOW:HIGH``).

    Args:
        texts: The command line's values (comma-separated lists are split too); None or empty
            for :data:`DEFAULT_LEVERS`.
        where: The option, for error messages.

    Returns:
        Lever name -> (kind, low, high).

    Raises:
        ScenarioError: One line naming the option, the lever and what is allowed.
    """
    items = [t.strip() for text in texts or [] for t in text.split(",") if t.strip()]
    if not items:
        items = list(DEFAULT_LEVERS)
    out: dict[str, tuple] = {}
    for item in items:
        name, _, rng = item.partition("=")
        name = name.strip()
        if name not in SEARCH_RANGES:
            raise ScenarioError(f"{where}: unknown lever {name!r}; allowed: {_allowed()}")
        if name in out:
            raise ScenarioError(f"{where}: lever {name!r} given twice; allowed: each lever once")
        kind, low, high = SEARCH_RANGES[name]
        if rng:
            if kind == "bool":
                raise ScenarioError(
                    f"{where}: {name} is true/false and takes no range; allowed: {name}"
                )
            try:
                lo_text, hi_text = rng.split(":")
                low, high = float(lo_text), float(hi_text)
            except ValueError:
                raise ScenarioError(
                    f"{where}: {item!r}: allowed: {name}=LOW:HIGH with two numbers"
                ) from None
            p = spec(name)
            if not (p.low <= low <= high <= p.high):
                raise ScenarioError(
                    f"{where}: {item!r}: allowed: {p.low:g} <= LOW <= HIGH <= {p.high:g}"
                )
        out[name] = (kind, low, high)
    return out


def lever_space(ranges: dict[str, tuple], scenario: Scenario | None = None) -> LeverSpace:
    """The search space: each lever's range, its status quo the scenario's value.

    A range that does not contain the status quo is widened to contain it.
    """
    params = (scenario or Scenario()).parameters()
    levers = []
    for name, (kind, low, high) in ranges.items():
        quo = params[name]
        if kind != "bool":
            low, high = min(low, float(quo)), max(high, float(quo))
        levers.append(Lever(name, kind, low, high, baseline=quo))
    return LeverSpace(tuple(levers))


@dataclass
class _World:
    places: float
    prisons: int
    regions: int


class AnnualCost:
    """Annual cost of a lever mix at full scale, in GBP million, above the status quo.

    Args:
        scenario: The scenario whose world and ``cost.*`` values to use (default: England &
            Wales with default parameters).

    Attributes:
        status_quo: The scenario's value of every lever the costs depend on.
    """

    def __init__(self, scenario: Scenario | None = None):
        scenario = scenario or Scenario()
        self.params = scenario.parameters({"run.scale": 1.0})
        world = build_world(self.params, np.random.default_rng(0))
        self.world = _World(
            places=float(world.prison_capacity.sum()),
            prisons=int(world.n_prisons),
            regions=int(world.n_regions),
        )
        self.status_quo = {name: self.params[name] for name in SEARCH_RANGES}
        #: the price of each lever declared in a parameter section (``sim.levers.DECLARED``)
        self.prices = {spec.costs[0]: self.params[spec.costs[0]] for spec in levers.DECLARED}
        self._base = self.total(self.status_quo)

    def total(self, values: dict[str, Any]) -> float:
        """Cost (GBP million a year) of the measures at the given values (others: status quo)."""
        v = {**getattr(self, "prices", {}), **getattr(self, "status_quo", {}), **values}
        w = self.world
        pounds = annual_cost(
            v, self.params.cost, places=w.places, prisons=w.prisons, regions=w.regions
        )
        return pounds / 1e6

    def __call__(self, mix: dict[str, Any]) -> float:
        """Cost of ``mix`` above the status quo (GBP million a year; negative saves money)."""
        return self.total(mix) - self._base

    def assumptions(self) -> dict[str, Any]:
        """The figures the costs rest on (for a manifest)."""
        values = self.params.as_dict()
        return {
            "cost_parameters": {p.name: values[p.name] for p in PARAMETERS if p.section == "cost"},
            "cost_sources": {p.name: p.source for p in PARAMETERS if p.section == "cost"},
            "places": self.world.places,
            "prisons": self.world.prisons,
            "regions": self.world.regions,
            "status_quo_total_gbp_million": self._base,
        }
