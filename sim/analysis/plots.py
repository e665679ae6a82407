"""Seaborn figures of experiment results, written as PNG beside the results.

Uses matplotlib's Agg backend (no display needed): time series with confidence bands by
scenario, a forest plot of intervention effects against the baseline, a heatmap for two-factor
grids, and bar charts of Sobol and Morris indices with their bootstrap intervals.
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
    "forest_plot",
    "grid_heatmap",
    "morris_bars",
    "series_plot",
    "sobol_bars",
]


def _save(fig: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def series_plot(
    series: pd.DataFrame, runs: pd.DataFrame, metric: str, path: Path, conf: float = 0.95
) -> Path:
    """Weekly mean of ``metric`` by scenario with a t-based confidence band over replicates.

    Args:
        series: Long series (run_id, week, metric, value).
        runs: Results table (maps run_id to scenario).
        metric: The series to plot.
        path: PNG file to write.
        conf: Confidence level of the band.
    """
    data = series[series["metric"] == metric].merge(runs[["run_id", "scenario"]], on="run_id")
    grouped = data.groupby(["scenario", "week"])["value"]
    stats = grouped.agg(["mean", "std", "count"]).reset_index()
    tcrit = sps.t.ppf(0.5 + conf / 2, np.maximum(stats["count"] - 1, 1))
    stats["half"] = tcrit * stats["std"].fillna(0) / np.sqrt(stats["count"])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    palette = sns.color_palette("colorblind", stats["scenario"].nunique())
    for colour, (name, g) in zip(palette, stats.groupby("scenario", sort=False), strict=False):
        ax.plot(g["week"], g["mean"], color=colour, label=str(name))
        ax.fill_between(
            g["week"],
            g["mean"] - g["half"],
            g["mean"] + g["half"],
            color=colour,
            alpha=0.2,
            linewidth=0,
        )
    ax.set(xlabel="week", ylabel=metric, title=f"{metric} (mean, {conf:.0%} CI)")
    ax.legend(fontsize="small", frameon=False)
    return _save(fig, path)


def forest_plot(diffs: pd.DataFrame, label: str, path: Path) -> Path:
    """Percentage change against the baseline with its CI.

    One row per scenario or design point, one panel per metric.

    Args:
        diffs: Output of :func:`sim.analysis.stats.paired_differences`.
        label: Column naming each row (e.g. ``scenario``).
        path: PNG file to write.
    """
    metrics = list(dict.fromkeys(diffs["metric"]))
    rows = diffs[label].nunique()
    fig, axes = plt.subplots(
        1,
        len(metrics),
        figsize=(3.2 * len(metrics) + 1.5, 0.4 * rows + 1.6),
        squeeze=False,
        sharey=True,
    )
    for ax, metric in zip(axes[0], metrics, strict=True):
        d = diffs[diffs["metric"] == metric]
        y = np.arange(len(d))
        err = np.vstack([d["pct_change"] - d["pct_ci_low"], d["pct_ci_high"] - d["pct_change"]])
        colours = ["tab:red" if s else "tab:gray" for s in d["significant"]]
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
        ax.set_yticks(y, d[label].astype(str))
        ax.set(title=metric, xlabel="% change vs baseline")
    return _save(fig, path)


def grid_heatmap(summary: pd.DataFrame, rows: str, cols: str, metric: str, path: Path) -> Path:
    """Mean of ``metric`` over a two-factor grid.

    Args:
        summary: Output of :func:`sim.analysis.stats.summarise` grouped by the two factors.
        rows: Factor on the y axis.
        cols: Factor on the x axis.
        metric: The metric.
        path: PNG file to write.
    """
    d = summary[summary["metric"] == metric]
    table = d.pivot_table(index=rows, columns=cols, values="mean")
    fig, ax = plt.subplots(figsize=(1.0 * table.shape[1] + 3, 0.6 * table.shape[0] + 2))
    sns.heatmap(table, annot=True, fmt=".3g", cmap="viridis", ax=ax, cbar_kws={"label": metric})
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
