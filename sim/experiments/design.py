"""Designs: the set of design points an experiment runs, and the runs themselves.

A design point is one combination of factor values (or one scenario). Every design point is run
``replicates`` times; replicate ``r`` uses the same seed at every point (common random numbers).
Run ``run_id = point_id * replicates + replicate``. Sampled designs come from SALib: Latin
hypercube (``N`` points), Sobol/Saltelli (``N * (D + 2)`` points, ``N * (2D + 2)`` with
second-order indices) and Morris (``r * (D + 1)`` points); a grid has the product of the factor
levels; a scenario list has one point per scenario (the baseline first).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.experiments.ensemble import WORLD, cross_worlds
from sim.experiments.seeds import design_seed, replicate_seeds
from sim.experiments.spec import DEFAULT_SCHEMA, Experiment, ExperimentError, resolve_callable

__all__ = ["Design", "Run", "build_design", "parse_shard"]

SCENARIO_KEY = "scenario"
SCHEDULE_KEY = "schedule_from"  # as sim.api: a scenario file whose [[schedule]] the run follows


def _has_schedule(ref: str) -> bool:
    from sim.scenario import load_scenario

    return bool(load_scenario(ref).schedule)


@dataclass(frozen=True)
class Run:
    """One model run.

    Attributes:
        run_id: Position in the experiment (``point_id * replicates + replicate``).
        point_id: The design point.
        replicate: The replicate number (its seed is shared by every point).
        seed: The run's seed.
        params: The parameters passed to the model.
    """

    run_id: int
    point_id: int
    replicate: int
    seed: int
    params: dict[str, Any]


@dataclass
class Design:
    """The resolved design of an experiment.

    Attributes:
        kind: Design type (``single``, ``scenarios``, ``grid``, ``lhs``, ``sobol``, ``morris``).
        factor_names: Names of the varied parameters (empty for scenario designs).
        points: One dict per design point: ``point_id``, ``scenario`` (label), ``factors``
            (name -> value passed to the model).
        sample: The raw SALib sample (points x factors) for sampled designs, else ``None``.
        problem: The SALib problem (``num_vars``, ``names``, ``bounds``) for sampled designs.
        replicates: Replicates per point.
        seeds: Seed of each replicate.
        sample_seed: Seed used to draw the sample.
        settings: Design settings (``n``, ``second_order``, ``trajectories``, ``levels``).
    """

    kind: str
    factor_names: list[str]
    points: list[dict[str, Any]]
    sample: np.ndarray | None
    problem: dict[str, Any] | None
    replicates: int
    seeds: list[int]
    sample_seed: int
    settings: dict[str, Any] = field(default_factory=dict)
    _base: dict[str, Any] = field(default_factory=dict, repr=False)
    _run_settings: dict[str, Any] = field(default_factory=dict, repr=False)
    _point_params: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def n_points(self) -> int:
        """Number of design points."""
        return len(self.points)

    @property
    def n_runs(self) -> int:
        """Number of runs (points x replicates)."""
        return len(self.points) * self.replicates

    def run(self, run_id: int) -> Run:
        """The run with this id."""
        point_id, replicate = divmod(run_id, self.replicates)
        params = dict(self._base)
        params.update(self._point_params[point_id])
        params.update(self._run_settings)
        return Run(run_id, point_id, replicate, self.seeds[replicate], params)

    def runs(self, run_ids: list[int] | range | None = None) -> Iterator[Run]:
        """The runs, in run-id order (all of them, or the given ids)."""
        for run_id in range(self.n_runs) if run_ids is None else run_ids:
            yield self.run(run_id)

    def describe(self) -> str:
        """One line: how the number of runs comes about."""
        d = len(self.factor_names)
        s = self.settings
        how = {
            "single": "1 point",
            "scenarios": (
                f"{self.n_points // len(s['ensemble']['values'])} scenarios x "
                f"{len(s['ensemble']['values'])} plausible worlds"
                if "ensemble" in s
                else f"{self.n_points} scenarios"
            ),
            "grid": " x ".join(
                str(len({p["factors"][n] for p in self.points})) for n in self.factor_names
            )
            + " grid",
            "lhs": f"Latin hypercube N={s.get('n')}",
            "sobol": f"Saltelli N={s.get('n')} x ({'2D+2' if s.get('second_order') else 'D+2'}"
            f"), D={d}",
            "morris": f"Morris r={s.get('trajectories')} x (D+1), D={d}",
        }[self.kind]
        return (
            f"{self.n_runs} runs = {self.n_points} design points ({how}) x "
            f"{self.replicates} replicates"
        )

    def to_manifest(self) -> dict[str, Any]:
        """JSON-ready description of the design (for ``manifest.json``)."""
        return {
            "kind": self.kind,
            "factors": self.factor_names,
            "problem": self.problem,
            "settings": self.settings,
            "replicates": self.replicates,
            "seeds": self.seeds,
            "sample_seed": self.sample_seed,
            "base_parameters": {**self._base, **self._run_settings},
            "n_points": self.n_points,
            "n_runs": self.n_runs,
            "points": [jsonable(p) for p in self.points],
        }


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars made plain Python values and tuples made lists (for JSON)."""
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _coerce(spec: Any, value: float, low: float, high: float) -> float | int:
    value = min(max(float(value), low), high)
    if spec is not None and spec.kind is int:
        return int(round(value))
    return float(value)


def build_design(experiment: Experiment) -> Design:
    """Resolve an experiment's design: its points, sample, seeds and per-run parameters.

    Args:
        experiment: A validated experiment.

    Returns:
        The design.
    """
    specs = {s.name: s for s in resolve_callable(experiment.schema, "", "schema")}
    kind = experiment.design_type
    factors = experiment.factors
    names = list(factors)
    sample_seed = design_seed(experiment.seed)
    seeds = replicate_seeds(experiment.seed, experiment.replicates)
    run_settings = {k: v for k, v in experiment.fixed.items() if k.startswith("run.")}
    base = {k: v for k, v in experiment.fixed.items() if not k.startswith("run.")}
    if experiment.scenario is not None:
        base = {SCENARIO_KEY: experiment.scenario, **base}

    sample = problem = None
    settings: dict[str, Any] = {}
    label = experiment.scenario_label
    if kind == "single":
        points: list[dict[str, Any]] = [{"point_id": 0, "scenario": label, "factors": {}}]
        point_params: list[dict[str, Any]] = [{}]
    elif kind == "scenarios":
        points, point_params = scenario_points(experiment)
        if "ensemble" in experiment.design:  # every scenario in every plausible world
            names = [WORLD]
            points, point_params, settings["ensemble"] = cross_worlds(
                points, point_params, experiment.design["ensemble"], experiment.design["worlds"]
            )
    elif kind == "grid":
        points, point_params = grid_points(factors, label)
    else:
        problem = {
            "num_vars": len(names),
            "names": names,
            "bounds": [list(map(float, factors[n])) for n in names],
        }
        sample, settings = draw_sample(experiment, problem, sample_seed)
        points, point_params = sample_points(sample, factors, specs, label)

    return Design(
        kind=kind,
        factor_names=names,
        points=points,
        sample=sample,
        problem=problem,
        replicates=experiment.replicates,
        seeds=seeds,
        sample_seed=sample_seed,
        settings=settings,
        _base=base,
        _run_settings=run_settings,
        _point_params=point_params,
    )


def scenario_points(
    experiment: Experiment,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The points of a scenarios design (one per scenario) and each point's parameters.

    With the default schema a point's parameters are the scenario's values (and its dated
    schedule, if it has one, by reference); a custom model gets the scenario reference itself.

    Returns:
        The points and, in the same order, their parameters.
    """
    default_schema = experiment.schema == DEFAULT_SCHEMA
    points: list[dict[str, Any]] = []
    point_params: list[dict[str, Any]] = []
    for i, (name, ref, values) in enumerate(experiment.scenarios):
        points.append({"point_id": i, "scenario": name, "factors": {}})
        if default_schema:
            # the scenario's values; its dated schedule, if it has one, by reference
            params = dict(values)
            if ref is not None and _has_schedule(ref):
                params[SCHEDULE_KEY] = ref
            point_params.append(params)
        else:  # a custom model gets the scenario reference itself
            point_params.append({SCENARIO_KEY: ref} if ref is not None else {})
    return points, point_params


def grid_points(
    factors: dict[str, Any], label: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The points of a full-factorial grid (every combination of the factors' values).

    Returns:
        The points and, in the same order, their parameters.
    """
    names = list(factors)
    combos = itertools.product(*(factors[n] for n in names))
    return _points([dict(zip(names, combo, strict=True)) for combo in combos], label)


def draw_sample(
    experiment: Experiment, problem: dict[str, Any], sample_seed: int
) -> tuple[np.ndarray, dict[str, Any]]:
    """Draw the SALib sample of an ``lhs``, ``sobol`` or ``morris`` design.

    Args:
        experiment: A validated experiment of one of those designs.
        problem: The SALib problem (``num_vars``, ``names``, ``bounds``).
        sample_seed: Seed of the sample.

    Returns:
        The sample (one row per design point) and the design's settings.
    """
    from SALib.sample import latin, morris, sobol

    kind = experiment.design_type
    if kind == "lhs":
        settings = {"n": experiment.design["n"]}
        sample = latin.sample(problem, settings["n"], seed=sample_seed)
    elif kind == "sobol":
        settings = {
            "n": experiment.design["n"],
            "second_order": experiment.design["second_order"],
        }
        sample = sobol.sample(
            problem,
            settings["n"],
            calc_second_order=settings["second_order"],
            scramble=True,
            seed=sample_seed,
        )
    else:
        settings = {
            "trajectories": experiment.design["trajectories"],
            "levels": experiment.design["levels"],
        }
        sample = morris.sample(
            problem, settings["trajectories"], num_levels=settings["levels"], seed=sample_seed
        )
    return sample, settings


def sample_points(
    sample: np.ndarray, factors: dict[str, Any], specs: dict[str, Any], label: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The points of a sampled design: each row clipped to its factors' ranges (ints rounded).

    Returns:
        The points and, in the same order, their parameters.
    """
    names = list(factors)
    rows = [
        {n: _coerce(specs.get(n), x, *factors[n]) for n, x in zip(names, row, strict=True)}
        for row in sample
    ]
    return _points(rows, label)


def _points(
    values: list[dict[str, Any]], label: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Design points (ids in order) with these factor values, and their parameters (copies)."""
    points = [{"point_id": i, "scenario": label, "factors": v} for i, v in enumerate(values)]
    return points, [dict(v) for v in values]


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """Parse ``"i/n"`` (shard ``i`` of ``n``, counting from 0).

    Raises:
        ExperimentError: If the text is not ``i/n`` with ``0 <= i < n``.
    """
    if text is None:
        return None
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ExperimentError(f"--shard {text!r}: expected i/n, e.g. 0/4") from None
    if not (n >= 1 and 0 <= i < n):
        raise ExperimentError(f"--shard {text!r}: need 0 <= i < n (shards count from 0)")
    return i, n


def shard_run_ids(n_runs: int, shard: tuple[int, int] | None) -> range:
    """Run ids of one shard: every n-th run starting at i (all runs without a shard)."""
    if shard is None:
        return range(n_runs)
    i, n = shard
    return range(i, n_runs, n)
