"""The levers of a search and the space they span: mapping the unit cube to mixes, and the budget.

:class:`LeverSpace` maps points of a space-filling design to lever mixes, narrows each lever's
range to what a budget allows (:meth:`LeverSpace.affordable`) and moves a mix out to the budget's
edge (:meth:`LeverSpace.fill`); see :mod:`sim.policy.optimise` for the search.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

__all__ = ["Lever", "LeverSpace"]


@dataclass(frozen=True)
class Lever:
    """One lever of the search.

    Attributes:
        name: The parameter it sets (``"intelligence.pios_per_1000"``) or any key the evaluator
            understands.
        kind: ``"float"``, ``"int"`` or ``"bool"``.
        low: Smallest value (numbers).
        high: Largest value (numbers).
        baseline: The status-quo value.
        step: The smallest change a user can make to a float lever (the lever registry's step,
            :mod:`sim.levers`): the search only tries multiples of it, and mixes are shown to it.
            None: any value.
        unit: Unit of the value (``""``: none), for the printed mix.
        label: What a reader calls the lever (``""``: its name), for the printed mix.
    """

    name: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    baseline: Any = None
    step: float | None = None
    unit: str = ""
    label: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("float", "int", "bool"):
            raise ValueError(f"lever {self.name}: kind {self.kind!r}; allowed: float, int, bool")
        if self.kind != "bool" and not self.low <= self.high:
            raise ValueError(f"lever {self.name}: low {self.low} > high {self.high}")
        if self.step is not None and not (math.isfinite(self.step) and self.step > 0):
            raise ValueError(f"lever {self.name}: step {self.step}; allowed: a number > 0")

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map points of [0, 1) to lever values (booleans: a switch; fixed if low == high)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, np.nextafter(1.0, 0.0))
        if self.kind == "bool":
            if self.low == self.high:
                return np.full(u.shape, bool(self.low))
            return u >= 0.5
        if self.kind == "int":
            lo, hi = int(math.ceil(self.low)), int(math.floor(self.high))
            return lo + np.floor(u * (hi - lo + 1)).astype(np.int64)
        return self.low + u * (self.high - self.low)

    def value(self, x: Any) -> Any:
        """A plain Python value of the lever's kind (a float on its step, if it has one)."""
        if self.kind == "bool":
            return bool(x)
        if self.kind == "int":
            return int(x)
        return float(round(self.on_step(float(x)), 10))

    def on_step(self, x: float) -> float:
        """The multiple of ``step`` nearest ``x`` within the range (``x`` if there is none)."""
        if self.step is None:
            return x
        first = math.ceil(self.low / self.step - 1e-9)
        last = math.floor(self.high / self.step + 1e-9)
        if first > last:
            return x
        return min(max(round(x / self.step), first), last) * self.step

    def status_quo(self) -> Any:
        """The baseline value (``low`` for numbers and False for booleans if not given).

        The baseline is kept as it is, on the lever's step or not: it is today's value.
        """
        if self.baseline is not None:
            if self.kind == "float":
                return float(round(float(self.baseline), 10))
            return self.value(self.baseline)
        return False if self.kind == "bool" else self.value(self.low)

    def shown(self, x: Any) -> str:
        """A value as a reader sets it: ``yes``/``no``, whole numbers, floats to the step."""
        if self.kind == "bool":
            return "yes" if x else "no"
        if self.kind == "int":
            return f"{int(x):,}"
        if self.step is None:
            return f"{float(x):,.4g}"
        decimals = len(f"{self.step:g}".partition(".")[2])
        return f"{float(x):,.{decimals}f}"

    def describe(self, x: Any) -> str:
        """``label value unit``: the lever and its value in words (``One common database: yes``)."""
        unit = f" {self.unit}" if self.unit and self.unit not in ("-", "1", self.label) else ""
        return f"{self.label or self.name}: {self.shown(x)}{unit}"


@dataclass(frozen=True)
class LeverSpace:
    """The levers searched over.

    Attributes:
        levers: The levers, in a fixed order (the columns of every table).
    """

    levers: tuple[Lever, ...]

    @property
    def names(self) -> list[str]:
        """Lever names in order."""
        return [lever.name for lever in self.levers]

    def mixes(self, unit: np.ndarray, box: dict[str, tuple[float, float]] | None = None) -> list:
        """Map rows of a unit-cube sample to mixes (dicts), optionally inside a smaller box.

        Args:
            unit: Array (n, number of levers) of points in [0, 1).
            box: Per numeric lever, a (low, high) sub-range to map into instead of its range.
        """
        columns = []
        for j, lever in enumerate(self.levers):
            if box and lever.name in box and lever.kind != "bool":
                lo, hi = box[lever.name]
                lever = replace(lever, low=lo, high=hi)  # values are put on the full range's step
            columns.append(lever.from_unit(unit[:, j]))
        out = []
        for i in range(unit.shape[0]):
            row = zip(self.levers, columns, strict=True)
            out.append({lv.name: lv.value(col[i]) for lv, col in row})
        return out

    def status_quo(self) -> dict[str, Any]:
        """The mix with every lever at its baseline."""
        return {lever.name: lever.status_quo() for lever in self.levers}

    def affordable(self, cost: Callable[[dict[str, Any]], float], budget: float) -> LeverSpace:
        """The space narrowed to what the budget allows each lever, the others at their cheapest.

        For each lever, its cheapest end of the range (a switch: its cheaper position) is found
        with the others at the status quo; then each lever's range is cut back, from its
        cheapest end, to the values whose cost stays within the budget when every other lever
        is at its cheapest end (bisection; integers rounded inwards). A switch that cannot be
        afforded that way is fixed at its cheaper position. Assuming each lever's cost moves one way
        along its range (true of :class:`sim.policy.budget.AnnualCost`), no mix within the budget is
        lost, and the space-filling design no longer spends its points on mixes it would have to
        drop: expensive levers (police capacity costs over GBP 10m a year per extra operation a week
        in every region) otherwise leave few feasible points.
        """
        quo = self.status_quo()

        def ends(lv: Lever) -> list[Any]:
            if lv.kind == "bool":
                return [False, True] if lv.low != lv.high else [bool(lv.low)]
            if lv.kind == "int":
                return [int(math.ceil(lv.low)), int(math.floor(lv.high))]
            return [lv.value(lv.low), lv.value(lv.high)]

        def cheapest(lv: Lever) -> Any:
            options = ends(lv)
            return min(options, key=lambda v: (float(cost({**quo, lv.name: v})), options.index(v)))

        base = {lv.name: cheapest(lv) for lv in self.levers}
        limit = budget + 1e-9
        out = []
        for lv in self.levers:
            start = base[lv.name]
            options = ends(lv)
            if lv.kind == "bool":
                other = [v for v in options if v != start]
                if other and float(cost({**base, lv.name: other[0]})) > limit:
                    lv = replace(lv, low=float(start), high=float(start))
                out.append(lv)
                continue
            end = options[1] if start == options[0] else options[0]
            if float(cost({**base, lv.name: end})) <= limit:
                out.append(lv)
                continue
            lo, hi = 0.0, 1.0
            for _ in range(60):
                mid = 0.5 * (lo + hi)
                x = lv.value(start + mid * (end - start)) if lv.kind == "float" else None
                x = x if x is not None else start + mid * (end - start)
                if float(cost({**base, lv.name: x})) <= limit:
                    lo = mid
                else:
                    hi = mid
            reach = start + lo * (end - start)
            if lv.kind == "int":
                reach = math.floor(reach + 1e-9) if end > start else math.ceil(reach - 1e-9)
            low, high = sorted((float(start), float(reach)))
            out.append(replace(lv, low=low, high=high))
        return LeverSpace(tuple(out))

    def fill(
        self, mix: dict[str, Any], cost: Callable[[dict[str, Any]], float], budget: float
    ) -> dict[str, Any]:
        """Move a mix out to the budget's edge along its own direction from the status quo.

        Every numeric lever's change from the status quo is multiplied by the largest factor
        that keeps the mix within its ranges and the budget (found by bisection; integers are
        rounded down); then the float levers alone are stretched the same way, to spend what
        the integers' rounding left. Booleans are kept. A mix that is already on the edge, or
        has no numeric change, comes back unchanged.
        """
        quo = self.status_quo()
        numeric = [lv for lv in self.levers if lv.kind != "bool"]
        out = dict(mix)
        for group in (numeric, [lv for lv in numeric if lv.kind == "float"]):
            out = self._stretch(out, quo, group, cost, budget)
        return out

    def _stretch(self, mix, quo, levers, cost, budget) -> dict[str, Any]:
        limit = math.inf
        for lv in levers:
            step = float(mix[lv.name]) - float(quo[lv.name])
            if step > 0:
                limit = min(limit, (lv.high - float(quo[lv.name])) / step)
            elif step < 0:
                limit = min(limit, (lv.low - float(quo[lv.name])) / step)
        if not math.isfinite(limit) or limit <= 1.0:
            return mix

        def at(t: float) -> dict[str, Any]:
            new = dict(mix)
            for lv in levers:
                x = float(quo[lv.name]) + t * (float(mix[lv.name]) - float(quo[lv.name]))
                x = min(max(x, lv.low), lv.high)
                new[lv.name] = lv.value(math.floor(x + 1e-9) if lv.kind == "int" else x)
            return new

        if cost(at(limit)) <= budget:
            return at(limit)
        lo, hi = 1.0, limit
        for _ in range(40):
            mid = 0.5 * (lo + hi)
            if cost(at(mid)) <= budget:
                lo = mid
            else:
                hi = mid
        return at(lo)
