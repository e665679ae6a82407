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

from sim.agents import TIERS, PoliceUnit
from sim.justice import CourtDraws
from sim.metrics import derived, flow, stock
from sim.population import AT_LARGE, HIGH
from sim.process import Process
from sim.world import HIGH_SECURITY, OPEN

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import OCGModel

__all__ = ["Disruption"]


def _capacity(rng: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    """Whole actions a week with the given expectation (floor plus a Bernoulli remainder)."""
    whole = np.floor(expected)
    return (whole + (rng.random(expected.shape) < expected - whole)).astype(np.int64)


def _mean_delay(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    acted = win["items_acted"].sum()
    return float(win["delay_sum"].sum() / acted) if acted else float("nan")


def _acted_rate(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    created = win["items_created"].sum()
    return float(win["items_acted"].sum() / created) if created else 0.0


class Disruption(Process):
    """Prisons act on the members they know of; police act on the items delivered to them.

    Attributes:
        police_units: The police agents (local and regional per region, one national hub).
        acted: This week's deliveries acted on, per (sending prison, police tier).
        ignored: This week's deliveries ignored, per (sending prison, police tier), counting only
            items the prison sent (an item read in a common database costs no trust).
        seeded_prisons: Prisons where a transfer brought an OCG that had no member there.

    Reads: ``model.sharing.delivered`` (this week's usable items per region).
    """

    name = "disruption"
    METRICS = (
        flow("items_acted", "items", "Items the police acted on (each item once)."),
        flow(
            "deliveries_ignored",
            "deliveries",
            "Usable deliveries the police had no capacity to act on this week.",
        ),
        flow(
            "delay_sum",
            "item-weeks",
            "Sum over items acted on of the weeks from creation to action.",
            summarise=False,
        ),
        flow("separations", "people", "High-risk members separated inside their prison."),
        flow("transfers", "people", "High-risk members transferred to another prison."),
        flow(
            "transfers_seeded",
            "people",
            "Transfers into a prison where the member's OCG had nobody.",
        ),
        flow("police_arrests", "people", "Members arrested by police acting on intelligence."),
        flow("leader_removals", "people", "OCG leaders taken into custody by police action."),
        stock(
            "prisons_seeded",
            "prisons",
            "Prisons ever seeded with an OCG by a transfer.",
            lambda p: len(p.seeded_prisons),
        ),
        derived(
            "mean_delay_weeks",
            "weeks",
            "Mean weeks from an item's creation to police action (window).",
            _mean_delay,
            extensive=False,
            label="mean delay to action (weeks)",
            fmt="{:.1f}",
        ),
        derived(
            "acted_rate",
            "1",
            "Items acted on / items created (window).",
            _acted_rate,
            extensive=False,
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        w = model.world
        self.police_units = [PoliceUnit(model, r, t) for r in range(w.n_regions) for t in TIERS[:2]]
        self.police_units.append(PoliceUnit(model, -1, "national"))
        self.acted = np.zeros((w.n_prisons, 3))
        self.ignored = np.zeros((w.n_prisons, 3))
        self.seeded_prisons: set[int] = set()

    def step(self) -> None:
        """Prison actions, then police actions."""
        self.acted = np.zeros_like(self.acted)
        self.ignored = np.zeros_like(self.ignored)
        self._prison_actions()
        self._police_actions()

    def _prison_actions(self) -> None:
        model = self.model
        rng = self.rng
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
                destination = self._other_prison(here, None)
            elif d.transfer_policy == "concentrate" and categories[here] != HIGH_SECURITY:
                destination = self._other_prison(here, HIGH_SECURITY)
            if destination < 0:
                pop.separated[person] = True
                self.count.separations += 1
                continue
            group = int(pop.ocg[person])
            present = self._ocg_present(group, destination)
            model.places.transfer(person, destination)
            pop.moved_week[person] = model.week
            pop.separated[person] = d.transfer_policy == "concentrate"
            self.count.transfers += 1
            if not present:
                self.count.transfers_seeded += 1
                self.seeded_prisons.add(destination)

    def _other_prison(self, here: int, category: int | None) -> int:
        """A random other prison with a free place: of ``category``, or any closed prison."""
        model = self.model
        free = model.places.free > 0
        free[here] = False
        if category is not None:
            free &= model.world.prison_category == category
        else:
            free &= model.world.prison_category != OPEN  # high-risk people are not held in open
        choices = np.flatnonzero(free)
        return int(self.rng.choice(choices)) if choices.size else -1

    def _ocg_present(self, group: int, prison: int) -> bool:
        pop = self.model.population
        return any(pop.prison[m] == prison for m in self.model.ocgs.members[group])

    def _police_actions(self) -> None:
        """Each region's police act on the OCGs their newly arrived items are about.

        Up to the region's weekly capacity, one action per OCG; every item about an OCG acted on
        counts as acted on, the rest as ignored.
        """
        model = self.model
        rng = self.rng
        d = model.params.disruption
        items = model.items
        common_database = model.params.sharing.common_database
        expected = np.full(model.world.n_regions, d.police_actions_per_region * model.scale)
        capacity = _capacity(rng, expected)
        targets: list[tuple[int, int, bool]] = []  # the week's arrests: (person, group, leader?)
        for region, queue in enumerate(model.sharing.delivered):
            if not queue:
                continue
            by_group: dict[int, list[tuple[int, int]]] = {}
            for item, tier in queue:
                by_group.setdefault(int(items.ocg[item]), []).append((item, tier))
            # which OCGs get the week's capacity: random order (not the order items were sent)
            groups = list(by_group.items())
            order = (
                rng.permutation(len(groups))
                if len(groups) > capacity[region]
                else range(len(groups))
            )
            for k, (group, group_items) in enumerate(groups[i] for i in order):
                act = k < capacity[region] and model.ocgs.alive[group]
                for item, tier in group_items:
                    prison = int(items.prison[item])
                    if not act:
                        # an ignored item costs trust when the prison sent it; not when the
                        # police merely could read it in a common database
                        if not common_database:
                            self.ignored[prison, tier] += 1
                        self.count.deliveries_ignored += 1
                        continue
                    self.acted[prison, tier] += 1
                    if items.acted[item] < 0:  # an item reaching several tiers counts once
                        items.acted[item] = model.week
                        self.count.items_acted += 1
                        self.count.delay_sum += model.week - int(items.created[item])
                if act:
                    person, removal = self._target(group)
                    if person >= 0:
                        targets.append((person, group, removal))
        self._arrest(targets)

    def _target(self, group: int) -> tuple[int, bool]:
        """Whom one police action against OCG ``group`` arrests: its leader, or a member.

        Returns:
            The offender (-1 if no member is at large), and whether the action is meant to
            remove the leader.
        """
        model = self.model
        rng = self.rng
        pop = model.population
        leader = int(model.ocgs.leader[group])
        if (
            leader >= 0
            and pop.status[leader] == AT_LARGE
            and rng.random() < model.params.disruption.leader_removal_probability
        ):
            return leader, True
        at_large = [m for m in model.ocgs.members_of(group) if pop.status[m] == AT_LARGE]
        if not at_large:
            return -1, False
        return at_large[int(rng.integers(len(at_large)))], False

    def _arrest(self, targets: list[tuple[int, int, bool]]) -> None:
        """Take the week's targets into custody in one batch (an arrest on licence is a recall).

        A leader removed by a leader-removal action loses the leadership: the group must
        replace them (a leader arrested as an ordinary member may lead from inside).
        """
        if not targets:
            return
        model = self.model
        pop = model.population
        people = np.array([t[0] for t in targets], dtype=np.int64)
        groups = np.array([t[1] for t in targets], dtype=np.int64)
        removal = np.array([t[2] for t in targets], dtype=bool)
        recall = pop.licence_end[people] > model.week
        draws = CourtDraws(model, self.rng, people.size)
        model.justice.take_many_into_custody(people, recall, draws, np.arange(people.size))
        held = pop.status[people] != AT_LARGE
        leaders = held & removal
        for group in groups[leaders].tolist():
            model.ocgs.depose(pop, group)
        self.count.leader_removals += int(leaders.sum())
        self.count.police_arrests += int((held & ~leaders).sum())
