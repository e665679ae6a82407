"""Disruption: prisons and police act on the intelligence they hold, within their capacity.

Research trace:
- "bring all those experts around the table and do this multi-pronged approach where we can
  disrupt and make life difficult, leave no safe space for them" (police officer).
- Prisons separate known high-risk members (fewer contacts) in a limited number of separation
  places, for a limited time, or transfer them; a transfer breaks the local network but can
  seed the OCG in another prison (DESIGN.md: the model must show that trade-off, counted as
  ``transfers_seeded``). Separating someone who is not high risk costs money (complaints, legal
  challenge) and a scarce place.
- Police mount operations against OCGs with the intelligence delivered to them, within their
  weekly capacity (a lever with a cost): an operation arrests members, may take the leader,
  seizes capability, takes part of the group's market (its roles) and may end its joint
  ventures; a group left with fewer than two members dissolves
  (``sim.processes.community``). Intelligence
  about a member inside who runs operations by phone leads to joint action: the prison takes
  the phone while the police act against the group outside.
- A usable item waits in its region's queue and loses value with age ("it's about where it's
  stored, who has access to it, what do they do with it once they have it"): delay from
  software, approvals and liaison costs value. Police choose what to act on by value and by the
  risk grade ("a clear distinction between high and low-risk OCGs' individuals"), and value
  intelligence about members inside less than about members at large ("different aims").
- Items that wait too long are dropped: ignored, which costs trust (``sim.processes.trust``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast import passes
from sim.fast.arrays import unique
from sim.fast.kernels import first_come
from sim.fast.keyed import decision_key, keyed_uniforms
from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.processes.custody import CourtDraws
from sim.state.agents import TIERS, PoliceUnit
from sim.state.population import AT_LARGE, HIGH, REMAND, SENTENCED
from sim.state.world import HIGH_SECURITY, OPEN

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.core import OCGModel
    from sim.params import Parameters

__all__ = ["Disruption", "best_items"]


def _capacity(rng: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    """Whole actions a week with the given expectation (floor plus a Bernoulli remainder)."""
    whole = np.floor(expected)
    return (whole + (rng.random(expected.shape) < expected - whole)).astype(np.int64)


def _inside(pop, people):
    """Whether ``people`` are in prison (on remand or sentenced)."""
    return (pop.status[people] == REMAND) | (pop.status[people] == SENTENCED)


def best_items(
    queue: np.ndarray,
    groups: np.ndarray,
    priority: np.ndarray,
    capacity: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """The items that lead the week's operations, queue by queue.

    In each queue: each OCG's best item, the best OCGs first, as many as the queue's capacity.

    Args:
        queue: The queue (police region) each waiting item is in, in non-decreasing order.
        groups: The OCG each waiting item is about.
        priority: Each item's priority.
        capacity: Operations available to each queue.
        rng: Breaks ties between OCGs of equal priority at random (one draw per OCG waiting in
            a queue with capacity, queue after queue).

    Returns:
        Indices of the items, queue after queue, by falling priority within a queue.
    """
    queue = np.asarray(queue, dtype=np.int64)  # (the key below must not wrap)
    candidates = np.flatnonzero(capacity[queue] > 0)
    key = queue[candidates] * (int(groups.max(initial=0)) + 1) + groups[candidates]
    order = np.argsort(-priority[candidates], kind="stable")  # falling priority, then as listed
    _, first = np.unique(key[order], return_index=True)  # each (queue, OCG) once, in key order
    best = candidates[order[first]]  # by queue, then group
    ties = rng.random(best.size)
    ranked = best[np.lexsort((ties, -priority[best], queue[best]))]
    within = np.arange(ranked.size) - np.searchsorted(queue[ranked], queue[ranked])
    return ranked[within < capacity[queue[ranked]]]


def _mean_delay(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    acted = win["items_acted"].sum()
    return float(win["delay_sum"].sum() / acted) if acted else float("nan")


def _acted_rate(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    created = win["items_created"].sum()
    return float(win["items_acted"].sum() / created) if created else 0.0


class Disruption(Process):
    """Prisons act on the members they know of; police mount operations with delivered items.

    Attributes:
        police_units: The police agents (local and regional per region, one national hub).
        queue: Per region, the usable items waiting for an operation: arrays of item, tier and
            week of arrival.
        separation_places: Separation places in each prison.
        separated: Offenders in separation now.
        acted: This week's deliveries acted on, per (sending prison, police tier).
        ignored: This week's deliveries dropped unused, per (sending prison, police tier),
            counting only items the prison sent (an item read in a common database costs no
            trust).
        seeded_prisons: Prisons where a transfer brought an OCG that had no member there.

    Reads: ``model.sharing.delivered`` (this week's usable items per region).
    """

    name = "disruption"
    READS = ("harm.by_group", "justice.take_many_into_custody", "sharing.delivered")
    METRICS = (
        flow("items_acted", "items", "Items the police acted on (each item once)."),
        flow(
            "deliveries_ignored",
            "deliveries",
            "Usable deliveries that waited too long without an operation and were dropped.",
        ),
        stock(
            "items_waiting",
            "deliveries",
            "Usable deliveries waiting in the police queues at the end of the week.",
            lambda p: int(sum(q[0].size for q in p.queue)),
        ),
        flow(
            "delay_sum",
            "item-weeks",
            "Sum over items acted on of the weeks from creation to action.",
            summarise=False,
        ),
        flow("operations", "operations", "Police operations mounted against OCGs."),
        flow(
            "police_capacity",
            "operations",
            "Operations the police could mount this week (their capacity, in whole operations).",
        ),
        flow(
            "operations_prison_intel",
            "operations",
            "Operations led by prison intelligence (an item shared by a prison).",
        ),
        flow(
            "operations_other_sources",
            "operations",
            "Operations led by intelligence from other sources (community, covert, partners, NCA).",
        ),
        flow(
            "operations_inside",
            "operations",
            "Operations led by intelligence on a member inside (operations run from prison).",
        ),
        flow(
            "operations_high_risk",
            "operations",
            "Operations led by intelligence on a member the police grade high risk.",
        ),
        flow(
            "operation_value_sum",
            "1",
            "Sum over operations of the value of the intelligence behind them.",
            summarise=False,
        ),
        flow("police_arrests", "people", "Members arrested in police operations (not leaders)."),
        flow("leader_removals", "people", "OCG leaders taken into custody by police operations."),
        flow("roles_seized", "roles", "Market roles police operations took from OCGs."),
        flow("ventures_disrupted", "ventures", "Joint ventures ended by police operations."),
        flow(
            "phones_seized",
            "phones",
            "Phones taken from members inside in joint prison-police action (the group's "
            "members held with the subject of an operation's item).",
        ),
        flow("separations", "people", "Known high-risk members placed in separation."),
        flow(
            "wrongful_separations",
            "people",
            "Separations of members who are not truly high risk (over-classification).",
        ),
        stock(
            "in_separation",
            "people",
            "People in separation at the end of the week.",
            lambda p: int(p.separated.size),
        ),
        flow("transfers", "people", "High-risk members transferred to another prison."),
        flow(
            "transfers_seeded",
            "people",
            "Transfers into a prison where the member's OCG had nobody.",
        ),
        stock(
            "prisons_seeded",
            "prisons",
            "Prisons ever seeded with an OCG by a transfer.",
            lambda p: len(p.seeded_prisons),
            extensive=False,
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
            "mean_operation_value",
            "1",
            "Mean value of the intelligence behind an operation (1 = fresh; it decays with the "
            "item's age): what delay costs.",
            lambda win, df, m: (
                float(win["operation_value_sum"].sum() / win["operations"].sum())
                if win["operations"].sum()
                else float("nan")
            ),
            extensive=False,
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
        empty = np.zeros(0, dtype=np.int64)
        self.queue: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
            (empty, empty, empty) for _ in range(w.n_regions)
        ]
        self.acted = np.zeros((w.n_prisons, 3))
        self.ignored = np.zeros((w.n_prisons, 3))
        self.seeded_prisons: set[int] = set()
        self.separated = empty
        # whole separation places per prison: the expectation, rounded up with these draws
        self._rounding = self.rng.random(w.n_prisons)
        self.lead_key = decision_key(self.key, "other_source_lead")
        #: The week each OCG's open lead from another source arose (-1: none open).
        self.lead_week = np.zeros(0, dtype=np.int64)
        self._post_separation_places()

    def _post_separation_places(self) -> None:
        d = self.model.params.disruption
        expected = d.separation_places_per_1000 * self.model.world.prison_capacity / 1000.0
        whole = np.floor(expected)
        self.separation_places = (whole + (self._rounding < expected - whole)).astype(np.int64)

    def levers_changed(self, old: Parameters) -> None:
        """Recount separation places when their number changes."""
        new = self.model.params.disruption.separation_places_per_1000
        if old.disruption.separation_places_per_1000 != new:
            self._post_separation_places()

    def step(self) -> None:
        """Prison actions, then police operations."""
        self.acted = np.zeros_like(self.acted)
        self.ignored = np.zeros_like(self.ignored)
        self._prison_actions()
        self._police_operations()

    # -----------------------------------------------------------------------------------------
    # prisons: separation and transfers
    # -----------------------------------------------------------------------------------------
    def _prison_actions(self) -> None:
        model = self.model
        rng = self.rng
        pop = model.population
        d = model.params.disruption
        week = model.week
        # separations end after separation_weeks (or when the person left the prison)
        still = self.separated[pop.separated[self.separated]]
        ending = still[pop.separated_until[still] <= week]
        pop.separated[ending] = False
        self.separated = still[pop.separated_until[still] > week]

        members = model.week_index.members_inside
        if not members.size:
            return
        target = passes.action_targets(
            members,
            pop.prison_intel_week,
            pop.moved_week,
            pop.prison_grade,
            pop.separated,
            week,
            d.intel_shelf_life_weeks,
            HIGH,
        )
        if not target.size:
            return
        target = target[rng.permutation(target.size)]
        transfers = _capacity(rng, d.prison_actions_per_1000 * model.world.prison_capacity / 1000.0)
        used = np.zeros_like(transfers)
        in_use = np.bincount(pop.prison[self.separated], minlength=model.world.n_prisons)
        categories = model.world.prison_category
        # transfers first, in order (each uses up a free place the next one sees); a person
        # dispersed is not separated, a person concentrated is separated where they went
        here = pop.prison[target].astype(np.int64)
        may_separate = np.ones(target.size, dtype=np.bool_)
        if d.transfer_policy in ("disperse", "concentrate"):
            for i, person in enumerate(target.tolist()):
                prison = int(here[i])
                if used[prison] >= transfers[prison]:
                    continue
                if d.transfer_policy == "disperse":
                    destination = self._other_prison(prison, None)
                elif categories[prison] != HIGH_SECURITY:
                    destination = self._other_prison(prison, HIGH_SECURITY)
                else:
                    continue
                if destination < 0:
                    continue
                used[prison] += 1
                group = int(pop.ocg[person])
                present = self._ocg_present(group, destination)
                model.places.transfer(person, destination)
                pop.moved_week[person] = week
                self.count.transfers += 1
                if not present:
                    self.count.transfers_seeded += 1
                    self.seeded_prisons.add(destination)
                if d.transfer_policy == "concentrate":
                    here[i] = destination
                else:
                    may_separate[i] = False
        # then separation, first come first served while the prison has a free place
        people = target[first_come(here, may_separate, in_use, self.separation_places)]
        if people.size:
            pop.separated[people] = True
            pop.separated_until[people] = week + d.separation_weeks
            self.separated = np.concatenate([self.separated, people])
            self.count.separations += int(people.size)
            self.count.wrongful_separations += int((~pop.high_risk[people]).sum())

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

    # -----------------------------------------------------------------------------------------
    # police: the queue of usable items, and operations
    # -----------------------------------------------------------------------------------------
    def _police_operations(self) -> None:
        """Each region's police spend the week's capacity on the OCGs of their best leads.

        Capacity: ``police_actions_per_region`` x scale x regions a week nationally, shared out
        by each region's police strength (``world.police_share``); under the structural variant
        ``tasking = "prison_only"`` every region has the same ``police_actions_per_region``.

        Leads from prison intelligence: items join their region's queue on arrival; an item is
        worth exp(-age / decay weeks) (age from its creation); its priority is that value, times
        ``high_risk_priority`` if the police grade its subject high risk, times (1 - aims gap) if
        the subject is inside, and (with several sources) times its group's harm last week: the
        harm an operation would prevent. A share ``prison_tasking_share`` of each region's
        capacity (all of it under ``prison_only``) goes to the OCGs of the best items (one
        operation per OCG; ties in random order). Every waiting item about an OCG acted on counts
        as acted on; items that waited ``queue_max_weeks`` are dropped as ignored.

        Leads from other sources (community intelligence, covert sources, partner agencies, the
        NCA; not under ``prison_only``): each live OCG gives its police a lead this week with
        chance ``other_lead_rate`` (a draw keyed by the group and the week, so the same group
        has the same leads in every scenario), worth ``other_intel_value``. The rest of the
        capacity, and whatever prison leads did not use, goes to the OCGs with the most harm
        among them.
        """
        model = self.model
        rng = self.rng
        items = model.items
        p = model.params
        d = p.disruption
        week = model.week
        several = d.tasking != "prison_only"
        n_regions = model.world.n_regions
        if several:
            share = model.world.police_share
            expected = d.police_actions_per_region * model.scale * n_regions * share
        else:
            expected = np.full(n_regions, d.police_actions_per_region * model.scale)
        capacity = _capacity(rng, expected)
        self.count.police_capacity += int(capacity.sum())
        prison_capacity = rng.binomial(capacity, d.prison_tasking_share) if several else capacity
        # every region's queue, then what was delivered to it, region by region in one array
        regions = range(n_regions)
        waiting, new = self.queue, model.sharing.delivered
        queued = np.concatenate([x for r in regions for x in (waiting[r][0], new[r][0])])
        tiers = np.concatenate([x for r in regions for x in (waiting[r][1], new[r][1])])
        arrived = np.concatenate(
            [x for r in regions for x in (waiting[r][2], np.full(new[r][0].size, week))]
        )
        region = np.repeat(regions, [waiting[r][0].size + new[r][0].size for r in regions])
        groups = items.ocg[queued].astype(np.int64)
        alive = model.ocgs.alive[groups]
        expired = alive & (week - arrived >= d.queue_max_weeks)
        self._ignore(queued[expired], tiers[expired], p.sharing.common_database)
        keep = alive & ~expired
        queued, tiers, arrived, groups = queued[keep], tiers[keep], arrived[keep], groups[keep]
        region = region[keep]
        subjects = items.subject[queued]
        value = self.value(queued)
        priority = self.priority(queued, value)
        if several:
            priority *= self.harm_rate(groups)
        ranked = best_items(region, groups, priority, prison_capacity, rng)
        operations = list(
            zip(
                groups[ranked].tolist(),
                value[ranked].tolist(),
                subjects[ranked].tolist(),
                strict=True,
            )
        )
        self.count.operations_prison_intel += len(operations)
        # every waiting item about an OCG acted on (in its region: an OCG's items go to its home
        # region's police) counts as acted on
        key = region * model.ocgs.n + groups  # (int64: np.repeat of a range)
        chosen = np.zeros(len(regions) * model.ocgs.n, dtype=bool)
        chosen[key[ranked]] = True
        acted = chosen[key]
        self._act(queued[acted], tiers[acted])
        rest = ~acted
        queued, tiers, arrived = queued[rest], tiers[rest], arrived[rest]
        cut = np.searchsorted(region[rest], np.arange(1, len(regions)))
        self.queue = list(
            zip(np.split(queued, cut), np.split(tiers, cut), np.split(arrived, cut), strict=True)
        )
        if several:
            spare = capacity - np.bincount(region[ranked], minlength=n_regions)
            operations += self._other_source_operations(spare, groups[ranked])
        self._operate(operations)

    def harm_rate(self, groups: np.ndarray) -> np.ndarray:
        """Each group's harm last week (``harm.by_group``; 0 for a group formed since)."""
        last = self.model.harm.by_group
        out = np.zeros(groups.size)
        known = groups < last.size
        out[known] = last[groups[known]]
        return out

    def _other_source_operations(
        self, spare: np.ndarray, targeted: np.ndarray
    ) -> list[tuple[int, float, int]]:
        """Operations on leads from other sources, the most harmful OCGs first in each region.

        A new lead about a group arises with chance ``other_lead_rate`` a week; it keeps (as a
        prison item does) until acted on, until the group is gone, or for ``queue_max_weeks``,
        and is worth ``other_intel_value`` x exp(-age / ``intel_decay_weeks``).

        Args:
            spare: Capacity left in each region after the prison leads.
            targeted: OCGs already the target of an operation this week.

        Returns:
            (group, value, subject) per operation; the subject is -1 (no item behind it).
        """
        model = self.model
        d = model.params.disruption
        ocgs = model.ocgs
        n = ocgs.n
        week = model.week
        if self.lead_week.size < n:
            grown = np.full(n, -1, dtype=np.int64)
            grown[: self.lead_week.size] = self.lead_week
            self.lead_week = grown
        rows = np.arange(n)
        lead = self.lead_week[:n]
        new = keyed_uniforms(self.lead_key, week, rows) < d.other_lead_rate
        lead[new & (lead < 0)] = week
        lead[~ocgs.alive[:n] | (week - lead >= d.queue_max_weeks)] = -1
        open_lead = lead >= 0
        open_lead[targeted] = False
        leads = rows[open_lead]
        if not leads.size or not spare.any():
            return []
        home = ocgs.home_region[leads].astype(np.int64)
        harm = self.harm_rate(leads)
        order = np.lexsort((leads, -harm, home))  # by region, most harmful first, then by row
        leads, home = leads[order], home[order]
        within = np.arange(leads.size) - np.searchsorted(home, home)
        chosen = leads[within < spare[home]]
        value = d.other_intel_value * np.exp(-(week - lead[chosen]) / d.intel_decay_weeks)
        lead[chosen] = -1
        lead[targeted] = -1  # acted on through a prison item
        self.count.operations_other_sources += int(chosen.size)
        return list(zip(chosen.tolist(), value.tolist(), [-1] * chosen.size, strict=True))

    def value(self, queued: np.ndarray) -> np.ndarray:
        """What each item is worth to police now: exp(-age / ``intel_decay_weeks``)."""
        model = self.model
        age = model.week - model.items.created[queued]
        return np.exp(-age / model.params.disruption.intel_decay_weeks)

    def priority(self, queued: np.ndarray, value: np.ndarray | None = None) -> np.ndarray:
        """Police priority of each item: its value, by risk grade, less for members inside.

        Args:
            queued: The items.
            value: Their values (:meth:`value`), if already worked out.
        """
        model = self.model
        p = model.params
        d = p.disruption
        pop = model.population
        subjects = model.items.subject[queued]
        aims_gap = d.protocol_aims_gap if p.intelligence.common_protocol else d.aims_gap
        priority = self.value(queued) if value is None else value.copy()
        priority *= np.where(pop.police_grade[subjects] == HIGH, d.high_risk_priority, 1.0)
        priority *= np.where(_inside(pop, subjects), 1.0 - aims_gap, 1.0)
        return priority

    def _ignore(self, queued: np.ndarray, tiers: np.ndarray, common_database: bool) -> None:
        """Items dropped unused: they cost trust when the prison sent them (not in a database)."""
        if not queued.size:
            return
        self.count.deliveries_ignored += int(queued.size)
        if not common_database:
            np.add.at(self.ignored, (self.model.items.prison[queued], tiers), 1)

    def _act(self, queued: np.ndarray, tiers: np.ndarray) -> None:
        items = self.model.items
        np.add.at(self.acted, (items.prison[queued], tiers), 1)
        first = np.unique(queued[items.acted[queued] < 0])  # an item reaching several tiers
        items.acted[first] = self.model.week
        self.count.items_acted += int(first.size)
        self.count.delay_sum += int((self.model.week - items.created[first]).sum())

    def _operate(self, operations: list[tuple[int, float, int]]) -> None:
        """The week's operations, each against one OCG with intelligence of value ``v``.

        With fresh intelligence (v = 1) an operation targets the leader (with
        ``leader_removal_probability``), the item's subject, and each other member at large with
        ``operation_arrest_share`` (a leader arrested either way loses the leadership); it seizes
        ``capability_seizure`` of the group's capability
        and ``operation_role_loss`` of its market roles, and ends each joint venture with
        ``venture_disruption``; every chance scales with v. If the subject is inside, the prison
        takes their phone. The arrests are taken into custody in one batch.

        Each OCG is the target of at most one operation a week (its items go to its home
        region's police), so the operations' draws are made for all of them at once; only the
        ventures are ended one operation after another (two targets may share a venture).
        """
        if not operations:
            return
        model = self.model
        rng = self.rng
        pop = model.population
        ocgs = model.ocgs
        d = model.params.disruption
        groups = np.array([op[0] for op in operations], dtype=np.int64)
        value = np.array([op[1] for op in operations], dtype=float)
        subject = np.array([op[2] for op in operations], dtype=np.int64)
        if unique(groups).size != groups.size:
            raise RuntimeError("Disruption._operate: two operations against one OCG in a week")
        has_item = subject >= 0  # (an operation on a lead from another source has no subject)
        inside = has_item & _inside(pop, np.maximum(subject, 0))
        self.count.operations += len(operations)
        self.count.operation_value_sum += float(value.sum())
        self.count.operations_inside += int(inside.sum())
        graded_high = pop.police_grade[np.maximum(subject, 0)] == HIGH
        self.count.operations_high_risk += int((has_item & graded_high).sum())
        ocgs.last_operation[groups] = model.week

        # who is arrested: the leader (removed), the subject, other members at large
        leader = ocgs.leader[groups]
        at_large_leader = (leader >= 0) & (pop.status[np.maximum(leader, 0)] == AT_LARGE)
        take_leader = at_large_leader & (
            rng.random(groups.size) < d.leader_removal_probability * value
        )
        rosters = [ocgs.members_of(g) for g in groups.tolist()]
        op = np.repeat(np.arange(groups.size), [len(r) for r in rosters])
        person = np.array([m for r in rosters for m in r], dtype=np.int64)
        is_leader = person == leader[op]
        chance = np.where(person == subject[op], 1.0, d.operation_arrest_share) * value[op]
        arrested = (
            (pop.status[person] == AT_LARGE)
            & ~(is_leader & take_leader[op])
            & (rng.random(person.size) < chance)
        )
        # into custody operation by operation: the leader removed, then the members arrested (the
        # order in which places are handed out when the estate is full)
        leaders = np.flatnonzero(take_leader)
        order = np.argsort(np.concatenate([leaders, op[arrested]]), kind="stable")
        people = np.concatenate([leader[leaders], person[arrested]])[order]
        targeted = np.concatenate([groups[leaders], groups[op[arrested]]])[order]
        removal = np.concatenate([np.ones(leaders.size, dtype=bool), is_leader[arrested]])[order]

        # seizures of capability and market roles
        ocgs.capability[groups] *= 1.0 - d.capability_seizure * value
        market = ocgs.target_size[groups] - ocgs.venture_roles[groups]
        lost = rng.binomial(market, d.operation_role_loss * value)
        for group, k in zip(groups.tolist(), lost.tolist(), strict=True):
            ocgs.release_roles(group, k)
        self.count.roles_seized += int(lost.sum())
        roles = model.params.community.venture_roles
        for group, v in zip(groups.tolist(), value.tolist(), strict=True):
            for pair in ocgs.ventures_of(group):
                if rng.random() < d.venture_disruption * v:
                    ocgs.end_venture(pair, roles)
                    self.count.ventures_disrupted += 1
        search = inside & (rng.random(groups.size) < value)
        searched = search[op] & (pop.prison[person] == pop.prison[np.maximum(subject, 0)][op])
        self._joint_search(person[searched])
        self._arrest(people, targeted, removal)

    def _joint_search(self, people: np.ndarray) -> None:
        """Joint action: the prison searches the group's members held with the item's subject.

        Their phones are taken, and they cannot get one for ``phone_seizure_weeks``; the prison
        now holds fresh intelligence on them.

        Args:
            people: The members searched (of the week's operations with a search).
        """
        model = self.model
        pop = model.population
        self.count.phones_seized += int(pop.phone[people].sum())
        pop.phone[people] = False
        pop.phone_banned_until[people] = model.week + model.params.disruption.phone_seizure_weeks
        pop.prison_intel_week[people] = model.week

    def _arrest(self, people: np.ndarray, groups: np.ndarray, removal: np.ndarray) -> None:
        """Take the week's targets into custody in one batch (an arrest on licence is a recall).

        A leader removed by an operation loses the leadership: the group must replace them (a
        leader arrested as an ordinary member may lead from inside).

        Args:
            people: The targets, each once.
            groups: The OCG of each.
            removal: Whether each was targeted as the leader (leader removal).
        """
        if not people.size:
            return
        model = self.model
        pop = model.population
        recall = pop.licence_end[people] > model.week
        draws = CourtDraws(model, self.rng, people.size)
        model.justice.take_many_into_custody(people, recall, draws, np.arange(people.size))
        held = pop.status[people] != AT_LARGE
        leaders = held & removal
        still = leaders & (model.ocgs.leader[groups] == people)  # not gone with the conviction
        for group in groups[still].tolist():
            model.ocgs.depose(pop, group)
        self.count.leader_removals += int(leaders.sum())
        self.count.police_arrests += int((held & ~leaders).sum())
