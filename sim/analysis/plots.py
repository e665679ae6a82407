"""Seaborn figures of experiment results, written as PNG beside the results.

Uses matplotlib's Agg backend (no display needed): time series with confidence bands by
scenario, forest plots of intervention effects against the baseline (one per group of
metrics), a heatmap for two-factor grids, and bar charts of Sobol and Morris indices with their
bootstrap intervals. Every axis that shows a quantity says its unit and whether it is in model
units or a full-scale equivalent. Files are written atomically.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from scipy import stats as sps  # noqa: E402

__all__ = [
    "cost_effectiveness_plot",
    "forest_plot",
    "grid_heatmap",
    "morris_bars",
    "series_plot",
    "sobol_bars",
]


def _save(fig: plt.Figure, path: Path) -> Path:
    from sim.io.files import atomic_path

    path = Path(path)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path


def axis_label(name: str, unit: str, extensive: bool | None, scale: float | None) -> str:
    """An axis label with the unit and whether values are model units or full-scale.

    Args:
        name: Metric or series name.
        unit: Its unit ("" if unknown).
        extensive: Whether it scales with ``run.scale`` (None if unknown).
        scale: The runs' scale (None if unknown).
    """
    if extensive and scale:
        where = "full-scale equivalent" if scale != 1 else "full scale"
    elif extensive is False:
        where = "same at any scale"
    else:
        where = "model units"
    return f"{name}\n({unit + ', ' if unit else ''}{where})"


def series_plot(
    series: pd.DataFrame,
    runs: pd.DataFrame,
    metric: str,
    path: Path,
    conf: float = 0.95,
    *,
    group: str = "scenario",
    unit: str = "",
    extensive: bool | None = None,
    scale: float | None = None,
    intervention_week: int | None = None,
    smooth: int = 13,
) -> Path:
    """Mean of a weekly series by group with a t-based confidence band over replicates.

    Each run's series is smoothed with a ``smooth``-week rolling mean first; counts (series
    that are never negative) get bands clipped at zero; extensive series are drawn as
    full-scale equivalents (divided by ``scale``); a dashed line marks the intervention week.

    Args:
        series: Long series (run_id, week, metric, value).
        runs: Results table (maps run_id to ``group``).
        metric: The series to plot.
        path: PNG file to write.
        conf: Confidence level of the band.
        group: Column of ``runs`` that names the lines (``scenario``, or a point label).
        unit: Unit of the series.
        extensive: Whether it scales with ``run.scale``.
        scale: The runs' ``run.scale``.
        intervention_week: Week the levers switch on.
        smooth: Rolling-mean window in weeks (1: none).
    """
    data = series[series["metric"] == metric].merge(runs[["run_id", group]], on="run_id")
    data = data.sort_values(["run_id", "week"])
    if extensive and scale:
        data["value"] = data["value"] / scale
    if smooth > 1:
        data["value"] = data.groupby("run_id")["value"].transform(
            lambda v: v.rolling(smooth, min_periods=1).mean()
        )
    grouped = data.groupby([group, "week"], sort=False)["value"]
    stats = grouped.agg(["mean", "std", "count"]).reset_index()
    tcrit = sps.t.ppf(0.5 + conf / 2, np.maximum(stats["count"] - 1, 1))
    stats["half"] = tcrit * stats["std"].fillna(0) / np.sqrt(stats["count"])
    floor = 0.0 if len(data) and (data["value"] >= 0).all() else -np.inf
    fig, ax = plt.subplots(figsize=(9, 4.8))
    palette = sns.color_palette("colorblind", max(1, stats[group].nunique()))
    for colour, (name, g) in zip(palette, stats.groupby(group, sort=False), strict=False):
        years = g["week"] / 52.0
        ax.plot(years, g["mean"], color=colour, label=str(name), linewidth=1.4)
        ax.fill_between(
            years,
            np.maximum(g["mean"] - g["half"], floor),
            g["mean"] + g["half"],
            color=colour,
            alpha=0.12,
            linewidth=0,
        )
    if intervention_week and intervention_week > 0:
        ax.axvline(intervention_week / 52.0, color="black", linestyle="--", linewidth=1)
        ax.annotate(
            " intervention",
            (intervention_week / 52.0, 1.0),
            xycoords=("data", "axes fraction"),
            va="top",
            fontsize="small",
        )
    smoothing = f", {smooth}-week rolling mean" if smooth > 1 else ""
    ax.set(
        xlabel="year",
        ylabel=axis_label(metric, unit, extensive, scale),
        title=f"{metric}: mean over replicates with {conf:.0%} CI{smoothing}",
    )
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def forest_plot(
    diffs: pd.DataFrame,
    label: str,
    path: Path,
    title: str = "",
    columns: int = 3,
    *,
    note: str | None = None,
    titles: dict[str, str] | None = None,
) -> Path:
    """Percentage change against the baseline with its CI (unadjusted unless ``note`` says).

    One row per scenario or design point, one panel per metric, at most ``columns`` panels
    in a row. Red: significant after the multiple-comparison correction (``significant``);
    orange: only without it (``significant_uncorrected``); grey: neither. Percentage changes
    are the same at any scale.

    Args:
        diffs: Output of :func:`sim.analysis.stats.paired_differences`.
        label: Column naming each row (e.g. ``scenario``).
        path: PNG file to write.
        title: Figure title.
        columns: Panels per row.
        note: What the figure shows, under the title (default: Holm-coloured points with
            unadjusted 95% CIs).
        titles: Panel title per metric (default: the metric's name).
    """
    metrics = list(dict.fromkeys(diffs["metric"]))
    rows = diffs[label].nunique()
    ncols = min(columns, len(metrics))
    nrows = -(-len(metrics) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.2 * ncols + 1.8, (0.32 * rows + 1.5) * nrows + 0.6),
        squeeze=False,
    )
    uncorrected = diffs.get("significant_uncorrected", diffs["significant"])
    for ax, metric in zip(axes.flat, metrics, strict=False):
        mask = (diffs["metric"] == metric).to_numpy()
        d = diffs[mask]
        y = np.arange(len(d))[::-1]
        err = np.vstack([d["pct_change"] - d["pct_ci_low"], d["pct_ci_high"] - d["pct_change"]])
        # a difference with no spread has a zero-width interval: rounding may make it negative
        err = np.clip(np.nan_to_num(err, nan=0.0), 0.0, None)
        colours = [
            "tab:red" if s else "tab:orange" if u else "tab:gray"
            for s, u in zip(d["significant"], uncorrected[mask], strict=True)
        ]
        for i, colour in enumerate(colours):
            ax.errorbar(
                d["pct_change"].iloc[i],
                y[i],
                xerr=err[:, i : i + 1],
                fmt="none",
                ecolor=colour,
                capsize=3,
            )
        ax.scatter(d["pct_change"], y, c=colours, zorder=3)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, d[label].astype(str), fontsize="small")
        ax.set_title((titles or {}).get(metric, metric), fontsize="medium")
        ax.set_xlabel("% change vs baseline")
    for ax in list(axes.flat)[len(metrics) :]:
        ax.set_visible(False)
    note = note or (
        "% change (the same at any scale); red: significant after Holm correction over all "
        "comparisons; orange: only uncorrected; bars: unadjusted 95% CI"
    )
    fig.suptitle(f"{title}\n{note}" if title else note, fontsize="medium")
    return _save(fig, path)


def grid_heatmap(
    summary: pd.DataFrame,
    rows: str,
    cols: str,
    metric: str,
    path: Path,
    *,
    label: str | None = None,
) -> Path:
    """Mean of ``metric`` over a two-factor grid.

    Args:
        summary: Output of :func:`sim.analysis.stats.summarise` grouped by the two factors
            (with ``mean_full_scale`` if known, which is then drawn).
        rows: Factor on the y axis.
        cols: Factor on the x axis.
        metric: The metric.
        path: PNG file to write.
        label: Colour-bar label (default: the metric name).
    """
    d = summary[summary["metric"] == metric]
    value = "mean"
    if "mean_full_scale" in d and d["mean_full_scale"].notna().all():
        value = "mean_full_scale"
    table = d.pivot_table(index=rows, columns=cols, values=value)
    fig, ax = plt.subplots(figsize=(1.0 * table.shape[1] + 4, 0.6 * table.shape[0] + 2.4))
    sns.heatmap(
        table, annot=True, fmt=".3g", cmap="viridis", ax=ax, cbar_kws={"label": label or metric}
    )
    ax.invert_yaxis()
    ax.set_title(f"{metric} (mean over replicates)")
    return _save(fig, path)


def sobol_bars(indices: pd.DataFrame, metric: str, path: Path) -> Path:
    """First-order and total Sobol indices with their bootstrap intervals.

    Args:
        indices: ``factor, S1, S1_conf, ST, ST_conf``.
        metric: The output analysed (title).
        path: PNG file to write.
    """
    d = indices.sort_values("ST", ascending=False)
    x = np.arange(len(d))
    fig, ax = plt.subplots(figsize=(0.7 * len(d) + 3, 4.5))
    ax.bar(
        x - 0.2,
        d["S1"],
        0.4,
        yerr=d["S1_conf"],
        capsize=3,
        label="first order (S1)",
        color=sns.color_palette("colorblind")[0],
    )
    ax.bar(
        x + 0.2,
        d["ST"],
        0.4,
        yerr=d["ST_conf"],
        capsize=3,
        label="total (ST)",
        color=sns.color_palette("colorblind")[1],
    )
    ax.set_xticks(x, d["factor"], rotation=45, ha="right")
    ax.set(ylabel="Sobol index", title=f"Sobol indices of {metric}")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.legend(frameon=False)
    return _save(fig, path)


def morris_bars(indices: pd.DataFrame, metric: str, path: Path, top: int = 30) -> Path:
    """Morris mu* with bootstrap intervals (top factors) and a mu*-sigma scatter.

    Args:
        indices: ``factor, mu_star, mu_star_conf, sigma``.
        metric: The output analysed (title).
        path: PNG file to write.
        top: Number of factors in the bar chart.
    """
    d = indices.sort_values("mu_star", ascending=False).head(top)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 0.25 * len(d) + 3))
    y = np.arange(len(d))[::-1]
    ax1.barh(
        y, d["mu_star"], xerr=d["mu_star_conf"], capsize=2, color=sns.color_palette("colorblind")[0]
    )
    ax1.set_yticks(y, d["factor"], fontsize="small")
    ax1.set(xlabel="mu*", title=f"Morris mu* of {metric}")
    ax2.scatter(indices["mu_star"], indices["sigma"], s=12)
    for row in d.head(8).itertuples():
        ax2.annotate(row.factor, (row.mu_star, row.sigma), fontsize="x-small")
    ax2.set(xlabel="mu*", ylabel="sigma", title="interaction / non-linearity")
    return _save(fig, path)


def cost_effectiveness_plot(
    table: pd.DataFrame, path: Path, *, title: str = "", harm_unit: str = "harm-days"
) -> Path:
    """Extra cost against harm averted, one point per intervention, with their intervals.

    Args:
        table: One row per intervention: ``label``, ``averted``, ``averted_low``,
            ``averted_high`` (in ``harm_unit`` a year, full scale), ``cost``, ``cost_low``,
            ``cost_high`` (GBP million a year, full scale) and ``significant`` (harm).
        path: PNG file to write.
        title: Figure title.
        harm_unit: The unit of harm averted: ``"harm-days"`` or ``"£"`` (shown in millions).
    """
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    palette = sns.color_palette("colorblind", max(1, len(table)))
    for colour, row in zip(palette, table.itertuples(index=False), strict=False):
        x, y = row.averted / 1e6, row.cost
        xerr = np.nan_to_num([[x - row.averted_low / 1e6], [row.averted_high / 1e6 - x]])
        yerr = np.nan_to_num([[y - row.cost_low], [row.cost_high - y]])
        ax.errorbar(
            x,
            y,
            xerr=np.abs(xerr),
            yerr=np.abs(yerr),
            fmt="o",
            mfc=colour if row.significant else "white",
            color=colour,
            capsize=3,
            label=str(row.label),
        )
        ax.annotate(
            f" {row.label}", (x, y), fontsize="small", xytext=(4, 4), textcoords="offset points"
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(
        xlabel=(
            "OC harm averted (£m a year, full-scale equivalent)"
            if harm_unit == "£"
            else "OC harm averted (million harm-days a year, full-scale equivalent)"
        ),
        ylabel="extra cost (GBP million a year, full-scale equivalent)",
        title=title or "Cost against harm averted",
    )
    ax.text(
        0.99,
        0.01,
        "filled: harm change significant (Holm); hollow: not detectable\n"
        "bars: Holm-adjusted 95% intervals; right of 0: harm averted; above 0: costs more",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize="x-small",
        color="0.3",
    )
    ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)
