"""The comparison behind the report: every intervention against the baseline.

The paired differences, their Holm-level intervals and the correction are
:func:`sim.analysis.comparison.comparison_table`, the same table ``ocgsim analyse`` writes to
``differences.csv``; this adds the cost per harm-day averted (Fieller's interval) and a sentence
per intervention.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import units
from sim.analysis.comparison import (
    FULL_SCALE_COLUMNS,
    baseline_point,
    comparison_table,
    point_label,
)
from sim.analysis.results import Results
from sim.analysis.stats import fieller, metric_columns
from sim.policy.report.prose import sentence
from sim.policy.report.words import ALPHA, COST, HARM, finite

__all__ = ["Comparison", "compare_table", "design_labels", "effectiveness"]


@dataclass
class Comparison:
    """Every intervention against the baseline on the headline outcomes.

    Attributes:
        label: Column naming the interventions (``scenario`` or ``point``).
        baseline: The baseline's label.
        interventions: Intervention labels in design order.
        metrics: The outcomes compared.
        table: One row per intervention and outcome: the columns of
            :func:`sim.analysis.comparison.comparison_table` (``differences.csv``: estimates,
            unadjusted ``*_ci_*`` and Holm-level ``*_holm_*`` intervals, ``holm_level``,
            ``p_holm``, ``significant``, full-scale ``*_full_scale``), the label column, and
            the values shown, ``<col>_fs``: the full-scale equivalents, or for another model
            (which declares no units) the values themselves.
        effectiveness: One row per intervention: harm averted and extra cost (full scale, a
            year, with Holm intervals), the ratio in GBP per harm-day averted with Fieller's
            interval, and ``verdict``.
        sentences: The plain-language sentence of each intervention.
        family: Number of comparisons Holm's correction is over.
    """

    label: str
    baseline: str
    interventions: list[str]
    metrics: list[str]
    table: pd.DataFrame
    effectiveness: pd.DataFrame
    sentences: dict[str, str] = field(default_factory=dict)
    family: int = 0

    def row(self, name: str, metric: str) -> dict[str, Any] | None:
        """The table's row of intervention ``name`` on ``metric`` (None if there is none)."""
        t = self.table
        hit = t[(t[self.label] == name) & (t["metric"] == metric)]
        return hit.iloc[0].to_dict() if len(hit) else None


def design_labels(res: Results) -> tuple[str, pd.DataFrame, dict[int, str]]:
    """The label column, the runs with it and each point's label (scenario, or grid point)."""
    runs = res.runs
    if res.kind in ("scenarios", "single"):
        labels = {p["point_id"]: str(p["scenario"]) for p in res.manifest["design"]["points"]}
        return "scenario", runs, labels
    points = res.manifest["design"]["points"]
    labels = {p["point_id"]: point_label(res, p["factors"]) for p in points}
    return "point", runs.copy().assign(point=runs["point_id"].map(labels)), labels


def compare_table(res: Results, baseline: str | None = None) -> Comparison | None:
    """The comparison of every intervention with the baseline (None without a baseline).

    The table is :func:`sim.analysis.comparison.comparison_table` (the one ``differences.csv``
    holds) over the headline outcomes, with the label column and the values shown (``*_fs``).

    Args:
        res: Loaded results.
        baseline: Scenario label of the baseline (default: the experiment's, else the first).
    """
    base_point = baseline_point(res, baseline)
    if base_point is None or res.runs.empty:
        return None
    label, runs, labels = design_labels(res)
    available = metric_columns(runs, res.factors)
    if res.is_sim:
        metrics = [m for m in units.headline_names() if m in available]
    else:
        metrics = available[:8]
    if not metrics:
        return None
    diffs = comparison_table(res, metrics, base_point, ALPHA)
    if diffs.empty:
        return None
    if label not in diffs:
        diffs.insert(0, label, diffs["point_id"].map(labels))
    for col in FULL_SCALE_COLUMNS:
        diffs[f"{col}_fs"] = diffs[f"{col}_full_scale"] if res.is_sim else diffs[col]
    present = set(diffs[label])
    order = [labels[p] for p in sorted(labels) if p != base_point and labels[p] in present]
    comp = Comparison(
        label=label,
        baseline=labels[base_point],
        interventions=order,
        metrics=metrics,
        table=diffs.reset_index(drop=True),
        effectiveness=effectiveness(res, runs, label, base_point, diffs, order),
        family=int(np.isfinite(diffs["p_value"]).sum()),
    )
    comp.sentences = {name: sentence(comp, name) for name in order}
    return comp


def effectiveness(
    res: Results,
    runs: pd.DataFrame,
    label: str,
    base_point: int,
    diffs: pd.DataFrame,
    order: list[str],
) -> pd.DataFrame:
    """Harm averted, extra cost and cost per harm-day averted, per intervention."""
    if HARM not in set(diffs["metric"]) or COST not in set(diffs["metric"]):
        return pd.DataFrame()
    ok = runs[runs["status"] == "ok"]
    base = ok[ok["point_id"] == base_point].set_index("replicate")
    scales = res.point_scales()
    rows = []
    for name in order:
        group = ok[ok[label] == name].set_index("replicate")
        common = group.index.intersection(base.index)
        scale = scales.get(int(group["point_id"].iloc[0])) if len(group) else None
        scale = scale or 1.0
        averted = (base.loc[common, HARM] - group.loc[common, HARM]).to_numpy(float) / scale
        extra = (group.loc[common, COST] - base.loc[common, COST]).to_numpy(float) * 1e6 / scale
        harm = diffs[(diffs[label] == name) & (diffs["metric"] == HARM)].iloc[0]
        cost = diffs[(diffs[label] == name) & (diffs["metric"] == COST)].iloc[0]
        level = float(harm["holm_level"]) if finite(harm["holm_level"]) else ALPHA
        ratio = fieller(extra, averted, level)
        if not harm["significant"]:
            verdict = "not averted"
        elif harm["diff"] > 0:
            verdict = "harm rises"
        elif cost["significant"] and cost["diff"] < 0:
            verdict = "dominant"
        else:
            verdict = "ratio"
        rows.append(
            {
                "label": name,
                "averted": -harm["diff_fs"],
                "averted_low": -harm["diff_holm_high_fs"],
                "averted_high": -harm["diff_holm_low_fs"],
                "cost": cost["diff_fs"],
                "cost_low": cost["diff_holm_low_fs"],
                "cost_high": cost["diff_holm_high_fs"],
                "cost_significant": bool(cost["significant"]),
                "significant": bool(harm["significant"]),
                "holm_level": level,
                "ratio": ratio["ratio"],
                "ratio_low": ratio["low"],
                "ratio_high": ratio["high"],
                "bounded": ratio["bounded"],
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)
