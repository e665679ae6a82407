"""Intelligence: PIOs detect OCG activity in their prison and grade the risk of its subject.

Research trace:
- PIOs make the multi-agency approach work ("That is why they (PIOs) are there") and "some
  prisons are really busy, some prisons are less busy" -> detection falls as the caseload
  (intelligence reports to assess) exceeds the PIOs' capacity.
- "getting stuck in routines and paperwork"; "excess bureaucracy reduces the time that staff have"
  -> paperwork takes a share of PIO capacity.
- "Conceptualizations/operational definitions of SOC & gangs do not always match" -> without a
  common protocol the prison grades risk less accurately, and police may grade it differently
  (``sim.sharing``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import HIGH, LOW, ColumnStore

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["IntelligenceItems", "detection_share", "step"]

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


def detection_share(model: OCGModel) -> np.ndarray:
    """Share of each prison's intelligence caseload its PIOs can assess this week.

    Capacity is PIOs x reports a PIO assesses a week x (1 - paperwork share); the caseload is
    prisoners x reports per prisoner a week. A busier prison with the same PIOs assesses a
    smaller share.
    """
    i = model.params.intelligence
    capacity = model.pio_count * i.reports_per_pio * (1.0 - i.paperwork_share)
    caseload = model.prison_occupancy * i.reports_per_prisoner
    share = np.where(caseload > 0, np.minimum(1.0, capacity / np.maximum(caseload, 1e-12)), 1.0)
    return np.where(model.faction_run, 0.5 * share, share)


def step(model: OCGModel) -> None:
    """PIOs detect activity of OCG members inside; each detection becomes a graded item."""
    rng = model.streams["intelligence"]
    pop = model.population
    i = model.params.intelligence
    members = model.cache.members_inside
    if not members.size:
        return
    share = detection_share(model)
    rate = i.signal_rate * i.detection_probability * share[pop.prison[members]]
    active = np.isin(members, model.counts.recruiters)
    rate = rate * np.where(active, 2.0, 1.0)  # recruiting is a visible signal of its own
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
    model.counts.items_created += int(detected.size)
