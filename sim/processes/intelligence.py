"""Intelligence: PIOs detect OCG activity in their prison and grade the risk of its subject.

Research trace:
- PIOs make the multi-agency approach work ("That is why they (PIOs) are there") and "some
  prisons are really busy, some prisons are less busy" -> detection falls as the caseload
  (intelligence reports to assess) exceeds the PIOs' capacity.
- "getting stuck in routines and paperwork"; "excess bureaucracy reduces the time that staff have"
  -> paperwork takes a share of PIO capacity.
- "Conceptualizations/operational definitions of SOC & gangs do not always match" -> without a
  common protocol the prison grades risk less accurately, and police may grade it differently
  (``sim.processes.sharing``); an item may also be about someone who is not a member (a prisoner
  seen with members) or name the wrong group, less often under the common protocol. Acting on
  such an item wastes a police operation or a separation and costs trust
  (``sim.processes.disruption``, ``sim.processes.trust``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast.arrays import unique
from sim.fast.keyed import decision_key, keyed_uniforms
from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.state.agents import PrisonIntelligenceOfficer
from sim.state.population import AT_LARGE, GONE, HIGH, LOW, ColumnStore

if TYPE_CHECKING:
    from sim.model.core import OCGModel
    from sim.params import Parameters

__all__ = [
    "NOT_MEMBER",
    "RIGHT",
    "WRONG_GROUP",
    "Intelligence",
    "IntelligenceItems",
    "caseload",
    "detection_share",
    "misidentification_rates",
]

KINDS = ("recruitment", "market", "association")
#: What is wrong with an item (``IntelligenceItems.wrong``): nothing, its subject is not a
#: member of any OCG, or it names a group its subject is not a member of.
RIGHT, NOT_MEMBER, WRONG_GROUP = 0, 1, 2


class IntelligenceItems(ColumnStore):
    """Columnar store of intelligence items.

    Attributes:
        subject: Offender the item is about.
        ocg: The OCG the item names (the subject's, unless the item is wrong).
        prison: The prison that created it.
        kind: What was seen (index into ``KINDS``).
        true_high: The subject's true risk.
        prison_grade: The prison's risk grading (LOW/HIGH).
        created: Week created.
        arrive: Week it reached each police tier (-1: never), shape (n, 3).
        acted: Week the police acted on it (-1: never).
        wrong: ``RIGHT``, ``NOT_MEMBER`` (the subject is in no OCG) or ``WRONG_GROUP``.
    """

    FIELDS = {
        "subject": (np.int64, -1),
        "ocg": (np.int32, -1),
        "prison": (np.int32, -1),
        "kind": (np.int8, 0),
        "true_high": (np.bool_, False),
        "prison_grade": (np.int8, LOW),
        "created": (np.int32, -1),
        "acted": (np.int32, -1),
        "arrive": (np.int32, -1, (3,)),
        "wrong": (np.int8, RIGHT),
    }

    def __init__(self, capacity: int = 4096):
        super().__init__(capacity)

    def add(self, **columns: np.ndarray) -> np.ndarray:
        """Append items (one array per field, all the same length); return their indices."""
        idx = self._append(len(columns["subject"]))
        for name, values in columns.items():
            getattr(self, name)[idx] = values
        return idx


def caseload(model: OCGModel) -> np.ndarray:
    """Reports each prison's PIOs have to assess this week: per prisoner and per member inside."""
    i = model.params.intelligence
    members = model.week_index.members_inside
    inside = np.bincount(model.population.prison[members], minlength=model.world.n_prisons)
    return model.places.occupancy * i.reports_per_prisoner + inside * i.reports_per_member


def detection_share(model: OCGModel, load: np.ndarray | None = None) -> np.ndarray:
    """Share of each prison's intelligence caseload its PIOs can assess this week.

    Capacity is PIOs x reports a PIO assesses a week x the share of their time left after
    paperwork and liaison; the caseload is prisoners x reports per prisoner a week plus OCG
    members inside x reports per member (it follows OCG activity). A busier prison, or one with
    more OCG activity, assesses a smaller share with the same PIOs.

    Args:
        model: The model.
        load: This week's :func:`caseload`, if already worked out.
    """
    capacity = PrisonIntelligenceOfficer.capacity(model.params, model.intelligence.pio_count)
    load = caseload(model) if load is None else load
    share = np.where(load > 0, np.minimum(1.0, capacity / np.maximum(load, 1e-12)), 1.0)
    return np.where(model.faction_run, model.params.regime.faction_detection_factor * share, share)


def misidentification_rates(params: Parameters) -> tuple[float, float]:
    """Chances that an item is about a non-member, and (if not) that it names the wrong group.

    Under the common protocol (one definition of an OCG member and of risk across the criminal
    justice system) the protocol's lower rates apply. Different aims add to the wrong-group
    rate: the prison records affiliation for order and safety, not for the police's map of
    groups, so the wider the aims gap in force (``disruption.aims_gap``, or
    ``protocol_aims_gap`` under the protocol) the more items name a group the police would not.
    """
    i = params.intelligence
    d = params.disruption
    if i.common_protocol:
        not_member, wrong_group, gap = (
            i.protocol_not_member_rate,
            i.protocol_wrong_group_rate,
            d.protocol_aims_gap,
        )
    else:
        not_member, wrong_group, gap = i.not_member_rate, i.wrong_group_rate, d.aims_gap
    return not_member, min(1.0, wrong_group + gap * i.aims_wrong_group_rate)


def _among(sorted_rows: np.ndarray, few: np.ndarray) -> np.ndarray:
    """Which of ``sorted_rows`` (sorted, each once) are in ``few`` (``np.isin``, by search)."""
    out = np.zeros(sorted_rows.size, dtype=bool)
    if sorted_rows.size and few.size:
        at = np.minimum(np.searchsorted(sorted_rows, few), sorted_rows.size - 1)
        out[at[sorted_rows[at] == few]] = True
    return out


class Intelligence(Process):
    """PIOs detect activity of OCG members inside; each detection becomes a graded item.

    Attributes:
        pio_count: PIO posts in each prison, in full-time equivalents (exact at any scale, so a
            lever works in small runs too).
        pios: The PIO agents: one for each whole post, at least one in a prison with any posts.

    Reads: ``model.prison_life.recruiters`` (recruiting is a visible signal).
    """

    name = "intelligence"
    READS = ("prison_life.recruiters",)
    METRICS = (
        stock(
            "pios",
            "FTE",
            "Prison intelligence officer posts (full-time equivalents).",
            lambda p: float(p.pio_count.sum()),
        ),
        stock(
            "caseload",
            "reports/week",
            "Intelligence reports prisons generate a week (the PIOs' caseload): per prisoner and "
            "per OCG member inside.",
            lambda p: float(p.caseload),
        ),
        derived(
            "reports_per_prisoner_year",
            "reports/prisoner-year",
            "Intelligence reports per prisoner-year (window): the caseload against the prison "
            "population.",
            lambda win, df, m: float(
                52.0 * win["caseload"].mean() / win["prison_population"].mean()
            ),
            extensive=False,
        ),
        flow(
            "items_created",
            "items",
            "Intelligence items created by PIOs.",
            label="intelligence items per year",
        ),
        flow(
            "items_misidentified",
            "items",
            "Items about someone who is not an OCG member, or naming the wrong group.",
        ),
        flow(
            "items_not_member",
            "items",
            "Items about a prisoner who is not an OCG member (false positives).",
        ),
        stock(
            "stand_ins_flagged",
            "people",
            "Non-members inside whom the prison holds fresh intelligence on as OCG members.",
            lambda p: int(p.stand_ins.size),
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.pios: list[PrisonIntelligenceOfficer] = []
        self.caseload = 0.0
        #: Non-members inside flagged by a wrong item (prison actions may target them).
        self.stand_ins = np.zeros(0, dtype=np.int64)
        self.keys = {
            name: decision_key(self.key, name)
            for name in ("item_not_member", "item_stand_in", "item_wrong_group", "item_named_group")
        }
        self.post_pios()

    def post_pios(self) -> None:
        """Post PIOs to prisons to match ``intelligence.pios_per_1000`` (in force now)."""
        model = self.model
        for pio in self.pios:
            pio.remove()
        per_1000 = model.params.intelligence.pios_per_1000
        self.pio_count = per_1000 * model.world.prison_capacity / 1000.0
        counts = np.where(self.pio_count > 0, np.maximum(1, np.round(self.pio_count)), 0)
        self.pios = [
            PrisonIntelligenceOfficer(model, p)
            for p in range(model.world.n_prisons)
            for _ in range(int(counts[p]))
        ]

    def levers_changed(self, old: Parameters) -> None:
        """Repost PIOs when their number changes."""
        if old.intelligence.pios_per_1000 != self.model.params.intelligence.pios_per_1000:
            self.post_pios()

    def step(self) -> None:
        """PIOs detect activity of OCG members inside; each detection becomes a graded item."""
        model = self.model
        rng = self.rng
        pop = model.population
        i = model.params.intelligence
        members = model.week_index.members_inside
        load = caseload(model)
        self.caseload = float(load.sum())
        self._prune_stand_ins()
        if not members.size:
            return
        share = detection_share(model, load)
        rate = i.signal_rate * i.detection_probability * share[pop.prison[members]]
        active = _among(members, model.prison_life.recruiters)
        rate = rate * np.where(active, i.recruiter_signal_multiplier, 1.0)  # a visible signal
        seen = rng.random(members.size) < 1.0 - np.exp(-rate)
        detected = members[seen]
        if not detected.size:
            return
        subject, group, wrong = self.misidentify(detected)
        accuracy = i.protocol_accuracy if i.common_protocol else i.grading_accuracy
        true_high = pop.high_risk[subject]
        correct = rng.random(detected.size) < accuracy
        grade = np.where(correct == true_high, HIGH, LOW).astype(np.int8)
        kind = np.where(
            active[seen],
            0,
            np.where(pop.phone[detected], 1, 2),
        )
        model.items.add(
            subject=subject,
            ocg=group,
            prison=pop.prison[detected],
            kind=kind,
            true_high=true_high,
            prison_grade=grade,
            created=np.full(detected.size, model.week),
            wrong=wrong,
        )
        pop.prison_intel_week[subject] = model.week
        pop.prison_grade[subject] = grade
        self.count.items_created += int(detected.size)
        self.count.items_misidentified += int((wrong != RIGHT).sum())
        self.count.items_not_member += int((wrong == NOT_MEMBER).sum())

    def misidentify(self, detected: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Who each item is about and which group it names, with the misidentification rates.

        A detection of member m becomes, with chance :func:`misidentification_rates`' first
        rate, an item about a non-member on m's wing (someone seen with m) naming m's group;
        otherwise, with the second rate, an item about m naming another live group of the same
        home region (confused with m's). If there is no such person or group the item is right.
        Every decision is a keyed draw by (decision, detected member, week), so the same
        detection is misread alike in every scenario with the same rates.

        Args:
            detected: The members detected this week (each once).

        Returns:
            The items' subjects, the OCGs they name, and what is wrong with each (``RIGHT``,
            ``NOT_MEMBER``, ``WRONG_GROUP``).
        """
        model = self.model
        pop = model.population
        ocgs = model.ocgs
        week = model.week
        subject = detected.copy()
        group = pop.ocg[detected].astype(np.int64)
        wrong = np.full(detected.size, RIGHT, dtype=np.int8)
        not_member, wrong_group = misidentification_rates(model.params)
        if not_member <= 0.0 and wrong_group <= 0.0:
            return subject, group, wrong
        keys = self.keys
        stand = keyed_uniforms(keys["item_not_member"], week, detected) < not_member
        named = ~stand & (keyed_uniforms(keys["item_wrong_group"], week, detected) < wrong_group)
        pick = keyed_uniforms(keys["item_stand_in"], week, detected)
        wings = model.places.wings
        for row in np.flatnonzero(stand).tolist():
            mates = wings.group(int(pop.wing[detected[row]]))
            others = mates[pop.ocg[mates] < 0]
            if others.size:
                subject[row] = others[int(pick[row] * others.size)]
                wrong[row] = NOT_MEMBER
        if named.any():
            pick = keyed_uniforms(keys["item_named_group"], week, detected)
            live = np.flatnonzero(ocgs.alive[: ocgs.n])
            home = ocgs.home_region[live]
            for row in np.flatnonzero(named).tolist():
                true = int(group[row])
                others = live[(home == ocgs.home_region[true]) & (live != true)]
                if others.size:
                    group[row] = others[int(pick[row] * others.size)]
                    wrong[row] = WRONG_GROUP
        flagged = subject[wrong == NOT_MEMBER]
        if flagged.size:
            self.stand_ins = unique(np.concatenate([self.stand_ins, flagged]))
        return subject, group, wrong

    def _prune_stand_ins(self) -> None:
        """Keep the stand-ins who are still inside, still not members, on fresh intelligence."""
        model = self.model
        pop = model.population
        people = self.stand_ins
        fresh = model.params.disruption.intel_shelf_life_weeks
        status = pop.status[people]
        keep = (
            (status != AT_LARGE)
            & (status != GONE)
            & (pop.ocg[people] < 0)
            & (model.week - pop.prison_intel_week[people] <= fresh)
        )
        self.stand_ins = people[keep]
