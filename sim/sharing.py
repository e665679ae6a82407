"""Sharing: intelligence items travel from prisons to the police tiers, and back.

Research trace:
- "it's about where it's stored, who has access to it, what do they do with it once they have
  it [...] it's around trust" (police officer) -> an item reaches a tier through separate systems
  with partial access, and only if the sending prison trusts the receiver; one common database
  (recommendation 1) lets every tier read every item.
- "it's just incredibly difficult in-between agencies [...] hesitancy [...] routines and
  paperwork" (MARSOC) -> delays from software complexity (recommendation 2) and approvals.
- liaison officers (recommendation 4) cut the delay and raise trust in their region.
- Definitions of risk and of OCG/gang "do not always match" -> police regrade with a mismatch
  rate unless a common protocol is in force (recommendation 3).
- An item about a member of an OCG based in another region helps police action only if it
  reaches that region's police: local and regional tiers serve their own region, the national
  hub (MARSOC) forwards across regions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import HIGH, LOW

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["LOCAL_TIER", "NATIONAL_TIER", "REGIONAL_TIER", "share_back_on_arrival", "step"]

LOCAL_TIER, REGIONAL_TIER, NATIONAL_TIER = 0, 1, 2


def mean_delay(model: OCGModel) -> float:
    """Mean sharing delay (weeks) from creation to arrival at a police tier.

    (software delay x complexity [x database factor] + approvals) x (1 - cut) ^ liaison officers.
    """
    s = model.params.sharing
    base = s.base_delay_weeks * s.software_complexity
    if s.common_database:
        base *= s.database_delay_factor
    cut = (1.0 - s.liaison_delay_cut) ** s.liaison_officers
    return (base + s.approval_weeks) * cut


def step(model: OCGModel) -> None:
    """Send this week's new items to the police tiers, then deliver what arrives this week."""
    rng = model.streams["sharing"]
    s = model.params.sharing
    items = model.items
    new = np.arange(model.items_sent, items.n)
    model.items_sent = items.n
    if s.enabled and new.size:
        prisons = items.prison[new]
        delay = mean_delay(model)
        access = np.array([s.access_local, s.access_regional, s.access_national])
        for tier in range(3):
            u = rng.random(new.size)  # drawn either way: common random numbers across scenarios
            if s.common_database:
                reach = np.ones(new.size, dtype=bool)
            else:
                reach = u < access[tier] * model.trust[prisons, tier]
            arrive = model.week + rng.poisson(delay, size=new.size)
            items.arrive[new[reach], tier] = arrive[reach]
            for week, item in zip(arrive[reach].tolist(), new[reach].tolist(), strict=True):
                model.delivery_calendar.setdefault(week, []).append((item, tier))
            model.counts.items_shared[tier] += int(reach.sum())
        reached = (items.arrive[new] >= 0).any(axis=1)
        model.counts.items_shared_any += int(reached.sum())
    _deliver(model, rng)


def _deliver(model: OCGModel, rng: np.random.Generator) -> None:
    """Items arriving this week: police grade them and, if usable, queue them for action."""
    arrivals = model.delivery_calendar.pop(model.week, [])
    if not arrivals:
        return
    pop = model.population
    items = model.items
    i = model.params.intelligence
    s = model.params.sharing
    mismatch = i.protocol_mismatch if i.common_protocol else i.definition_mismatch
    for item, tier in arrivals:
        subject = int(items.subject[item])
        group = int(items.ocg[item])
        if group < 0 or not model.ocgs.alive[group]:
            continue
        home = int(model.ocgs.home_region[group])
        prison_region = int(model.world.prison_region[items.prison[item]])
        if tier == NATIONAL_TIER:
            usable = rng.random() < s.national_forwarding
        else:
            usable = prison_region == home
        if not usable:
            continue
        grade = int(items.prison_grade[item])
        if rng.random() < mismatch:
            grade = LOW if grade == HIGH else HIGH
        pop.police_intel_week[subject] = model.week
        pop.police_grade[subject] = grade
        model.ocgs.police_intel_week[group] = model.week
        model.police_queue[home].append((item, tier))
        model.counts.items_usable += 1


def share_back_on_arrival(model: OCGModel, person: int, u: float) -> None:
    """Police tell the receiving prison that an arriving prisoner is a known OCG member.

    Design trace (DESIGN.md step 5): "Police also share with prisons (who is arriving, who is
    high risk)"; the research's two-way "data-sharing approach".

    Args:
        model: The model.
        person: The arriving prisoner.
        u: A uniform draw in [0, 1) for the decision.
    """
    pop = model.population
    s = model.params.sharing
    if not s.enabled or pop.ocg[person] < 0:
        return
    if model.week - pop.police_intel_week[person] > model.params.disruption.intel_shelf_life_weeks:
        return
    prison = int(pop.prison[person])
    chance = 1.0 if s.common_database else s.police_share_back * model.trust[prison, LOCAL_TIER]
    if u < chance:
        pop.prison_intel_week[person] = model.week
        pop.prison_grade[person] = pop.police_grade[person]
        model.counts.shared_back += 1
