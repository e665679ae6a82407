"""Summary statistics of experiment results.

Means with t-based confidence intervals, paired differences against a baseline (common random
numbers pair runs by replicate) with a paired t-test whose p-values are corrected for multiple
comparisons (Holm), intervals at the levels Holm's procedure uses, Fieller intervals for ratios of
paired means (cost per unit of harm averted), and a check that there are enough replicates for
a wanted precision.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = [
    "ID_COLUMNS",
    "fieller",
    "holm",
    "holm_intervals",
    "holm_levels",
    "mean_ci",
    "metric_columns",
    "paired_differences",
    "paired_p",
    "precision_check",
    "summarise",
]

ID_COLUMNS = ("run_id", "point_id", "replicate", "seed", "scenario", "status", "error")


def metric_columns(runs: pd.DataFrame, factor_names: Sequence[str] = ()) -> list[str]:
    """Numeric metric columns of a results table (everything that is not an id or a factor)."""
    skip = set(ID_COLUMNS) | set(factor_names)
    return [c for c in runs.columns if c not in skip and pd.api.types.is_numeric_dtype(runs[c])]


def mean_ci(values: Sequence[float] | np.ndarray, conf: float = 0.95) -> dict[str, float]:
    """Mean, standard deviation and t-based confidence interval of a sample (NaNs dropped).

    Args:
        values: The sample.
        conf: Confidence level.

    Returns:
        ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``, ``half_width`` (NaN where undefined).
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    half = float(sps.t.ppf(0.5 + conf / 2, n - 1) * sd / math.sqrt(n)) if n > 1 else math.nan
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "half_width": half,
    }


def holm(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment of p-values (family-wise error rate).

    The ``m`` finite p-values are sorted; the ``k``-th smallest is multiplied by ``m - k + 1``,
    made non-decreasing and capped at 1. NaN p-values stay NaN and do not count in ``m``.

    Args:
        p_values: Unadjusted p-values.

    Returns:
        Adjusted p-values, in the input order.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    if not m:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    adjusted = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    out[order] = np.minimum(adjusted, 1.0)
    return out


def holm_levels(p_values: Sequence[float] | np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """The significance level Holm's step-down procedure applies to each test.

    The ``m`` finite p-values are sorted; the ``k``-th smallest (``k`` = 1, 2, ...) is tested at
    ``alpha / (m - k + 1)`` as long as every smaller one was rejected. From the first test that
    is not rejected on, every remaining test keeps that test's level (Holm stops there). An
    interval at ``1 - level`` therefore excludes the null value exactly when Holm's correction
    rejects it: the intervals agree with :func:`holm` (``p_holm < alpha``).

    Args:
        p_values: Unadjusted p-values (NaN: no test; its level is NaN and it does not count).
        alpha: Family-wise error rate.

    Returns:
        The level of each test, in the input order.
    """
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    stop = None
    for k, i in enumerate(finite[np.argsort(p[finite], kind="stable")]):
        level = alpha / (m - k)
        if stop is None and p[i] < level:
            out[i] = level
        else:
            stop = level if stop is None else stop
            out[i] = stop
    return out


def holm_intervals(
    diff: Sequence[float] | np.ndarray,
    sd: Sequence[float] | np.ndarray,
    n: Sequence[int] | np.ndarray,
    levels: Sequence[float] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """t-based intervals of paired mean differences, each at its own level (``1 - level``).

    Args:
        diff: Mean paired differences.
        sd: Standard deviations of the paired differences.
        n: Number of pairs.
        levels: Significance level of each interval (from :func:`holm_levels`).

    Returns:
        ``(low, high)`` arrays (NaN where n < 2 or the level is NaN).
    """
    diff, sd = np.asarray(diff, dtype=float), np.asarray(sd, dtype=float)
    n, levels = np.asarray(n, dtype=float), np.asarray(levels, dtype=float)
    ok = (n >= 2) & np.isfinite(levels)
    half = np.full(diff.shape, np.nan)
    half[ok] = sps.t.ppf(1.0 - levels[ok] / 2.0, n[ok] - 1) * sd[ok] / np.sqrt(n[ok])
    return diff - half, diff + half


def fieller(
    numerator: Sequence[float] | np.ndarray,
    denominator: Sequence[float] | np.ndarray,
    level: float = 0.05,
) -> dict[str, float | bool]:
    """Ratio of two paired means with Fieller's confidence interval.

    For replicate-paired samples ``a_i`` (e.g. extra cost) and ``b_i`` (e.g. harm averted), the
    ratio ``R = mean(a) / mean(b)`` and the set of ``R`` for which ``mean(a) - R mean(b)`` is not
    significantly different from zero: ``(ā - R b̄)² <= t² (V_a - 2R V_ab + R² V_b)`` with the
    variances and covariance of the means and ``t`` the t quantile (n - 1 degrees of freedom)
    at ``1 - level/2``. The set is a bounded interval exactly when ``mean(b)`` is significantly
    different from zero at ``level``; otherwise it is unbounded and no interval is reported.
    Fieller's interval is the standard one for cost-effectiveness ratios (Willan & O'Brien 1996)
    and, unlike the delta method, is not symmetric by construction.

    Args:
        numerator: One value per pair (``a``).
        denominator: One value per pair (``b``), same order.
        level: Significance level (the interval's confidence is ``1 - level``).

    Returns:
        ``ratio``, ``low``, ``high`` (NaN when unbounded), ``bounded`` and ``n``.
    """
    a = np.asarray(numerator, dtype=float)
    b = np.asarray(denominator, dtype=float)
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep], b[keep]
    n = int(a.size)
    out: dict[str, float | bool] = {
        "ratio": math.nan,
        "low": math.nan,
        "high": math.nan,
        "bounded": False,
        "n": n,
    }
    if n < 2 or not math.isfinite(level):
        return out
    ma, mb = float(a.mean()), float(b.mean())
    if mb:
        out["ratio"] = ma / mb
    va, vb = float(a.var(ddof=1)) / n, float(b.var(ddof=1)) / n
    vab = float(np.cov(a, b, ddof=1)[0, 1]) / n
    t2 = float(sps.t.ppf(1.0 - level / 2.0, n - 1)) ** 2
    qa = mb * mb - t2 * vb
    qb = ma * mb - t2 * vab
    qc = ma * ma - t2 * va
    if qa <= 0.0:
        return out
    disc = max(qb * qb - qa * qc, 0.0)
    root = math.sqrt(disc)
    out.update(low=(qb - root) / qa, high=(qb + root) / qa, bounded=True)
    return out


def paired_p(diff_mean: float, diff_sd: float, n: int) -> float:
    """Two-sided p-value of a paired t-test of mean difference zero.

    Args:
        diff_mean: Mean of the paired differences.
        diff_sd: Their standard deviation (0: p is 0 for a non-zero mean, else 1).
        n: Number of pairs (NaN below 2).
    """
    if n < 2 or not math.isfinite(diff_mean):
        return math.nan
    if not diff_sd or not math.isfinite(diff_sd):
        return 0.0 if diff_mean else 1.0
    t = diff_mean / (diff_sd / math.sqrt(n))
    return float(2.0 * sps.t.sf(abs(t), n - 1))


def summarise(
    runs: pd.DataFrame,
    by: Sequence[str],
    metrics: Sequence[str],
    conf: float = 0.95,
) -> pd.DataFrame:
    """Mean, sd and CI of each metric per group (scenario or design point); successful runs only.

    Args:
        runs: The results table (one row per run).
        by: Grouping columns, e.g. ``["scenario"]`` or ``["point_id", *factors]``.
        metrics: Metric columns.
        conf: Confidence level.

    Returns:
        Long table: ``by`` columns, ``metric``, ``n``, ``mean``, ``sd``, ``ci_low``, ``ci_high``,
        ``half_width``, ``rel_half_width`` (half-width / |mean|).
    """
    ok = runs[runs["status"] == "ok"]
    rows = []
    for key, group in ok.groupby(list(by), sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        for metric in metrics:
            res = mean_ci(group[metric].to_numpy(dtype=float), conf)
            rel = abs(res["half_width"] / res["mean"]) if res["mean"] else math.nan
            rows.append(
                {**dict(zip(by, key, strict=True)), "metric": metric, **res, "rel_half_width": rel}
            )
    return pd.DataFrame(rows)


def paired_differences(
    runs: pd.DataFrame,
    by: Sequence[str],
    baseline: dict,
    metrics: Sequence[str],
    conf: float = 0.95,
) -> pd.DataFrame:
    """Differences against the baseline, paired by replicate (common random numbers).

    For every group other than the baseline and every metric, the difference
    ``group - baseline`` is taken replicate by replicate (only replicates where both runs
    succeeded), with its mean, t-based CI, the percentage change relative to the baseline
    mean and a paired t-test. Every row of the table is one test: the p-values are adjusted
    for multiple comparisons with Holm's method over the whole table, and ``significant``
    uses the adjusted p-value; ``significant_uncorrected`` (the CI excludes zero) is kept
    beside it, and the CIs themselves are unadjusted.

    Args:
        runs: The results table.
        by: Grouping columns.
        baseline: Values of the ``by`` columns that identify the baseline group.
        metrics: Metric columns.
        conf: Confidence level (``1 - conf`` is the significance level).

    Returns:
        Long table: ``by`` columns, ``metric``, ``n_pairs``, ``baseline_mean``, ``mean``
        (group mean over the pairs), ``diff``, ``diff_sd``, ``diff_ci_low``, ``diff_ci_high``,
        ``pct_change``, ``pct_ci_low``, ``pct_ci_high``, ``p_value``, ``p_holm``,
        ``significant`` (Holm), ``significant_uncorrected``.
    """
    ok = runs[runs["status"] == "ok"]
    mask = np.ones(len(ok), dtype=bool)
    for col, val in baseline.items():
        mask &= (ok[col] == val).to_numpy()
    base = ok[mask].set_index("replicate")
    rows = []
    for key, group in ok[~mask].groupby(list(by), sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        g = group.set_index("replicate")
        common = g.index.intersection(base.index)
        for metric in metrics:
            b = base.loc[common, metric].to_numpy(dtype=float)
            x = g.loc[common, metric].to_numpy(dtype=float)
            keep = ~(np.isnan(b) | np.isnan(x))
            b, x = b[keep], x[keep]
            res = mean_ci(x - b, conf)
            bmean = float(b.mean()) if len(b) else math.nan
            scale = 100.0 / abs(bmean) if bmean else math.nan
            rows.append(
                {
                    **dict(zip(by, key, strict=True)),
                    "metric": metric,
                    "n_pairs": res["n"],
                    "baseline_mean": bmean,
                    "mean": float(x.mean()) if len(x) else math.nan,
                    "diff": res["mean"],
                    "diff_sd": res["sd"],
                    "diff_ci_low": res["ci_low"],
                    "diff_ci_high": res["ci_high"],
                    "pct_change": res["mean"] * scale,
                    "pct_ci_low": res["ci_low"] * scale,
                    "pct_ci_high": res["ci_high"] * scale,
                    "p_value": paired_p(res["mean"], res["sd"], res["n"]),
                    "significant_uncorrected": bool(res["ci_low"] > 0 or res["ci_high"] < 0),
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"] = holm(table["p_value"].to_numpy())
    table["significant"] = (table["p_holm"] < 1.0 - conf).to_numpy()
    order = [c for c in table.columns if c not in ("significant_uncorrected",)]
    return table[[*order, "significant_uncorrected"]]


def precision_check(summary: pd.DataFrame, target: float = 0.05) -> pd.DataFrame:
    """Groups and metrics whose CI half-width exceeds ``target`` x |mean|.

    Args:
        summary: Output of :func:`summarise`.
        target: Wanted half-width as a share of the mean (0.05 = 5%).

    Returns:
        The offending rows with ``replicates_needed`` (n x (relative half-width / target)^2,
        rounded up); empty if the precision is met everywhere.
    """
    if summary.empty:
        return summary.assign(replicates_needed=pd.Series(dtype="int64"))
    bad = summary[(summary["rel_half_width"] > target) | summary["half_width"].isna()].copy()
    need = np.ceil(bad["n"] * (bad["rel_half_width"] / target) ** 2)
    bad["replicates_needed"] = need.fillna(-1).astype("int64")
    return bad.reset_index(drop=True)
