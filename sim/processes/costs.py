"""Staff and system costs, so that outcomes can be read per pound.

All figures are assumptions (``cost.*`` parameters); national system costs scale with
``run.scale`` so that a scaled-down run costs proportionally less.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.metrics import derived, stock
from sim.process import Process

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = ["Costs"]


class Costs(Process):
    """The week's cost (£) of the measures.

    PIOs, liaison officers, meetings held, police operations capacity, separation places,
    wrongful separations, and national systems.

    Attributes:
        week_cost: This week's cost (£).

    Reads: ``model.intelligence.pio_count`` (PIO posts), ``model.trust.count.meetings`` (this
    week's meetings), ``model.disruption.separation_places`` and
    ``model.disruption.count.wrongful_separations``.
    """

    name = "costs"
    READS = (
        "disruption.count",
        "disruption.separation_places",
        "intelligence.pio_count",
        "trust.count",
    )
    METRICS = (
        stock("cost", "£", "Cost of the week.", lambda p: float(p.week_cost), summarise=False),
        derived(
            "cost_million_per_year",
            "£ million/year",
            "Cost per year over the window (staff, meetings, national systems).",
            lambda win, df, model: float(win["cost"].sum() / (len(win) / 52.0) / 1e6),
            headline=6,
            label="cost (GBP million / year)",
            fmt="{:.2f}",
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.week_cost = 0.0

    def step(self) -> None:
        """Cost this week's staff, systems and meetings."""
        model = self.model
        p = model.params
        c = p.cost
        staff = model.intelligence.pio_count.sum() * c.pio
        staff += (
            p.sharing.liaison_officers * model.world.n_regions * c.liaison_officer * model.scale
        )
        police = p.disruption.police_actions_per_region * model.scale * model.world.n_regions
        staff += police * 52.0 * c.police_operation
        staff += model.disruption.separation_places.sum() * c.separation_place
        systems = 0.0
        if p.sharing.common_database:
            systems += c.common_database
        if p.sharing.software_complexity < 1.0:
            systems += c.simplified_software * (1.0 - p.sharing.software_complexity)
        if p.intelligence.common_protocol:
            systems += c.common_protocol
        cases = model.trust.count.meetings * c.meeting
        cases += model.disruption.count.wrongful_separations * c.wrongful_separation
        self.week_cost = float((staff + systems * model.scale) / 52.0 + cases)
