"""Intelligence: PIOs detect OCG activity in their prison and grade the risk of its subject.

Research trace:
- PIOs make the multi-agency approach work ("That is why they (PIOs) are there") and "some
  prisons are really busy, some prisons are less busy" -> detection falls as the caseload
  (intelligence reports to assess) exceeds the PIOs' capacity.
- "getting stuck in routines and paperwork"; "excess bureaucracy reduces the time that staff have"
  -> paperwork takes a share of PIO capacity.
- "Conceptualizations/operational definitions of SOC & gangs do not always match" -> without a
  common protocol the prison grades risk less accurately, and police may grade it differently
  (``sim.processes.sharing``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.state.agents import PrisonIntelligenceOfficer
from sim.state.population import HIGH, LOW, ColumnStore

if TYPE_CHECKING:
    from sim.model.core import OCGModel
    from sim.params import Parameters

__all__ = ["Intelligence", "IntelligenceItems", "caseload", "detection_share"]

KINDS = ("recruitment", "market", "association")


class IntelligenceItems(ColumnStore):
    """Columnar store of intelligence items.

    Attributes:
        subject: Offender the item is about.
        ocg: The subject's OCG.
        prison: The prison that created it.
        kind: What was seen (index into ``KINDS``).
        true_high: The subject's true risk.
        prison_grade: The prison's risk grading (LOW/HIGH).
        created: Week created.
        arrive: Week it reached each police tier (-1: never), shape (n, 3).
        acted: Week the police acted on it (-1: never).
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
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.pios: list[PrisonIntelligenceOfficer] = []
        self.caseload = 0.0
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
        accuracy = i.protocol_accuracy if i.common_protocol else i.grading_accuracy
        true_high = pop.high_risk[detected]
        correct = rng.random(detected.size) < accuracy
        grade = np.where(correct == true_high, HIGH, LOW).astype(np.int8)
        kind = np.where(
            active[seen],
            0,
            np.where(pop.phone[detected], 1, 2),
        )
        model.items.add(
            subject=detected,
            ocg=pop.ocg[detected],
            prison=pop.prison[detected],
            kind=kind,
            true_high=true_high,
            prison_grade=grade,
            created=np.full(detected.size, model.week),
        )
        pop.prison_intel_week[detected] = model.week
        pop.prison_grade[detected] = grade
        self.count.items_created += int(detected.size)
