"""Mesa agents (prison intelligence officers and police units), and the view of one offender.

``model.agents`` holds one ``PrisonIntelligenceOfficer`` per whole PIO post and one ``PoliceUnit``
per police tier and region; the weekly processes act for them in bulk, per prison and per region
(each class says what it holds). Offenders are rows of the population arrays
(``sim.state.population``), not agents: there are half a million of them and the weekly
processes treat them in bulk. ``model.offender(i)`` gives an ``OffenderView`` of one of them,
whose properties read those arrays, so that ``view.ocg`` and ``model.population.ocg[i]`` are
always the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.state.ocg import CRIME_TYPES, ROLES
from sim.state.population import AT_LARGE, GONE, HIGH, LOW, REMAND, SENTENCED

if TYPE_CHECKING:
    import numpy as np

    from sim.model.core import OCGModel
    from sim.params import Parameters

__all__ = ["OffenderView", "PoliceUnit", "PrisonIntelligenceOfficer", "TIERS"]

#: Police tiers: local serious organised crime unit, regional unit, national hub.
TIERS: tuple[str, ...] = ("local", "regional", "national")
_STATUS = {AT_LARGE: "at_large", REMAND: "remand", SENTENCED: "sentenced", GONE: "gone"}
_GRADE = {-1: "unknown", LOW: "low", HIGH: "high"}


class OffenderView:
    """One offender, read from the population arrays: at large in their home region, or in a wing.

    Args:
        model: The model.
        index: Row of this offender in the population arrays.

    Attributes:
        index: Row of this offender in the model's population arrays.
    """

    def __init__(self, model: OCGModel, index: int):
        if not 0 <= int(index) < model.population.n:
            raise IndexError(f"no offender {index}; rows are 0 to {model.population.n - 1}")
        self.model = model
        self.index = int(index)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"OffenderView({fields})"

    def as_dict(self) -> dict[str, object]:
        """The offender's state as plain Python values."""
        names = (
            "index",
            "status",
            "home_region",
            "prison",
            "wing",
            "on_licence",
            "ocg",
            "role",
            "high_risk",
            "prison_grade",
            "police_grade",
            "skills",
            "in_debt",
            "tie",
        )
        return {name: getattr(self, name) for name in names}

    def _get(self, name: str):
        return getattr(self.model.population, name)[self.index]

    @property
    def status(self) -> str:
        """Legal status: at_large, remand, sentenced, or gone (desisted)."""
        return _STATUS[int(self._get("status"))]

    @property
    def on_licence(self) -> bool:
        """Whether the offender is at large on licence."""
        return self._get("status") == AT_LARGE and self._get("licence_end") > self.model.week

    @property
    def home_region(self) -> str:
        """Name of the home region."""
        return self.model.world.region_names[int(self._get("region"))]

    @property
    def prison(self) -> int | None:
        """Index of the prison holding the offender, or None."""
        p = int(self._get("prison"))
        return None if p < 0 else p

    @property
    def wing(self) -> int | None:
        """Index of the wing holding the offender, or None."""
        w = int(self._get("wing"))
        return None if w < 0 else w

    @property
    def ocg(self) -> int | None:
        """Index of the offender's OCG, or None."""
        o = int(self._get("ocg"))
        return None if o < 0 else o

    @property
    def role(self) -> str:
        """Role in the OCG: none, associate, core or leader."""
        return ROLES[int(self._get("role"))]

    @property
    def high_risk(self) -> bool:
        """True risk."""
        return bool(self._get("high_risk"))

    @property
    def prison_grade(self) -> str:
        """Risk the prison service believes: unknown, low or high."""
        return _GRADE[int(self._get("prison_grade"))]

    @property
    def police_grade(self) -> str:
        """Risk the police believe: unknown, low or high."""
        return _GRADE[int(self._get("police_grade"))]

    @property
    def skills(self) -> list[str]:
        """Crime types the offender is skilled in."""
        mask = int(self._get("skills"))
        return [c for i, c in enumerate(CRIME_TYPES) if mask >> i & 1]

    @property
    def in_debt(self) -> bool:
        """Whether the offender owes a drug debt inside."""
        return bool(self._get("debt"))

    @property
    def tie(self) -> int | None:
        """The OCG the offender has a personal tie to from prison, or None."""
        o = int(self._get("tie_ocg"))
        return None if o < 0 else o


class PrisonIntelligenceOfficer(mesa.Agent):
    """A prison intelligence officer (PIO) post in one prison.

    ``model.intelligence`` posts one for each whole post (``intelligence.pios_per_1000``), and
    ``model.agents`` lists them. Detection itself works on each prison's posts in full-time
    equivalents, which are exact at any scale, with the casework capacity of
    :meth:`capacity` (the one formula for it).

    Attributes:
        prison: Index of the prison.
    """

    def __init__(self, model: OCGModel, prison: int):
        super().__init__(model)
        self.prison = int(prison)

    @staticmethod
    def capacity(params: Parameters, posts: np.ndarray | float) -> np.ndarray | float:
        """Reports ``posts`` PIO posts assess a week, after paperwork and liaison.

        Posts x ``intelligence.reports_per_pio`` x the share of their time left (1 -
        ``paperwork_share`` - ``pio_liaison_share``, at least 0).
        """
        i = params.intelligence
        time = max(0.0, 1.0 - i.paperwork_share - i.pio_liaison_share)
        return posts * i.reports_per_pio * time


class PoliceUnit(mesa.Agent):
    """A police unit: local (SOCU), regional (ROCU) or national (MARSOC).

    It has no behaviour of its own: the disruption process, which creates the units, holds the
    police's capacity and usable intelligence per region, and trust is held per prison and tier
    (``model.trust``). The agent keeps the police structure visible where the design puts it,
    among ``model.agents`` beside the PIOs (one local and one regional unit per region, one
    national hub).

    Attributes:
        region: Region index, or -1 for the national hub.
        tier: One of ``TIERS``.
    """

    def __init__(self, model: OCGModel, region: int, tier: str):
        super().__init__(model)
        self.region = int(region)
        self.tier = tier
