"""The whole parameter table: look-up by name, a complete validated set of values, its docs.

``PARAMETERS`` is the table of ``sim.params.sections``; this module adds the look-ups on it
(:func:`spec`, :func:`known`, :func:`defaults`), the :class:`Parameters` of one run and the
Markdown of ``docs/parameters.md``.
"""

from __future__ import annotations

from typing import Any

from sim.params.schema import ParamSpec, ScenarioError, format_number
from sim.params.sections import PARAMETERS

__all__ = [
    "PARAMETERS",
    "SECTIONS",
    "Parameters",
    "defaults",
    "known",
    "parameters_markdown",
    "spec",
]

_BY_NAME: dict[str, ParamSpec] = {p.name: p for p in PARAMETERS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.section for p in PARAMETERS))


def spec(name: str) -> ParamSpec:
    """Return the spec of parameter ``name``.

    Raises:
        KeyError: If there is no such parameter.
    """
    return _BY_NAME[name]


def known(name: str) -> bool:
    """Whether ``name`` is a parameter of the model."""
    return name in _BY_NAME


def defaults() -> dict[str, Any]:
    """All parameters at their default values, keyed by dotted name."""
    return {p.name: p.default for p in PARAMETERS}


class _Section:
    """Attribute access to one section's values (``params.justice.offence_hazard``)."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"_Section({self.__dict__!r})"


class Parameters:
    """A complete, validated set of parameter values.

    Attribute access is by section: ``params.justice.offence_hazard``. Item access is by dotted
    name: ``params["justice.offence_hazard"]``.

    Args:
        values: Dotted name -> value; missing names take their default.
        where: Where the values came from, for error messages.
    """

    def __init__(self, values: dict[str, Any] | None = None, where: str = "parameters"):
        merged = defaults()
        for name, value in (values or {}).items():
            if name not in _BY_NAME:
                raise ScenarioError(f"{where}: unknown parameter {name!r}; {_suggest(name)}")
            merged[name] = _BY_NAME[name].check(value, where)
        self._values = merged
        for section in SECTIONS:
            keys = {
                n.split(".", 1)[1]: v for n, v in merged.items() if n.split(".", 1)[0] == section
            }
            setattr(self, section, _Section(keys))

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def as_dict(self) -> dict[str, Any]:
        """Dotted name -> value for every parameter."""
        return dict(self._values)

    def with_levers_at_baseline(self) -> Parameters:
        """The same parameters with every policy lever at its baseline default."""
        values = dict(self._values)
        for p in PARAMETERS:
            if p.lever:
                values[p.name] = p.default
        return Parameters(values)

    def changed(self) -> dict[str, Any]:
        """Parameters whose value differs from the default."""
        return {n: v for n, v in self._values.items() if v != _BY_NAME[n].default}


def _suggest(name: str) -> str:
    section = name.split(".", 1)[0]
    if "." not in name:
        return "names are section.key, sections: " + ", ".join(SECTIONS)
    if section not in SECTIONS:
        return "allowed sections: " + ", ".join(SECTIONS)
    keys = [p.key for p in PARAMETERS if p.section == section]
    return f"allowed keys in [{section}]: " + ", ".join(keys)


def _plausible(p: ParamSpec) -> str:
    """The plausible range as the parameters table shows it.

    ``-`` for booleans, choices and the run's settings (they describe the run, not the world).
    """
    span = p.plausible_range()
    if span is None or p.section == "run":
        return "-"
    text = f"[{format_number(span[0])}, {format_number(span[1])}]"
    return text if p.plausible is not None else f"{text} (±50%)"


def parameters_markdown() -> str:
    """Render the schema as the Markdown table in ``docs/parameters.md``."""
    lines = [
        "# Parameters",
        "",
        "Generated from `sim/params/sections/` by `ocgsim docs` (a test keeps this file in step).",
        "Levers (marked **L**) keep their default until `run.intervention_week`, then take the",
        "scenario's value. `assumption` marks values with no published figure: they are factors",
        "of the sensitivity analysis. Full sources are in `docs/calibration.md`. *Range* is what a",
        "scenario may set; *plausible* is the range of values plausible for England & Wales, which",
        "the sensitivity analysis, the plausible worlds and the assumptions check vary over: a",
        "declared one, or (marked ±50%) the default ±50% within the range (none for the run's",
        "settings, booleans and choices).",
        "",
    ]
    for section in SECTIONS:
        lines += [
            f"## [{section}]",
            "",
            "| key | default | unit | range | plausible | meaning | source |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in PARAMETERS:
            if p.section != section:
                continue
            rng = p.allowed().removeprefix("a number in ").removeprefix("an integer in ")
            key = f"`{p.key}`" + (" **L**" if p.lever else "")
            if p.kind is bool:
                default = str(p.default).lower()
            elif p.kind is str:
                default = repr(p.default)
            else:
                default = format_number(p.default)
            lines.append(
                f"| {key} | {default} | {p.unit} | {rng} | {_plausible(p)} | {p.doc} | {p.source} |"
            )
        lines.append("")
    return "\n".join(lines)
