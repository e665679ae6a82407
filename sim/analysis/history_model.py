"""ocgsim's model as a history-matching simulator, and its calibration targets as targets.

The model's side of :mod:`sim.analysis.history` (issue 27.1), used by ``ocgsim calibrate
--ensemble`` (:mod:`sim.plausible`). :func:`model_simulator` runs the model at each parameter
set and seed, through an executor in parallel or serially through :func:`sim.api.simulate`;
:func:`plausible_ranges` reads each parameter's plausible range from its spec, and
:func:`calibration_targets` turns the calibration bands of :data:`sim.calibration.TARGETS` into
:class:`~sim.analysis.history.HMTarget` (centre and sd = band width / 4).

Python API::

    names = ["community.vacancy_fill_rate", "community.vacancy_half_reach"]
    targets = calibration_targets()
    simulator = model_simulator(names, [t.name for t in targets], scale=0.1, years=6)
    result = history_match(simulator, plausible_ranges(names), targets, points_per_wave=20)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.history import HMTarget
from sim.api import simulate
from sim.calibration import TARGETS, Target
from sim.experiments.executors import run_all
from sim.params import known, spec

__all__ = [
    "CONSTRAINTS",
    "EXTENSIVE",
    "calibration_targets",
    "model_simulator",
    "parameter_values",
    "plausible_ranges",
    "point_tasks",
    "run_points",
    "target_values",
    "world_values",
]

#: Calibration targets that are constraints, not observations with a centre: the highest
#: occupancy must stay at or below capacity (band 0-1), and a band read as centre +-2 sd would
#: pull it towards 0.5. Left out of :func:`calibration_targets` by default.
CONSTRAINTS: tuple[str, ...] = ("max_occupancy_rate",)

#: Metrics that scale with ``run.scale`` (divided by it to compare with full-scale targets).
EXTENSIVE = frozenset(t.metric for t in TARGETS if t.extensive)


def plausible_ranges(names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Each parameter's plausible range (its spec's ``plausible_range``), in the order given.

    Raises:
        ValueError: If a name is not a parameter, or not a numeric one.
    """
    out = {}
    for name in names:
        if not known(name):
            raise ValueError(f"parameter {name!r}: unknown; see docs/parameters.md")
        bounds = spec(name).plausible_range()
        if bounds is None:
            raise ValueError(f"parameter {name!r}: not numeric; history matching takes numbers")
        out[name] = (float(bounds[0]), float(bounds[1]))
    return out


def calibration_targets(
    targets: Sequence[Target] = TARGETS,
    *,
    exclude: Sequence[str] = CONSTRAINTS,
    discrepancy_fraction: float = 0.0,
) -> list[HMTarget]:
    """History-matching targets from calibration bands (full-scale units).

    Each band ``low-high`` is read as a 95% interval (:meth:`HMTarget.from_band`). The model
    discrepancy sd is ``discrepancy_fraction`` x the band's centre (0 by default: an assumption
    the caller should state; the bands already carry the sources' uncertainty).
    """
    if not 0 <= discrepancy_fraction < 10:
        raise ValueError(f"discrepancy_fraction: {discrepancy_fraction}; allowed 0 <= f < 10")
    return [
        HMTarget.from_band(
            t.metric, t.low, t.high, discrepancy_fraction * abs((t.low + t.high) / 2)
        )
        for t in targets
        if t.metric not in exclude
    ]


def model_simulator(
    names: Sequence[str],
    metrics: Sequence[str],
    *,
    scale: float,
    years: int,
    base: Mapping[str, Any] | None = None,
    runner: Callable[[dict[str, Any], int], Mapping[str, float]] = simulate,
    executor: Any = None,
    progress: Callable[[int], None] | None = None,
) -> Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]]:
    """A ``simulator(points, seeds)`` for :func:`~sim.analysis.history.history_match`.

    Each point (one value per name, in order; integer parameters rounded) runs with every seed
    at ``run.scale = scale`` and ``run.years = years`` on top of ``base`` (other parameter
    values, or ``"scenario"``). Extensive metrics are divided by ``scale``, so they compare with
    full-scale targets. ``runner`` is :func:`sim.api.simulate` unless a test replaces it; with
    an ``executor`` (``sim.experiments.executors.make_executor``) the runs go to it instead, in
    parallel, and ``progress`` is called with the number of runs just finished.
    """
    fixed = {**(base or {}), "run.scale": scale, "run.years": years}

    def simulator(points: np.ndarray, seeds: np.ndarray) -> dict[str, np.ndarray]:
        runs = run_points(
            names, points, seeds, fixed, runner=runner, executor=executor, progress=progress
        )
        return target_values(runs, scale, metrics)

    return simulator


def run_points(
    names: Sequence[str],
    points: np.ndarray,
    seeds: Sequence[int],
    fixed: Mapping[str, Any],
    *,
    runner: Callable[[dict[str, Any], int], Mapping[str, float]] = simulate,
    executor: Any = None,
    progress: Callable[[int], None] | None = None,
) -> list[list[Mapping[str, float]]]:
    """Run each point (a row of values of ``names``, on top of ``fixed``) with each seed.

    Args:
        names: The parameters of the points' columns.
        points: (n x len(names)) parameter values.
        seeds: The seeds, the same for every point (common random numbers).
        fixed: The other values of every run.
        runner: Runs one (params, seed) in this process when there is no executor.
        executor: Where the runs go instead, in parallel (``make_executor``).
        progress: Called with the number of runs just finished (with an executor).

    Returns:
        The run summaries: a list per point of one per seed.
    """
    tasks = point_tasks(names, points, seeds, fixed)
    if executor is not None:
        results = run_all(executor, tasks, progress)
    else:
        results = {k: runner(params, seed) for k, params, seed in tasks}
    n = len(seeds)
    return [[results[i * n + j] for j in range(n)] for i in range(len(tasks) // n)]


def target_values(
    runs: list[list[Mapping[str, float]]], scale: float, metrics: Sequence[str]
) -> dict[str, np.ndarray]:
    """Metric -> (points x seeds) of :func:`run_points`' summaries, counts at full scale."""
    div = {m: scale if m in EXTENSIVE else 1.0 for m in metrics}
    return {m: np.array([[r[m] / div[m] for r in row] for row in runs]) for m in metrics}


def parameter_values(names: Sequence[str], point: Sequence[float]) -> dict[str, Any]:
    """A point's values by parameter name; integer parameters rounded, the others as floats."""
    kinds = {name: spec(name).kind if known(name) else float for name in names}
    return {
        n: int(round(float(v))) if kinds[n] is int else float(v)
        for n, v in zip(names, point, strict=True)
    }


def world_values(table: pd.DataFrame) -> list[dict[str, Any]]:
    """:func:`parameter_values` of every row of a table of parameter sets (one column each).

    The plausible worlds of an ensemble are such a table.
    """
    names = list(table.columns)
    return [parameter_values(names, row) for row in table.to_numpy(dtype=float)]


def point_tasks(
    names: Sequence[str], points: np.ndarray, seeds: Sequence[int], fixed: Mapping[str, Any]
) -> list[tuple[int, dict[str, Any], int]]:
    """``(run_id, params, seed)`` of each point (a row of values of ``names``) and seed.

    Run ``i x len(seeds) + j`` is point ``i`` with seed ``j``; integer parameters are rounded;
    ``fixed`` holds the other values of every run.
    """
    tasks = []
    for i, point in enumerate(np.atleast_2d(np.asarray(points, dtype=float))):
        values = parameter_values(names, point)
        for j, seed in enumerate(seeds):
            tasks.append((i * len(seeds) + j, {**fixed, **values}, int(seed)))
    return tasks
