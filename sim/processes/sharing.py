"""Sharing: intelligence items travel from prisons to the police tiers, and back.

Research trace:
- "it's about where it's stored, who has access to it, what do they do with it once they have
  it [...] it's around trust" (police officer) -> an item reaches a tier through separate systems
  with partial access, and only if the sending prison trusts the receiver; one common database
  (recommendation 1) changes where it is stored, who has access and how fast: every tier reads
  every item, and the prison reads the police's record. Trust still governs what is done with
  what is read: police accept the prison's grade, and a prison the police's grade, only as far
  as they trust each other (and joint action needs it: ``sim.processes.policing``).
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

from sim.fast.arrays import grouped
from sim.fast.kernels import compiled
from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.state.population import HIGH, LOW

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.core import OCGModel
    from sim.params import Parameters

__all__ = ["LOCAL_TIER", "NATIONAL_TIER", "REGIONAL_TIER", "Sharing", "mean_delay"]

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


def _graded_correctly(p: Sharing) -> float:
    """Share of truly high-risk members whom the police grade as high risk."""
    pop = p.model.population
    members = p.model.week_index.members
    high, graded = _high_risk_graded(members, pop.high_risk, pop.police_grade, HIGH)
    return graded / high if high else 0.0  # (a weekly series stays finite: 0 with none)


@compiled
def _high_risk_graded(members, high_risk, police_grade, high):
    """How many of ``members`` are truly high risk, and how many of those police grade high."""
    n = graded = 0
    for person in members:
        if high_risk[person]:
            n += 1
            if police_grade[person] == high:
                graded += 1
    return n, graded


def _share_rate(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    created = win["items_created"].sum()
    return float(win["items_shared"].sum() / created) if created else float("nan")


class Sharing(Process):
    """Items travel from prisons to the police tiers; police share back with prisons.

    Attributes:
        sent: Items created up to here have been sent (an index into ``model.items``).
        delivery_calendar: Week -> the batches arriving that week, each a pair of arrays
            (items, tiers), in the order they were sent.
        delivered: This week's usable deliveries, per region whose police can act on them: a
            pair of arrays (items, tiers), in order of arrival (read by disruption).

    Reads: ``model.trust.level`` (a prison shares with a tier it trusts; police and prison take
    on each other's grade as far as they trust each other).
    """

    name = "sharing"
    READS = ("trust.level",)
    METRICS = (
        flow("items_shared", "items", "Items that reached at least one police tier."),
        flow("items_shared_local", "items", "Items sent to the local tier (SOCU)."),
        flow("items_shared_regional", "items", "Items sent to the regional tier (ROCU)."),
        flow("items_shared_national", "items", "Items sent to the national hub (MARSOC)."),
        flow(
            "items_usable",
            "deliveries",
            "Deliveries the receiving police can use (their region's OCG, or forwarded).",
        ),
        flow(
            "shared_back",
            "people",
            "Arriving prisoners the police flagged to the prison as known OCG members.",
        ),
        stock(
            "high_risk_correctly_graded",
            "1",
            "Share of truly high-risk members whom the police grade as high risk.",
            _graded_correctly,
            extensive=False,
        ),
        derived(
            "share_rate",
            "1",
            "Items that reached at least one police tier / items created (window).",
            _share_rate,
            extensive=False,
            label="share rate",
            fmt="{:.3f}",
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.sent = 0
        self.delivery_calendar: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        empty = np.zeros(0, dtype=np.int64)
        self.delivered: list[tuple[np.ndarray, np.ndarray]] = [
            (empty, empty) for _ in range(model.world.n_regions)
        ]

    def levers_changed(self, old: Parameters) -> None:
        """Silos: when sharing stops, nothing in transit arrives either."""
        if not self.model.params.sharing.enabled:
            self.delivery_calendar.clear()

    def step(self) -> None:
        """Send this week's new items to the police tiers, then deliver what arrives this week."""
        model = self.model
        rng = self.rng
        s = model.params.sharing
        items = model.items
        new = np.arange(self.sent, items.n)
        self.sent = items.n
        if s.enabled and new.size:
            reached_tier = [0, 0, 0]
            prisons = items.prison[new]
            delay = mean_delay(model)
            access = np.array([s.access_local, s.access_regional, s.access_national])
            for tier in range(3):
                u = rng.random(new.size)  # drawn either way: common random numbers
                if s.common_database:
                    reach = np.ones(new.size, dtype=bool)
                else:
                    reach = u < access[tier] * model.trust.level[prisons, tier]
                arrive = model.week + rng.poisson(delay, size=new.size)
                items.arrive[new[reach], tier] = arrive[reach]
                self._schedule(new[reach], arrive[reach], tier)
                reached_tier[tier] = int(reach.sum())
            self.count.items_shared_local += reached_tier[LOCAL_TIER]
            self.count.items_shared_regional += reached_tier[REGIONAL_TIER]
            self.count.items_shared_national += reached_tier[NATIONAL_TIER]
            reached = (items.arrive[new] >= 0).any(axis=1)
            self.count.items_shared += int(reached.sum())
        self._deliver()

    def _schedule(self, sent: np.ndarray, arrive: np.ndarray, tier: int) -> None:
        """Put items sent to ``tier`` on the delivery calendar, by week of arrival, in order."""
        tiers = np.full(sent.size, tier, dtype=np.int64)
        for week, part in grouped(arrive):
            self.delivery_calendar.setdefault(week, []).append((sent[part], tiers[part]))

    def _deliver(self) -> None:
        """Items arriving this week: police grade them and, if usable, pass them on for action.

        An item is usable if its OCG still exists and it reached the police of the OCG's home
        region: local and regional tiers serve their own region, the national hub forwards with
        ``sharing.national_forwarding``. Police accept the prison's grade with a chance equal to
        the trust between the sending prison and the tier; otherwise they grade by their own
        definitions, which flip the grade with the definitions' mismatch rate (with or without
        one database: the database changes what they read, not what they make of it). Two
        uniform draws per arriving item, made for all of them at once.
        """
        model = self.model
        empty = np.zeros(0, dtype=np.int64)
        self.delivered = [(empty, empty) for _ in range(model.world.n_regions)]
        batches = self.delivery_calendar.pop(model.week, [])
        if not batches:
            return
        rng = self.rng
        pop = model.population
        items = model.items
        ocgs = model.ocgs
        i = model.params.intelligence
        s = model.params.sharing
        mismatch = i.protocol_mismatch if i.common_protocol else i.definition_mismatch
        item = np.concatenate([b[0] for b in batches])
        tier = np.concatenate([b[1] for b in batches])
        forward = rng.random(item.size) < s.national_forwarding
        accepted = model.trust.level[items.prison[item], tier]
        flip = rng.random(item.size) < mismatch * (1.0 - accepted)
        group = items.ocg[item].astype(np.int64)
        alive = (group >= 0) & ocgs.alive[np.maximum(group, 0)]
        home = ocgs.home_region[np.maximum(group, 0)].astype(np.int64)
        own_region = model.world.prison_region[items.prison[item]] == home
        usable = alive & np.where(tier == NATIONAL_TIER, forward, own_region)
        item, tier, home, flip = item[usable], tier[usable], home[usable], flip[usable]
        grade = items.prison_grade[item]
        grade = np.where(flip, np.where(grade == HIGH, LOW, HIGH), grade).astype(np.int8)
        # an offender in several items this week keeps the grade of the last one
        subject = items.subject[item]
        _, last = np.unique(subject[::-1], return_index=True)
        last = subject.size - 1 - last
        pop.police_intel_week[subject[last]] = model.week
        pop.police_grade[subject[last]] = grade[last]
        for region, part in grouped(home):
            self.delivered[region] = (item[part], tier[part])
        self.count.items_usable += int(item.size)

    def share_back_on_arrival(self, people: np.ndarray, u: np.ndarray) -> None:
        """Police tell the receiving prison which arriving prisoners are known OCG members.

        Design trace (design brief, step 5): "Police also share with prisons (who is arriving,
        who is high risk)"; the research's two-way "data-sharing approach". With separate systems
        the police tell the prison with chance ``police_share_back``; with one database the prison
        reads the police's record itself (access 1). Either way the prison takes on the police's
        grade only with a chance equal to its trust in the local tier ("what do they do with it
        once they have it [...] it's around trust").

        Args:
            people: The arriving prisoners (each once).
            u: A uniform draw in [0, 1) for each, for the decision.
        """
        model = self.model
        pop = model.population
        s = model.params.sharing
        if not s.enabled or not people.size:
            return
        shelf_life = model.params.disruption.intel_shelf_life_weeks
        known = (pop.ocg[people] >= 0) & (model.week - pop.police_intel_week[people] <= shelf_life)
        people, u = people[known], u[known]
        access = 1.0 if s.common_database else s.police_share_back
        chance = access * model.trust.level[pop.prison[people], LOCAL_TIER]
        told = people[u < chance]
        pop.prison_intel_week[told] = model.week
        pop.prison_grade[told] = pop.police_grade[told]
        self.count.shared_back += int(told.size)
