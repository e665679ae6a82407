"""The analysis of scenario comparisons and grids: summaries, precision, differences, figures."""

from __future__ import annotations

import pandas as pd

from sim.analysis import units
from sim.analysis.comparison import (
    annotate,
    baseline_point,
    comparison_by,
    comparison_table,
    point_label,
)
from sim.analysis.results import Results
from sim.analysis.stats import precision_check, summarise
from sim.analysis.summary import AnalysisReport

__all__ = ["analyse_comparison", "differences", "precision_warnings", "series_figures"]


def analyse_comparison(
    res: Results,
    kind: str,
    metrics: list[str],
    baseline: str | None,
    precision: float,
    plots: bool,
    report: AnalysisReport,
) -> None:
    """Write the summary, precision and differences tables and their figures.

    Args:
        res: Loaded results (scenario, grid, Latin hypercube or single designs).
        kind: The design type.
        metrics: The metrics analysed.
        baseline: Scenario label of the baseline (None: the experiment's, else the first).
        precision: Wanted CI half-width as a share of the mean.
        plots: Whether to draw figures.
        report: Where the tables, files and warnings go.
    """
    by = comparison_by(res)
    summary = summarise(res.runs, by, metrics)
    summary = annotate(summary, res, by, ["mean", "sd", "ci_low", "ci_high", "half_width"])
    report.write_table("summary", summary, parquet=True)
    if res.is_sim:
        report.notes.append(
            "summary.csv and differences.csv: mean, CI and diff in model units at the run "
            "scale (column scale); *_full_scale columns are full-scale equivalents"
        )
    else:
        report.notes.append("values are in the model's own units (it declares none)")
    bad = precision_check(summary, precision)
    report.write_table("precision", bad)
    report.warnings.extend(precision_warnings(bad, by, precision))
    diffs = differences(res, kind, metrics, baseline, report)
    if not diffs.empty:
        report.write_table("differences", diffs)
    if plots:
        _figures(res, kind, metrics, summary, diffs, report)


def precision_warnings(bad: pd.DataFrame, by: list[str], precision: float) -> list[str]:
    """One warning per group and metric short of the wanted precision (the first ten).

    Args:
        bad: :func:`sim.analysis.stats.precision_check`'s table.
        by: Group columns.
        precision: The wanted relative half-width.
    """
    out = []
    for d in bad.head(10).to_dict("records"):
        group = ", ".join(f"{c}={d[c]}" for c in by)
        if d["n"] < 2:
            out.append(
                f"{d['metric']} at {group}: {d['n']} finite value(s), no confidence interval "
                "(the metric is undefined in these runs, e.g. a delay when nothing is shared)"
            )
            continue
        if d["replicates_needed"] > 100 * d["n"]:
            out.append(
                f"{d['metric']} at {group}: CI half-width is {d['rel_half_width']:.0%} of the "
                f"mean with n={d['n']}, far above {precision:.0%}; too far to say how many "
                "replicates are needed (add replicates and check again, or judge it by the "
                "absolute half-width in summary.csv)"
            )
            continue
        out.append(
            f"{d['metric']} at {group}: CI half-width is {d['rel_half_width']:.1%} of the mean "
            f"(> {precision:.0%}) with n={d['n']}; about {d['replicates_needed']} replicates "
            "needed"
        )
    if len(bad) > 10:
        out.append(f"... and {len(bad) - 10} more (precision.csv)")
    return out


def differences(
    res: Results, kind: str, metrics: list[str], baseline: str | None, report: AnalysisReport
) -> pd.DataFrame:
    """The comparison table (:func:`sim.analysis.comparison.comparison_table`) of the design.

    Empty for designs without a baseline point; a named baseline that is not a scenario of the
    experiment is a warning in ``report``.
    """
    if kind == "scenarios":
        labels = list(dict.fromkeys(res.runs["scenario"]))
        if baseline is not None and baseline not in labels:
            report.warnings.append(f"baseline {baseline!r} is not a scenario of this experiment")
            return pd.DataFrame()
    elif kind not in ("grid", "lhs"):
        return pd.DataFrame()
    base_point = baseline_point(res, baseline)
    if base_point is None:
        return pd.DataFrame()
    return comparison_table(res, metrics, base_point)


def _figures(
    res: Results,
    kind: str,
    metrics: list[str],
    summary: pd.DataFrame,
    diffs: pd.DataFrame,
    report: AnalysisReport,
) -> None:
    """Forest plots of the differences, heatmaps of two-factor grids, series figures."""
    from sim.analysis import plots as figs

    if not diffs.empty:
        label = "scenario" if kind == "scenarios" else "point"
        if label == "point":
            diffs = diffs.assign(point=[point_label(res, r) for _, r in diffs.iterrows()])
        groups = [units.group_of(m) if res.is_sim else "metrics" for m in diffs["metric"]]
        for group in dict.fromkeys(groups):
            part = diffs[[g == group for g in groups]]
            path = report.work / f"forest_{group}.png"
            figs.forest_plot(part, label, path, title=f"{group}: % change vs baseline")
            report.files.append(report.path / path.name)
    if kind == "grid" and len(res.factors) == 2:
        for m in metrics:
            i = units.info(m) if res.is_sim else None
            scale = summary["scale"].dropna().unique()
            label = figs.axis_label(
                m,
                i.unit if i else "",
                i.extensive if i else None,
                float(scale[0]) if len(scale) == 1 else None,
            )
            path = report.work / f"heatmap_{m}.png"
            figs.grid_heatmap(summary, res.factors[0], res.factors[1], m, path, label=label)
            report.files.append(report.path / path.name)
    if res.manifest.get("series"):
        series_figures(res, kind, metrics, report)


def series_figures(res: Results, kind: str, metrics: list[str], report: AnalysisReport) -> None:
    """One figure per series behind an analysed metric, lines by scenario or design point."""
    from sim.analysis import plots as figs

    runs = res.runs
    if kind in ("scenarios", "single"):
        group = "scenario"
    elif res.manifest["design"]["n_points"] <= 8:
        labels = {
            p["point_id"]: point_label(res, p["factors"]) for p in res.manifest["design"]["points"]
        }
        runs = runs.assign(point=runs["point_id"].map(labels))
        group = "point"
    else:
        report.warnings.append("series figures skipped: more than 8 design points")
        return
    if res.is_sim:
        names = list(dict.fromkeys(s for s in (units.series_for(m) for m in metrics) if s))
    else:
        names = list(metrics)
    series = res.series(names or None)
    if series.empty:
        return
    scales = {s for s in res.point_scales().values() if s is not None}
    scale = scales.pop() if len(scales) == 1 else None
    _, week = res.point_settings(0) if res.is_sim else (None, None)
    for name in dict.fromkeys(series["metric"]):
        if name not in names and names:
            continue
        unit, extensive = units.series_info(name) if res.is_sim else ("", None)
        path = report.work / f"series_{name}.png"
        figs.series_plot(
            series,
            runs,
            name,
            path,
            group=group,
            unit=unit,
            extensive=extensive,
            scale=scale,
            intervention_week=week,
        )
        report.files.append(report.path / path.name)
