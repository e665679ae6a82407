"""The stored results of an experiment, loaded for analysis and reports."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["SIM_MODEL", "Results", "load_results"]

#: The ``sim`` model's reference in experiment manifests.
SIM_MODEL = "sim.api:simulate"


@dataclass
class Results:
    """The stored results of an experiment.

    Attributes:
        path: The results folder.
        manifest: ``manifest.json``.
        runs: One row per run (sorted by run id).
        design: One row per design point, with the raw sample (``sample:<factor>`` columns).
    """

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    design: pd.DataFrame

    @property
    def kind(self) -> str:
        """Design type."""
        return self.manifest["design"]["kind"]

    @property
    def factors(self) -> list[str]:
        """Factor names."""
        return list(self.manifest["design"]["factors"])

    @property
    def is_sim(self) -> bool:
        """Whether the results come from the ``sim`` model (so metrics have units)."""
        return self.manifest.get("model", SIM_MODEL) == SIM_MODEL

    def point_scales(self) -> dict[int, float | None]:
        """``run.scale`` of each design point (None where it is not known: another model)."""
        if not self.is_sim:
            return {p["point_id"]: None for p in self.manifest["design"]["points"]}
        base = self.manifest["design"].get("base_parameters", {}) or {}
        default = base.get("run.scale")
        if default is None:
            default = 1.0
            if base.get("scenario"):
                with contextlib.suppress(Exception):
                    from sim.scenario import load_scenario

                    default = load_scenario(base["scenario"]).values.get("run.scale", 1.0)
        return {
            p["point_id"]: float(p["factors"].get("run.scale", default))
            for p in self.manifest["design"]["points"]
        }

    def point_settings(self, point_id: int) -> tuple[float, int]:
        """``run.years`` and ``run.intervention_week`` of a design point (sim model)."""
        from sim.params import spec

        base = self.manifest["design"].get("base_parameters", {}) or {}
        factors = self.manifest["design"]["points"][point_id]["factors"]
        values = {**base, **factors}
        return (
            values.get("run.years", spec("run.years").default),
            values.get("run.intervention_week", spec("run.intervention_week").default),
        )

    def series(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """Weekly series in long format (empty if none were kept)."""
        from sim.experiments.store import ResultsStore

        return ResultsStore(self.path).series(metrics)


def load_results(path: str | Path) -> Results:
    """Load a results folder.

    Raises:
        ScenarioError: If the folder holds no experiment (or a single run).
    """
    from sim.experiments.store import open_results

    store = open_results(path)
    return Results(store.path, store.manifest(), store.runs(), store.design_table())
