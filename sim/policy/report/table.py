"""The comparison behind the report: every intervention against the baseline.

The paired differences, their Holm-level intervals and the correction (Holm over the primary
outcome's family, and separately within the secondary outcomes) are
:func:`sim.analysis.comparison.comparison_table`, the same table ``ocgsim analyse`` writes to
``differences.csv``; this adds the cost-effectiveness of each intervention (Fieller's interval)
and its sentences. The cost-effectiveness depends on the primary outcome's unit
(:func:`sim.policy.report.words.pounds_per_unit`): for harm in pounds, harm averted in £ and the
benefit-cost ratio (harm averted £ / extra cost £, both a year at full scale); for harm in other
units (harm-days), the cost per unit of harm averted.
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
from sim.policy.report.prose import details, sentence
from sim.policy.report.words import ALPHA, COST, HARM, finite, pounds_per_unit

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
            year, with Holm intervals), ``kind`` (``bcr``: the benefit-cost ratio, harm averted
            £ / extra cost £, when the primary outcome is in pounds; ``cost``: £ per unit of
            harm averted otherwise) with the ratio's Fieller interval, and ``verdict``.
        sentences: The headline sentence of each intervention (primary outcome, cost).
        details: The other outcomes of each intervention in words (the headline table's rows).
        family: Number of comparisons in the table.
        families: Comparisons in each correction family (``primary``, ``secondary``, ``all``).
        primary: The primary outcome, or None when it is not among the metrics.
    """

    label: str
    baseline: str
    interventions: list[str]
    metrics: list[str]
    table: pd.DataFrame
    effectiveness: pd.DataFrame
    sentences: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    family: int = 0
    families: dict[str, int] = field(default_factory=dict)
    primary: str | None = None

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
    if HARM in available:  # the primary outcome first, headline or not
        metrics = [HARM, *(m for m in metrics if m != HARM)]
    diffs = comparison_table(res, metrics, base_point, ALPHA, primary=HARM)
    if diffs.empty:
        return None
    if label not in diffs:
        diffs.insert(0, label, diffs["point_id"].map(labels))
    for col in FULL_SCALE_COLUMNS:
        diffs[f"{col}_fs"] = diffs[f"{col}_full_scale"] if res.is_sim else diffs[col]
    present = set(diffs[label])
    order = [labels[p] for p in sorted(labels) if p != base_point and labels[p] in present]
    tested = diffs[np.isfinite(diffs["p_value"])]
    comp = Comparison(
        label=label,
        baseline=labels[base_point],
        interventions=order,
        metrics=metrics,
        table=diffs.reset_index(drop=True),
        effectiveness=effectiveness(res, runs, label, base_point, diffs, order),
        family=len(tested),
        families={k: int(v) for k, v in tested["family"].value_counts(sort=False).items()},
        primary=HARM if HARM in metrics else None,
    )
    comp.sentences = {name: sentence(comp, name) for name in order}
    comp.details = {name: details(comp, name) for name in order}
    return comp


def effectiveness(
    res: Results,
    runs: pd.DataFrame,
    label: str,
    base_point: int,
    diffs: pd.DataFrame,
    order: list[str],
) -> pd.DataFrame:
    """Harm averted, extra cost and their ratio, per intervention (full scale, a year).

    With the primary outcome in pounds the ratio is the benefit-cost ratio (harm averted £ /
    extra cost £, ``kind`` ``bcr``), bounded when the interval on the extra cost excludes
    zero: at the harm comparison's level (Fieller's) and at the cost's own (the interval the
    cost's sentence and row show), so that no ratio stands beside a cost that may be nil;
    otherwise it is £ per unit of harm averted (``kind`` ``cost``), given only when the
    interval on harm averted excludes zero. Both intervals are Fieller's from the paired
    replicates at the Holm level of the harm comparison.
    """
    if HARM not in set(diffs["metric"]) or COST not in set(diffs["metric"]):
        return pd.DataFrame()
    harm_pounds = pounds_per_unit(HARM)
    money_unit = pounds_per_unit(COST) or 1e6
    to_pounds = harm_pounds or 1.0  # harm averted in £ when harm is money
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
        extra = (group.loc[common, COST] - base.loc[common, COST]).to_numpy(float) / scale
        extra *= money_unit
        harm = diffs[(diffs[label] == name) & (diffs["metric"] == HARM)].iloc[0]
        cost = diffs[(diffs[label] == name) & (diffs["metric"] == COST)].iloc[0]
        level = float(harm["holm_level"]) if finite(harm["holm_level"]) else ALPHA
        if harm_pounds is not None:
            ratio = fieller(averted * harm_pounds, extra, level)
        else:
            ratio = fieller(extra, averted, level)
        if harm_pounds is not None and not (cost["significant"] and cost["diff"] < 0):
            verdict = "bcr"
        elif not harm["significant"]:
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
                "kind": "bcr" if harm_pounds is not None else "cost",
                "averted": -harm["diff_fs"] * to_pounds,
                "averted_low": -harm["diff_holm_high_fs"] * to_pounds,
                "averted_high": -harm["diff_holm_low_fs"] * to_pounds,
                "cost": cost["diff_fs"],
                "cost_low": cost["diff_holm_low_fs"],
                "cost_high": cost["diff_holm_high_fs"],
                "cost_significant": bool(cost["significant"]),
                "significant": bool(harm["significant"]),
                "holm_level": level,
                "ratio": ratio["ratio"],
                "ratio_low": ratio["low"],
                "ratio_high": ratio["high"],
                "bounded": ratio["bounded"] and (harm_pounds is None or bool(cost["significant"])),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)
