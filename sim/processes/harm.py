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
from sim.state.crimes import CRIMES, HARM_INDICES
from sim.state.population import AT_LARGE, CRIME_TYPES

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = ["HARM_WEIGHTS", "VIOLENCE_WEIGHT", "Harm", "harm_weights"]

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


def _harm_flows():
    yield flow(
        "oc_harm",
        "harm-days",
        "OC harm: offences by OCG members (at large, and directed from inside) and debt-linked "
        "violence in prison, weighted by the harm index (harm.index).",
        headline=1,
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
    for kind in CRIME_TYPES:
        yield flow(f"oc_harm_{kind}", "harm-days", f"OC harm of {kind.replace('_', ' ')} offences.")


class Harm(Process):
    """Offences by OCG members in the week and the harm they do.

    A member at large commits ``harm.offences_per_member_week`` offences; a member inside directs
    ``directed_phone_share`` of that with a phone and ``directed_share`` without one (none if
    isolated). Truly high-risk members commit ``high_risk_activity`` times as many as the others
    (the mean over members is kept). A group's offending is scaled by its capability (cut by
    seizures and by the loss of its leader; see ``sim.processes.community``); its offences are
    spread evenly over its crime types, each weighted by the index.

    Reads: ``model.market.count.debt_violence`` (this week's debt-linked assaults).
    """

    name = "harm"
    READS = ("market.count",)
    METRICS = tuple(_harm_flows())

    def __init__(self, model: OCGModel):
        super().__init__(model)
        #: Each OCG's harm this week (its offences at its mean CCHI weight): what police rank by.
        self.by_group = np.zeros(0)

    def step(self) -> None:
        """The week's offences and harm."""
        model = self.model
        pop = model.population
        ocgs = model.ocgs
        h = model.params.harm
        members = ocgs.member_rows()
        n = ocgs.n
        weights = harm_weights(h.index)
        violence = model.market.count.debt_violence * VIOLENCE_WEIGHT[h.index]
        self.count.oc_harm_prison_violence += violence
        if not members.size:
            self.count.oc_harm += violence
            self.by_group = np.zeros(n)
            return
        share_high = model.params.population.high_risk_share_members
        low = 1.0 / (share_high * h.high_risk_activity + 1.0 - share_high)
        offences, from_inside = _offences_by_group(
            members,
            pop.high_risk,
            pop.status,
            pop.phone,
            isolated(model, members),
            pop.ocg,
            ocgs.capability,
            n,
            h.offences_per_member_week,
            low,
            low * h.high_risk_activity,
            h.directed_phone_share,
            h.directed_share,
            AT_LARGE,
        )
        # spread each group's offences evenly over its crime types
        by_type, directed = _harm_by_type(offences, from_inside, ocgs.crime_types, weights)
        # police rank groups by their own measure of harm (CCHI days), whatever index the
        # analyst reports harm in, so that harm.index changes the reading, not the run
        police = harm_weights(POLICE_INDEX)
        kinds = (ocgs.crime_types[:n, None] >> np.arange(police.size)) & 1
        mean_weight = (kinds @ police) / np.maximum(kinds.sum(axis=1), 1)
        self.by_group = offences * mean_weight
        community = float(by_type.sum())
        count = self.count
        count.oc_offences += float(offences.sum())
        count.oc_harm_community += community
        count.oc_harm_directed += directed
        count.oc_harm += community + violence
        for kind, value in zip(CRIME_TYPES, by_type.tolist(), strict=True):
            setattr(count, f"oc_harm_{kind}", value)  # counted once a week


@compiled
def _harm_by_type(offences, from_inside, crime_types, weights):
    """Harm by crime type, each group's offences spread evenly over its crime types.

    Returns:
        The harm of each crime type (offences x harm weight), and the harm of the offences
        directed from inside (at each group's mean weight over its crime types).
    """
    by_type = np.zeros(weights.size)
    directed = 0.0
    for g in range(offences.size):
        if offences[g] == 0.0:
            continue
        types = 0
        mean_weight = 0.0
        for b in range(weights.size):
            if (crime_types[g] >> b) & 1:
                types += 1
                mean_weight += weights[b]
        if types == 0:
            continue
        for b in range(weights.size):
            if (crime_types[g] >> b) & 1:
                by_type[b] += offences[g] / types
        directed += from_inside[g] * mean_weight / types
    return by_type * weights, directed


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
