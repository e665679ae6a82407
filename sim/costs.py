"""Staff and system costs, so that outcomes can be read per pound.

All figures are assumptions (``cost.*`` parameters); national system costs scale with
``run.scale`` so that a scaled-down run costs proportionally less.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["weekly_cost"]


def weekly_cost(model: OCGModel) -> float:
    """Cost (£) of this week: PIOs, liaison officers, meetings held, and national systems."""
    p = model.params
    c = p.cost
    staff = model.pio_count.sum() * c.pio
    staff += p.sharing.liaison_officers * model.world.n_regions * c.liaison_officer * model.scale
    systems = 0.0
    if p.sharing.common_database:
        systems += c.common_database
    if p.sharing.software_complexity < 1.0:
        systems += c.simplified_software * (1.0 - p.sharing.software_complexity)
    if p.intelligence.common_protocol:
        systems += c.common_protocol
    return float((staff + systems * model.scale) / 52.0 + model.counts.meetings * c.meeting)
