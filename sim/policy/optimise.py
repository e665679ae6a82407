"""The best mix of measures for a budget: a search over a mixed lever space.

The problem: choose values for a few levers (integers, floats, booleans) that minimise an outcome
of a stochastic model, subject to an annual cost no larger than a budget. The model is any
evaluator ``f(params: dict, seed: int) -> dict[str, float]`` (``sim.api.simulate`` is one), the
cost any ``cost(mix: dict) -> float``.

**The search** (documented in ``docs/policy-tools.md``):

0. *Ranges within the budget* (:meth:`LeverSpace.affordable`). Each lever's range is cut back
   to what the budget allows it with every other lever at its cheapest, so the design does not
   waste its points on mixes it would drop.
1. *Space-filling design under the budget.* Points of a scrambled Sobol' sequence
   (``scipy.stats.qmc.Sobol``) in the unit cube are mapped to lever mixes (floats linearly,
   integers by equal-width bins, booleans at 0.5); mixes over the budget are dropped and
   duplicates (integer and boolean levers make them) removed, until ``candidates`` feasible mixes
   are found. The status quo (every lever at its ``baseline``) is always evaluated as well.
2. *Successive halving.* Every candidate is run with ``min_replicates`` replicates; the best
   ``1/eta`` by mean outcome survive and get ``eta`` times as many replicates (runs already made
   are kept), until one candidate is left or ``max_replicates`` is reached. Replicate ``r`` has
   the same seed for every mix (common random numbers), so mixes are compared under the same
   random draws and rankings need fewer runs.
3. *Zoom* (``zoom_rounds``, default one). A second space-filling design in a box around the
   leader (a quarter of each numeric lever's range; booleans free), filtered by the budget,
   races against the leader by successive halving; this finds optima on the budget's edge, which
   a uniform design rarely samples closely.
4. *Confirmation.* The winner and the status quo are run again on ``confirm`` fresh seeds
   (not used in the search), so the reported interval is not biased by the selection.

5. *Robustness* (:func:`robustness`, optional). The best few mixes and the status quo are run
   again under low and high values of the most influential assumptions, and their paired
   differences from the status quo ranked under each: does the recommendation still come first
   when an assumption is wrong? Whether another mix is *detectably* better is decided by paired
   t-tests against the recommendation, corrected by Holm's method over all of them (every other
   mix under every condition), as the report corrects its headline table.

**Output:** a table of every mix evaluated (cost, replicates, mean and 95% interval of the
outcome, paired difference from the status quo), the cost-outcome Pareto front (mixes that no
cheaper-or-equal mix beats), the recommended mix with 95% intervals and the robustness table;
:func:`write_result` writes them (CSV, JSON and figures) atomically.

Runs go through one function, a *batch evaluator* ``(jobs) -> results``: :class:`SerialBatch`
runs them one after another in this process; :class:`sim.experiments.batch.EngineBatch` runs
them on the experiment engine (in parallel, on Dask, stored and resumable), which is what
``ocgsim optimise`` uses.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from sim.analysis.stats import holm_intervals, holm_levels, paired_p
from sim.experiments.seeds import replicate_seeds

__all__ = [
    "BatchEvaluator",
    "Lever",
    "LeverSpace",
    "OptimisationResult",
    "Robustness",
    "SearchSettings",
    "SerialBatch",
    "optimise",
    "pareto_front",
    "robustness",
    "write_result",
]

#: One job: (lever mix, seed).
Job = tuple[dict[str, Any], int]


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
    """

    name: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    baseline: Any = None

    def __post_init__(self) -> None:
        if self.kind not in ("float", "int", "bool"):
            raise ValueError(f"lever {self.name}: kind {self.kind!r}; allowed: float, int, bool")
        if self.kind != "bool" and not self.low <= self.high:
            raise ValueError(f"lever {self.name}: low {self.low} > high {self.high}")

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
        """A plain Python value of the lever's kind."""
        if self.kind == "bool":
            return bool(x)
        if self.kind == "int":
            return int(x)
        return float(round(float(x), 10))

    def status_quo(self) -> Any:
        """The baseline value (``low`` for numbers and False for booleans if not given)."""
        if self.baseline is not None:
            return self.value(self.baseline)
        return False if self.kind == "bool" else self.value(self.low)


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
                lever = Lever(lever.name, lever.kind, lo, hi, lever.baseline)
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
        afforded that way is fixed at its cheaper position. Assuming each lever's cost moves one
        way along its range (true of
        :class:`sim.policy.budget.AnnualCost`), no mix within the budget
        is lost, and the space-filling design no longer spends its points on mixes it would
        have to drop: expensive levers (police capacity costs over GBP 10m a year per extra
        operation a week in every region) otherwise leave few feasible points.
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
                    lv = Lever(lv.name, "bool", float(start), float(start), lv.baseline)
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
            out.append(Lever(lv.name, lv.kind, low, high, lv.baseline))
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


def _key(mix: dict[str, Any]) -> tuple:
    return tuple(sorted(mix.items()))


class BatchEvaluator(Protocol):
    """Runs a batch of jobs; the one function to swap for the experiment engine."""

    def __call__(self, jobs: Sequence[Job]) -> list[dict[str, float]]:
        """Results of ``f(mix, seed)`` for each job, in order."""
        ...


class SerialBatch:
    """Runs jobs one after another in this process.

    Args:
        evaluate: ``f(params, seed) -> dict[str, float]``.
        fixed: Parameters added to every mix (scale, years, scenario, ...).
        progress: Called with the number of jobs done after each job (a progress bar's update).
    """

    def __init__(
        self,
        evaluate: Callable[[dict[str, Any], int], dict[str, float]],
        fixed: dict[str, Any] | None = None,
        progress: Callable[[int], Any] | None = None,
    ):
        self.evaluate = evaluate
        self.fixed = dict(fixed or {})
        self.progress = progress

    def __call__(self, jobs: Sequence[Job]) -> list[dict[str, float]]:
        """Run each job."""
        out = []
        for mix, seed in jobs:
            out.append(self.evaluate({**self.fixed, **mix}, int(seed)))
            if self.progress is not None:
                self.progress(1)
        return out


@dataclass(frozen=True)
class SearchSettings:
    """How hard to search.

    Attributes:
        candidates: Feasible mixes in the space-filling design.
        min_replicates: Replicates of every candidate in the first round.
        max_replicates: Most replicates a survivor gets.
        eta: Halving rate: the best 1/eta survive and get eta times the replicates.
        zoom_rounds: Rounds of a local design around the leader.
        zoom_candidates: Mixes in each local design.
        zoom_width: Half-width of the local box as a share of each numeric lever's range.
        confirm: Fresh replicates of the winner and the status quo for the reported interval.
        seed: Root seed (design scrambling and replicate seeds).
        max_draws: Most design points drawn while looking for feasible mixes.
    """

    candidates: int = 32
    min_replicates: int = 2
    max_replicates: int = 8
    eta: int = 2
    zoom_rounds: int = 1
    zoom_candidates: int = 16
    zoom_width: float = 0.125
    confirm: int = 8
    seed: int = 20240601
    max_draws: int = 1 << 14

    def __post_init__(self) -> None:
        checks = {
            "candidates": self.candidates >= 1,
            "min_replicates": self.min_replicates >= 2,
            "max_replicates": self.max_replicates >= self.min_replicates,
            "eta": self.eta >= 2,
            "zoom_rounds": self.zoom_rounds >= 0,
            "zoom_candidates": self.zoom_candidates >= 1,
            "zoom_width": 0 < self.zoom_width <= 0.5,
            "confirm": self.confirm >= 0 and self.confirm != 1,
        }
        bad = [k for k, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"search settings: invalid {', '.join(bad)}")

    def planned_runs(self, n_candidates: int | None = None) -> int:
        """The most runs the search makes (for a progress bar and an estimate)."""
        n = self.candidates if n_candidates is None else n_candidates

        def race(n: int) -> int:
            runs, reps, total = n, self.min_replicates, 0
            prev = 0
            while True:
                total += runs * (reps - prev)
                if runs <= 1 or reps >= self.max_replicates:
                    return total
                prev = reps
                runs = max(1, math.ceil(runs / self.eta))
                reps = min(self.max_replicates, reps * self.eta)

        total = race(n) + self.max_replicates  # + the status quo
        total += self.zoom_rounds * race(self.zoom_candidates + 1)
        return total + 2 * self.confirm


@dataclass
class _Record:
    mix: dict[str, Any]
    cost: float
    stage: str
    outcomes: dict[int, float] = field(default_factory=dict)  # seed -> outcome
    rounds: int = 0

    def mean(self, seeds: Sequence[int]) -> float:
        return float(np.mean([self.outcomes[s] for s in seeds]))


@dataclass
class OptimisationResult:
    """What the search found.

    Attributes:
        table: One row per mix evaluated: the levers, ``cost``, ``stage`` (``design``, ``zoom``,
            ``status quo``), ``replicates``, ``mean``, ``ci_low``, ``ci_high``, ``diff`` (paired
            mean difference from the status quo on the same seeds), ``diff_low``, ``diff_high``,
            ``front`` (on the Pareto front), ``recommended``.
        front: The rows of ``table`` on the cost-outcome Pareto front (cost against ``diff``,
            the paired difference, comparable across replicate counts), by cost.
        recommended: The recommended mix.
        confirmation: The winner and the status quo on fresh seeds: ``seeds``, ``mean``,
            ``ci``, ``status_quo_mean``, ``diff``, ``diff_ci`` (95%), ``diff_pct``.
        settings: The search settings.
        budget: The budget.
        outcome: The outcome minimised.
        space: The lever space searched (ranges narrowed to the budget).
        runs: Model runs made.
        robustness: The robustness check, if one was made (:func:`robustness`).
    """

    table: pd.DataFrame
    front: pd.DataFrame
    recommended: dict[str, Any]
    confirmation: dict[str, Any]
    settings: SearchSettings
    budget: float
    outcome: str
    space: LeverSpace
    runs: int
    robustness: Robustness | None = None

    def text(self) -> str:
        """A short plain-text account of the result."""
        c = self.confirmation
        mix = ", ".join(f"{k} = {v}" for k, v in self.recommended.items())
        lines = [
            f"recommended mix (budget {self.budget:g}): {mix}",
            f"  cost {self.table.loc[self.table['recommended'], 'cost'].iloc[0]:.4g}",
        ]
        if c.get("seeds"):
            lo, hi = c["ci"]
            dlo, dhi = c["diff_ci"]
            lines += [
                f"  {self.outcome}: {c['mean']:.4g} (95% CI {lo:.4g} to {hi:.4g}) on "
                f"{len(c['seeds'])} fresh seeds; status quo {c['status_quo_mean']:.4g}",
                f"  difference from the status quo: {c['diff']:+.4g} "
                f"(95% CI {dlo:+.4g} to {dhi:+.4g}; {c['diff_pct']:+.1f}%)",
            ]
        if self.robustness is not None:
            lines += self.robustness.text().splitlines()
        lines.append(
            f"{len(self.table)} mixes evaluated, {len(self.front)} on the cost-outcome front, "
            f"{self.runs} runs"
        )
        return "\n".join(lines)


def _mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    if x.size < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def pareto_front(cost: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Which points are on the cost-outcome front (minimising both).

    A point is on the front when no other point costs no more and has a strictly lower outcome,
    or costs strictly less with an outcome no higher.

    Args:
        cost: Cost of each point.
        outcome: Outcome of each point (lower is better).

    Returns:
        A boolean mask.
    """
    cost = np.asarray(cost, dtype=float)
    outcome = np.asarray(outcome, dtype=float)
    order = np.lexsort((outcome, cost))
    mask = np.zeros(cost.size, dtype=bool)
    best = math.inf
    for i in order:
        if outcome[i] < best:
            mask[i] = True
            best = outcome[i]
    return mask


class _Search:
    """State of one search: every mix evaluated and the runs made."""

    def __init__(self, space, batch, cost, budget, outcome, settings):
        self.space = space
        self.batch = batch
        self.cost = cost
        self.budget = budget
        self.outcome = outcome
        self.settings = settings
        self.records: dict[tuple, _Record] = {}
        self.seeds = replicate_seeds(settings.seed, settings.max_replicates)
        self.runs = 0

    def _record(self, mix: dict[str, Any], stage: str) -> _Record:
        key = _key(mix)
        if key not in self.records:
            self.records[key] = _Record(mix=mix, cost=float(self.cost(mix)), stage=stage)
        return self.records[key]

    def evaluate(self, records: Sequence[_Record], seeds: Sequence[int]) -> None:
        """Run every (record, seed) pair not yet run, as one batch."""
        jobs, owners = [], []
        for rec in records:
            for s in seeds:
                if s not in rec.outcomes:
                    jobs.append((dict(rec.mix), int(s)))
                    owners.append((rec, int(s)))
        if not jobs:
            return
        results = self.batch(jobs)
        self.runs += len(jobs)
        for (rec, s), result in zip(owners, results, strict=True):
            if self.outcome not in result:
                raise KeyError(
                    f"the evaluator returned no {self.outcome!r}; it returned: "
                    + ", ".join(sorted(result))
                )
            rec.outcomes[s] = float(result[self.outcome])

    def design(self, n: int, seed: int, box=None, stage: str = "design") -> list[_Record]:
        """Up to ``n`` new feasible mixes from a scrambled Sobol' sequence."""
        d = len(self.space.levers)
        sampler = qmc.Sobol(d, scramble=True, rng=np.random.default_rng(seed))
        found: list[_Record] = []
        seen = set()
        drawn = 0
        m = max(1, math.ceil(math.log2(max(2, n))))
        while len(found) < n and drawn < self.settings.max_draws:
            batch = sampler.random_base2(m) if drawn == 0 else sampler.random(1 << m)
            drawn += len(batch)
            for raw in self.space.mixes(batch, box):
                if float(self.cost(raw)) > self.budget + 1e-9:
                    continue
                for mix in (raw, self.space.fill(raw, self.cost, self.budget)):
                    key = _key(mix)
                    if key in seen or key in self.records or len(found) == n:
                        continue
                    seen.add(key)
                    if float(self.cost(mix)) <= self.budget + 1e-9:
                        found.append(self._record(mix, stage))
                if len(found) == n:
                    break
        return found

    def race(self, records: list[_Record]) -> list[_Record]:
        """Successive halving; returns the survivors of the last round (best first)."""
        st = self.settings
        alive = list(records)
        reps = st.min_replicates
        while True:
            seeds = self.seeds[:reps]
            self.evaluate(alive, seeds)
            for rec in alive:
                rec.rounds += 1
            alive.sort(key=lambda r: (r.mean(seeds), r.cost))
            if len(alive) <= 1 or reps >= st.max_replicates:
                return alive
            alive = alive[: max(1, math.ceil(len(alive) / st.eta))]
            reps = min(st.max_replicates, reps * st.eta)

    def zoom_box(self, leader: _Record) -> dict[str, tuple[float, float]]:
        box = {}
        w = self.settings.zoom_width
        for lever in self.space.levers:
            if lever.kind == "bool":
                continue
            half = w * (lever.high - lever.low)
            if lever.kind == "int":
                half = max(half, 1.0)  # the neighbouring integers at least
            x = float(leader.mix[lever.name])
            box[lever.name] = (max(lever.low, x - half), min(lever.high, x + half))
        return box


def optimise(
    space: LeverSpace,
    evaluate: Callable[[dict[str, Any], int], dict[str, float]] | None,
    cost: Callable[[dict[str, Any]], float],
    budget: float,
    outcome: str,
    settings: SearchSettings | None = None,
    *,
    batch: BatchEvaluator | None = None,
) -> OptimisationResult:
    """Find the mixes that minimise ``outcome`` within ``budget``.

    Args:
        space: The levers.
        evaluate: ``f(params, seed) -> dict[str, float]``, run serially; or None with ``batch``.
        cost: Annual cost of a mix, in the budget's unit.
        budget: Largest allowed cost.
        outcome: The key of the evaluator's result to minimise.
        settings: Search settings (defaults: :class:`SearchSettings`).
        batch: A batch evaluator to use instead of running ``evaluate`` serially (the seam for
            the experiment engine).

    Returns:
        The evaluated mixes, the Pareto front and the recommended mix.

    Raises:
        ValueError: If the status quo is over the budget, or no mix in the design is within it.
    """
    st = settings or SearchSettings()
    if batch is None:
        if evaluate is None:
            raise ValueError("give evaluate or batch")
        batch = SerialBatch(evaluate)
    quo_cost = float(cost(space.status_quo()))
    if quo_cost > budget + 1e-9:
        raise ValueError(f"the status quo costs {quo_cost:g}, over the budget {budget:g}")
    space = space.affordable(cost, budget)
    search = _Search(space, batch, cost, budget, outcome, st)
    quo = search._record(space.status_quo(), "status quo")
    root = np.random.SeedSequence(st.seed)
    design_seeds = [int(s.generate_state(1)[0]) for s in root.spawn(1 + st.zoom_rounds)]

    candidates = search.design(st.candidates, design_seeds[0])
    if not candidates:
        raise ValueError(f"no mix in {st.max_draws} design points is within the budget {budget:g}")
    survivors = search.race([quo, *candidates])
    leader = survivors[0]
    for z in range(st.zoom_rounds):
        local = search.design(st.zoom_candidates, design_seeds[1 + z], search.zoom_box(leader))
        if local:
            leader = search.race([leader, *local])[0]
    search.evaluate([quo], search.seeds)  # the status quo on every search seed

    confirmation = _confirm(search, leader, quo)
    table = _table(search, leader, quo)
    front = table[table["front"]].sort_values(["cost", "diff"]).reset_index(drop=True)
    return OptimisationResult(
        table=table,
        front=front,
        recommended=dict(leader.mix),
        confirmation=confirmation,
        settings=st,
        budget=float(budget),
        outcome=outcome,
        space=space,
        runs=search.runs,
    )


def _confirm(search: _Search, winner: _Record, quo: _Record) -> dict[str, Any]:
    n = search.settings.confirm
    if n < 2:
        return {}
    fresh = replicate_seeds(search.settings.seed + 1, n)
    jobs = [(dict(winner.mix), s) for s in fresh] + [(dict(quo.mix), s) for s in fresh]
    results = search.batch(jobs)
    search.runs += len(jobs)
    w = np.array([r[search.outcome] for r in results[:n]], dtype=float)
    q = np.array([r[search.outcome] for r in results[n:]], dtype=float)
    mean, lo, hi = _mean_ci(w)
    d, dlo, dhi = _mean_ci(w - q)
    qm = float(q.mean())
    return {
        "seeds": fresh,
        "mean": mean,
        "ci": [lo, hi],
        "status_quo_mean": qm,
        "diff": d,
        "diff_ci": [dlo, dhi],
        "diff_pct": 100.0 * d / qm if qm else float("nan"),
    }


def _table(search: _Search, leader: _Record, quo: _Record) -> pd.DataFrame:
    rows = []
    for rec in search.records.values():
        if not rec.outcomes:
            continue
        seeds = [s for s in search.seeds if s in rec.outcomes]
        values = [rec.outcomes[s] for s in seeds]
        mean, lo, hi = _mean_ci(values)
        diffs = [rec.outcomes[s] - quo.outcomes[s] for s in seeds if s in quo.outcomes]
        d, dlo, dhi = _mean_ci(diffs) if diffs else (float("nan"),) * 3
        rows.append(
            {
                **rec.mix,
                "cost": rec.cost,
                "stage": rec.stage,
                "replicates": len(values),
                "mean": mean,
                "ci_low": lo,
                "ci_high": hi,
                "diff": d,
                "diff_low": dlo,
                "diff_high": dhi,
                "recommended": rec is leader,
            }
        )
    table = pd.DataFrame(rows)
    # paired differences remove the seeds' common part: comparable across replicate counts
    table.insert(len(table.columns) - 1, "front", pareto_front(table["cost"], table["diff"]))
    return table.sort_values(["cost", "mean"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# robustness
# --------------------------------------------------------------------------------------------
@dataclass
class Robustness:
    """How the ranking of the best mixes holds up when assumptions change.

    Attributes:
        table: One row per condition and mix: ``condition``, ``parameter``, ``value``
            (``""`` and NaN for the model as assumed), ``mix`` (1 = the recommendation, then the
            next best by the search), the lever values, ``diff`` (paired mean difference of the
            outcome from the status quo under that condition), ``diff_low``, ``diff_high`` (95%,
            unadjusted: a description of each mix), ``vs_recommended`` (paired mean difference
            from the recommended mix under that condition) with its standard deviation
            ``vs_sd`` and paired t-test p-value ``vs_p``, ``vs_level`` (the level Holm's
            correction over all the comparisons with the recommendation applies to it,
            :func:`sim.analysis.stats.holm_levels`), ``vs_low``, ``vs_high`` (the interval at
            that level; 0 for the recommendation itself), and ``rank`` within the condition
            (1 = best).
        conditions: The conditions, the model as assumed first.
        seeds: The seeds every mix and the status quo were run on.
        source: Where the assumptions came from.
        outcome: The outcome.
    """

    table: pd.DataFrame
    conditions: list[str]
    seeds: list[int]
    source: str
    outcome: str

    @property
    def first_count(self) -> int:
        """Conditions under which the recommended mix ranks first."""
        t = self.table
        return int(((t["mix"] == 1) & (t["rank"] == 1)).sum())

    @property
    def family(self) -> int:
        """Comparisons with the recommendation that Holm's correction is over."""
        return int(np.isfinite(self.table["vs_p"]).sum())

    @property
    def beaten_count(self) -> int:
        """Conditions under which another mix is detectably better than the recommendation.

        Detectably: its interval of the difference from the recommendation (95%, corrected by
        Holm's method over all :attr:`family` comparisons with the recommendation) is below zero.
        """
        t = self.table
        return int(t[t["vs_high"] < 0]["condition"].nunique())

    @property
    def same_order_count(self) -> int:
        """Changed conditions (all but the first) under which the mixes rank as in the first."""
        t = self.table
        base = t[t["condition"] == self.conditions[0]].sort_values("mix")["rank"].tolist()
        same = 0
        for cond in self.conditions[1:]:
            ranks = t[t["condition"] == cond].sort_values("mix")["rank"].tolist()
            same += ranks == base
        return same

    def text(self) -> str:
        """The check in words."""
        n = len(self.conditions)
        k = int(self.table["mix"].max())
        lines = [
            f"robustness ({self.source}; {len(self.seeds)} seeds per mix and condition):",
            f"  the recommended mix ranks first of the best {k} under {self.first_count} of {n} "
            f"conditions; the order of the {k} is unchanged under {self.same_order_count} of "
            f"{n - 1} changed conditions; another mix is detectably better under "
            f"{self.beaten_count} of {n} (95% intervals, Holm-corrected over the {self.family} "
            "comparisons with the recommendation)",
        ]
        t = self.table
        for cond in self.conditions:
            best = t[(t["condition"] == cond) & (t["rank"] == 1)].iloc[0]
            if int(best["mix"]) != 1:
                sure = "detectable" if best["vs_high"] < 0 else "not detectable"
                lines.append(
                    f"  under {cond}: mix {int(best['mix'])} does better by "
                    f"{best['vs_recommended']:+.4g} (Holm-corrected 95% interval "
                    f"{best['vs_low']:+.4g} to {best['vs_high']:+.4g}; {sure})"
                )
        return "\n".join(lines)


def holm_against_recommendation(table: pd.DataFrame, n: int) -> pd.DataFrame:
    """Holm-corrected intervals of each mix's paired difference from the recommendation.

    Every comparison of another mix with the recommendation, under every condition, is one
    family: Holm's correction is over all of them, and each interval is at the level Holm's
    procedure applies to it, so it excludes zero exactly when the correction finds a
    difference.

    Args:
        table: Rows with ``mix`` (1 = the recommendation), ``vs_recommended``, ``vs_sd``,
            ``vs_p`` (NaN for the recommendation itself) and ``rank``.
        n: Seeds per mix and condition.

    Returns:
        The table with ``vs_level``, ``vs_low`` and ``vs_high`` added (0 for the
        recommendation) and ``rank`` last.
    """
    table = table.copy()
    table["vs_level"] = holm_levels(table["vs_p"].to_numpy(), 0.05)
    low, high = holm_intervals(
        table["vs_recommended"], table["vs_sd"], np.full(len(table), n), table["vs_level"]
    )
    first = (table["mix"] == 1).to_numpy()
    table["vs_low"] = np.where(first, 0.0, low)
    table["vs_high"] = np.where(first, 0.0, high)
    rank = table.pop("rank")
    table["rank"] = rank
    return table


def robustness(
    result: OptimisationResult,
    batch: BatchEvaluator,
    assumptions: dict[str, tuple[Any, Any]],
    *,
    top: int = 3,
    seeds: Sequence[int] | None = None,
    source: str = "",
) -> Robustness:
    """Re-run the best mixes and the status quo under low and high values of assumptions.

    The ``top`` mixes (the recommendation, then the mixes with the most replicates by their
    paired difference from the status quo) and the status quo are run on ``seeds`` under the
    model as assumed and with each assumption at its low and then its high value (one at a
    time), in one batch; under each condition the mixes are ranked by their paired mean
    difference from the status quo.

    Args:
        result: The search's result.
        batch: The batch evaluator (runs already made, e.g. the confirmation's, may be reused).
        assumptions: Parameter -> (low, high).
        top: How many mixes to compare.
        seeds: Seeds of the runs (default: the confirmation's, else the search's).
        source: Where the assumptions came from (for the record).

    Returns:
        The table and its summary.
    """
    t = result.table
    names = result.space.names
    rec = t[t["recommended"]].iloc[0]
    pool = t[(t["stage"] != "status quo") & (~t["recommended"])]
    pool = pool[pool["replicates"] == pool["replicates"].max()] if len(pool) else pool
    pool = pool.sort_values(["diff", "cost"], kind="stable").head(max(0, top - 1))
    mixes = [{n: _plain(rec[n]) for n in names}]
    mixes += [{n: _plain(row[n]) for n in names} for _, row in pool.iterrows()]
    quo = result.space.status_quo()
    if seeds is None:
        seeds = result.confirmation.get("seeds") or replicate_seeds(
            result.settings.seed, result.settings.max_replicates
        )
    seeds = [int(s) for s in seeds]
    conditions: list[tuple[str, str, Any, dict[str, Any]]] = [("as assumed", "", math.nan, {})]
    for name, (low, high) in assumptions.items():
        for word, value in (("low", low), ("high", high)):
            conditions.append((f"{name} = {value:g} ({word})", name, value, {name: value}))
    jobs = [
        ({**mix, **extra}, s)
        for _, _, _, extra in conditions
        for mix in [quo, *mixes]
        for s in seeds
    ]
    results = batch(jobs)
    n = len(seeds)
    rows = []
    for c, (label, name, value, _) in enumerate(conditions):
        block = results[c * (len(mixes) + 1) * n : (c + 1) * (len(mixes) + 1) * n]
        q = np.array([r[result.outcome] for r in block[:n]], dtype=float)
        first = np.array([r[result.outcome] for r in block[n : 2 * n]], dtype=float)
        cond_rows = []
        for k, mix in enumerate(mixes, start=1):
            x = np.array([r[result.outcome] for r in block[k * n : (k + 1) * n]], dtype=float)
            d, lo, hi = _mean_ci(x - q)
            vs = x - first
            v = float(vs.mean())
            sd = float(vs.std(ddof=1)) if n > 1 and k > 1 else math.nan
            cond_rows.append(
                {
                    "condition": label,
                    "parameter": name,
                    "value": value,
                    "mix": k,
                    **mix,
                    "diff": d,
                    "diff_low": lo,
                    "diff_high": hi,
                    "vs_recommended": v,
                    "vs_sd": sd,
                    "vs_p": paired_p(v, sd, n) if k > 1 else math.nan,
                }
            )
        order = sorted(range(len(cond_rows)), key=lambda i: (cond_rows[i]["diff"], i))
        for rank, i in enumerate(order, start=1):
            cond_rows[i]["rank"] = rank
        rows += cond_rows
    table = holm_against_recommendation(pd.DataFrame(rows), n)
    return Robustness(
        table=table,
        conditions=[c[0] for c in conditions],
        seeds=seeds,
        source=source,
        outcome=result.outcome,
    )


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------
def _json(obj: Any) -> bytes:
    from sim.io.files import finite_json

    return (json.dumps(finite_json(obj), indent=2, sort_keys=True) + "\n").encode()


def plot_front(result: OptimisationResult, path: Path, *, unit: str = "", title: str = "") -> None:
    """The cost-outcome figure: every mix, the front, the budget and the recommendation.

    Args:
        result: The search result.
        path: Where to write the PNG.
        unit: Unit of the cost axis (e.g. ``"GBP million a year"``).
        title: Figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    t = result.table
    fig = Figure(figsize=(7.5, 5), dpi=110)
    ax = fig.subplots()
    for k, (reps, group) in enumerate(t.groupby("replicates")):
        ax.scatter(
            group["cost"],
            group["diff"],
            s=14 + 6 * k,
            alpha=0.75,
            color=f"C{k % 10}",
            zorder=2,
            label=f"{reps} replicates",
        )
    front = result.front
    ax.step(front["cost"], front["diff"], where="post", color="tab:red", lw=1.5, zorder=3)
    ax.scatter(
        front["cost"],
        front["diff"],
        facecolor="none",
        edgecolor="tab:red",
        s=60,
        zorder=4,
        label="cost-outcome front",
    )
    rec = t[t["recommended"]].iloc[0]
    c = result.confirmation
    y, (lo, hi) = (
        (c["diff"], c["diff_ci"]) if c else (rec["diff"], (rec["diff_low"], rec["diff_high"]))
    )
    ax.errorbar(
        rec["cost"],
        y,
        yerr=[[y - lo], [hi - y]],
        fmt="*",
        ms=14,
        color="black",
        zorder=5,
        label="recommended (95% CI" + (", fresh seeds)" if c else ")"),
    )
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.scatter([0.0], [0.0], marker="s", color="0.3", s=40, zorder=5, label="status quo")
    ax.axvline(result.budget, color="0.4", ls="--", lw=1, label="budget")
    ax.set_xlabel(f"cost ({unit})" if unit else "cost")
    ax.set_ylabel(f"change in {result.outcome} from the status quo\n(paired mean; lower is better)")
    ax.set_title(title or f"Cost against {result.outcome}")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})


def write_result(
    result: OptimisationResult,
    out_dir: Path,
    *,
    manifest: dict[str, Any] | None = None,
    unit: str = "",
    runs: Path | None = None,
) -> Path:
    """Write a result folder atomically (a temporary folder, then one rename).

    Files: ``mixes.csv`` (every mix evaluated), ``front.csv``, ``recommendation.json`` (the mix,
    its cost, the confirmation interval, the robustness summary), ``front.png``,
    ``robustness.csv`` (with a robustness check) and ``manifest.json`` (``manifest`` plus the
    search settings and lever space); ``runs/`` is the folder ``runs`` moved in (the engine's
    stored runs).

    Args:
        result: The search result.
        out_dir: The folder to create (must not exist).
        manifest: Provenance to record (command, versions, commit, wall time, ...).
        unit: Unit of the cost, for the figure and the recommendation.
        runs: A folder of stored runs to move into the result as ``runs/`` (left where it was
            if writing fails).

    Returns:
        The folder written.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(
            f"--out {out_dir}: already exists; allowed: a folder that does not exist"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    try:
        result.table.to_csv(tmp / "mixes.csv", index=False, float_format="%.10g")
        result.front.to_csv(tmp / "front.csv", index=False, float_format="%.10g")
        rec_row = result.table[result.table["recommended"]].iloc[0]
        recommendation = {
            "budget": result.budget,
            "cost_unit": unit,
            "outcome": result.outcome,
            "mix": result.recommended,
            "cost": float(rec_row["cost"]),
            "search": {
                "replicates": int(rec_row["replicates"]),
                "mean": float(rec_row["mean"]),
                "ci": [float(rec_row["ci_low"]), float(rec_row["ci_high"])],
                "diff_from_status_quo": float(rec_row["diff"]),
                "diff_ci": [float(rec_row["diff_low"]), float(rec_row["diff_high"])],
            },
            "confirmation": result.confirmation,
        }
        rob = result.robustness
        if rob is not None:
            rob.table.to_csv(tmp / "robustness.csv", index=False, float_format="%.10g")
            recommendation["robustness"] = {
                "source": rob.source,
                "conditions": rob.conditions,
                "seeds": rob.seeds,
                "recommended_first": rob.first_count,
                "order_unchanged": rob.same_order_count,
                "order_unchanged_of": len(rob.conditions) - 1,
                "another_detectably_better": rob.beaten_count,
                "holm_family": rob.family,
                "text": rob.text(),
            }
        (tmp / "recommendation.json").write_bytes(_json(recommendation))
        info = {
            **(manifest or {}),
            "budget": result.budget,
            "outcome": result.outcome,
            "runs": result.runs,
            "settings": asdict(result.settings),
            "levers": [asdict(lever) for lever in result.space.levers],
        }
        (tmp / "manifest.json").write_bytes(_json(info))
        plot_front(result, tmp / "front.png", unit=unit)
        moved = False
        if runs is not None and Path(runs).is_dir():
            os.replace(runs, tmp / "runs")
            moved = True
        try:
            os.replace(tmp, out_dir)
        except BaseException:
            if moved:
                os.replace(tmp / "runs", runs)
            raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    from sim.io.files import public_mode

    public_mode(out_dir)
    return out_dir
