"""Police tasking and operations: the half of the disruption process that the police run.

Research trace: see ``sim.processes.disruption`` (the process this class is part of) and
``docs/odd.md`` section 3.3.6. Police spend each region's weekly capacity on the OCGs of their
best leads, from prison intelligence (items shared by prisons, queued by region) and, under
tasking from several sources, from other sources (community intelligence, covert sources, partner
agencies, the NCA); an operation arrests, seizes and takes market roles in proportion to the value
of the intelligence behind it.

``Policing`` is a base class of ``sim.processes.disruption.Disruption``: its methods use the
process's model, stream, key and counts, and its state (the queues, the open leads) is the
process's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast.arrays import unique
from sim.fast.keyed import keyed_uniforms
from sim.processes.custody import CourtDraws
from sim.processes.intelligence import RIGHT
from sim.processes.sharing import LOCAL_TIER
from sim.state.population import AT_LARGE, HIGH, REMAND, SENTENCED

if TYPE_CHECKING:
    from sim.metrics import Tally
    from sim.model.core import OCGModel

__all__ = ["Policing", "best_items", "is_inside", "whole_actions"]


def whole_actions(rng: np.random.Generator, expected: np.ndarray) -> np.ndarray:
    """Whole actions a week with the given expectation (floor plus a Bernoulli remainder)."""
    whole = np.floor(expected)
    return (whole + (rng.random(expected.shape) < expected - whole)).astype(np.int64)


def is_inside(pop, people):
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


class Policing:
    """The police side of disruption (a base class of ``Disruption``; see the module)."""

    model: OCGModel
    rng: np.random.Generator
    count: Tally
    queue: list[tuple[np.ndarray, np.ndarray, np.ndarray]]
    acted: np.ndarray
    ignored: np.ndarray
    wasted: np.ndarray
    lead_key: int
    lead_week: np.ndarray

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

        Misidentification: an operation led by a wrong item (about a non-member, or naming a
        group its subject is not in: ``intelligence.misidentify``) is wasted: it is mounted and
        uses its capacity but finds nothing (value 0: no arrests, seizures or joint action), and
        it costs the trust between the sending prison and the tier (``wasted``).
        """
        model = self.model
        rng = self.rng
        items = model.items
        p = model.params
        d = p.disruption
        several = d.tasking != "prison_only"
        n_regions = model.world.n_regions
        if several:
            share = model.world.police_share
            expected = d.police_actions_per_region * model.scale * n_regions * share
        else:
            expected = np.full(n_regions, d.police_actions_per_region * model.scale)
        capacity = whole_actions(rng, expected)
        self.count.police_capacity += int(capacity.sum())
        prison_capacity = rng.binomial(capacity, d.prison_tasking_share) if several else capacity
        queued, tiers, arrived, region, groups = self._waiting_items()
        subjects = items.subject[queued]
        value = self.value(queued)
        priority = self.priority(queued, value)
        if several:
            priority *= self.harm_rate(groups)
        ranked = best_items(region, groups, priority, prison_capacity, rng)
        wrong = items.wrong[queued[ranked]] != RIGHT
        np.add.at(self.wasted, (items.prison[queued[ranked][wrong]], tiers[ranked][wrong]), 1)
        self.count.operations_wasted += int(wrong.sum())
        operations = list(
            zip(
                groups[ranked].tolist(),
                np.where(wrong, 0.0, value[ranked]).tolist(),
                subjects[ranked].tolist(),
                strict=True,
            )
        )
        self.count.operations_prison_intel += len(operations)
        # every waiting item about an OCG acted on (in its region: an OCG's items go to its home
        # region's police) counts as acted on, except a wrong item that led a wasted operation:
        # it leaves the queue, costs trust (``wasted``) and earns none for being acted on
        key = region * model.ocgs.n + groups  # (int64: np.repeat of a range)
        chosen = np.zeros(n_regions * model.ocgs.n, dtype=bool)
        chosen[key[ranked]] = True
        done = chosen[key]
        acted = done.copy()
        acted[ranked[wrong]] = False
        self._act(queued[acted], tiers[acted])
        rest = ~done
        queued, tiers, arrived = queued[rest], tiers[rest], arrived[rest]
        cut = np.searchsorted(region[rest], np.arange(1, n_regions))
        self.queue = list(
            zip(np.split(queued, cut), np.split(tiers, cut), np.split(arrived, cut), strict=True)
        )
        if several:
            spare = capacity - np.bincount(region[ranked], minlength=n_regions)
            operations += self._other_source_operations(spare, groups[ranked])
        self._operate(operations)

    def _waiting_items(self) -> tuple[np.ndarray, ...]:
        """Every region's queue, then what was delivered to it, region by region in one array.

        Items about a group that is gone are dropped; items that waited ``queue_max_weeks`` are
        dropped as ignored.

        Returns:
            The items, the tier each reached, the week each joined its queue, its region and
            the OCG it is about.
        """
        model = self.model
        items = model.items
        d = model.params.disruption
        week = model.week
        regions = range(model.world.n_regions)
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
        self._ignore(queued[expired], tiers[expired], model.params.sharing.common_database)
        keep = alive & ~expired
        return queued[keep], tiers[keep], arrived[keep], region[keep], groups[keep]

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
        priority *= np.where(is_inside(pop, subjects), 1.0 - aims_gap, 1.0)
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
        takes their phone if the prison and its local police trust each other (joint action:
        with chance v x trust). The arrests are taken into custody in one batch. An operation of
        value 0 (led by a wrong item) is wasted: it does nothing and does not count as an
        operation against the group it names (``last_operation``).

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
        inside = has_item & is_inside(pop, np.maximum(subject, 0))
        self.count.operations += len(operations)
        self.count.operation_value_sum += float(value.sum())
        self.count.operations_inside += int(inside.sum())
        graded_high = pop.police_grade[np.maximum(subject, 0)] == HIGH
        self.count.operations_high_risk += int((has_item & graded_high).sum())
        ocgs.last_operation[groups[value > 0]] = model.week

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
        held_in = pop.prison[np.maximum(subject, 0)]
        joint = value * model.trust.level[held_in, LOCAL_TIER]  # (inside: a prison, not -1)
        search = inside & (rng.random(groups.size) < joint)
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
