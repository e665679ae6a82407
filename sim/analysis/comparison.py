"""The comparison table: every group against the baseline, one table for every output.

``ocgsim analyse`` (``differences.csv``), ``ocgsim compare`` and ``ocgsim report`` (the headline
table) all take their paired differences from :func:`comparison_table`, so no file can
contradict another: the same estimates, intervals, correction and column names.

Each row is one paired comparison (a group against the baseline on one metric, paired by
replicate: common random numbers) with a paired t-test. **One outcome is pre-specified as
primary** (:data:`sim.policy.outcomes.PRIMARY_OUTCOME`, defined there only: compare, the
report, optimise and the API read it). The p-values are corrected with Holm's step-down method
within each ``family`` (``p_holm``; ``significant`` is ``p_holm < alpha``):

* ``primary``: the primary outcome across the compared groups, the family a decision rests on;
* ``secondary``: every other outcome across the groups, corrected with Holm within that family
  (so a secondary finding does not weaken the primary one, and vice versa);
* ``all``: when the primary outcome is not among the metrics (another model, or metrics chosen
  by hand), the whole table is one family, as before.

Each row has two intervals:

* ``diff_ci_low``/``diff_ci_high`` (and ``pct_ci_*``): the unadjusted 95% t interval;
* ``diff_holm_low``/``diff_holm_high`` (and ``pct_holm_*``): the t interval at ``1 -
  holm_level``, the level Holm's procedure applies to that row
  (:func:`sim.analysis.stats.holm_levels`). It excludes zero exactly when the row is
  ``significant``; the report shows these.

Percentages divide by the baseline mean (its own uncertainty is not included). Then come
``unit``, ``scale``, ``extensive`` and the full-scale equivalents ``<col>_full_scale`` of the
levels, differences and both intervals (extensive metrics divided by the run scale).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import units
from sim.analysis.results import Results
from sim.analysis.stats import holm, holm_intervals, holm_levels, paired_differences
from sim.policy.outcomes import PRIMARY_OUTCOME

__all__ = [
    "ALPHA",
    "FAMILIES",
    "FULL_SCALE_COLUMNS",
    "HOLM_COLUMNS",
    "PRIMARY_OUTCOME",
    "TABLE_COLUMNS",
    "annotate",
    "baseline_point",
    "comparison_by",
    "comparison_table",
    "default_point",
    "family_of",
    "point_label",
]

#: The families of :func:`comparison_table` and how each is corrected (stated in the outputs).
FAMILIES = {
    "primary": "Holm over the primary outcome across the compared scenarios",
    "secondary": "Holm within the secondary outcomes across the compared scenarios",
    "all": "Holm over the whole table (no primary outcome among the metrics)",
}

#: Family-wise error rate of Holm's correction.
ALPHA = 0.05
#: The Holm-level interval columns, after ``significant``.
HOLM_COLUMNS = ("holm_level", "diff_holm_low", "diff_holm_high", "pct_holm_low", "pct_holm_high")
#: Columns that get a ``<col>_full_scale`` twin.
FULL_SCALE_COLUMNS = (
    "baseline_mean",
    "mean",
    "diff",
    "diff_ci_low",
    "diff_ci_high",
    "diff_holm_low",
    "diff_holm_high",
)
#: Every column of the table that is not a group column (scenario or factors).
TABLE_COLUMNS = frozenset(
    {
        "metric",
        "n_pairs",
        "baseline_mean",
        "mean",
        "diff",
        "diff_sd",
        "diff_ci_low",
        "diff_ci_high",
        "pct_change",
        "pct_ci_low",
        "pct_ci_high",
        "p_value",
        "family",
        "p_holm",
        "significant",
        *HOLM_COLUMNS,
        "significant_uncorrected",
        "point_id",
        "unit",
        "scale",
        "extensive",
        *(f"{c}_full_scale" for c in FULL_SCALE_COLUMNS),
    }
)


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def annotate(
    table: pd.DataFrame, res: Results, by: list[str], value_cols: list[str] | tuple[str, ...]
) -> pd.DataFrame:
    """Add unit, scale, extensive and ``<col>_full_scale`` columns to a per-group table.

    Args:
        table: A long table with ``metric`` and ``point_id`` or ``scenario`` columns.
        res: The results it comes from (units and scales).
        by: Its group columns.
        value_cols: Columns to give full-scale equivalents (NaN for another model's metrics).
    """
    if table.empty:
        return table
    scales = res.point_scales()
    if "point_id" in table:
        scale = table["point_id"].map(scales)
    else:
        by_label = {p["scenario"]: scales[p["point_id"]] for p in res.manifest["design"]["points"]}
        scale = table["scenario"].map(by_label) if "scenario" in table else None
    out = table.copy()
    infos = [units.info(m) if res.is_sim else None for m in out["metric"]]
    out["unit"] = [i.unit if i else "" for i in infos]
    out["scale"] = pd.to_numeric(scale, errors="coerce") if scale is not None else math.nan
    out["extensive"] = [bool(i.extensive) if i else None for i in infos]
    divisor = [
        (s if i.extensive else 1.0) if i is not None and _finite(s) and s else math.nan
        for i, s in zip(infos, out["scale"], strict=True)
    ]
    for col in value_cols:
        out[f"{col}_full_scale"] = out[col] / pd.Series(divisor, index=out.index)
    return out


def point_label(res: Results, factors: dict[str, Any]) -> str:
    """A design point's label: ``name=value`` of each factor (the last part of its name)."""
    return ", ".join(f"{f.split('.')[-1]}={factors[f]}" for f in res.factors)


def default_point(res: Results) -> int | None:
    """Grid point where every factor is at its schema default (the baseline), if any."""
    try:
        from sim.experiments.spec import resolve_callable

        specs = {s.name: s for s in resolve_callable(res.manifest["schema"], "", "schema")}
    except Exception:  # noqa: BLE001
        return None
    mask = pd.Series(True, index=res.design.index)
    for f in res.factors:
        if f not in specs:
            return None
        mask &= res.design[f] == specs[f].default
    hits = res.design.loc[mask, "point_id"]
    return int(hits.iloc[0]) if len(hits) else None


def baseline_point(res: Results, baseline: str | None = None) -> int | None:
    """Point id of the baseline: the named or first scenario, or a grid's default point.

    Args:
        res: Loaded results.
        baseline: Scenario label (default: the experiment's ``[analysis] baseline``, else the
            first scenario).

    Returns:
        The point id; None for a scenario label that is not in the design, a grid without a
        point at the defaults, and designs without a baseline (Latin hypercube, Sobol, ...).
    """
    points = res.manifest["design"]["points"]
    if res.kind == "scenarios":
        wanted = baseline or (res.manifest.get("analysis") or {}).get("baseline") or None
        for p in points:
            if wanted is None or p["scenario"] == wanted:
                return int(p["point_id"])
        return None
    if res.kind == "grid":
        return default_point(res)
    return None


def comparison_by(res: Results) -> list[str]:
    """The group columns of the comparison: ``scenario``, or ``point_id`` and the factors."""
    return ["scenario"] if res.kind in ("scenarios", "single") else ["point_id", *res.factors]


def family_of(metrics: Sequence[str], primary: str | None = PRIMARY_OUTCOME) -> list[str]:
    """The correction family of each metric: ``primary``, ``secondary`` or ``all``.

    Args:
        metrics: The metrics of a comparison table, one per row.
        primary: The primary outcome (None: no primary family).

    Returns:
        ``primary`` for the primary outcome and ``secondary`` for the others when the primary
        outcome is among the metrics; ``all`` for every row when it is not.
    """
    if primary is None or primary not in set(metrics):
        return ["all"] * len(metrics)
    return ["primary" if m == primary else "secondary" for m in metrics]


def comparison_table(
    res: Results,
    metrics: list[str],
    base_point: int,
    alpha: float = ALPHA,
    runs: pd.DataFrame | None = None,
    primary: str | None = PRIMARY_OUTCOME,
) -> pd.DataFrame:
    """Every group against the baseline on every metric, with Holm's correction per family.

    Args:
        res: Loaded results.
        metrics: The metrics compared (every one is a row per group).
        base_point: Point id of the baseline (:func:`baseline_point`).
        alpha: Family-wise error rate of each family.
        runs: The runs (default ``res.runs``; extra columns are kept out of the table).
        primary: The primary outcome (:func:`family_of`; None: one family over the table).

    Returns:
        The table described in this module's docstring (empty when nothing can be paired).
    """
    by = comparison_by(res)
    runs = res.runs if runs is None else runs
    diffs = paired_differences(runs, by, {"point_id": base_point}, metrics, conf=1.0 - alpha)
    if diffs.empty:
        return diffs
    family = np.array(family_of(list(diffs["metric"]), primary))
    p_value = diffs["p_value"].to_numpy(dtype=float)
    p_holm = np.full(p_value.shape, np.nan)
    level = np.full(p_value.shape, np.nan)
    for name in dict.fromkeys(family):
        rows = family == name
        p_holm[rows] = holm(p_value[rows])
        level[rows] = holm_levels(p_value[rows], alpha)
    diffs.insert(list(diffs.columns).index("p_value") + 1, "family", family)
    diffs["p_holm"] = p_holm
    diffs["significant"] = (diffs["p_holm"] < alpha).to_numpy()
    low, high = holm_intervals(diffs["diff"], diffs["diff_sd"], diffs["n_pairs"], level)
    bmean = diffs["baseline_mean"].to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        per_cent = np.where(bmean != 0.0, 100.0 / np.abs(bmean), np.nan)
    added = {
        "holm_level": level,
        "diff_holm_low": low,
        "diff_holm_high": high,
        "pct_holm_low": low * per_cent,
        "pct_holm_high": high * per_cent,
    }
    at = list(diffs.columns).index("significant") + 1
    for offset, (name, values) in enumerate(added.items()):
        diffs.insert(at + offset, name, values)
    return annotate(diffs, res, by, FULL_SCALE_COLUMNS)
