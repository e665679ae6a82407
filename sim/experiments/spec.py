"""Experiment files: the TOML schema, loading and strict validation.

An experiment file names a model, a base scenario, the factors to vary (a list of scenarios, a
full-factorial grid, a Latin hypercube, a Sobol/Saltelli or a Morris design), the number of
replicates, the run length and burn-in, which outputs to keep and where to write them. Every
mistake is reported as one :class:`ExperimentError` line naming the file, the key and what is
allowed, before anything is run or written. ``docs/experiments.md`` documents the format.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib
import json
import math
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.params import ScenarioError

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_SCHEMA",
    "DESIGN_TYPES",
    "EXECUTORS",
    "Experiment",
    "ExperimentError",
    "load_experiment",
    "parse_experiment",
    "resolve_callable",
]

DEFAULT_MODEL = "sim.api:simulate"
DEFAULT_SCHEMA = "sim.params:PARAMETERS"
DESIGN_TYPES = ("single", "scenarios", "grid", "lhs", "sobol", "morris")
EXECUTORS = ("serial", "processes", "dask")

#: Experiment-level run settings and the model parameters they set.
RUN_KEYS = {"years": "run.years", "burn_in_weeks": "run.intervention_week", "scale": "run.scale"}
RUN_KEY_TYPES = {"years": int, "burn_in_weeks": int, "scale": float}

_ALLOWED = {
    "experiment": {
        "name": str,
        "description": str,
        "model": str,
        "schema": str,
        "scenario": str,
        "seed": int,
        "replicates": int,
        "years": int,
        "burn_in_weeks": int,
        "scale": float,
        "allow_short_window": bool,
    },
    "parameters": None,  # dotted parameter names
    "design": {
        "type": str,
        "baseline": str,
        "scenarios": list,
        "factors": dict,
        "n": int,
        "second_order": bool,
        "trajectories": int,
        "levels": int,
    },
    "output": {"dir": str, "metrics": list, "series": bool, "series_metrics": list},
    "execution": {
        "executor": str,
        "workers": int,
        "scheduler": str,
        "retries": int,
        "chunk_seconds": float,
        "flush_seconds": float,
        "start_method": str,
    },
    "analysis": {"metrics": list, "baseline": str, "precision": float, "resamples": int},
}

_DESIGN_KEYS = {
    "single": {"type"},
    "scenarios": {"type", "baseline", "scenarios"},
    "grid": {"type", "factors"},
    "lhs": {"type", "factors", "n"},
    "sobol": {"type", "factors", "n", "second_order"},
    "morris": {"type", "factors", "trajectories", "levels"},
}

_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
_SCHEDULER_RE = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s/:]+(:\d{1,5})?$")

#: Command-line overrides that change what is computed (they join the experiment's identity,
#: which the results folder is checked against), and the options that set them.
IDENTITY_OVERRIDES = {"scale": "--scale", "years": "--years", "replicates": "--replicates"}


class ExperimentError(ScenarioError):
    """An experiment file is invalid. The message is one line naming file, key and rule."""


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


def resolve_callable(ref: str, where: str, key: str) -> Any:
    """Import ``"module:attribute"``.

    Args:
        ref: The reference, ``"package.module:name"``.
        where: File name for the error message.
        key: Key for the error message.

    Returns:
        The attribute.

    Raises:
        ExperimentError: If the reference is malformed or cannot be imported.
    """
    if not isinstance(ref, str) or ref.count(":") != 1:
        raise ExperimentError(f"{where}: {key} = {ref!r} must be 'module:attribute'")
    module_name, attr = ref.split(":")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - any import failure is a user error here
        raise ExperimentError(
            f"{where}: {key} = {ref!r}: cannot import {module_name!r} ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''})"
        ) from None
    if not hasattr(module, attr):
        raise ExperimentError(f"{where}: {key} = {ref!r}: module has no attribute {attr!r}")
    return getattr(module, attr)


def _type_name(kind: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        kind, {list: "a list", dict: "a table"}.get(kind, kind.__name__)
    )


def _check_type(value: Any, kind: type, where: str, key: str) -> Any:
    ok = (
        isinstance(value, bool)
        if kind is bool
        else isinstance(value, int) and not isinstance(value, bool)
        if kind is int
        else isinstance(value, int | float) and not isinstance(value, bool)
        if kind is float
        else isinstance(value, kind)
    )
    if not ok:
        raise ExperimentError(
            f"{where}: {key} = {value!r} has the wrong type; allowed: {_type_name(kind)}"
        )
    if kind is float:
        value = float(value)
        if not math.isfinite(value):
            raise ExperimentError(f"{where}: {key} must be a finite number")
    return value


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested tables to dotted names (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


class _Schema:
    """Parameter lookup for validation, from a sequence of ``ParamSpec``-like objects."""

    def __init__(self, specs: Sequence[Any], where: str, ref: str):
        try:
            self.by_name = {s.name: s for s in specs}
        except Exception:  # noqa: BLE001
            raise ExperimentError(
                f"{where}: experiment.schema = {ref!r} is not a sequence of parameter specs"
            ) from None

    def get(self, name: str, where: str, key: str) -> Any:
        if name not in self.by_name:
            sections = sorted({n.split(".", 1)[0] for n in self.by_name})
            section = name.split(".", 1)[0]
            if section in sections:
                keys = [n.split(".", 1)[1] for n in self.by_name if n.startswith(section + ".")]
                hint = f"allowed keys in [{section}]: " + ", ".join(keys)
            else:
                hint = "allowed sections: " + ", ".join(sections)
            raise ExperimentError(f"{where}: {key}: unknown parameter {name!r}; {hint}")
        return self.by_name[name]

    def check(self, name: str, value: Any, where: str, key: str) -> Any:
        p = self.get(name, where, key)
        try:
            return p.check(value, f"{where}: {key}")
        except ScenarioError as exc:
            raise ExperimentError(str(exc)) from None


def _numeric(p: Any) -> bool:
    return p.kind in (int, float)


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
    from sim.resources import find

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
    source_dir = source_dir or Path.cwd()
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{where}: malformed TOML: {exc}") from None

    # --- structure: known tables, known keys, right types --------------------------------
    for table, value in data.items():
        if table not in _ALLOWED:
            raise ExperimentError(
                f"{where}: unknown table [{table}]; allowed: " + ", ".join(_ALLOWED)
            )
        if not isinstance(value, dict):
            raise ExperimentError(f"{where}: {table} must be a [{table}] table")
        keys = _ALLOWED[table]
        if keys is None:
            continue
        for key, item in value.items():
            if key not in keys:
                raise ExperimentError(
                    f"{where}: unknown key {table}.{key}; allowed in [{table}]: " + ", ".join(keys)
                )
            value[key] = _check_type(item, keys[key], where, f"{table}.{key}")
    head = data.get("experiment")
    if head is None:
        raise ExperimentError(f"{where}: missing [experiment] table (needs name and seed)")
    for required in ("name", "seed"):
        if required not in head:
            raise ExperimentError(f"{where}: missing experiment.{required}")
    name = head["name"]
    if not _NAME_RE.match(name):
        raise ExperimentError(
            f"{where}: experiment.name = {name!r}: use letters, digits, '_', '-', '.' only"
        )
    seed = head["seed"]
    if not 0 <= seed < 2**63:
        raise ExperimentError(f"{where}: experiment.seed must be an integer in [0, 2^63)")
    _check_overrides(overrides)
    replicates = overrides.get("replicates", head.get("replicates", 1))
    if replicates < 1:
        raise ExperimentError(f"{where}: experiment.replicates must be at least 1")

    model = head.get("model", DEFAULT_MODEL)
    model_fn = resolve_callable(model, where, "experiment.model")
    if not callable(model_fn):
        raise ExperimentError(f"{where}: experiment.model = {model!r} is not callable")
    schema_ref = head.get("schema", DEFAULT_SCHEMA)
    schema = _Schema(resolve_callable(schema_ref, where, "experiment.schema"), where, schema_ref)
    default_schema = schema_ref == DEFAULT_SCHEMA

    # --- fixed parameters and run settings -------------------------------------------------
    fixed: dict[str, Any] = {}
    for pname, value in _flatten(data.get("parameters", {})).items():
        fixed[pname] = schema.check(pname, value, where, f"parameters.{pname}")
    run_values = {k: head[k] for k in RUN_KEYS if k in head}
    for key in ("scale", "years"):
        if key in overrides:
            option = IDENTITY_OVERRIDES[key]
            run_values[key] = _check_type(overrides[key], RUN_KEY_TYPES[key], option, key)
    for key, value in run_values.items():
        src = IDENTITY_OVERRIDES[key] if key in overrides else f"experiment.{key}"
        pname = RUN_KEYS[key]
        if pname not in schema.by_name:
            raise ExperimentError(f"{where}: {src}: the model's schema has no parameter {pname!r}")
        fixed[pname] = schema.check(pname, value, where, src)

    # --- base scenario --------------------------------------------------------------------
    base_ref, base_label = None, "baseline"
    if "scenario" in head:
        base_ref, base_label, _ = _scenario(
            head["scenario"], where, "experiment.scenario", source_dir, default_schema
        )

    # --- design ---------------------------------------------------------------------------
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
        listed = design.get("scenarios")
        if not listed:
            raise ExperimentError(f"{where}: design.scenarios must list at least one scenario")
        baseline = design.get("baseline", base_label)
        scenarios.append((baseline, base_ref, {}))
        for i, ref in enumerate(listed):
            key = f"design.scenarios[{i}]"
            _check_type(ref, str, where, key)
            resolved, label, values = _scenario(ref, where, key, source_dir, default_schema)
            for pname in values:
                schema.get(pname, where, key)
            scenarios.append((label, resolved, values))
        labels = [s[0] for s in scenarios]
        dup = next((x for x in labels if labels.count(x) > 1), None)
        if dup is not None:
            raise ExperimentError(
                f"{where}: design.scenarios: scenario name {dup!r} repeats "
                "(the baseline counts too; set design.baseline to rename it)"
            )
    if dtype in ("grid", "lhs", "sobol", "morris"):
        raw = design.get("factors")
        if not raw:
            raise ExperimentError(f"{where}: design.factors must name at least one parameter")
        factors = _flatten(raw)
        checked: dict[str, list] = {}
        for pname, values in factors.items():
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
                if not _numeric(p):
                    raise ExperimentError(
                        f"{where}: {key}: {dtype} designs need numeric parameters; {pname} is "
                        f"{p.allowed()}"
                    )
                if len(values) != 2:
                    raise ExperimentError(f"{where}: {key} must be [low, high]")
                low, high = (_check_type(v, float, where, key) for v in values)
                if not low < high:
                    raise ExperimentError(f"{where}: {key} = {values}: low must be below high")
                for v in (low, high):
                    if not p.low <= v <= p.high:
                        raise ExperimentError(
                            f"{where}: {key} = {values} is outside the parameter's range; "
                            f"allowed: {p.allowed()}"
                        )
                checked[pname] = [low, high]
        design["factors"] = checked
        overlap = sorted(set(checked) & set(fixed))
        if overlap:
            raise ExperimentError(
                f"{where}: design.factors.{overlap[0]} is also fixed (in [parameters] or "
                "[experiment]); set it in one place only"
            )
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

    # --- output, execution, analysis -------------------------------------------------------
    output = data.get("output", {})
    metrics = _str_list(output.get("metrics", []), where, "output.metrics")
    series_metrics = _str_list(output.get("series_metrics", []), where, "output.series_metrics")
    if series_metrics and not output.get("series", False):
        raise ExperimentError(f"{where}: output.series_metrics needs output.series = true")
    known_metrics, known_series = _model_outputs(model, model_fn)
    _check_names(metrics, known_metrics, where, "output.metrics", "summary metrics")
    _check_names(series_metrics, known_series, where, "output.series_metrics", "weekly series")
    if "out" in overrides:
        if not str(overrides["out"]).strip():
            raise ExperimentError("--out '': an empty path; allowed: a folder path")
        out_dir = Path(overrides["out"])
    else:
        if not output.get("dir", "x").strip():
            raise ExperimentError(f"{where}: output.dir = '': allowed: a folder path")
        out_dir = Path(output.get("dir", f"results/{name}"))

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

    analysis = {"metrics": [], "baseline": "", "precision": 0.05, "resamples": 1000}
    analysis.update(data.get("analysis", {}))
    analysis["metrics"] = _str_list(analysis["metrics"], where, "analysis.metrics")
    if metrics:
        _check_names(analysis["metrics"], metrics, where, "analysis.metrics", "output.metrics")
    else:
        _check_names(analysis["metrics"], known_metrics, where, "analysis.metrics", "metrics")
    if not 0 < analysis["precision"] < 10:
        raise ExperimentError(f"{where}: analysis.precision is a relative CI half-width in (0, 10)")

    return Experiment(
        name=name,
        path=path,
        text=text,
        description=head.get("description", ""),
        model=model,
        schema=schema_ref,
        scenario=base_ref,
        scenario_label=base_label if dtype != "scenarios" else scenarios[0][0],
        seed=seed,
        replicates=replicates,
        fixed=fixed,
        design_type=dtype,
        design=design,
        scenarios=scenarios,
        metrics=metrics,
        series=output.get("series", False),
        series_metrics=series_metrics,
        out_dir=out_dir,
        execution=execution,
        analysis=analysis,
        overrides={k: v for k, v in overrides.items() if k in IDENTITY_OVERRIDES},
        allow_short_window=bool(
            overrides.get("allow_short_window") or head.get("allow_short_window", False)
        ),
        out_source="--out" if "out" in overrides else f"{where}: output.dir",
    )


def _check_overrides(overrides: dict[str, Any]) -> None:
    """Type-check the command-line overrides that are not model parameters."""
    if "replicates" in overrides:
        value = overrides["replicates"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ExperimentError(f"--replicates {value}: allowed: a whole number >= 1")


def check_count(value: Any, option: str) -> int:
    """Check a worker or retry count given as an option: a whole number >= 0.

    Raises:
        ExperimentError: One line naming the option.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        hint = " (0: one per CPU)" if option.endswith("workers") else ""
        raise ExperimentError(f"{option} {value}: allowed: a whole number >= 0{hint}")
    return value


def check_scheduler(address: str, option: str = "--scheduler") -> str:
    """Check the form of a Dask scheduler address (``tcp://HOST:PORT``).

    Raises:
        ExperimentError: One line naming the option and the form allowed.
    """
    if not isinstance(address, str) or not _SCHEDULER_RE.match(address.strip()):
        raise ExperimentError(
            f"{option} {address!r}: not a scheduler address; allowed: tcp://HOST:PORT (or "
            "tls://, ucx://, inproc://), e.g. tcp://login1:8786"
        )
    return address.strip()


def _model_outputs(model: str, fn: Any) -> tuple[list[str] | None, list[str] | None]:
    """Names of the summary metrics and weekly series the model returns, if it says.

    The ``sim`` model declares them (``sim.analysis.units``); another model may list them as
    attributes ``metrics`` and ``series_metrics`` of its function. ``None``: not declared.
    """
    if model == DEFAULT_MODEL:
        from sim.analysis import units

        return units.summary_names(), list(units.series_names())
    metrics = getattr(fn, "metrics", None)
    series = getattr(fn, "series_metrics", None)
    return (
        list(metrics) if metrics is not None else None,
        list(series) if series is not None else None,
    )


def _check_names(
    names: list[str], known: list[str] | None, where: str, key: str, what: str
) -> None:
    """Refuse names that are not among ``known`` (a typo would silently drop every metric)."""
    if known is None:
        return
    allowed = set(known)
    for name in names:
        if name not in allowed:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ExperimentError(
                f"{where}: {key}: unknown name {name!r}; {hint}allowed: one of the model's "
                f"{what} (ocgsim metrics lists them): " + ", ".join(known)
            )


def _str_list(values: list, where: str, key: str) -> list[str]:
    if not all(isinstance(v, str) for v in values):
        raise ExperimentError(f"{where}: {key} must be a list of strings")
    return list(values)


def _scenario(
    ref: str, where: str, key: str, source_dir: Path, validate: bool
) -> tuple[str, str, dict[str, Any]]:
    """Resolve and (with the default schema) validate a scenario reference.

    Returns:
        ``(reference to pass to the model, label, values it sets)``.
    """
    if not validate:
        return ref, Path(ref).stem, {}
    from sim.scenario import load_scenario, scenarios_dir

    candidate = Path(ref)
    if not candidate.is_absolute() and (source_dir / candidate).is_file():
        candidate = (source_dir / candidate).resolve()
        resolved = str(candidate)
    else:
        resolved = ref
    try:
        scenario = load_scenario(resolved)
    except ScenarioError as exc:
        raise ExperimentError(f"{where}: {key} = {ref!r}: {exc}") from None
    if scenario.path is not None:
        if scenario.path.resolve().parent == scenarios_dir():
            resolved = scenario.path.stem  # portable: a shipped scenario, found by name anywhere
        else:
            resolved = str(scenario.path.resolve())  # workers may run in another folder
    return resolved, scenario.name, dict(scenario.values)


def model_function(experiment: Experiment) -> Callable[..., Any]:
    """The experiment's model callable."""
    return resolve_callable(experiment.model, str(experiment.path), "experiment.model")
