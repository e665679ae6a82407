"""Trust between each prison and each police tier (local, regional, national).

Research trace:
- "if it's a human thing, it's around trust, it's around what are they going to do with that
  piece of intelligence" (police officer) -> trust gates sharing (``sim.sharing``); it rises
  when shared items are acted on and falls when they are ignored.
- "Increase trust to improve the cooperation and intelligence exchange via regular meetings,
  workshops, and exchange events, nationally, regionally, and locally" (recommendation 5) ->
  meetings at each level raise trust.
- "Different aims; differing organization and work culture" -> trust drifts toward a baseline of
  1 - culture gap.
- Liaison officers (recommendation 4) raise trust with the local and regional tiers every week.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["step"]


def step(model: OCGModel) -> None:
    """Update trust from drift, meetings, liaison officers and the week's acted/ignored items."""
    rng = model.streams["trust"]
    t = model.params.trust
    s = model.params.sharing
    trust = model.trust
    baseline = 1.0 - t.culture_gap
    rates = np.array([t.meetings_local, t.meetings_regional, t.meetings_national]) / 52.0
    meetings = rng.random(trust.shape) < np.minimum(1.0, rates)
    model.counts.meetings += int(meetings.sum())
    liaison = np.zeros_like(trust)
    liaison[:, :2] = s.liaison_trust_gain * s.liaison_officers
    trust += (
        t.drift_rate * (baseline - trust)
        + t.meeting_gain * meetings
        + liaison
        + t.acted_gain * model.counts.acted
        - t.ignored_loss * model.counts.ignored
    )
    np.clip(trust, 0.0, 1.0, out=trust)
