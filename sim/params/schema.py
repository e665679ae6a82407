"""The schema of one parameter: its spec (unit, default, range, source) and its validation.

``ParamSpec`` describes one parameter and checks a value against it; ``ScenarioError`` is raised
for any invalid scenario value. The specs themselves are in ``sim.params.sections``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["BASES", "KINDS", "A", "LeverSpec", "ParamSpec", "ScenarioError", "format_number"]

#: The source of a value for which no published figure exists (a factor of the sensitivity
#: analysis).
A = "assumption"


class ScenarioError(ValueError):
    """A scenario file or override is invalid. The message is one line naming file, key and rule."""


@dataclass(frozen=True)
class ParamSpec:
    """One model parameter.

    Attributes:
        name: Dotted name ``section.key``.
        default: Baseline value.
        unit: Unit of measurement (``1`` for dimensionless).
        doc: What the parameter means.
        source: Published source, "derived: ..." or "assumption".
        low: Smallest allowed value (numbers only).
        high: Largest allowed value (numbers only).
        choices: Allowed values (strings only).
        lever: True for a policy lever that switches on at ``run.intervention_week``.
        plausible: The range of values that are plausible for England & Wales (numbers only):
            the range of the sensitivity analysis, inside the allowed range. None: the
            default +-50%, clipped to the allowed range (see :meth:`plausible_range`).
    """

    name: str
    default: Any
    unit: str
    doc: str
    source: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    lever: bool = False
    plausible: tuple[float, float] | None = None

    @property
    def section(self) -> str:
        """The section (the part before the dot)."""
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The key within its section."""
        return self.name.split(".", 1)[1]

    @property
    def kind(self) -> type:
        """The Python type of the value (bool, int, float or str)."""
        return type(self.default)

    def plausible_range(self) -> tuple[float, float] | None:
        """The plausible range of a numeric parameter (None for booleans and choices).

        The declared ``plausible`` range, else the default +-50% clipped to the allowed range
        (a default of 0 gets [0, a tenth of the allowed maximum, at most 1]). Integers are
        rounded, keeping low < high.
        """
        if self.kind not in (int, float):
            return None
        if self.plausible is not None:
            low, high = self.plausible
        elif self.default == 0:
            low, high = 0.0, min(1.0, 0.1 * float(self.high))
        else:
            low = max(float(self.low), 0.5 * self.default)
            high = min(float(self.high), 1.5 * self.default)
        if self.kind is int:
            low, high = int(round(low)), int(round(high))
            high = max(high, low + 1)
        return low, high

    def allowed(self) -> str:
        """Human-readable statement of what values are allowed."""
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "one of " + ", ".join(repr(c) for c in self.choices or ())
        what = "an integer" if self.kind is int else "a number"
        return f"{what} in [{format_number(self.low)}, {format_number(self.high)}]"

    def check(self, value: Any, where: str) -> Any:
        """Validate (and coerce int to float where a float is expected) one value.

        Args:
            value: The value read from a scenario file or the command line.
            where: The file (or ``--set``) the value came from, for the error message.

        Returns:
            The value, coerced to the parameter's type.

        Raises:
            ScenarioError: If the value has the wrong type or is out of range.
        """
        kind = self.kind
        ok_type = (
            isinstance(value, bool)
            if kind is bool
            else isinstance(value, str)
            if kind is str
            else isinstance(value, int) and not isinstance(value, bool)
            if kind is int
            else isinstance(value, int | float) and not isinstance(value, bool)
        )
        if not ok_type:
            raise ScenarioError(
                f"{where}: {self.name} = {value!r} has the wrong type; allowed: {self.allowed()}"
            )
        if kind is float:
            value = float(value)
            if value != value:  # NaN
                raise ScenarioError(f"{where}: {self.name} is NaN; allowed: {self.allowed()}")
        if kind in (int, float) and not (self.low <= value <= self.high):
            raise ScenarioError(
                f"{where}: {self.name} = {value!r} is out of range; allowed: {self.allowed()}"
            )
        if kind is str and value not in (self.choices or ()):
            raise ScenarioError(
                f"{where}: {self.name} = {value!r} is not allowed; allowed: {self.allowed()}"
            )
        return value


def format_number(x: float | None) -> str:
    """A bound or default as printed in messages and docs: ``-`` for None, 3 for 3.0, else %g."""
    if x is None:
        return "-"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


#: The kinds of lever: a switch, whole numbers, any number in a range, one of the parameter's
#: choices.
KINDS = ("bool", "int", "float", "choice")

#: How a declared lever's value becomes an annual price (GBP a year, ``c`` its cost parameter):
#: ``per_1000_places``: value x places / 1,000 x c (posts per 1,000 places);
#: ``per_region``: value x regions x c x scale (officers per region);
#: ``per_region_week``: value x regions x scale x 52 x c (actions a week per region);
#: ``when_on``: c x scale if the value is true (a national system);
#: ``below_one``: c x (1 - value) x scale if the value is below 1 (a simplification).
BASES = ("per_1000_places", "per_region", "per_region_week", "when_on", "below_one")


@dataclass(frozen=True)
class LeverSpec:
    """One policy lever.

    Attributes:
        param: The parameter it sets (dotted name, a lever in ``sim.params``).
        name: Short name (the dashboard's keyword).
        kind: ``"bool"``, ``"int"`` (whole numbers), ``"float"`` or ``"choice"`` (one of the
            parameter's ``choices``).
        label: What a user reads.
        unit: Unit of the value (the parameter table's).
        low: Smallest value a user is offered (numbers).
        high: Largest value a user is offered (numbers).
        step: Step of the slider (numbers).
        search: The optimiser's default search range (low, high), or None if the optimiser does
            not search the lever (it has no price).
        costs: The ``cost.*`` parameters its cost rests on (empty: free).
        basis: How a lever declared in a parameter section (``LEVERS`` of a module of
            ``sim.params.sections``) is priced from its one cost parameter, ``costs[0]`` (one of
            :data:`BASES`); the registry's own levers are priced by ``sim.levers.capacity_cost``
            and leave it None.
    """

    param: str
    name: str
    kind: str
    label: str
    unit: str
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    search: tuple[float, float] | None = None
    costs: tuple[str, ...] = ()
    basis: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"lever {self.param}: kind {self.kind!r}; allowed: {', '.join(KINDS)}")
        if self.basis is not None and (self.basis not in BASES or len(self.costs) != 1):
            raise ValueError(
                f"lever {self.param}: basis {self.basis!r} with costs {self.costs}; allowed: "
                + "one of "
                + ", ".join(BASES)
                + " with exactly one cost parameter"
            )
