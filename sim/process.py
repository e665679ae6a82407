"""The base of every process of the week.

A process is one mechanism of the step order (justice, prison life, the market, ...): a small
plain class that owns its state, declares its outputs in ``METRICS`` (``sim.metrics``) and runs
once a week in ``step``. It draws random numbers only from its own stream, ``self.rng``, spawned
from the model's ``rng``, so that a change in one process leaves the draws of the others alone
(common random numbers across scenarios).

What a process reads from another is named in its docstring ("Reads: ...") and read from that
process's attributes (``model.prison_life.recruiters``); nothing passes through a shared
scratch-pad.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sim.metrics import FLOW, Metric, Tally

if TYPE_CHECKING:
    import numpy as np

    from sim.model.core import OCGModel
    from sim.params import Parameters

__all__ = ["Process"]


class Process:
    """One step of the week.

    Attributes:
        name: The process's name: its attribute on the model and its random stream.
        METRICS: The outputs it declares.
        model: The model.
        rng: The process's own random stream (None for a process that draws nothing).
        count: The week's event counts, one per declared flow (reset every week).
    """

    name: ClassVar[str] = ""
    METRICS: ClassVar[tuple[Metric, ...]] = ()

    def __init__(self, model: OCGModel):
        self.model = model
        self.rng: np.random.Generator | None = model.streams.get(self.name)
        self.count = Tally(m.name for m in self.METRICS if m.kind == FLOW)

    def step(self) -> None:
        """Run the process for this week."""
        raise NotImplementedError

    def levers_changed(self, old: Parameters) -> None:
        """React to a change of the parameters in force (``model.params``); nothing by default.

        Args:
            old: The parameters in force before the change.
        """
