"""Harm: the offences OCG members commit, by crime type, weighted by a published harm index.

Research trace and sources:
- The 2018 Serious and Organised Crime Strategy names ten threats (the model's crime types);
  an OCG commits offences in its crime types through its members at large, and through members
  inside who direct operations outside by phone or through visits and associates ("Organise
  their criminal acts in the outside world", van der Laan 2012, in the research summary).
- Each offence is weighted by a published harm index (``harm.index``): the Cambridge Crime Harm
  Index (CCHI, 2020 values: the starting-point sentence in days for a first offender; Sherman,
  Neyroud & Neyroud 2016) or the ONS Crime Severity Score (CSS: the average sentence in days
  equivalent). The weights and the offence matched to each crime type are in the crime-type
  table ``sim.state.crimes``, the caveats in ``docs/calibration.md``; the two indices rank some
  types differently (Ashby 2017), so the choice is a factor of the sensitivity analysis.
- Debt-linked violence in prison (counted by ``sim.processes.market``) is weighted as assault with
  injury.
- Offence rates by crime type (issue 25): no source gives how many offences an OCG member commits.
  What is published is how many offences the police record, by type, and (for some types) how
  much of that is organised. Each type's rate per member at large is therefore set so that
  ``harm.recording_ratio`` of the members' offences in that type match the recorded offences
  attributable to organised crime (``CrimeType.recorded``), for the reference number of members
  at large (NCA's 37,000 mapped people less the 6,500 prisoners with OC links) and the starting
  mix of markets. A member offends in every type their group is in, at that type's rate, so a
  group that enters a new market adds that market's offending instead of spreading the same
  offending thinner (the even split of one rate made a drugs group that entered fraud halve its
  harm).
- Harm in pounds (``oc_harm_gbp``, the headline for policy): offences times the Home Office unit
  cost of crime of their type (Heeks, Reed, Tafsiri & Prince 2018, *The economic and social
  costs of crime*, 2nd ed., HO Research Report 99, 2015/16 prices; modern slavery per victim,
  RR100; for types the Home Office costs only as a market, its aggregate cost of the organised
  market spread over the offences it implies: RR103, RR73), uprated by ``harm.gbp_uprating``;
  debt-linked assaults in prison at the unit cost of violence with injury. Unit costs and their
  sources are in ``sim.state.crimes``; which figures are sourced and which are assumptions is in
  ``docs/calibration.md``. The harm indices (CCHI, CSS) remain the alternative readings.

OC harm is computed as the expected harm of the week given the state (who is a member, where,
with what capability), not drawn: it is an outcome, and its expectation keeps paired comparisons
free of extra noise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast.kernels import compiled
from sim.metrics import flow
from sim.process import Process
from sim.processes.custody import isolated
from sim.state.crimes import (
    CRIMES,
    HARM_INDICES,
    PRISON_VIOLENCE_COST,
    REFERENCE_MEMBERS_AT_LARGE,
)
from sim.state.population import AT_LARGE, CRIME_TYPES, DRUGS

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = [
    "HARM_WEIGHTS",
    "VIOLENCE_WEIGHT",
    "Harm",
    "harm_weights",
    "market_shares",
    "offence_rates",
    "unit_costs",
]

#: Harm per offence (days), by index and crime type name (from ``sim.state.crimes.CRIMES``).
HARM_WEIGHTS: dict[str, dict[str, float]] = {
    index: {c.name: c.harm[index] for c in CRIMES} for index in HARM_INDICES
}
#: The index police rank OCGs by (``harm.by_group``), fixed so that ``harm.index`` is a reading.
POLICE_INDEX = "cchi"
#: Harm of one assault with injury (days): CCHI actual bodily harm; CSS assault with injury (8N).
VIOLENCE_WEIGHT: dict[str, float] = {"cchi": 10.0, "css": 189.2}


def harm_weights(index: str) -> np.ndarray:
    """The harm per offence (days) of each crime type under ``index``, in bit order."""
    return np.array([HARM_WEIGHTS[index][kind] for kind in CRIME_TYPES])


def unit_costs(recording_ratio: float) -> np.ndarray:
    """The cost of one offence (GBP, 2015/16 prices) of each crime type, in bit order.

    A type with a published unit cost costs that. A type costed only as a market
    (``CrimeType.aggregate_cost``) costs the market's cost a year spread over the offences the
    reference members commit at ``recording_ratio`` (recorded / ratio), so that its harm in
    pounds is the aggregate at the reference membership whatever the ratio: a lower ratio means
    more, cheaper offences.
    """
    return np.array(
        [
            c.aggregate_cost * recording_ratio / c.recorded if c.aggregate_cost else c.unit_cost
            for c in CRIMES
        ]
    )


def market_shares(drugs_share: float, second_probability: float) -> np.ndarray:
    """The expected share of new OCGs in each crime type, in bit order.

    As ``sim.state.ocg.ocg_crime_types`` draws them: the first type is drugs with ``drugs_share``,
    else one of the others at random; a second type, drawn from all, with
    ``second_probability``.
    """
    n = len(CRIMES)
    first = np.full(n, (1.0 - drugs_share) / (n - 1))
    first[DRUGS] = drugs_share
    return first + second_probability / n * (1.0 - first)


def offence_rates(recording_ratio: float, shares: np.ndarray) -> np.ndarray:
    """Offences a week a member at large commits in each crime type their group is in.

    Set so that, with ``REFERENCE_MEMBERS_AT_LARGE`` members at large and ``shares`` of them in
    groups in each type, ``recording_ratio`` of the offences equal the recorded offences
    attributable to OC (``CrimeType.recorded``): rate = recorded / (ratio x 52 x members x
    share). A lower recording ratio means more offences for the same recorded volume.
    """
    recorded = np.array([c.recorded for c in CRIMES])
    members = REFERENCE_MEMBERS_AT_LARGE * np.asarray(shares, dtype=float)
    return recorded / (recording_ratio * 52.0 * np.maximum(members, 1e-12))


def _harm_flows():
    yield flow(
        "oc_harm",
        "harm-days",
        "OC harm: offences by OCG members (at large, and directed from inside) and debt-linked "
        "violence in prison, weighted by the harm index (harm.index).",
        headline=2,
        label="OC harm (harm-days / year)",
    )
    yield flow(
        "oc_harm_community",
        "harm-days",
        "OC harm of the offences OCG members commit outside (at large or directed from inside).",
    )
    yield flow(
        "oc_harm_directed",
        "harm-days",
        "Part of oc_harm_community directed by members inside (phones, visits, associates).",
    )
    yield flow(
        "oc_harm_prison_violence",
        "harm-days",
        "OC harm of debt-linked violence in prison.",
    )
    yield flow(
        "oc_offences",
        "offences",
        "Offences OCG members commit in their groups' crime types (expected).",
        label="OC offences per year",
    )
    yield flow(
        "oc_harm_gbp",
        "GBP",
        "OC harm in pounds: offences by OCG members times the unit cost of crime of their type, "
        "and debt-linked violence in prison at the cost of violence with injury (2015/16 "
        "prices times harm.gbp_uprating).",
        headline=1,
        label="OC harm (GBP / year)",
    )
    yield flow(
        "oc_harm_gbp_prison_violence",
        "GBP",
        "Part of oc_harm_gbp: debt-linked violence in prison.",
    )
    for kind in CRIME_TYPES:
        words = kind.replace("_", " ")
        yield flow(f"oc_harm_{kind}", "harm-days", f"OC harm of {words} offences.")
        yield flow(f"oc_offences_{kind}", "offences", f"Offences in {words} (expected).")
        yield flow(f"oc_harm_gbp_{kind}", "GBP", f"OC harm in pounds of {words} offences.")


class Harm(Process):
    """Offences by OCG members in the week and the harm they do, in harm-days and in pounds.

    A member at large commits, in each crime type their group is in, that type's rate of offences
    a week (:func:`offence_rates`, set at the start of the run from ``harm.recording_ratio`` and
    the starting mix of markets); a member inside directs ``directed_phone_share`` of that with a
    phone and ``directed_share`` without one (none if isolated). Truly high-risk members commit
    ``high_risk_activity`` times as many as the others (the mean over members is kept). A group's
    offending is scaled by its capability (cut by seizures and by the loss of its leader; see
    ``sim.processes.community``). Each offence is weighted by the harm index and costed at its
    type's unit cost.

    Reads: ``model.market.count.debt_violence`` (this week's debt-linked assaults).
    """

    name = "harm"
    READS = ("market.count",)
    METRICS = tuple(_harm_flows())

    def __init__(self, model: OCGModel):
        super().__init__(model)
        #: Each OCG's harm this week in CCHI days (its offences by type): what police rank by.
        self.by_group = np.zeros(0)
        pop = model.params.population
        shares = market_shares(pop.drugs_share, pop.second_crime_type_probability)
        #: Offences a week of a member at large in each crime type of their group, in bit order.
        self.rates = offence_rates(model.params.harm.recording_ratio, shares)
        #: Unit cost of an offence of each type in the reporting price year (GBP).
        self.costs = unit_costs(model.params.harm.recording_ratio) * model.params.harm.gbp_uprating

    def step(self) -> None:
        """The week's offences and harm."""
        model = self.model
        pop = model.population
        ocgs = model.ocgs
        h = model.params.harm
        members = ocgs.member_rows()
        n = ocgs.n
        count = self.count
        violence = model.market.count.debt_violence
        prison_gbp = violence * PRISON_VIOLENCE_COST * h.gbp_uprating
        count.oc_harm_prison_violence += violence * VIOLENCE_WEIGHT[h.index]
        count.oc_harm_gbp_prison_violence += prison_gbp
        count.oc_harm += violence * VIOLENCE_WEIGHT[h.index]
        count.oc_harm_gbp += prison_gbp
        if not members.size:
            self.by_group = np.zeros(n)
            return
        share_high = model.params.population.high_risk_share_members
        low = 1.0 / (share_high * h.high_risk_activity + 1.0 - share_high)
        # each group's member-weeks of offending (activity x reach x capability)
        active, from_inside = _offences_by_group(
            members,
            pop.high_risk,
            pop.status,
            pop.phone,
            isolated(model, members),
            pop.ocg,
            ocgs.capability,
            n,
            1.0,
            low,
            low * h.high_risk_activity,
            h.directed_phone_share,
            h.directed_share,
            AT_LARGE,
        )
        kinds = ((ocgs.crime_types[:n, None] >> np.arange(len(CRIME_TYPES))) & 1) * self.rates
        offences = active @ kinds  # by crime type: each member offends in every type
        weights = harm_weights(h.index)
        by_type = offences * weights
        # police rank groups by their own measure of harm (CCHI days), whatever index or price
        # year the analyst reports harm in, so that those change the reading, not the run
        self.by_group = active * (kinds @ harm_weights(POLICE_INDEX))
        gbp = offences * self.costs
        community = float(by_type.sum())
        count.oc_offences += float(offences.sum())
        count.oc_harm_community += community
        count.oc_harm_directed += float(from_inside @ (kinds @ weights))
        count.oc_harm += community
        count.oc_harm_gbp += float(gbp.sum())
        for b, kind in enumerate(CRIME_TYPES):  # counted once a week
            setattr(count, f"oc_harm_{kind}", float(by_type[b]))
            setattr(count, f"oc_offences_{kind}", float(offences[b]))
            setattr(count, f"oc_harm_gbp_{kind}", float(gbp[b]))


@compiled
def _offences_by_group(
    members,
    high_risk,
    status,
    phone,
    cut_off,
    ocg,
    capability,
    n_groups,
    per_week,
    low,
    high,
    phone_share,
    share,
    at_large,
):
    """Each group's offences this week, and the part directed from inside, member by member.

    A member commits ``per_week`` offences times their activity (``high`` if truly high risk,
    else ``low``), their reach (1 at large; inside, ``phone_share`` with a phone or ``share``
    without, none if isolated: ``cut_off[i]`` for ``members[i]``, from
    ``sim.processes.custody.isolated``) and their group's capability.
    """
    offences = np.zeros(n_groups)
    from_inside = np.zeros(n_groups)
    for i in range(members.size):
        person = members[i]
        activity = high if high_risk[person] else low
        inside = status[person] != at_large
        reach = 1.0
        if inside:
            reach = (phone_share if phone[person] else share) * (0.0 if cut_off[i] else 1.0)
        group = ocg[person]
        committed = per_week * activity * reach * capability[group]
        offences[group] += committed
        from_inside[group] += committed * (1.0 if inside else 0.0)
    return offences, from_inside
