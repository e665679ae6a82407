"""The report's figures: PNG files embedded in the page.

The figures over time are drawn here, so that they cannot be misread: the **main** panel of each
is the *paired* difference against the baseline (each scenario minus the baseline on the same
seed, the mean over seeds with its 95% band), which is what the headline table tests; the levels
of each scenario are a smaller panel below it, for context only (their bands, over seeds, overlap
even where the paired difference is clear). The figures start at the week the interventions
switch on (the burn-in before it is left out: the model settles there, and before it the
scenarios are identical), counts are full-scale equivalents, every axis says its unit, tick
labels read 250k or 1.2M, and no axis uses offset notation (``1e6``). The forest plot and the
cost-effectiveness plot are drawn by :mod:`sim.analysis.plots` with offset notation switched off.
"""

from __future__ import annotations

from contextlib import contextmanager
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as sps

from sim.analysis import units
from sim.analysis.results import Results
from sim.policy.report.markup import data_uri, figure
from sim.policy.report.table import Comparison, design_labels
from sim.policy.report.words import PLAIN, SERIES

__all__ = [
    "ce_figure",
    "forest_figure",
    "level_bands",
    "paired_bands",
    "series_figure",
    "series_figures",
    "series_frame",
    "tick_label",
]

#: Plain names of the series drawn over time.
SERIES_NAMES = {
    "oc_harm_gbp": "OC harm",
    "oc_harm": "OC harm in harm-days",
    "ocg_members": "OCG members",
}
#: Rolling-mean window of the figures over time (weeks).
SMOOTH = 13
#: Matplotlib settings of every report figure: no offset or scientific notation on any axis.
PLAIN_AXES = {"axes.formatter.useoffset": False, "axes.formatter.limits": (-9, 12)}


@contextmanager
def plain_axes():
    """Matplotlib's settings while a report figure is drawn: no offset notation on any axis."""
    import matplotlib

    with matplotlib.rc_context(PLAIN_AXES):
        yield


def tick_label(value: float, _position: object = None, *, signed: bool = False) -> str:
    """A tick label a reader can read: 950, 1.5k, 250k, 1.2M (no offset, no ``1e6``).

    Args:
        value: The tick's value.
        _position: The tick's position (matplotlib's ``FuncFormatter`` passes it; unused).
        signed: Whether positive values get a ``+`` (axes of changes).
    """
    size = abs(float(value))
    if size >= 1e6:
        text = f"{size / 1e6:.4g}M"
    elif size >= 1e3:
        text = f"{size / 1e3:.4g}k"
    else:
        text = f"{size:.3g}"
    if size < 1e-12:
        return "0"
    return ("−" if value < 0 else "+" if signed else "") + text


def series_frame(
    series: pd.DataFrame,
    runs: pd.DataFrame,
    label: str,
    metric: str,
    *,
    start: int,
    per: float = 1.0,
    smooth: int = SMOOTH,
) -> pd.DataFrame:
    """One series of every successful run from week ``start``, scaled and smoothed.

    Args:
        series: Long series (``run_id``, ``week``, ``metric``, ``value``).
        runs: The results table (``run_id``, ``status``, ``replicate`` and ``label``).
        label: Column of ``runs`` naming each scenario or design point.
        metric: The series.
        start: First week kept (the intervention week; the burn-in before it is left out).
        per: Factor to full scale (``1 / run.scale`` for counts, 1 otherwise).
        smooth: Rolling-mean window in weeks, over the weeks kept (1: none).

    Returns:
        ``run_id``, ``replicate``, ``label``, ``week`` and ``value``, by run and week.
    """
    ok = runs.loc[runs["status"] == "ok", ["run_id", "replicate", label]]
    data = series[(series["metric"] == metric) & (series["week"] >= start)]
    data = data[["run_id", "week", "value"]].merge(ok, on="run_id")
    data = data.sort_values(["run_id", "week"]).reset_index(drop=True)
    data["value"] = data["value"].astype(float) * per
    if smooth > 1:
        data["value"] = data.groupby("run_id")["value"].transform(
            lambda v: v.rolling(smooth, min_periods=1).mean()
        )
    return data


def _bands(values: pd.DataFrame, by: list[str], conf: float) -> pd.DataFrame:
    """Mean, t-based ``conf`` band and count of ``value`` by ``by`` (no band from one value)."""
    stats = values.groupby(by, sort=False)["value"].agg(["mean", "std", "count"]).reset_index()
    tcrit = sps.t.ppf(0.5 + conf / 2, np.maximum(stats["count"] - 1, 1))
    half = tcrit * stats["std"] / np.sqrt(stats["count"])
    half = half.where(stats["count"] > 1)
    stats["low"], stats["high"] = stats["mean"] - half, stats["mean"] + half
    return stats.drop(columns="std")


def paired_bands(
    frame: pd.DataFrame, label: str, baseline: str, conf: float = 0.95
) -> pd.DataFrame:
    """Each scenario minus the baseline on the same seed, week by week, with its band.

    Args:
        frame: Output of :func:`series_frame`.
        label: The column naming each scenario.
        baseline: The baseline's label.
        conf: Confidence level of the band (t-based over the pairs, week by week).

    Returns:
        One row per scenario (other than the baseline) and week: ``mean`` (the mean paired
        difference), ``low``, ``high`` (NaN with fewer than two pairs) and ``count`` (pairs).
    """
    base = frame[frame[label] == baseline][["replicate", "week", "value"]]
    other = frame[frame[label] != baseline]
    pairs = other.merge(base, on=["replicate", "week"], suffixes=("", "_base"))
    pairs = pairs.assign(value=pairs["value"] - pairs["value_base"])
    return _bands(pairs, [label, "week"], conf)


def level_bands(frame: pd.DataFrame, label: str, conf: float = 0.95) -> pd.DataFrame:
    """The mean level of each scenario week by week with its band over seeds (unpaired)."""
    return _bands(frame, [label, "week"], conf)


def _style_axes(ax, ylabel: str, weeks: tuple[int, int], *, signed: bool) -> None:
    """Readable axes: years from the first week shown, the unit, labels like 250k, no offset."""
    from matplotlib.ticker import FuncFormatter

    ax.set_xlim(weeks[0] / 52.0, weeks[1] / 52.0)
    ax.set_xlabel("year of the run")
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: tick_label(v, signed=signed)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.grid(True, color="0.9", linewidth=0.6)


def _draw(ax, table: pd.DataFrame, label: str, colours: dict, *, bands: bool, width: float):
    """One line per scenario (with its band if ``bands``) against the year."""
    for name, g in table.groupby(label, sort=False):
        years = g["week"] / 52.0
        colour = colours.get(name, "0.35")
        ax.plot(years, g["mean"], color=colour, linewidth=width, label=str(name))
        if bands and g["low"].notna().any():
            ax.fill_between(years, g["low"], g["high"], color=colour, alpha=0.18, linewidth=0)


def series_figure(
    frame: pd.DataFrame,
    label: str,
    metric: str,
    *,
    baseline: str | None,
    unit: str,
    conf: float = 0.95,
):
    """The figure of one series over time: the paired difference first, the levels below.

    With a baseline (and another scenario): a large panel of each scenario minus the baseline on
    the same seed (mean over seeds, ``conf`` band week by week, zero marked) and a smaller panel
    of the levels for context (means over seeds, the baseline grey). Without one: the levels
    with their bands. The x axis starts at the first week of ``frame`` (the intervention week).

    Args:
        frame: Output of :func:`series_frame`.
        label: Column naming each scenario.
        metric: The series' name (``oc_harm``).
        baseline: The baseline's label, or None.
        unit: The unit shown on the y axes (with "full-scale equivalent" if it is one).
        conf: Confidence level of the bands.

    Returns:
        A matplotlib ``Figure`` (not yet saved).
    """
    from matplotlib.figure import Figure

    name = SERIES_NAMES.get(metric, metric)
    weeks = (int(frame["week"].min()), int(frame["week"].max()))
    names = list(dict.fromkeys(frame[label]))
    paired = baseline in names and len(names) > 1
    others = [n for n in names if n != baseline] if paired else names
    colours = {n: f"C{i % 10}" for i, n in enumerate(others)}
    levels = level_bands(frame, label, conf)
    fig = Figure(figsize=(9.5, 7 if paired else 4.6), dpi=110)
    if not paired:
        ax = fig.subplots()
        _draw(ax, levels, label, colours, bands=True, width=1.6)
        _style_axes(ax, f"{name}\n({unit})", weeks, signed=False)
        ax.set_title(f"{name}: mean over seeds with a {conf:.0%} band", fontsize="medium")
        ax.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.tight_layout()
        return fig
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": (3, 1.7)})
    _draw(top, paired_bands(frame, label, baseline, conf), label, colours, bands=True, width=1.8)
    top.axhline(0.0, color="black", linewidth=0.9)
    top.annotate(
        f"0 = same as the {baseline}",
        (weeks[1] / 52.0, 0.0),
        xytext=(-3, 3),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize="x-small",
        color="0.3",
    )
    _style_axes(top, f"change in {name}\n({unit})", weeks, signed=True)
    top.set_xlabel("")
    top.set_title(
        f"{name}: each scenario minus the {baseline} on the same seed "
        f"(mean over seeds, {conf:.0%} band)",
        fontsize="medium",
    )
    top.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _draw(bottom, levels, label, colours, bands=False, width=1.0)
    _style_axes(bottom, f"{name}\n({unit})", weeks, signed=False)
    bottom.yaxis.label.set_fontsize("small")
    bottom.legend(fontsize="x-small", frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    bottom.set_title("For context: the levels (mean over seeds)", fontsize="small", loc="left")
    fig.tight_layout()
    return fig


def series_figures(res: Results, work: Path, comp: Comparison | None) -> list[str]:
    """Harm and membership over time: paired differences against the baseline, then levels.

    None without weekly series, or for a grid of more than 8 points.
    """
    if not res.manifest.get("series"):
        return []
    label, runs, labels = design_labels(res)
    if label == "point" and len(labels) > 8:
        return []
    names = list(SERIES) if res.is_sim else []
    series = res.series(names or None)
    if series.empty:
        return []
    scales = {s for s in res.point_scales().values() if s is not None}
    scale = scales.pop() if len(scales) == 1 else None
    _, week = res.point_settings(0) if res.is_sim else (None, None)
    start = max(int(week or 0), int(series["week"].min()))
    baseline = comp.baseline if comp is not None else None
    out = []
    for metric in dict.fromkeys(series["metric"]):
        if names and metric not in names:
            continue
        unit, extensive = units.series_info(metric) if res.is_sim else ("", None)
        unit = unit.replace("GBP", "£")  # the report's one money sign
        full = bool(extensive and scale)
        frame = series_frame(series, runs, label, metric, start=start, per=1 / scale if full else 1)
        if frame.empty:
            continue
        shown = ", ".join(x for x in (unit, "full-scale equivalent" if full else "") if x)
        shown = shown or "model units"
        with plain_axes():
            fig = series_figure(frame, label, metric, baseline=baseline, unit=shown)
            path = work / f"series_{metric}.png"
            fig.savefig(path, format="png", metadata={"Software": None})
        out.append(_series_html(metric, path, shown, start, baseline, frame, label))
    return out


def _series_html(metric, path, unit, start, baseline, frame, label) -> str:
    """The ``<figure>`` of one series: what it shows in its alternative text and caption."""
    name = SERIES_NAMES.get(metric, metric)
    pairs = int(frame[frame[label] == baseline]["replicate"].nunique()) if baseline else 0
    window = f"from week {start}, when the interventions switch on (the burn-in is left out)"
    smoothing = f"{SMOOTH}-week rolling mean"
    if baseline is None or frame[label].nunique() < 2:
        return figure(
            data_uri(path),
            f"{name} over time by scenario ({unit}), {window}",
            f"<b>{escape(name)} over time</b> ({escape(unit)}), {window}: mean over seeds "
            f"with a 95% band, {smoothing}.",
            f"fig-series-{metric}",
        )
    return figure(
        data_uri(path),
        f"{name}: paired difference against the {baseline}, each scenario minus the "
        f"{baseline} on the same seed, with its 95% band ({unit}), {window}; below it the "
        "levels for context",
        f"<b>{escape(name)}: change against the {escape(baseline)}</b> ({escape(unit)}), "
        f"{escape(window)}. <b>Top, the paired difference</b>: each scenario minus the "
        f"{escape(baseline)} run on the same seed (common random numbers), the mean over "
        f"{pairs} seeds with its 95% band week by week; below the zero line the scenario has "
        f"less {escape(name)} than the {escape(baseline)}. This is the comparison the headline "
        f"table tests. <b>Bottom, for context only</b>: each scenario's level, the mean over "
        f"seeds; its spread over seeds is much wider than the paired difference and is not the "
        f"effect. {smoothing[0].upper() + smoothing[1:]}.",
        f"fig-series-{metric}",
    )


def forest_figure(comp: Comparison, work: Path) -> str:
    """The forest plot of every effect with its Holm-level interval."""
    from sim.analysis import plots as figs

    t = comp.table.copy()
    t["pct_ci_low"], t["pct_ci_high"] = t["pct_holm_low"], t["pct_holm_high"]
    path = work / "forest.png"
    with plain_axes():
        figs.forest_plot(
            t,
            comp.label,
            path,
            title="Effects against the baseline",
            note="% change against the baseline (the same at any scale); bars: 95% intervals "
            "corrected for multiple comparisons (Holm); red: detectable after the correction",
            titles={m: PLAIN.get(m, (m,))[0] for m in comp.metrics},
        )
    return figure(
        data_uri(path),
        "forest plot of effects",
        "<b>Effects against the baseline</b>: % change of each outcome with its Holm-corrected "
        "95% interval (red: detectable after the correction; orange: only without it).",
        "fig-forest",
    )


def ce_figure(comp: Comparison, work: Path) -> str:
    """Extra cost against harm averted, each with its Holm-level intervals."""
    from sim.analysis import plots as figs

    path = work / "cost_harm.png"
    with plain_axes():
        eff = comp.effectiveness
        unit = "£" if len(eff) and eff["kind"].iloc[0] == "bcr" else "harm-days"
        figs.cost_effectiveness_plot(eff, path, harm_unit=unit)
    return figure(
        data_uri(path),
        "extra cost against harm averted",
        "<b>Cost against harm averted</b> (full-scale equivalents, a year): each intervention "
        "with its Holm-corrected 95% intervals; right of the vertical line harm is averted, "
        "above the horizontal line the intervention costs more.",
        "fig-cost-harm",
    )
