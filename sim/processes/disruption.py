"""Disruption: prisons and police act on the intelligence they hold, within their capacity.

Research trace:
- "bring all those experts around the table and do this multi-pronged approach where we can
  disrupt and make life difficult, leave no safe space for them" (police officer).
- Prisons separate known high-risk members (fewer contacts) in a limited number of separation
  places, for a limited time, or transfer them; a transfer breaks the local network but can
  seed the OCG in another prison (design brief: the model must show that trade-off, counted as
  ``transfers_seeded``). Separating someone who is not high risk costs money (complaints, legal
  challenge) and a scarce place.
- Police mount operations against OCGs with the intelligence delivered to them, within their
  weekly capacity (a lever with a cost): an operation arrests members, may take the leader, seizes
  capability, takes part of the group's market (its roles) and may end its joint ventures; a group
  left with fewer than two members dissolves (``sim.processes.community``). Intelligence about a
  member inside who runs operations by phone leads to joint action: the prison takes the phone while
  the police act against the group outside.
- A usable item waits in its region's queue and loses value with age ("it's about where it's
  stored, who has access to it, what do they do with it once they have it"): delay from
  software, approvals and liaison costs value. Police choose what to act on by value and by the
  risk grade ("a clear distinction between high and low-risk OCGs' individuals"), and value
  intelligence about members inside less than about members at large ("different aims").
- Items that wait too long are dropped: ignored, which costs trust (``sim.processes.trust``).
- An item may be wrong (about a non-member, or naming the wrong group: definitions "do not always
  match"): a police operation it leads is wasted and costs trust; a separation of a non-member
  is a wasted place.
- Joint action needs trust ("it's around trust, it's around what are they going to do with that
  piece of intelligence"): the prison searches with the police as far as it trusts them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast import passes
from sim.fast.kernels import first_come
from sim.fast.keyed import decision_key
from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.processes.policing import Policing, whole_actions
from sim.state.agents import TIERS, PoliceUnit
from sim.state.population import HIGH
from sim.state.world import HIGH_SECURITY, OPEN

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.core import OCGModel
    from sim.params import Parameters

__all__ = ["Disruption"]


def _mean_delay(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    acted = win["items_acted"].sum()
    return float(win["delay_sum"].sum() / acted) if acted else float("nan")


def _acted_rate(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    created = win["items_created"].sum()
    return float(win["items_acted"].sum() / created) if created else float("nan")


class Disruption(Policing, Process):
    """Prisons act on the members they know of; police mount operations with delivered items.

    Attributes:
        police_units: The police agents (local and regional per region, one national hub).
        queue: Per region, the usable items waiting for an operation: arrays of item, tier and
            week of arrival.
        separation_places: Separation places in each prison.
        separated: Offenders in separation now.
        acted: This week's deliveries acted on, per (sending prison, police tier).
        wasted: This week's operations led by a wrong item, per (sending prison, police tier).
        ignored: This week's deliveries dropped unused, per (sending prison, police tier),
            counting only items the prison sent (an item read in a common database costs no
            trust).
        seeded_prisons: Prisons where a transfer brought an OCG that had no member there.

    Reads: ``model.sharing.delivered`` (this week's usable items per region),
    ``model.trust.level`` (joint action), ``model.intelligence.stand_ins`` (non-members the
    prison holds intelligence on).
    """

    name = "disruption"
    READS = (
        "harm.by_group",
        "intelligence.stand_ins",
        "justice.take_many_into_custody",
        "sharing.delivered",
        "trust.level",
    )
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
        flow(
            "operations_wasted",
            "operations",
            "Operations led by a wrong item (about a non-member, or naming the wrong group): "
            "mounted, but they find nothing.",
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
            "Separations of people who are not truly high risk (over-classification), including "
            "non-members named by a wrong item (also counted in separations_wasted).",
        ),
        flow(
            "separations_wasted",
            "people",
            "Separations of prisoners who are not OCG members (flagged by a wrong item).",
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
        self.wasted = np.zeros((w.n_prisons, 3))
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
        self.wasted = np.zeros_like(self.wasted)
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

        # members inside, and non-members flagged by a wrong item (the prison cannot tell)
        members = model.week_index.members_inside
        stand_ins = model.intelligence.stand_ins
        if stand_ins.size:
            members = np.union1d(members, stand_ins)
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
        transfers = whole_actions(
            rng, d.prison_actions_per_1000 * model.world.prison_capacity / 1000.0
        )
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
                present = group < 0 or self._ocg_present(group, destination)  # (a stand-in)
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
            self.count.separations_wasted += int((pop.ocg[people] < 0).sum())

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
