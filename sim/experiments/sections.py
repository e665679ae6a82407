"""The tables of an experiment file, checked one at a time.

:func:`sim.experiments.spec.parse_experiment` calls these in the order of the file's format
(``docs/experiments.md``), once :func:`sim.experiments.checks.read_tables` has checked the
structure of every table: ``[experiment]`` (with the model and its parameter schema),
``[parameters]`` and the run settings, the base scenario, ``[design]``, ``[output]``,
``[execution]`` and ``[analysis]``. The first mistake found is raised as one
:class:`~sim.experiments.checks.ExperimentError` line naming the file, the key and what is allowed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiments.checks import (
    DEFAULT_MODEL,
    DEFAULT_SCHEMA,
    DESIGN_TYPES,
    EXECUTORS,
    IDENTITY_OVERRIDES,
    RUN_KEY_TYPES,
    RUN_KEYS,
    ExperimentError,
    ParamSchema,
    check_count,
    check_names,
    check_scheduler,
    check_type,
    flatten,
    model_outputs,
    resolve_callable,
    resolve_scenario,
    str_list,
)
from sim.experiments.ensemble import check_design_ensemble

__all__ = [
    "Context",
    "Model",
    "Outputs",
    "analysis_table",
    "base_scenario",
    "design_table",
    "execution_table",
    "experiment_table",
    "fixed_parameters",
    "model_table",
    "output_table",
]

_DESIGN_KEYS = {
    "single": {"type"},
    "scenarios": {"type", "baseline", "scenarios", "ensemble", "worlds"},
    "grid": {"type", "factors"},
    "lhs": {"type", "factors", "n"},
    "sobol": {"type", "factors", "n", "second_order"},
    "morris": {"type", "factors", "trajectories", "levels"},
}

_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass
class Context:
    """What every table of one experiment file is checked with.

    Attributes:
        where: The file name, for messages.
        overrides: Command-line overrides (those given as ``None`` left out).
        source_dir: Folder against which relative scenario paths are resolved.
    """

    where: str
    overrides: dict[str, Any]
    source_dir: Path


@dataclass
class Model:
    """The experiment's model and its parameter schema.

    Attributes:
        ref: ``"module:function"`` of the model.
        fn: The model callable.
        schema_ref: ``"module:ATTR"`` of the parameter schema.
        schema: The schema, for checking parameter names and values.
    """

    ref: str
    fn: Any
    schema_ref: str
    schema: ParamSchema

    @property
    def default_schema(self) -> bool:
        """Whether the schema is the ``sim`` model's (scenarios are then loaded and checked)."""
        return self.schema_ref == DEFAULT_SCHEMA


@dataclass
class Outputs:
    """The checked ``[output]`` table.

    Attributes:
        metrics: Summary metrics to keep (empty: all).
        series: Whether to keep weekly series.
        series_metrics: Series to keep (empty: all).
        out_dir: The results folder.
        known_metrics: The summary metrics the model declares (``None``: not declared).
    """

    metrics: list[str]
    series: bool
    series_metrics: list[str]
    out_dir: Path
    known_metrics: list[str] | None


def experiment_table(data: dict[str, Any], ctx: Context) -> tuple[dict[str, Any], int]:
    """Check ``[experiment]``: its name, seed and replicates (``--replicates`` wins).

    Returns:
        ``(the table, replicates)``.

    Raises:
        ExperimentError: If the table, its name or its seed is missing or not allowed.
    """
    where = ctx.where
    head = data.get("experiment")
    if head is None:
        raise ExperimentError(f"{where}: missing [experiment] table (needs name and seed)")
    for required, what in (("name", "letters, digits, _ - ."), ("seed", "an integer in [0, 2^63)")):
        if required not in head:
            raise ExperimentError(f"{where}: missing experiment.{required}; allowed: {what}")
    name = head["name"]
    if not _NAME_RE.match(name):
        raise ExperimentError(
            f"{where}: experiment.name = {name!r}: use letters, digits, '_', '-', '.' only"
        )
    seed = head["seed"]
    if not 0 <= seed < 2**63:
        raise ExperimentError(f"{where}: experiment.seed must be an integer in [0, 2^63)")
    _check_overrides(ctx.overrides)
    replicates = ctx.overrides.get("replicates", head.get("replicates", 1))
    if replicates < 1:
        raise ExperimentError(f"{where}: experiment.replicates must be at least 1")
    return head, replicates


def _check_overrides(overrides: dict[str, Any]) -> None:
    """Type-check the command-line overrides that are not model parameters."""
    if "replicates" in overrides:
        value = overrides["replicates"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ExperimentError(f"--replicates {value}: allowed: a whole number >= 1")


def model_table(head: dict[str, Any], ctx: Context) -> Model:
    """Import ``experiment.model`` and ``experiment.schema`` (defaults: the ``sim`` model's).

    Raises:
        ExperimentError: If either cannot be imported, or the model is not callable.
    """
    where = ctx.where
    model = head.get("model", DEFAULT_MODEL)
    model_fn = resolve_callable(model, where, "experiment.model")
    if not callable(model_fn):
        raise ExperimentError(f"{where}: experiment.model = {model!r} is not callable")
    schema_ref = head.get("schema", DEFAULT_SCHEMA)
    schema = ParamSchema(
        resolve_callable(schema_ref, where, "experiment.schema"), where, schema_ref
    )
    return Model(model, model_fn, schema_ref, schema)


def fixed_parameters(
    data: dict[str, Any], head: dict[str, Any], model: Model, ctx: Context
) -> dict[str, Any]:
    """Check ``[parameters]`` and the run settings of ``[experiment]`` (``--scale``/``--years``).

    Returns:
        Parameter name -> value given to every run.

    Raises:
        ExperimentError: For an unknown parameter or a value it does not allow.
    """
    where, overrides, schema = ctx.where, ctx.overrides, model.schema
    fixed: dict[str, Any] = {}
    for pname, value in flatten(data.get("parameters", {})).items():
        fixed[pname] = schema.check(pname, value, where, f"parameters.{pname}")
    run_values = {k: head[k] for k in RUN_KEYS if k in head}
    for key in ("scale", "years"):
        if key in overrides:
            option = IDENTITY_OVERRIDES[key]
            run_values[key] = check_type(overrides[key], RUN_KEY_TYPES[key], option, key)
    for key, value in run_values.items():
        src = IDENTITY_OVERRIDES[key] if key in overrides else f"experiment.{key}"
        pname = RUN_KEYS[key]
        if pname not in schema.by_name:
            raise ExperimentError(f"{where}: {src}: the model's schema has no parameter {pname!r}")
        fixed[pname] = schema.check(pname, value, where, src)
    return fixed


def base_scenario(head: dict[str, Any], model: Model, ctx: Context) -> tuple[str | None, str]:
    """Resolve ``experiment.scenario``.

    Returns:
        ``(reference or None, label)`` (label ``baseline`` without a base scenario).

    Raises:
        ExperimentError: If the scenario cannot be loaded.
    """
    if "scenario" not in head:
        return None, "baseline"
    ref, label, _ = resolve_scenario(
        head["scenario"], ctx.where, "experiment.scenario", ctx.source_dir, model.default_schema
    )
    return ref, label


def design_table(
    data: dict[str, Any],
    fixed: dict[str, Any],
    base: tuple[str | None, str],
    model: Model,
    ctx: Context,
) -> tuple[str, dict[str, Any], list[tuple[str, str | None, dict[str, Any]]]]:
    """Check ``[design]``: its type, the keys that type takes, its scenarios or factors, sizes.

    Args:
        data: The file's tables.
        fixed: The fixed parameters (a factor may not be one of them).
        base: ``(reference, label)`` of the base scenario (a scenario design's baseline).
        model: The model and its schema.
        ctx: The file.

    Returns:
        ``(design type, the table with factors checked and defaults filled in, scenarios)``,
        where scenarios are ``(label, reference, values)``, baseline first (empty unless it is
        a scenario design).

    Raises:
        ExperimentError: For the first mistake found.
    """
    where = ctx.where
    design = dict(data.get("design", {"type": "single"}))
    dtype = design.get("type")
    if dtype not in DESIGN_TYPES:
        raise ExperimentError(
            f"{where}: design.type = {dtype!r}; allowed: " + ", ".join(DESIGN_TYPES)
        )
    for key in design:
        if key not in _DESIGN_KEYS[dtype]:
            raise ExperimentError(
                f"{where}: design.{key} does not apply to design.type = {dtype!r}; allowed: "
                + ", ".join(sorted(_DESIGN_KEYS[dtype]))
            )
    scenarios: list[tuple[str, str | None, dict[str, Any]]] = []
    if dtype == "scenarios":
        scenarios = _scenario_list(design, base, model, ctx)
        taken = _taken(fixed, base, scenarios, model)
        check_design_ensemble(
            design, dtype, taken, where, ctx.source_dir, sim_model=model.default_schema
        )
    if dtype in ("grid", "lhs", "sobol", "morris"):
        design["factors"] = _factors(design, dtype, fixed, model.schema, where)
    _design_sizes(design, dtype, where)
    return dtype, design, scenarios


def _taken(
    fixed: dict[str, Any],
    base: tuple[str | None, str],
    scenarios: list[tuple[str, str | None, dict[str, Any]]],
    model: Model,
) -> dict[str, str]:
    """Parameters the file sets (for a run) -> where: what a plausible world may not replace."""
    from sim.scenario import load_scenario

    taken = {name: "[parameters]" for name in fixed}
    if base[0] is not None and model.default_schema:
        taken.update(dict.fromkeys(load_scenario(base[0]).values, "experiment.scenario"))
    for label, _, values in scenarios[1:]:
        taken.update(dict.fromkeys(values, f"design.scenarios ({label})"))
    return taken


def _scenario_list(
    design: dict[str, Any], base: tuple[str | None, str], model: Model, ctx: Context
) -> list[tuple[str, str | None, dict[str, Any]]]:
    """A scenario design's ``(label, reference, values)``, baseline first, labels unique."""
    where = ctx.where
    listed = design.get("scenarios")
    if not listed:
        raise ExperimentError(f"{where}: design.scenarios must list at least one scenario")
    base_ref, base_label = base
    scenarios: list[tuple[str, str | None, dict[str, Any]]] = []
    scenarios.append((design.get("baseline", base_label), base_ref, {}))
    for i, ref in enumerate(listed):
        key = f"design.scenarios[{i}]"
        check_type(ref, str, where, key)
        resolved, label, values = resolve_scenario(
            ref, where, key, ctx.source_dir, model.default_schema
        )
        for pname in values:
            model.schema.get(pname, where, key)
        scenarios.append((label, resolved, values))
    labels = [s[0] for s in scenarios]
    dup = next((x for x in labels if labels.count(x) > 1), None)
    if dup is not None:
        raise ExperimentError(
            f"{where}: design.scenarios: scenario name {dup!r} repeats "
            "(the baseline counts too; set design.baseline to rename it)"
        )
    return scenarios


def _factors(
    design: dict[str, Any], dtype: str, fixed: dict[str, Any], schema: ParamSchema, where: str
) -> dict[str, list]:
    """``design.factors`` checked: values (grid) or ``[low, high]`` (sampled designs)."""
    raw = design.get("factors")
    if not raw:
        raise ExperimentError(f"{where}: design.factors must name at least one parameter")
    checked: dict[str, list] = {}
    for pname, values in flatten(raw).items():
        key = f"design.factors.{pname}"
        p = schema.get(pname, where, key)
        if not isinstance(values, list) or not values:
            raise ExperimentError(f"{where}: {key} must be a non-empty list")
        if dtype == "grid":
            vals = [schema.check(pname, v, where, key) for v in values]
            if len(set(map(repr, vals))) != len(vals):
                raise ExperimentError(f"{where}: {key} has repeated values")
            checked[pname] = vals
        else:
            checked[pname] = _bounds(p, pname, values, dtype, where, key)
    overlap = sorted(set(checked) & set(fixed))
    if overlap:
        raise ExperimentError(
            f"{where}: design.factors.{overlap[0]} is also fixed (in [parameters] or "
            "[experiment]); set it in one place only"
        )
    return checked


def _bounds(p: Any, pname: str, values: list, dtype: str, where: str, key: str) -> list[float]:
    """A sampled factor's ``[low, high]``, within its numeric parameter's range."""
    if p.kind not in (int, float):
        raise ExperimentError(
            f"{where}: {key}: {dtype} designs need numeric parameters; {pname} is {p.allowed()}"
        )
    if len(values) != 2:
        raise ExperimentError(f"{where}: {key} must be [low, high]")
    low, high = (check_type(v, float, where, key) for v in values)
    if not low < high:
        raise ExperimentError(f"{where}: {key} = {values}: low must be below high")
    for v in (low, high):
        if not p.low <= v <= p.high:
            raise ExperimentError(
                f"{where}: {key} = {values} is outside the parameter's range; "
                f"allowed: {p.allowed()}"
            )
    return [low, high]


def _design_sizes(design: dict[str, Any], dtype: str, where: str) -> None:
    """Check the sizes of sampled designs and fill in their defaults (in place)."""
    if dtype in ("lhs", "sobol") and "n" not in design:
        raise ExperimentError(f"{where}: design.n is required for design.type = {dtype!r}")
    if dtype == "lhs" and design["n"] < 2:
        raise ExperimentError(f"{where}: design.n must be at least 2")
    if dtype == "sobol":
        n = design["n"]
        if n < 2 or n & (n - 1):
            lower = 2 ** max(1, int(math.log2(max(n, 2))))
            raise ExperimentError(
                f"{where}: design.n = {n} is not a power of two; Sobol (Saltelli) sampling uses "
                f"a Sobol' sequence whose balance properties hold only for N = 2^k (try {lower} "
                f"or {lower * 2})"
            )
        design.setdefault("second_order", False)
    if dtype == "morris":
        design.setdefault("trajectories", 10)
        design.setdefault("levels", 4)
        if design["trajectories"] < 2:
            raise ExperimentError(f"{where}: design.trajectories must be at least 2")
        if design["levels"] < 2 or design["levels"] % 2:
            raise ExperimentError(f"{where}: design.levels must be an even number >= 2")


def output_table(data: dict[str, Any], name: str, model: Model, ctx: Context) -> Outputs:
    """Check ``[output]``: metric and series names the model knows, the results folder.

    Args:
        data: The file's tables.
        name: The experiment's name (the default folder is ``results/<name>``).
        model: The model (which may declare its outputs).
        ctx: The file (``--out`` wins over ``output.dir``).

    Raises:
        ExperimentError: For an unknown name or an empty folder path.
    """
    where, overrides = ctx.where, ctx.overrides
    output = data.get("output", {})
    metrics = str_list(output.get("metrics", []), where, "output.metrics")
    series_metrics = str_list(output.get("series_metrics", []), where, "output.series_metrics")
    if series_metrics and not output.get("series", False):
        raise ExperimentError(f"{where}: output.series_metrics needs output.series = true")
    known_metrics, known_series = model_outputs(model.ref, model.fn)
    check_names(metrics, known_metrics, where, "output.metrics", "summary metrics")
    check_names(series_metrics, known_series, where, "output.series_metrics", "weekly series")
    if "out" in overrides:
        if not str(overrides["out"]).strip():
            raise ExperimentError("--out '': an empty path; allowed: a folder path")
        out_dir = Path(overrides["out"])
    else:
        if not output.get("dir", "x").strip():
            raise ExperimentError(f"{where}: output.dir = '': allowed: a folder path")
        out_dir = Path(output.get("dir", f"results/{name}"))
    return Outputs(metrics, output.get("series", False), series_metrics, out_dir, known_metrics)


def execution_table(data: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Check ``[execution]`` with the command-line options; fill in the defaults.

    Returns:
        ``executor``, ``workers``, ``scheduler``, ``retries``, ``chunk_seconds``,
        ``flush_seconds`` and ``start_method``.

    Raises:
        ExperimentError: For a value not allowed (naming the option if it came from one).
    """
    where, overrides = ctx.where, ctx.overrides
    execution = {
        "executor": "processes",
        "workers": 0,
        "scheduler": "",
        "retries": 0,
        "chunk_seconds": 1.0,
        "flush_seconds": 10.0,
        "start_method": "spawn",
    }
    execution.update(data.get("execution", {}))
    for key in ("executor", "workers", "scheduler", "retries"):
        if key in overrides:
            execution[key] = overrides[key]
    if execution["scheduler"] and "executor" not in data.get("execution", {}):
        execution["executor"] = "dask"
    if execution["scheduler"]:
        src = "--scheduler" if "scheduler" in overrides else f"{where}: execution.scheduler"
        check_scheduler(execution["scheduler"], src)
    if execution["executor"] not in EXECUTORS:
        raise ExperimentError(
            f"{where}: execution.executor = {execution['executor']!r}; allowed: "
            + ", ".join(EXECUTORS)
        )
    if execution["start_method"] not in ("spawn", "forkserver", "fork"):
        raise ExperimentError(f"{where}: execution.start_method; allowed: spawn, forkserver, fork")
    for key in ("workers", "retries"):
        if key in overrides:
            check_count(overrides[key], f"--{key}")
        if execution[key] < 0:
            raise ExperimentError(f"{where}: execution.{key} must be >= 0")
    for key in ("chunk_seconds", "flush_seconds"):
        if execution[key] <= 0:
            raise ExperimentError(f"{where}: execution.{key} must be > 0")
    return execution


def analysis_table(data: dict[str, Any], outputs: Outputs, ctx: Context) -> dict[str, Any]:
    """Check ``[analysis]`` (its metrics must be kept by ``[output]``); fill in the defaults.

    Returns:
        ``metrics``, ``baseline``, ``precision`` and ``resamples``.

    Raises:
        ExperimentError: For an unknown metric or a precision out of range.
    """
    where = ctx.where
    analysis = {"metrics": [], "baseline": "", "precision": 0.05, "resamples": 1000}
    analysis.update(data.get("analysis", {}))
    analysis["metrics"] = str_list(analysis["metrics"], where, "analysis.metrics")
    if outputs.metrics:
        check_names(
            analysis["metrics"], outputs.metrics, where, "analysis.metrics", "output.metrics"
        )
    else:
        check_names(
            analysis["metrics"], outputs.known_metrics, where, "analysis.metrics", "metrics"
        )
    if not 0 < analysis["precision"] < 10:
        raise ExperimentError(f"{where}: analysis.precision is a relative CI half-width in (0, 10)")
    return analysis
