"""The base of every process of the week.

A process is one mechanism of the step order (justice, prison life, the market, ...): a small
plain class that owns its state, declares its outputs in ``METRICS`` (``sim.metrics``) and runs
once a week in ``step``. It draws random numbers only from its own stream, ``self.rng``, derived
from the model's seed and keyed by the process's ``name`` (``sim.model.core.named_stream``), so
that a change in one process (or a new process) leaves the draws of the others alone (common
random numbers across scenarios).

Adding a process is its module, its test, its parameters and one line in the step order
(``sim.model.core.PROCESSES``): the model builds every process in that order (``__init__``, which
must not read the population), makes the initial conditions, then calls each ``start``.

What a process reads or calls of another is declared in its ``READS`` (``"prison_life.recruiters"``)
and read from that process's attributes; the only data shared otherwise is the model's state (the
population, places, OCG registry, intelligence items, world, parameters) and the week index that
the model builds (``sim.model.week``). Processes import no other process's module: what several
share lives in ``sim.processes.custody`` and ``sim.state``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from sim.metrics import FLOW, Metric, Tally

if TYPE_CHECKING:
    import numpy as np

    from sim.model.core import OCGModel
    from sim.params import Parameters

__all__ = ["MODEL_SURFACE", "Process"]

#: What a process may read or call of the model, besides the processes named in its ``READS``:
#: the parameters (in force, and the scenario's), the world and the shared state, the week and its
#: index, and the two services (``add_offenders`` for entrants, ``faction_run`` for the regime).
#: ``tests/test_structure.py`` checks every process module against it.
MODEL_SURFACE = frozenset(
    {
        "params",
        "scenario",
        "scenario_params",
        "scale",
        "world",
        "population",
        "places",
        "ocgs",
        "items",
        "week",
        "weeks_total",
        "week_index",
        "faction_run",
        "add_offenders",
        "processes",
    }
)


class Process:
    """One step of the week.

    Attributes:
        name: The process's name: its attribute on the model and its random stream.
        METRICS: The outputs it declares.
        READS: What it reads or calls of other processes, as ``"process.attribute"``
            (checked against the code by ``tests/test_structure.py``, listed in ``docs/odd.md``).
        INDEX_BEFORE: Whether the model rebuilds the week index (``sim.model.week``) just
            before this process's step.
        model: The model.
        rng: The process's own random stream, named after it.
        key: A 64-bit key of the same name, for draws keyed by the entity they concern
            (``sim.fast.keyed``): the same group meets the same draw in every scenario.
        count: The week's event counts, one per declared flow (reset every week).
    """

    name: ClassVar[str] = ""
    METRICS: ClassVar[tuple[Metric, ...]] = ()
    INDEX_BEFORE: ClassVar[bool] = False
    READS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, model: OCGModel):
        if not self.name:
            raise TypeError(f"{type(self).__name__} has no name (its attribute and random stream)")
        self.model = model
        self.rng: np.random.Generator = model.stream(self.name)
        self.key: int = model.stream_key(self.name)
        self.count = Tally(m.name for m in self.METRICS if m.kind == FLOW)

    def start(self) -> None:
        """Set up what depends on the initial conditions (called once, after they are made)."""

    def step(self) -> None:
        """Run the process for this week."""
        raise NotImplementedError

    def levers_changed(self, old: Parameters) -> None:
        """React to a change of the parameters in force (``model.params``); nothing by default.

        Args:
            old: The parameters in force before the change.
        """
