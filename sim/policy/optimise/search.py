"""The search: a space-filling design under the budget, successive halving, zoom, confirmation.

The steps are described in :mod:`sim.policy.optimise`; :func:`optimise` runs them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats import qmc

from sim.experiments.seeds import replicate_seeds
from sim.policy.optimise.result import OptimisationResult
from sim.policy.optimise.settings import BatchEvaluator, SearchSettings, SerialBatch
from sim.policy.optimise.space import LeverSpace

__all__ = ["mean_ci", "optimise", "pareto_front"]


def _key(mix: dict[str, Any]) -> tuple:
    return tuple(sorted(mix.items()))


@dataclass
class _Record:
    mix: dict[str, Any]
    cost: float
    stage: str
    outcomes: dict[int, float] = field(default_factory=dict)  # seed -> outcome
    rounds: int = 0

    def mean(self, seeds: Sequence[int]) -> float:
        return float(np.mean([self.outcomes[s] for s in seeds]))


def mean_ci(values: Sequence[float]) -> tuple[float, float, float]:
    """Mean and 95% t interval of ``values`` (NaN bounds for fewer than two values).

    Returns:
        ``(mean, low, high)``.
    """
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
    mean, lo, hi = mean_ci(w)
    d, dlo, dhi = mean_ci(w - q)
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
        mean, lo, hi = mean_ci(values)
        diffs = [rec.outcomes[s] - quo.outcomes[s] for s in seeds if s in quo.outcomes]
        d, dlo, dhi = mean_ci(diffs) if diffs else (float("nan"),) * 3
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
