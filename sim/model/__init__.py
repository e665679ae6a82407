"""The model: ``OCGModel`` (build, step, run, outputs), its initial conditions and invariants."""

from sim.model.core import PROCESSES, OCGModel, Records

__all__ = ["OCGModel", "PROCESSES", "Records"]
