"""The best mix of measures for a budget: a search over a mixed lever space.

The problem: choose values for a few levers (integers, floats, booleans) that minimise an outcome
of a stochastic model, subject to an annual cost no larger than a budget. The model is any
evaluator ``f(params: dict, seed: int) -> dict[str, float]`` (``sim.api.simulate`` is one), the
cost any ``cost(mix: dict) -> float``.

**The search** (documented in ``docs/optimise.md``):

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

**Output:** a table of every mix evaluated (cost, replicates, mean and 95% interval of the
outcome, paired difference from the status quo), the cost-outcome Pareto front (mixes that no
cheaper-or-equal mix beats), and the recommended mix with 95% intervals; :func:`write_result`
writes them (CSV, JSON and a figure) atomically.

Runs go through one function, a *batch evaluator* ``(jobs) -> results`` (see
:class:`SerialBatch`), so the same search can run on the experiment engine (parallel, resumable)
by swapping that function.
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

from sim.experiments.seeds import replicate_seeds

__all__ = [
    "BatchEvaluator",
    "Lever",
    "LeverSpace",
    "OptimisationResult",
    "SearchSettings",
    "SerialBatch",
    "optimise",
    "pareto_front",
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
        """Map points of [0, 1) to lever values (an object array for booleans)."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, np.nextafter(1.0, 0.0))
        if self.kind == "bool":
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
        space: The lever space.
        runs: Model runs made.
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
    search = _Search(space, batch, cost, budget, outcome, st)
    quo = search._record(space.status_quo(), "status quo")
    if quo.cost > budget + 1e-9:
        raise ValueError(f"the status quo costs {quo.cost:g}, over the budget {budget:g}")
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
# output
# --------------------------------------------------------------------------------------------
def _json(obj: Any) -> bytes:
    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        if isinstance(x, np.generic):
            return clean(x.item())
        return x

    return (json.dumps(clean(obj), indent=2, sort_keys=True) + "\n").encode()


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
) -> Path:
    """Write a result folder atomically (a temporary folder, then one rename).

    Files: ``mixes.csv`` (every mix evaluated), ``front.csv``, ``recommendation.json`` (the mix,
    its cost, the confirmation interval), ``front.png`` and ``manifest.json`` (``manifest``
    plus the search settings and lever space).

    Args:
        result: The search result.
        out_dir: The folder to create (must not exist).
        manifest: Provenance to record (command, versions, commit, wall time, ...).
        unit: Unit of the cost, for the figure and the recommendation.

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
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir
