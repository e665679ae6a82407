"""Disruption: prisons and police act on the intelligence they hold, within weekly capacity.

Research trace:
- "bring all those experts around the table and do this multi-pronged approach where we can
  disrupt and make life difficult, leave no safe space for them" (police officer).
- Prisons separate high-risk members (fewer contacts) or transfer them; a transfer breaks the
  local network but can seed the OCG in another prison (DESIGN.md: the model must show that
  trade-off, counted as ``transfers_seeded``).
- Police raise arrest pressure on known members at large (``sim.justice``), act on items they
  receive (arrests, leader removal), and manage releases through licence conditions.
- Items the police cannot act on are ignored, which costs trust (``sim.trust``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.justice import take_into_custody
from sim.population import AT_LARGE, CORE, HIGH
from sim.world import HIGH_SECURITY, OPEN

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["step"]


def _capacity(rng: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    """Whole actions a week with the given expectation (floor plus a Bernoulli remainder)."""
    whole = np.floor(expected)
    return (whole + (rng.random(expected.shape) < expected - whole)).astype(np.int64)


def step(model: OCGModel) -> None:
    """Prison actions, then police actions."""
    rng = model.streams["disruption"]
    _prison_actions(model, rng)
    _police_actions(model, rng)


def _prison_actions(model: OCGModel, rng: np.random.Generator) -> None:
    pop = model.population
    d = model.params.disruption
    members = model.cache.members_inside
    if not members.size:
        return
    fresh = (model.week - pop.prison_intel_week[members]) <= d.intel_shelf_life_weeks
    # a member moved on the same intelligence is not moved again within its shelf life
    settled = (model.week - pop.moved_week[members]) > d.intel_shelf_life_weeks
    eligible = fresh & settled & (pop.prison_grade[members] == HIGH) & ~pop.separated[members]
    target = members[eligible]
    if not target.size:
        return
    target = target[rng.permutation(target.size)]
    capacity = _capacity(rng, d.prison_actions_per_1000 * model.world.prison_capacity / 1000.0)
    used = np.zeros_like(capacity)
    categories = model.world.prison_category
    for person in target.tolist():
        here = int(pop.prison[person])
        if used[here] >= capacity[here]:
            continue
        used[here] += 1
        destination = -1
        if d.transfer_policy == "disperse":
            destination = _other_prison(model, rng, here, None)
        elif d.transfer_policy == "concentrate" and categories[here] != HIGH_SECURITY:
            destination = _other_prison(model, rng, here, HIGH_SECURITY)
        if destination < 0:
            pop.separated[person] = True
            model.counts.separations += 1
            continue
        group = int(pop.ocg[person])
        present = _ocg_present(model, group, destination)
        model.transfer(person, destination)
        pop.moved_week[person] = model.week
        pop.separated[person] = d.transfer_policy == "concentrate"
        model.counts.transfers += 1
        if not present:
            model.counts.transfers_seeded += 1
            model.seeded_prisons.add(destination)


def _other_prison(
    model: OCGModel, rng: np.random.Generator, here: int, category: int | None
) -> int:
    """A random other prison with a free place: of ``category``, or any closed prison."""
    free = model.prison_free > 0
    free[here] = False
    if category is not None:
        free &= model.world.prison_category == category
    else:
        free &= model.world.prison_category != OPEN  # high-risk people are not held in open
    choices = np.flatnonzero(free)
    return int(rng.choice(choices)) if choices.size else -1


def _ocg_present(model: OCGModel, group: int, prison: int) -> bool:
    pop = model.population
    return any(pop.prison[m] == prison for m in model.ocgs.members[group])


def _police_actions(model: OCGModel, rng: np.random.Generator) -> None:
    """Each region's police act on the OCGs their newly arrived items are about.

    Up to the region's weekly capacity, one action per OCG; every item about an OCG acted on
    counts as acted on, the rest as ignored.
    """
    d = model.params.disruption
    items = model.items
    expected = np.full(model.world.n_regions, d.police_actions_per_region * model.scale)
    capacity = _capacity(rng, expected)
    for region, queue in enumerate(model.police_queue):
        if not queue:
            continue
        model.police_queue[region] = []
        by_group: dict[int, list[tuple[int, int]]] = {}
        for item, tier in queue:
            by_group.setdefault(int(items.ocg[item]), []).append((item, tier))
        # which OCGs get the week's capacity: random order (not the order items were sent)
        groups = list(by_group.items())
        order = (
            rng.permutation(len(groups)) if len(groups) > capacity[region] else range(len(groups))
        )
        for k, (group, group_items) in enumerate(groups[i] for i in order):
            act = k < capacity[region] and model.ocgs.alive[group]
            for item, tier in group_items:
                prison = int(items.prison[item])
                if not act:
                    # an ignored item costs trust when the prison sent it; not when the police
                    # merely could read it in a common database
                    if not model.params.sharing.common_database:
                        model.counts.ignored[prison, tier] += 1
                    model.counts.deliveries_ignored += 1
                    continue
                model.counts.acted[prison, tier] += 1
                if items.acted[item] < 0:  # an item reaching several tiers counts once
                    items.acted[item] = model.week
                    model.counts.items_acted += 1
                    model.counts.delay_sum += model.week - int(items.created[item])
            if act:
                _act_on(model, rng, group)


def _on_licence(model: OCGModel, person: int) -> bool:
    """An arrest of someone on licence is a recall, as in ``sim.justice``."""
    return bool(model.population.licence_end[person] > model.week)


def _act_on(model: OCGModel, rng: np.random.Generator, group: int) -> None:
    """One police action against OCG ``group``: remove its leader, or arrest a member at large."""
    pop = model.population
    leader = int(model.ocgs.leader[group])
    if (
        leader >= 0
        and pop.status[leader] == AT_LARGE
        and rng.random() < model.params.disruption.leader_removal_probability
    ):
        if take_into_custody(model, leader, rng, recall=_on_licence(model, leader)):
            model.ocgs.leader[group] = -1
            pop.role[leader] = CORE  # demoted: the group must replace its leader
            model.counts.leader_removals += 1
            model.leaderless.add(group)
        return
    at_large = [m for m in model.ocgs.members_of(group) if pop.status[m] == AT_LARGE]
    if at_large:
        person = at_large[int(rng.integers(len(at_large)))]
        if take_into_custody(model, person, rng, recall=_on_licence(model, person)):
            model.counts.police_arrests += 1
