"""Experiment files: the TOML schema, loading and strict validation.

An experiment file names a model, a base scenario, the factors to vary (a list of scenarios, a
full-factorial grid, a Latin hypercube, a Sobol/Saltelli or a Morris design), the number of
replicates, the run length and burn-in, which outputs to keep and where to write them. Every
mistake is reported as one :class:`ExperimentError` line naming the file, the key and what is
allowed, before anything is run or written. ``docs/experiments.md`` documents the format.

Each table of the file is checked by :mod:`sim.experiments.sections`, with the error class,
constants and value checks of :mod:`sim.experiments.checks`, whose public names are importable
from here too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiments.checks import (
    DEFAULT_MODEL,
    DEFAULT_SCHEMA,
    DESIGN_TYPES,
    EXECUTORS,
    IDENTITY_OVERRIDES,
    ExperimentError,
    check_count,
    check_scheduler,
    read_tables,
    resolve_callable,
)
from sim.experiments.sections import (
    Context,
    analysis_table,
    base_scenario,
    design_table,
    execution_table,
    experiment_table,
    fixed_parameters,
    model_table,
    output_table,
)
from sim.resources import find

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_SCHEMA",
    "DESIGN_TYPES",
    "EXECUTORS",
    "IDENTITY_OVERRIDES",
    "Experiment",
    "ExperimentError",
    "check_count",
    "check_scheduler",
    "load_experiment",
    "model_function",
    "parse_experiment",
    "resolve_callable",
]


@dataclass
class Experiment:
    """A validated experiment.

    Attributes:
        name: Short name; also the default results folder ``results/<name>/``.
        path: The experiment file.
        text: The file's text (copied beside the results and hashed).
        description: What the experiment is for.
        model: ``"module:function"`` of the model, ``f(params, seed) -> dict[str, float]``.
        schema: ``"module:ATTR"`` of the parameter schema (a sequence of ``ParamSpec``).
        scenario: Base scenario reference (name or resolved path), or ``None`` for defaults.
        scenario_label: Label of the base scenario in result tables.
        seed: Root seed of the experiment.
        replicates: Replicates per design point.
        fixed: Parameter values given to every run (including the ``run.*`` settings).
        design_type: One of ``DESIGN_TYPES``.
        design: The ``[design]`` table, with factor names flattened to dotted names.
        scenarios: For a scenario design, ``(label, reference, values)`` per scenario, baseline
            first.
        metrics: Summary metrics to keep (empty: all the model returns).
        series: Whether to keep weekly series.
        series_metrics: Series to keep (empty: all).
        out_dir: Where to write the results.
        execution: The ``[execution]`` table with defaults filled in.
        analysis: The ``[analysis]`` table with defaults filled in.
        overrides: Command-line overrides that change the results (``scale``, ``years``,
            ``replicates``); they are part of :meth:`digest`.
        allow_short_window: Accept a summary window under ``sim.io.guards.MIN_WINDOW_WEEKS``.
        out_source: What named ``out_dir``, for messages (``--out`` or ``<file>: output.dir``).
    """

    name: str
    path: Path
    text: str
    description: str = ""
    model: str = DEFAULT_MODEL
    schema: str = DEFAULT_SCHEMA
    scenario: str | None = None
    scenario_label: str = "baseline"
    seed: int = 0
    replicates: int = 1
    fixed: dict[str, Any] = field(default_factory=dict)
    design_type: str = "single"
    design: dict[str, Any] = field(default_factory=dict)
    scenarios: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    series: bool = False
    series_metrics: list[str] = field(default_factory=list)
    out_dir: Path = Path("results")
    execution: dict[str, Any] = field(default_factory=dict)
    analysis: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    allow_short_window: bool = False
    out_source: str = "--out"

    @property
    def factors(self) -> dict[str, list]:
        """Factor name -> values (grid) or ``[low, high]`` bounds (sampled designs)."""
        return self.design.get("factors", {})

    def digest(self) -> str:
        """SHA-256 of the file's text and the overrides: what resume checks against."""
        blob = self.text + "\n#overrides " + json.dumps(self.overrides, sort_keys=True)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def load_experiment(
    path: str | Path, *, overrides: dict[str, Any] | None = None, source_dir: Path | None = None
) -> Experiment:
    """Read and validate an experiment file.

    Args:
        path: The TOML file (a bare name is looked up in ``./experiments/``, then among the
            shipped experiments).
        overrides: Command-line overrides: ``scale``, ``years``, ``replicates`` (these change
            the experiment's identity), ``out`` (results folder), ``executor``, ``workers``,
            ``scheduler``, ``retries``, ``allow_short_window``.
        source_dir: Folder against which relative scenario paths are resolved (default: the
            file's own folder; resume passes the original experiment's folder).

    Returns:
        The validated experiment.

    Raises:
        ExperimentError: One line naming the file, the key and what is allowed.
    """
    path = find(path, "experiments")
    where = str(path)
    if not path.is_file():
        raise ExperimentError(
            f"{where}: no such experiment file; allowed: a path, or a name in ./experiments/ or "
            "among the shipped experiments"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ExperimentError(f"{where}: not a UTF-8 text file") from None
    return parse_experiment(
        text, path=path, overrides=overrides, source_dir=source_dir or path.resolve().parent
    )


def parse_experiment(
    text: str,
    *,
    path: Path | str = "<experiment>",
    overrides: dict[str, Any] | None = None,
    source_dir: Path | None = None,
) -> Experiment:
    """Validate the text of an experiment file (see :func:`load_experiment`).

    Args:
        text: TOML text.
        path: The file name used in error messages.
        overrides: Command-line overrides (see :func:`load_experiment`).
        source_dir: Folder for relative scenario paths (default: current folder).

    Returns:
        The validated experiment.

    Raises:
        ExperimentError: One line naming the file, the key and what is allowed.
    """
    path = Path(path)
    where = str(path)
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    ctx = Context(where, overrides, source_dir or Path.cwd())
    data = read_tables(text, where)
    head, replicates = experiment_table(data, ctx)
    model = model_table(head, ctx)
    fixed = fixed_parameters(data, head, model, ctx)
    base_ref, base_label = base_scenario(head, model, ctx)
    dtype, design, scenarios = design_table(data, fixed, (base_ref, base_label), model, ctx)
    outputs = output_table(data, head["name"], model, ctx)
    execution = execution_table(data, ctx)
    analysis = analysis_table(data, outputs, ctx)
    return Experiment(
        name=head["name"],
        path=path,
        text=text,
        description=head.get("description", ""),
        model=model.ref,
        schema=model.schema_ref,
        scenario=base_ref,
        scenario_label=base_label if dtype != "scenarios" else scenarios[0][0],
        seed=head["seed"],
        replicates=replicates,
        fixed=fixed,
        design_type=dtype,
        design=design,
        scenarios=scenarios,
        metrics=outputs.metrics,
        series=outputs.series,
        series_metrics=outputs.series_metrics,
        out_dir=outputs.out_dir,
        execution=execution,
        analysis=analysis,
        overrides={k: v for k, v in overrides.items() if k in IDENTITY_OVERRIDES},
        allow_short_window=bool(
            overrides.get("allow_short_window") or head.get("allow_short_window", False)
        ),
        out_source="--out" if "out" in overrides else f"{where}: output.dir",
    )


def model_function(experiment: Experiment) -> Callable[..., Any]:
    """The experiment's model callable."""
    return resolve_callable(experiment.model, str(experiment.path), "experiment.model")
