"""What checking an experiment file rests on: its error, constants, structure and value checks.

:mod:`sim.experiments.sections` checks each table of an experiment file with these, and
:mod:`sim.experiments.spec` (which re-exports the public names here) puts the tables together.
Every check raises :class:`ExperimentError` with one line naming the file or option, the key and
what is allowed.
"""

from __future__ import annotations

import difflib
import importlib
import math
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.params import ScenarioError
from sim.scenario import load_scenario, scenarios_dir

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_SCHEMA",
    "DESIGN_TYPES",
    "EXECUTORS",
    "IDENTITY_OVERRIDES",
    "RUN_KEYS",
    "RUN_KEY_TYPES",
    "TABLES",
    "ExperimentError",
    "ParamSchema",
    "check_count",
    "check_names",
    "check_scheduler",
    "check_type",
    "flatten",
    "model_outputs",
    "read_tables",
    "resolve_callable",
    "resolve_scenario",
    "str_list",
]

DEFAULT_MODEL = "sim.api:simulate"
DEFAULT_SCHEMA = "sim.params:PARAMETERS"
DESIGN_TYPES = ("single", "scenarios", "grid", "lhs", "sobol", "morris")
EXECUTORS = ("serial", "processes", "dask")

#: Experiment-level run settings and the model parameters they set.
RUN_KEYS = {"years": "run.years", "burn_in_weeks": "run.intervention_week", "scale": "run.scale"}
RUN_KEY_TYPES = {"years": int, "burn_in_weeks": int, "scale": float}

#: Command-line overrides that change what is computed (they join the experiment's identity,
#: which the results folder is checked against), and the options that set them.
IDENTITY_OVERRIDES = {"scale": "--scale", "years": "--years", "replicates": "--replicates"}

#: The tables of an experiment file and the type of each key (``[parameters]``: any dotted
#: parameter name of the schema).
TABLES = {
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
        "ensemble": str,
        "worlds": int,
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

_SCHEDULER_RE = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s/:]+(:\d{1,5})?$")


class ExperimentError(ScenarioError):
    """An experiment file is invalid. The message is one line naming file, key and rule."""


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


def read_tables(text: str, where: str) -> dict[str, Any]:
    """Parse the TOML text and check its structure: known tables, known keys, right types.

    Returns:
        The tables (numbers given for ``float`` keys made floats).

    Raises:
        ExperimentError: For malformed TOML, an unknown table or key, or a wrong type.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{where}: malformed TOML: {exc}") from None
    for table, value in data.items():
        if table not in TABLES:
            raise ExperimentError(
                f"{where}: unknown table [{table}]; allowed: " + ", ".join(TABLES)
            )
        if not isinstance(value, dict):
            raise ExperimentError(f"{where}: {table} must be a [{table}] table")
        keys = TABLES[table]
        if keys is None:
            continue
        for key, item in value.items():
            if key not in keys:
                raise ExperimentError(
                    f"{where}: unknown key {table}.{key}; allowed in [{table}]: " + ", ".join(keys)
                )
            value[key] = check_type(item, keys[key], where, f"{table}.{key}")
    return data


def _type_name(kind: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        kind, {list: "a list", dict: "a table"}.get(kind, kind.__name__)
    )


def check_type(value: Any, kind: type, where: str, key: str) -> Any:
    """Check a TOML value's type (an integer is a number too, a boolean is not).

    Args:
        value: The value.
        kind: ``str``, ``int``, ``float``, ``bool``, ``list`` or ``dict``.
        where: File name (or option) for the error message.
        key: Key for the error message.

    Returns:
        The value (a ``float`` for ``kind`` float).

    Raises:
        ExperimentError: If the type is wrong or a number is not finite.
    """
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


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested tables to dotted names (``{"a": {"b": 1}}`` -> ``{"a.b": 1}``)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


class ParamSchema:
    """Parameter lookup for validation, from a sequence of ``ParamSpec``-like objects.

    Attributes:
        by_name: Parameter name -> its spec.
    """

    def __init__(self, specs: Sequence[Any], where: str, ref: str):
        try:
            self.by_name = {s.name: s for s in specs}
        except Exception:  # noqa: BLE001
            raise ExperimentError(
                f"{where}: experiment.schema = {ref!r} is not a sequence of parameter specs"
            ) from None

    def get(self, name: str, where: str, key: str) -> Any:
        """The spec of parameter ``name``.

        Raises:
            ExperimentError: If there is no such parameter (naming the keys or sections
                allowed).
        """
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
        """Check a value of parameter ``name`` with its spec; return the checked value.

        Raises:
            ExperimentError: If there is no such parameter or the value is not allowed.
        """
        p = self.get(name, where, key)
        try:
            return p.check(value, f"{where}: {key}")
        except ScenarioError as exc:
            raise ExperimentError(str(exc)) from None


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


def model_outputs(model: str, fn: Any) -> tuple[list[str] | None, list[str] | None]:
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


def check_names(names: list[str], known: list[str] | None, where: str, key: str, what: str) -> None:
    """Refuse names that are not among ``known`` (a typo would silently drop every metric).

    Args:
        names: The names given.
        known: The names allowed (``None``: not known, anything goes).
        where: File name for the error message.
        key: Key for the error message.
        what: What the allowed names are, for the error message.

    Raises:
        ExperimentError: Naming the first unknown name, a close match and the names allowed.
    """
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


def str_list(values: list, where: str, key: str) -> list[str]:
    """Check that a list holds strings only; return a copy.

    Raises:
        ExperimentError: If an item is not a string.
    """
    if not all(isinstance(v, str) for v in values):
        raise ExperimentError(f"{where}: {key} must be a list of strings")
    return list(values)


def resolve_scenario(
    ref: str, where: str, key: str, source_dir: Path, validate: bool
) -> tuple[str, str, dict[str, Any]]:
    """Resolve and (with the default schema) validate a scenario reference.

    Args:
        ref: A scenario name or path (relative paths are tried in ``source_dir`` first).
        where: File name for the error message.
        key: Key for the error message.
        source_dir: The experiment file's folder.
        validate: Load and check the scenario (the ``sim`` model's schema); otherwise the
            reference is passed on as it is.

    Returns:
        ``(reference to pass to the model, label, values it sets)``.

    Raises:
        ExperimentError: If the scenario cannot be loaded.
    """
    if not validate:
        return ref, Path(ref).stem, {}
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
