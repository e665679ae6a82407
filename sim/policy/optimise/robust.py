"""The robustness check: the best mixes and the status quo again under changed assumptions.

The recommendation is compared with every other mix under every condition by paired t-tests,
corrected by Holm's method as one family (:func:`holm_against_recommendation`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.stats import holm_intervals, holm_levels, paired_p
from sim.experiments.seeds import replicate_seeds
from sim.policy.optimise.result import WORLD, OptimisationResult, Robustness
from sim.policy.optimise.search import mean_ci
from sim.policy.optimise.settings import BatchEvaluator

__all__ = ["holm_against_recommendation", "robustness"]


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
    worlds: Sequence[dict[str, Any]] = (),
) -> Robustness:
    """Re-run the best mixes and the status quo under low and high values of assumptions.

    The ``top`` mixes (the recommendation, then the mixes with the most replicates by their
    paired difference from the status quo) and the status quo are run on ``seeds`` under the
    model as assumed, with each assumption at its low and then its high value (one at a
    time) and in each plausible world (every parameter of the world at once), in one batch;
    under each condition the mixes are ranked by their paired mean difference from the status
    quo.

    Args:
        result: The search's result.
        batch: The batch evaluator (runs already made, e.g. the confirmation's, may be reused).
        assumptions: Parameter -> (low, high).
        top: How many mixes to compare.
        seeds: Seeds of the runs (default: the confirmation's, else the search's).
        source: Where the assumptions came from (for the record).
        worlds: Plausible worlds (``ocgsim calibrate --ensemble``): each a condition, parameter
            ``"world"`` and value its row in the ensemble (0, 1, ...), as ``compare
            --ensemble`` and experiments number worlds.

    Returns:
        The table and its summary (``result.runs`` counts its runs too).
    """
    mixes = _compared_mixes(result, top)
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
    for number, world in enumerate(worlds):  # numbered as the ensemble's rows, from 0
        conditions.append((f"plausible world {number}", WORLD, number, dict(world)))
    jobs = [
        ({**mix, **extra}, s)
        for _, _, _, extra in conditions
        for mix in [quo, *mixes]
        for s in seeds
    ]
    results = batch(jobs)
    result.runs += len(jobs)
    n = len(seeds)
    rows = []
    for c, (label, name, value, _) in enumerate(conditions):
        block = results[c * (len(mixes) + 1) * n : (c + 1) * (len(mixes) + 1) * n]
        outcomes = [
            np.array([r[result.outcome] for r in block[k * n : (k + 1) * n]], dtype=float)
            for k in range(len(mixes) + 1)
        ]
        condition = {"condition": label, "parameter": name, "value": value}
        rows += _condition_rows(condition, mixes, outcomes)
    table = holm_against_recommendation(pd.DataFrame(rows), n)
    return Robustness(
        table=table,
        conditions=[c[0] for c in conditions],
        seeds=seeds,
        source=source,
        outcome=result.outcome,
    )


def _compared_mixes(result: OptimisationResult, top: int) -> list[dict[str, Any]]:
    """The recommendation, then the best ``top - 1`` other mixes with the most replicates.

    The others are ordered by their paired difference from the status quo, then by cost.
    """
    t = result.table
    names = result.space.names
    rec = t[t["recommended"]].iloc[0]
    pool = t[(t["stage"] != "status quo") & (~t["recommended"])]
    pool = pool[pool["replicates"] == pool["replicates"].max()] if len(pool) else pool
    pool = pool.sort_values(["diff", "cost"], kind="stable").head(max(0, top - 1))
    mixes = [{n: _plain(rec[n]) for n in names}]
    mixes += [{n: _plain(row[n]) for n in names} for _, row in pool.iterrows()]
    return mixes


def _condition_rows(
    condition: dict[str, Any], mixes: list[dict[str, Any]], outcomes: list[np.ndarray]
) -> list[dict[str, Any]]:
    """The rows of one condition: each mix against the status quo and the recommendation.

    Args:
        condition: ``condition``, ``parameter`` and ``value`` of the rows.
        mixes: The mixes compared (the recommendation first).
        outcomes: The outcomes on the seeds (one array each): the status quo's, then each
            mix's in order.

    Returns:
        One row per mix, ranked by the paired mean difference from the status quo.
    """
    q, first = outcomes[0], outcomes[1]
    n = len(q)
    rows = []
    for k, mix in enumerate(mixes, start=1):
        x = outcomes[k]
        d, lo, hi = mean_ci(x - q)
        vs = x - first
        v = float(vs.mean())
        sd = float(vs.std(ddof=1)) if n > 1 and k > 1 else math.nan
        rows.append(
            {
                **condition,
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
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["diff"], i))
    for rank, i in enumerate(order, start=1):
        rows[i]["rank"] = rank
    return rows


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return x
