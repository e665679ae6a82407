"""Scenario files: TOML that sets any subset of the parameters in ``sim.params``.

A scenario file has one table per parameter section, plus an optional ``[scenario]`` table with a
``name`` and a ``description``::

    [scenario]
    name = "more_pios"
    description = "Half as many PIOs again, from week 104."

    [intelligence]
    pios_per_1000 = 3.0

Scenario names without a path (``more_pios``) are looked up in the current folder's ``scenarios/``,
then among the scenarios shipped with the package (the project's ``scenarios/`` folder; see
:mod:`sim.resources`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.params import SECTIONS, Parameters, ScenarioError, known, spec
from sim.resources import find, shipped_dir

__all__ = ["Scenario", "load_scenario", "parse_override", "scenarios_dir"]

_META_KEYS = ("name", "description")


def scenarios_dir() -> Path:
    """The folder of the shipped scenarios (the project's ``scenarios/``, as package data)."""
    return shipped_dir("scenarios")


@dataclass
class Scenario:
    """A named set of parameter values.

    Attributes:
        name: Short name (the file's stem unless the file sets one).
        description: What the scenario represents.
        values: Dotted parameter name -> value, only those the scenario sets.
        path: The file it came from, if any.
    """

    name: str = "england_wales"
    description: str = "England & Wales baseline (all defaults)."
    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def parameters(self, overrides: dict[str, Any] | None = None) -> Parameters:
        """Resolve the scenario (plus overrides) to a complete, validated parameter set."""
        values = dict(self.values)
        values.update(overrides or {})
        return Parameters(values, where=str(self.path) if self.path else "parameters")


def load_scenario(ref: str | Path | None = None) -> Scenario:
    """Load and validate a scenario file.

    Args:
        ref: Path to a TOML file, or the name of a file in ``./scenarios/`` or of a shipped
            scenario (``"more_pios"``).
            ``None`` gives the England & Wales baseline.

    Returns:
        The scenario, every value checked against the schema.

    Raises:
        ScenarioError: One line naming the file, the key and what is allowed.
    """
    if ref is None:
        return Scenario()
    path = find(ref, "scenarios")
    where = str(path)
    if not path.is_file():
        raise ScenarioError(
            f"{where}: no such scenario file; allowed: a path, or a name in ./scenarios/ or among "
            "the shipped scenarios (ocgsim scenarios lists them)"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: malformed TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{where}: not a UTF-8 text file") from None
    meta = data.pop("scenario", {})
    if not isinstance(meta, dict):
        raise ScenarioError(f"{where}: [scenario] must be a table with keys name, description")
    for key, value in meta.items():
        if key not in _META_KEYS or not isinstance(value, str):
            raise ScenarioError(
                f"{where}: scenario.{key} is not allowed; [scenario] takes string keys "
                + ", ".join(_META_KEYS)
            )
    values: dict[str, Any] = {}
    for section, table in data.items():
        if not isinstance(table, dict):
            raise ScenarioError(
                f"{where}: top-level key {section!r} must be a [section] table; allowed sections: "
                + ", ".join(("scenario",) + SECTIONS)
            )
        if section not in SECTIONS:
            raise ScenarioError(
                f"{where}: unknown section [{section}]; allowed sections: "
                + ", ".join(("scenario",) + SECTIONS)
            )
        for key, value in table.items():
            name = f"{section}.{key}"
            values[name] = value
    # Validate every value now, so a bad file fails before anything runs.
    Parameters(values, where=where)
    return Scenario(
        name=meta.get("name", path.stem),
        description=meta.get("description", ""),
        values={n: spec(n).check(v, where) for n, v in values.items()},
        path=path,
    )


def parse_override(text: str, where: str = "--set") -> tuple[str, Any]:
    """Parse one ``section.key=value`` override from the command line.

    The value is read as a TOML value (``3``, ``0.5``, ``true``, ``"disperse"``); a bare word
    that is not valid TOML is taken as a string.

    Raises:
        ScenarioError: If the text is not ``section.key=value``, the key is unknown or the value
            is not allowed.
    """
    if "=" not in text:
        raise ScenarioError(f"{where}: {text!r} is not of the form section.key=value")
    name, raw = (s.strip() for s in text.split("=", 1))
    if not known(name):
        Parameters({name: None}, where=where)  # raises with a suggestion
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return name, spec(name).check(value, where)
