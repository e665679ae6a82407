"""Recruitment at large: who an OCG can reach to fill its vacant roles, and how fast it fills them.

Research trace:
- Phones let members inside run operations outside (HMPPS OC Unit) -> a member inside with a
  phone counts toward the group's capacity to recruit outside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast import passes
from sim.state.population import AT_LARGE

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = ["recruiting_strength"]


def recruiting_strength(model: OCGModel) -> np.ndarray:
    """Each OCG's capacity to recruit outside, relative to a group with every member at large.

    Members at large count 1 (less under intelligence-led licence conditions); members inside
    count ``phone_recruit_boost`` if they hold a phone, else 0.
    """
    pop = model.population
    n = model.ocgs.n
    active = passes.active_members(
        model.ocgs.member_rows(),  # fresh: exits happened this week
        pop.status,
        pop.licence_intel,
        pop.phone,
        pop.ocg,
        n,
        1.0 - model.params.disruption.licence_effect,
        model.params.community.phone_recruit_boost,
        AT_LARGE,
    )
    size = np.maximum(model.ocgs.size[:n], 1)
    return np.minimum(1.0, active / size)
