"""Staff and system costs, so that outcomes can be read per pound.

All figures are assumptions (``cost.*`` parameters); national system costs scale with
``run.scale`` so that a scaled-down run costs proportionally less. What the measures cost is the
lever registry's one formula (:func:`sim.levers.capacity_cost`), which the optimiser's budget
(``sim.policy.budget``) uses too; this process adds what a run's events cost (meetings held,
wrongful separations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.levers import capacity_cost, meetings_cost
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
            headline=7,
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
        capacity = capacity_cost(
            p,
            c,
            pio_posts=model.intelligence.pio_count.sum(),
            separation_places=model.disruption.separation_places.sum(),
            regions=model.world.n_regions,
            scale=model.scale,
            places=float(model.world.prison_capacity.sum()),
        )
        cases = meetings_cost(model.trust.count.meetings, c)
        cases += model.disruption.count.wrongful_separations * c.wrongful_separation
        self.week_cost = float(capacity / 52.0 + cases)
