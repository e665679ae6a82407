"""The lever registry: every costed policy lever once, and the one formula of what the levers cost.

The research's final recommendations (the study: ``docs/design-basis.md``) are measures a
government buys: more prison intelligence officers (PIOs) and liaison officers, one common
database, simpler software, a common risk protocol, regular meetings at every level; the model adds
police capacity, separation places and the transfer policy. Each :class:`LeverSpec` says, for one
of them, which parameter it sets, its kind, the range and step a user moves it over (the
dashboard's slider), the range the optimiser searches by default (more of the measure than England
& Wales has today), its label and unit, and the ``cost.*`` parameters its price rests on.
:func:`capacity_cost` is the annual cost of the measures; the model's cost process
(:mod:`sim.processes.costs`) and the budget of the optimiser (:mod:`sim.policy.budget`) both call
it, so they price a mix the same way. The dashboard, the optimiser's search space, the EMA
workbench's levers and the list of cost assumptions (:mod:`sim.policy.assumptions`) are all read
from :data:`LEVERS`.

A new process's lever needs no edit here: its parameter section declares it (``LEVERS`` with a
``basis``, see :mod:`sim.params`), :data:`DECLARED` collects it and :func:`declared_cost` prices it.

**Ranges.** ``low``/``high`` are what a policy team would try, both ways from today's value; the
parameter table (``sim.params``) allows far wider values (its bounds are validation bounds, e.g.
up to 50 liaison officers per region). ``search`` starts at the England & Wales default and goes
the costly way (more officers, more capacity, simpler software), because the optimiser spends a
budget *above* the status quo; ``--levers NAME=LOW:HIGH`` changes it within the parameter's range.

**Liaison officers are a float, 0-6 a region in steps of 0.5 (search 0-4).** Before this
registry the parameter table said a float in [0, 50], the optimiser whole officers 0-4 and the
dashboard 0-6 in steps of 0.5. The research asks to "increase the number of PIOs/liaison officers
responsible for local and regional areas" and gives no number; the parameter table declares
"officers per region" as a float; the model's effects are continuous in it (each officer cuts the
sharing delay by a share, ``(1 - cut) ** officers``, and adds trust in proportion) and so is its
cost (officers x regions x ``cost.liaison_officer``). A fraction is a real post: 0.5 per region is
one officer shared by two regions, as PIOs are counted in full-time equivalents. So the lever is a
float (the optimiser now searches it continuously, not whole officers only), shown in half
officers; the slider's 6 and the search's 4 are policy ranges inside the table's validation bound.

**Meetings.** Local and regional meetings are searched and shown in whole meetings a year (kind
``int``; the parameter is a float that the model turns into a weekly chance); national meetings
are a float in steps of 0.5 because today's value is one every two years (0.5 a year), which the
dashboard's former step of 1 could not show.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.params import sections
from sim.params.schema import BASES, KINDS, LeverSpec

__all__ = [
    "BASES",
    "DECLARED",
    "DEFAULT_SEARCH",
    "KINDS",
    "LEVERS",
    "LeverSpec",
    "annual_cost",
    "capacity_cost",
    "cost_parameters",
    "declared_cost",
    "lever",
    "meetings_cost",
    "searchable",
]

#: Every costed lever (and the transfer policy), in the dashboard's order; then the levers that
#: parameter sections declare (``LEVERS`` of a module of ``sim.params.sections``).
LEVERS: tuple[LeverSpec, ...] = (
    LeverSpec(
        "intelligence.pios_per_1000",
        "pios_per_1000",
        "float",
        "PIOs per 1,000 places",
        "PIOs per 1,000 places",
        0.0,
        8.0,
        0.5,
        search=(2.0, 6.0),
        costs=("cost.pio",),
    ),
    LeverSpec(
        "disruption.police_actions_per_region",
        "police_actions_per_region",
        "float",
        "Police operations a week per region",
        "operations/week per region",
        0.0,
        20.0,
        1.0,
        search=(4.0, 12.0),
        costs=("cost.police_operation",),
    ),
    LeverSpec(
        "disruption.separation_places_per_1000",
        "separation_places_per_1000",
        "float",
        "Separation places per 1,000 places",
        "places per 1,000 places",
        0.0,
        20.0,
        1.0,
        search=(5.0, 15.0),
        costs=("cost.separation_place", "cost.wrongful_separation"),
    ),
    LeverSpec(
        "sharing.common_database",
        "common_database",
        "bool",
        "One common database",
        "-",
        search=(0, 1),
        costs=("cost.common_database",),
    ),
    LeverSpec(
        "intelligence.common_protocol",
        "common_protocol",
        "bool",
        "Common risk protocol",
        "-",
        search=(0, 1),
        costs=("cost.common_protocol",),
    ),
    LeverSpec(
        "sharing.liaison_officers",
        "liaison_officers",
        "float",
        "Liaison officers per region",
        "officers per region",
        0.0,
        6.0,
        0.5,
        search=(0.0, 4.0),
        costs=("cost.liaison_officer",),
    ),
    LeverSpec(
        "trust.meetings_local",
        "meetings_local",
        "int",
        "Meetings a year, local police",
        "meetings/year",
        0,
        24,
        1,
        search=(2, 24),
        costs=("cost.meeting",),
    ),
    LeverSpec(
        "trust.meetings_regional",
        "meetings_regional",
        "int",
        "Meetings a year, regional unit",
        "meetings/year",
        0,
        12,
        1,
        search=(1, 12),
        costs=("cost.meeting",),
    ),
    LeverSpec(
        "trust.meetings_national",
        "meetings_national",
        "float",
        "Meetings a year, national hub",
        "meetings/year",
        0.0,
        12.0,
        0.5,
        search=(0.5, 12.0),
        costs=("cost.meeting",),
    ),
    LeverSpec("disruption.transfer_policy", "transfer_policy", "choice", "Transfer policy", "-"),
    LeverSpec(
        "sharing.software_complexity",
        "software_complexity",
        "float",
        "Software complexity (1 = today)",
        "1",
        0.1,
        2.0,
        0.1,
        search=(0.5, 1.0),
        costs=("cost.simplified_software",),
    ),
)

#: Levers declared beside their parameters (a new process's section), priced by their ``basis``.
DECLARED: tuple[LeverSpec, ...] = tuple(
    spec for module in sections.SECTION_MODULES for spec in getattr(module, "LEVERS", ())
)
LEVERS += DECLARED

#: The levers the optimiser searches when none are named.
DEFAULT_SEARCH: tuple[str, ...] = (
    "intelligence.pios_per_1000",
    "disruption.police_actions_per_region",
    "disruption.separation_places_per_1000",
    "sharing.liaison_officers",
    "trust.meetings_local",
    "sharing.common_database",
    "intelligence.common_protocol",
    "sharing.software_complexity",
)

_BY_PARAM = {spec.param: spec for spec in LEVERS}


def lever(param: str) -> LeverSpec:
    """The registry's entry for a parameter.

    Raises:
        KeyError: If the parameter is not in :data:`LEVERS`.
    """
    return _BY_PARAM[param]


def searchable() -> list[LeverSpec]:
    """The levers the optimiser can search (those with a price), in registry order."""
    return [spec for spec in LEVERS if spec.search is not None]


def cost_parameters() -> dict[str, tuple[str, ...]]:
    """Each priced lever's ``cost.*`` parameters, by parameter name."""
    return {spec.param: spec.costs for spec in LEVERS if spec.costs}


def capacity_cost(
    values: Mapping[str, Any],
    cost: Any,
    *,
    pio_posts: float,
    separation_places: float,
    regions: int,
    scale: float = 1.0,
    places: float = 0.0,
) -> float:
    """Annual cost (GBP) of the measures' capacity: the one formula of what the levers cost.

    PIO posts x ``cost.pio``; liaison officers per region x regions x ``cost.liaison_officer``
    x scale; police operations a week per region x scale x regions x 52 x
    ``cost.police_operation`` (capacity, paid whether used or not); separation places x
    ``cost.separation_place``; national systems x scale: ``cost.common_database``,
    ``cost.simplified_software`` x (1 - complexity) below 1, ``cost.common_protocol``. Meetings
    are priced per meeting (:func:`meetings_cost`), wrongful separations per case by the cost
    process (an outcome of a run, not a price of the mix).

    Args:
        values: Lever values by dotted name (a ``Parameters`` or a dict).
        cost: The ``cost.*`` values as attributes (``Parameters.cost``).
        pio_posts: PIO posts (full-time equivalents) in the estate costed.
        separation_places: Separation places in the estate costed.
        regions: Police regions.
        scale: The run's scale (1: full scale); regions do not shrink with it, so liaison
            officers, police capacity and national systems are scaled here.
        places: Prison places in the estate costed (for levers declared per 1,000 places).

    Returns:
        GBP a year (the sum is in this order so that the model's weekly cost is bit for bit
        what it was before the registry).
    """
    staff = pio_posts * cost.pio
    staff += values["sharing.liaison_officers"] * regions * cost.liaison_officer * scale
    police = values["disruption.police_actions_per_region"] * scale * regions
    staff += police * 52.0 * cost.police_operation
    staff += separation_places * cost.separation_place
    systems = 0.0
    if values["sharing.common_database"]:
        systems += cost.common_database
    complexity = values["sharing.software_complexity"]
    if complexity < 1.0:
        systems += cost.simplified_software * (1.0 - complexity)
    if values["intelligence.common_protocol"]:
        systems += cost.common_protocol
    total = staff + systems * scale
    for spec in DECLARED:
        total += declared_cost(spec, values, places=places, regions=regions, scale=scale)
    return total


def declared_cost(
    spec: LeverSpec, values: Mapping[str, Any], *, places: float, regions: int, scale: float
) -> float:
    """Annual cost (GBP) of a lever declared in a parameter section, by its ``basis``.

    Args:
        spec: The lever (its ``basis`` one of ``BASES``, its one cost parameter ``costs[0]``).
        values: Values by dotted name: the lever's and its cost parameter's.
        places: Prison places in the estate costed.
        regions: Police regions.
        scale: The run's scale.
    """
    price = float(values[spec.costs[0]])
    value = values[spec.param]
    if spec.basis == "per_1000_places":
        return float(value) * places / 1000.0 * price
    if spec.basis == "per_region":
        return float(value) * regions * price * scale
    if spec.basis == "per_region_week":
        return float(value) * regions * scale * 52.0 * price
    if spec.basis == "when_on":
        return price * scale if value else 0.0
    return price * (1.0 - float(value)) * scale if float(value) < 1.0 else 0.0


def meetings_cost(meetings: float, cost: Any) -> float:
    """Cost (GBP) of ``meetings`` meetings (each between one prison and one police tier)."""
    return meetings * cost.meeting


def annual_cost(
    values: Mapping[str, Any], cost: Any, *, places: float, prisons: int, regions: int
) -> float:
    """Annual cost (GBP) of a lever mix in a whole world, as the budget counts it.

    :func:`capacity_cost` with the posts the rates give (per 1,000 places x places / 1,000),
    plus the meetings planned: meetings a year with each tier x prisons x ``cost.meeting``.

    Args:
        values: Lever values by dotted name.
        cost: The ``cost.*`` values as attributes.
        places: Prison places.
        prisons: Prisons.
        regions: Police regions.
    """
    pounds = capacity_cost(
        values,
        cost,
        pio_posts=values["intelligence.pios_per_1000"] * places / 1000.0,
        separation_places=values["disruption.separation_places_per_1000"] * places / 1000.0,
        regions=regions,
        places=places,
    )
    meetings = (
        values["trust.meetings_local"]
        + values["trust.meetings_regional"]
        + values["trust.meetings_national"]
    )
    return pounds + meetings_cost(meetings * prisons, cost)
