"""How hard the search searches, and the one seam through which it runs the model.

A *batch evaluator* ``(jobs) -> results`` runs the model: :class:`SerialBatch` one job after
another in this process, :class:`sim.experiments.batch.EngineBatch` on the experiment engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["BatchEvaluator", "Job", "SearchSettings", "SerialBatch"]

#: One job: (lever mix, seed).
Job = tuple[dict[str, Any], int]


class BatchEvaluator(Protocol):
    """Runs a batch of jobs; the one function to swap for the experiment engine."""

    def __call__(self, jobs: Sequence[Job]) -> list[dict[str, float]]:
        """Results of ``f(mix, seed)`` for each job, in order."""
        ...


class SerialBatch:
    """Runs jobs one after another in this process.

    Args:
        evaluate: ``f(params, seed) -> dict[str, float]``.
        fixed: Parameters added to every mix (scale, years, scenario, ...).
        progress: Called with the number of jobs done after each job (a progress bar's update).
    """

    def __init__(
        self,
        evaluate: Callable[[dict[str, Any], int], dict[str, float]],
        fixed: dict[str, Any] | None = None,
        progress: Callable[[int], Any] | None = None,
    ):
        self.evaluate = evaluate
        self.fixed = dict(fixed or {})
        self.progress = progress

    def __call__(self, jobs: Sequence[Job]) -> list[dict[str, float]]:
        """Run each job."""
        out = []
        for mix, seed in jobs:
            out.append(self.evaluate({**self.fixed, **mix}, int(seed)))
            if self.progress is not None:
                self.progress(1)
        return out


@dataclass(frozen=True)
class SearchSettings:
    """How hard to search.

    Attributes:
        candidates: Feasible mixes in the space-filling design.
        min_replicates: Replicates of every candidate in the first round.
        max_replicates: Most replicates a survivor gets.
        eta: Halving rate: the best 1/eta survive and get eta times the replicates.
        zoom_rounds: Rounds of a local design around the leader.
        zoom_candidates: Mixes in each local design.
        zoom_width: Half-width of the local box as a share of each numeric lever's range.
        confirm: Fresh replicates of the winner and the status quo for the reported interval.
        seed: Root seed (design scrambling and replicate seeds).
        max_draws: Most design points drawn while looking for feasible mixes.
    """

    candidates: int = 32
    min_replicates: int = 2
    max_replicates: int = 8
    eta: int = 2
    zoom_rounds: int = 1
    zoom_candidates: int = 16
    zoom_width: float = 0.125
    confirm: int = 8
    seed: int = 20240601
    max_draws: int = 1 << 14

    def __post_init__(self) -> None:
        checks = {
            "candidates": self.candidates >= 1,
            "min_replicates": self.min_replicates >= 2,
            "max_replicates": self.max_replicates >= self.min_replicates,
            "eta": self.eta >= 2,
            "zoom_rounds": self.zoom_rounds >= 0,
            "zoom_candidates": self.zoom_candidates >= 1,
            "zoom_width": 0 < self.zoom_width <= 0.5,
            "confirm": self.confirm >= 0 and self.confirm != 1,
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"search settings: invalid {', '.join(bad)}")

    def planned_runs(self, n_candidates: int | None = None) -> int:
        """The most runs the search makes (for a progress bar and an estimate)."""
        n = self.candidates if n_candidates is None else n_candidates

        def race(n: int) -> int:
            runs, reps, total = n, self.min_replicates, 0
            prev = 0
            while True:
                total += runs * (reps - prev)
                if runs <= 1 or reps >= self.max_replicates:
                    return total
                prev = reps
                runs = max(1, math.ceil(runs / self.eta))
                reps = min(self.max_replicates, reps * self.eta)

        total = race(n) + self.max_replicates  # + the status quo
        total += self.zoom_rounds * race(self.zoom_candidates + 1)
        return total + 2 * self.confirm
