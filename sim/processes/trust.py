"""Trust between each prison and each police tier (local, regional, national).

Research trace:
- "if it's a human thing, it's around trust, it's around what are they going to do with that piece
  of intelligence" (police officer) -> trust gates sharing (``sim.processes.sharing``); it rises
  when shared items are acted on and falls when they are ignored.
- "Increase trust to improve the cooperation and intelligence exchange via regular meetings,
  workshops, and exchange events, nationally, regionally, and locally" (recommendation 5) ->
  meetings at each level raise trust.
- "Different aims; differing organization and work culture" -> trust drifts toward a baseline of
  1 - culture gap.
- Liaison officers (recommendation 4) raise trust with the local and regional tiers every week.
- An operation led by a wrong item (misidentification: ``sim.processes.intelligence``) is wasted
  and costs more trust than an ignored item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.state.agents import TIERS

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = ["Trust"]


def _mean_level(tier: int):
    return lambda p: float(p.level[:, tier].mean()) if p.level.size else 0.0


class Trust(Process):
    """Trust between each prison and each police tier.

    Attributes:
        level: Trust in [0, 1], shape (prisons, 3 tiers: local, regional, national).

    Reads: ``model.disruption.acted`` and ``model.disruption.ignored`` (this week's deliveries
    acted on and ignored, per prison and tier), ``model.disruption.wasted`` (operations led by a
    wrong item), ``model.intelligence.pio_count`` (PIOs' liaison).
    """

    name = "trust"
    READS = (
        "disruption.acted",
        "disruption.ignored",
        "disruption.wasted",
        "intelligence.pio_count",
    )
    METRICS = (
        stock(
            "trust_local",
            "0-1",
            "Mean trust between prisons and the local police tier (SOCU).",
            _mean_level(0),
            extensive=False,
        ),
        stock(
            "trust_regional",
            "0-1",
            "Mean trust between prisons and the regional tier (ROCU).",
            _mean_level(1),
            extensive=False,
        ),
        stock(
            "trust_national",
            "0-1",
            "Mean trust between prisons and the national hub (MARSOC).",
            _mean_level(2),
            extensive=False,
        ),
        flow("meetings", "meetings", "Meetings held between a prison and a police tier."),
        derived(
            "mean_trust",
            "0-1",
            "Mean of the three tiers' window-mean trust.",
            lambda win, df, model: (
                (
                    float(win["trust_local"].mean())
                    + float(win["trust_regional"].mean())
                    + float(win["trust_national"].mean())
                )
                / 3
            ),
            extensive=False,
            label="mean trust",
            fmt="{:.3f}",
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.level = np.full((model.world.n_prisons, len(TIERS)), model.params.trust.initial)

    def step(self) -> None:
        """Update trust: drift, meetings, liaison, the week's acted, ignored and wrong items."""
        model = self.model
        t = model.params.trust
        s = model.params.sharing
        trust = self.level
        baseline = 1.0 - t.culture_gap
        rates = np.array([t.meetings_local, t.meetings_regional, t.meetings_national]) / 52.0
        meetings = self.rng.random(trust.shape) < np.minimum(1.0, rates)
        self.count.meetings += int(meetings.sum())
        # liaison officers (per region) and the liaison part of the PIOs' work (per prison)
        pio_liaison = model.intelligence.pio_count * model.params.intelligence.pio_liaison_share
        liaison = np.zeros_like(trust)
        liaison[:, :2] = (
            s.liaison_trust_gain * s.liaison_officers + t.pio_liaison_gain * pio_liaison[:, None]
        )
        trust += (
            t.drift_rate * (baseline - trust)
            + t.meeting_gain * meetings
            + liaison
            + t.acted_gain * model.disruption.acted
            - t.ignored_loss * model.disruption.ignored
            - t.wrong_item_loss * model.disruption.wasted
        )
        np.clip(trust, 0.0, 1.0, out=trust)
