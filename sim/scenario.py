"""Scenario files: TOML that sets any subset of the parameters in ``sim.params``.

A scenario file has one table per parameter section, plus an optional ``[scenario]`` table with a
``name`` and a ``description``::

    [scenario]
    name = "more_pios"
    description = "Half as many PIOs again, from week 104."

    [intelligence]
    pios_per_1000 = 3.0

and an optional array ``[[schedule]]`` of dated lever changes and one-off operations (see
:func:`parse_schedule` and ``sim.processes.schedule``).

Scenario names without a path (``more_pios``) are looked up in the current folder's ``scenarios/``,
then among the scenarios shipped with the package (the project's ``scenarios/`` folder; see
:mod:`sim.resources`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.params import SECTIONS, Parameters, ScenarioError, known, spec
from sim.resources import find, shipped_dir

__all__ = [
    "OPERATIONS",
    "ScheduleEntry",
    "parse_schedule",
    "schedule_check",
    "Scenario",
    "load_scenario",
    "parse_override",
    "scenarios_dir",
]

_META_KEYS = ("name", "description")

#: A scenario name becomes part of folder and file names: these characters, at most 64.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def scenarios_dir() -> Path:
    """The folder of the shipped scenarios (the project's ``scenarios/``, as package data)."""
    return shipped_dir("scenarios")


#: One-off operations a schedule entry can name.
OPERATIONS = ("arrest_members", "remove_members", "remove_leaders")
_OPTIONS = {"share", "region", "groups", "role_loss"}


@dataclass(frozen=True)
class ScheduleEntry:
    """One dated change: lever values to set, and/or a one-off operation.

    Attributes:
        week: The week it happens (1 = the first week).
        levers: Dotted lever name -> value, set from that week on.
        operation: One of ``OPERATIONS``, or "" for none.
        share: The share of members an operation arrests or removes.
        region: The region whose groups are targeted, or "" for every region.
        groups: Only the largest ``groups`` groups (0: all of them).
        role_loss: For ``remove_members``: share of the removed members' roles the groups lose.
    """

    week: int
    levers: dict[str, Any] = field(default_factory=dict)
    operation: str = ""
    share: float = 0.0
    region: str = ""
    groups: int = 0
    role_loss: float = 0.0


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def parse_schedule(raw: Any, where: str) -> tuple[ScheduleEntry, ...]:
    """Validate a scenario's ``[[schedule]]`` array.

    Raises:
        ScenarioError: One line naming the file, the entry and key, and what is allowed.
    """
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise ScenarioError(f"{where}: schedule must be an array of tables ([[schedule]])")
    entries = []
    for k, entry in enumerate(raw, start=1):
        at = f"{where}: schedule entry {k}"
        flat = _flatten(entry)
        week = flat.pop("week", None)
        if not isinstance(week, int) or isinstance(week, bool) or not 1 <= week <= 5200:
            raise ScenarioError(f"{at}: week = {week!r}; allowed: an integer in [1, 5200]")
        operation = flat.pop("operation", "")
        if operation and operation not in OPERATIONS:
            raise ScenarioError(
                f"{at}: operation = {operation!r} is not allowed; allowed: "
                + ", ".join(repr(o) for o in OPERATIONS)
            )
        options = {key: flat.pop(key) for key in list(flat) if key in _OPTIONS}
        if options and not operation:
            raise ScenarioError(
                f"{at}: {', '.join(sorted(options))} needs an operation; allowed operations: "
                + ", ".join(OPERATIONS)
            )
        levers = {}
        for name, value in flat.items():
            if not known(name):
                raise ScenarioError(
                    f"{at}: unknown key {name!r}; allowed: week, operation, "
                    + ", ".join(sorted(_OPTIONS))
                    + ", or a lever as section.key"
                )
            if not spec(name).lever:
                raise ScenarioError(
                    f"{at}: {name} is not a lever; allowed: the levers marked L in "
                    "docs/parameters.md"
                )
            levers[name] = spec(name).check(value, at)
        share = options.get("share")
        if operation in ("arrest_members", "remove_members") and share is None:
            raise ScenarioError(f"{at}: {operation} needs share; allowed: a number in [0, 1]")
        for key in ("share", "role_loss"):
            value = options.get(key, 0.0)
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
                raise ScenarioError(f"{at}: {key} = {value!r}; allowed: a number in [0, 1]")
        groups = options.get("groups", 0)
        if not isinstance(groups, int) or isinstance(groups, bool) or groups < 0:
            raise ScenarioError(f"{at}: groups = {groups!r}; allowed: an integer >= 0 (0: all)")
        region = options.get("region", "")
        if not isinstance(region, str):
            raise ScenarioError(f"{at}: region = {region!r}; allowed: a region's name")
        if not levers and not operation:
            raise ScenarioError(f"{at}: nothing to do; allowed: a lever, or an operation")
        entries.append(
            ScheduleEntry(
                week=week,
                levers=levers,
                operation=operation,
                share=float(share or 0.0),
                region=region,
                groups=groups,
                role_loss=float(options.get("role_loss", 0.0)),
            )
        )
    return tuple(entries)


def schedule_check(
    schedule: tuple[ScheduleEntry, ...],
    years: float,
    intervention_week: int,
    where: str,
    years_from: str = "run.years",
) -> str | None:
    """Check a schedule against the run it is part of.

    An entry after the run's last week would never happen (and its ``scheduled_*`` counts stay
    at 0 as if it had done nothing): it is refused. An entry before the intervention week
    happens during the burn-in, before the summary window: it runs, and the returned warning
    says so.

    Args:
        schedule: The scenario's ``[[schedule]]`` entries.
        years: ``run.years`` of the run.
        intervention_week: ``run.intervention_week`` of the run.
        where: The scenario file (or name), for the messages.
        years_from: What set the run length (``run.years``, ``--years``, ``years``).

    Returns:
        A one-line warning naming the entries in the burn-in, or None.

    Raises:
        ScenarioError: One line naming the file, the entry, its week and the weeks allowed.
    """
    weeks = int(round(years * 52))
    early = []
    for k, entry in enumerate(schedule, start=1):
        if entry.week > weeks:
            raise ScenarioError(
                f"{where}: schedule entry {k}: week = {entry.week} is after the run's last week "
                f"({weeks}, from {years_from} = {years:g}), so it would never happen; allowed: a "
                f"week in [1, {weeks}], or a longer run"
            )
        if entry.week < intervention_week:
            early.append(f"{k} (week {entry.week})")
    if not early:
        return None
    which, verb = ("entry", "is") if len(early) == 1 else ("entries", "are")
    return (
        f"{where}: schedule {which} {', '.join(early)} {verb} in the burn-in, before "
        f"run.intervention_week = {intervention_week}: it runs, but before the summary window "
        "starts"
    )


@dataclass
class Scenario:
    """A named set of parameter values.

    Attributes:
        name: Short name (the file's stem unless the file sets one).
        description: What the scenario represents.
        values: Dotted parameter name -> value, only those the scenario sets.
        path: The file it came from, if any.
        schedule: Dated lever changes and one-off operations (``[[schedule]]``).
    """

    name: str = "england_wales"
    description: str = "England & Wales baseline (all defaults)."
    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    schedule: tuple[ScheduleEntry, ...] = ()

    def parameters(self, overrides: dict[str, Any] | None = None) -> Parameters:
        """Resolve the scenario (plus overrides) to a complete, validated parameter set."""
        values = dict(self.values)
        values.update(overrides or {})
        return Parameters(values, where=str(self.path) if self.path else "parameters")


def _read_toml(path: Path, where: str) -> dict[str, Any]:
    """The scenario file's TOML as a dict; a file that cannot be read as TOML is refused."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{where}: malformed TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{where}: not a UTF-8 text file") from None
    except RecursionError:
        raise ScenarioError(
            f"{where}: malformed TOML: arrays or tables nested too deeply; allowed: a scenario "
            "file of [section] tables and key = value lines"
        ) from None


def _scenario_meta(meta: Any, path: Path, where: str) -> tuple[dict[str, str], str]:
    """The ``[scenario]`` table checked, and the scenario's name (the file's stem by default)."""
    if not isinstance(meta, dict):
        raise ScenarioError(f"{where}: [scenario] must be a table with keys name, description")
    for key, value in meta.items():
        if key not in _META_KEYS or not isinstance(value, str):
            raise ScenarioError(
                f"{where}: scenario.{key} is not allowed; [scenario] takes string keys "
                + ", ".join(_META_KEYS)
            )
    label = meta.get("name", path.stem)
    if "name" in meta and not NAME_PATTERN.match(label):
        raise ScenarioError(
            f"{where}: scenario.name = {label[:80]!r}{'...' if len(label) > 80 else ''}: it names "
            "folders and files; allowed: 1-64 letters, digits, '_', '-' or '.', starting with a "
            "letter or digit"
        )
    if len(label) > 64:
        raise ScenarioError(
            f"{where}: the file's name ({len(label)} characters) names the scenario, and so "
            "folders and files; allowed: a file name of at most 64 characters before .toml, or "
            "a [scenario] name"
        )
    return meta, label


def _section_values(data: dict[str, Any], where: str) -> dict[str, Any]:
    """Dotted parameter name -> value of the file's ``[section]`` tables (checked later)."""
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
    return values


def _did_you_mean(ref: str | Path) -> str:
    """`` (did you mean 'more_pios'?)`` for a bare name close to a scenario's, else ``""``."""
    import difflib

    if len(Path(ref).parts) != 1:
        return ""
    names = {
        p.stem for folder in (Path("scenarios"), scenarios_dir()) for p in folder.glob("*.toml")
    }
    close = difflib.get_close_matches(Path(ref).stem, sorted(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
            f"{where}: no such scenario file{_did_you_mean(ref)}; allowed: a path, or a name in "
            "./scenarios/ or among the shipped scenarios (ocgsim scenarios lists them; the "
            "baseline is england_wales)"
        )
    data = _read_toml(path, where)
    schedule = parse_schedule(data.pop("schedule", []), where)
    meta, label = _scenario_meta(data.pop("scenario", {}), path, where)
    values = _section_values(data, where)
    # Validate every value now, so a bad file fails before anything runs.
    Parameters(values, where=where)
    return Scenario(
        name=label,
        description=meta.get("description", ""),
        values={n: spec(n).check(v, where) for n, v in values.items()},
        path=path,
        schedule=schedule,
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
    except (tomllib.TOMLDecodeError, RecursionError):  # RecursionError: nested too deeply
        value = raw
        if len(raw) > 200 and spec(name).kind is not str:
            raise ScenarioError(
                f"{where}: {name} = {raw[:20]!r}... ({len(raw)} characters, not a value); "
                f"allowed: {spec(name).allowed()}"
            ) from None
    return name, spec(name).check(value, where)
