"""Planning an experiment: its size, a timed estimate of its run time, the window check.

For a scenario design of ocgsim's model the plan also states the minimum detectable effect of
the design on the primary outcome (:mod:`sim.analysis.power`), before anything runs.

:func:`plan_experiment` is what ``ocgsim plan`` prints and what the engine and the comparison
check before anything is written; :func:`check_window` refuses design points whose summary
window is too short to say anything.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any

from sim.experiments.design import Design, build_design, shard_run_ids
from sim.experiments.executors import run_one
from sim.experiments.spec import DEFAULT_SCHEMA, Experiment, ExperimentError, model_function
from sim.io.guards import window_problem
from sim.params import spec as parameter_spec
from sim.scenario import load_scenario

__all__ = ["Plan", "check_window", "plan_experiment"]


@dataclass
class Plan:
    """The size of an experiment and an estimate of its run time.

    Attributes:
        experiment: The experiment.
        design: Its design.
        runs: Runs to carry out (in this shard).
        seconds_per_run: Calibrated seconds per run, or ``None`` without calibration.
        workers: Parallel workers assumed for the estimate.
        note: How the calibration was done.
        startup_seconds: Measured one-off cost of a fresh process (imports, caches), which
            every worker pays once.
    """

    experiment: Experiment
    design: Design
    runs: int
    seconds_per_run: float | None
    workers: int
    note: str
    startup_seconds: float = 0.0

    #: Slow-down allowed for in the upper end of the estimate: parallel runs share caches,
    #: memory bandwidth and the CPU with the main process, and design points other than the
    #: first (where the calibration runs) may be slower. On a 2-core machine, 240 runs of
    #: compare_recommendations took 1.6 times the ideal parallel time.
    SLOWDOWN = 2.0

    @property
    def estimated_seconds(self) -> float | None:
        """Estimated wall time on ``workers`` workers if runs parallelise perfectly."""
        if self.seconds_per_run is None:
            return None
        busy = max(1, min(self.workers, self.runs))  # no more workers busy than there are runs
        return self.startup_seconds + self.runs * self.seconds_per_run / busy

    @property
    def estimated_range(self) -> tuple[float, float] | None:
        """Low and high estimate of the wall time on ``workers`` workers."""
        low = self.estimated_seconds
        if low is None:
            return None
        return low, self.startup_seconds + self.SLOWDOWN * (low - self.startup_seconds)

    def text(self, mde: bool = True) -> str:
        """The plan, as printed by ``ocgsim plan``.

        Args:
            mde: Include the minimum detectable effect of a scenario design of ocgsim's model
                (:func:`sim.analysis.power.experiment_mde_text`); ``ocgsim compare`` prints it
                on its own, before the timing runs.
        """
        exp = self.experiment
        lines = [
            f"experiment: {exp.name} ({exp.path})",
            f"design: {self.design.describe()}",
            f"model: {exp.model}; seed {exp.seed}; results: {exp.out_dir}",
        ]
        if exp.fixed:
            run_bits = ", ".join(f"{k}={v}" for k, v in exp.fixed.items() if k.startswith("run."))
            if run_bits:
                lines.append(f"run settings: {run_bits}")
        lines.append(f"runs: {self.runs}")
        # at call time: sim.analysis (pandas, SciPy) stays out of `import sim.experiments`
        from sim.analysis.power import experiment_mde_text

        effect = experiment_mde_text(exp) if mde else None
        if effect:
            lines.append(effect)
        if self.seconds_per_run is not None and self.estimated_range is not None:
            low, high = self.estimated_range
            lines.append(f"calibration: {self.seconds_per_run:.3g} s per run ({self.note})")
            lines.append(
                f"estimated time: {_duration(low)} to {_duration(high)} on {self.workers} "
                f"worker(s) ({_duration(self.runs * self.seconds_per_run)} serially); the low "
                "end assumes runs parallelise perfectly, the high end allows for runs "
                f"{self.SLOWDOWN:g}x slower in parallel or at other design points"
            )
            if low > self.runs * self.seconds_per_run:
                lines.append(
                    "so few runs finish sooner serially than on a pool of fresh workers "
                    f"(each pays {self.startup_seconds:.1f} s to start): --executor serial"
                )
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def _workers(experiment: Experiment) -> int:
    ex = experiment.execution
    if ex["executor"] == "serial":
        return 1
    return ex["workers"] or os.cpu_count() or 1


def plan_experiment(
    experiment: Experiment, *, calibrate: int = 2, shard: tuple[int, int] | None = None
) -> Plan:
    """Count the runs and estimate the time from a short calibration.

    With the ``sim`` model (whose schema has ``run.years``), the first design point is run for 1
    year (a warm-up), then timed for 1 and 2 years, and the time per run extrapolated linearly
    to the experiment's length; other models are run ``calibrate`` times at the first design
    point and the fastest run is used.

    Args:
        experiment: The experiment.
        calibrate: Calibration runs (0: no calibration, no estimate).
        shard: Count only this shard's runs.

    Returns:
        The plan.
    """
    design = build_design(experiment)
    check_window(experiment, design)
    runs = len(shard_run_ids(design.n_runs, shard))
    workers = _workers(experiment)
    if calibrate <= 0 or design.n_runs == 0:
        return Plan(experiment, design, runs, None, workers, "no calibration")
    fn = model_function(experiment)
    first = design.run(0)
    params = dict(first.params)
    years = params.get("run.years")

    def timed(p: dict[str, Any]) -> float:
        result = run_one(fn, p, first.seed, series=experiment.series)
        if result["status"] != "ok":
            last = result["error"].strip().splitlines()[-1]
            raise ExperimentError(f"{experiment.path}: calibration run failed: {last}")
        return result["seconds"]

    if isinstance(years, int) and years > 2 and calibrate >= 2:
        # the first run in a process pays for imports and caches; timing it would shrink the
        # per-year slope (a 2.4x underestimate was seen), so it is a warm-up only; its extra
        # time is what each fresh worker process pays once
        warm = timed({**params, "run.years": 1})
        t1 = timed({**params, "run.years": 1})
        t2 = timed({**params, "run.years": 2})
        per_year = max(t2 - t1, 0.0)
        fixed = max(t1 - per_year, 0.0)
        per_run = fixed + per_year * years
        startup = max(warm - t1, 0.0)
        note = f"1- and 2-year runs at design point 0 extrapolated to {years} years"
    else:
        times = [timed(params) for _ in range(max(1, calibrate))]
        per_run = min(times)
        startup = max(times[0] - per_run, 0.0)
        note = f"fastest of {max(1, calibrate)} run(s) at design point 0"
    return Plan(experiment, design, runs, per_run, workers, note, startup)


def _base_values(ref: str | None) -> dict[str, Any]:
    """Values set by the base scenario (for the window check)."""
    if ref is None:
        return {}
    return dict(_scenario_values(ref))


@functools.lru_cache(maxsize=32)
def _scenario_values(ref: str) -> tuple[tuple[str, Any], ...]:
    return tuple(load_scenario(ref).values.items())


def check_window(experiment: Experiment, design: Design) -> None:
    """Refuse design points whose summary window is under ``sim.io.guards.MIN_WINDOW_WEEKS``.

    Only for the ``sim`` model (its schema has ``run.years`` and ``run.intervention_week``),
    unless the experiment allows short windows.

    Raises:
        ExperimentError: One line naming the file, the settings and what is allowed.
    """
    if experiment.schema != DEFAULT_SCHEMA or experiment.allow_short_window:
        return
    defaults = {n: parameter_spec(n).default for n in ("run.years", "run.intervention_week")}
    seen: set[tuple[Any, Any]] = set()
    for point in range(design.n_points):
        params = dict(design.run(point * design.replicates).params)
        values = {**defaults, **_base_values(params.pop("scenario", None)), **params}
        key = (values["run.years"], values["run.intervention_week"])
        if key in seen:
            continue
        seen.add(key)
        problem = window_problem(
            *key,
            names=("years", "burn_in_weeks"),
            allow="allow_short_window = true in [experiment] (or --allow-short-window)",
        )
        if problem:
            where = "--years" if "years" in experiment.overrides else str(experiment.path)
            at = f" (design point {point})" if design.n_points > 1 and len(seen) > 1 else ""
            raise ExperimentError(f"{where}: {problem}{at}")
