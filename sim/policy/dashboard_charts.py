"""The dashboard's charts and table: policy against baseline, on axes a reader can trust.

Axes start where a reader expects: counts, flows and costs at zero, shares (trust) over 0-1, so a
wobble of a few per cent looks like one. The y axis says its unit (full-scale equivalents for
counts) in plain numbers (thousands with commas, millions in the axis label, no offset such as
``1e6``). The
grey baseline runs the whole way; the red policy line starts at the week the levers switch on
(before it the two runs are identical, and a red line on top would hide the grey one), thinner
than the grey one, so a policy that changes nothing still shows both.
"""

from __future__ import annotations

from html import escape

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.policy.dashboard_model import Metric, PolicyComparison, lever_changes

__all__ = [
    "BASELINE_COLOUR",
    "POLICY_COLOUR",
    "effects_html",
    "figure",
    "magnitude",
    "plain_number",
    "series",
]

BASELINE_COLOUR = "0.6"
POLICY_COLOUR = "tab:red"


def plain_number(x: float, _pos: object = None) -> str:
    """A tick label: ``12``, ``2,500``, ``0.25`` (no offset notation such as ``1e6``)."""
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:g}"


def magnitude(top: float) -> tuple[float, str]:
    """The divisor and its word for values up to ``top``: millions from 10 million on."""
    return (1e6, "million ") if top >= 1e7 else (1.0, "")


def series(model: PolicyComparison, metric: Metric) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weeks, baseline and policy values of one metric as charted (scaled and smoothed)."""
    df = model.frame()
    factor = 1.0 / model.settings["scale"] if metric.extensive else 1.0
    out = []
    for column in (f"{metric.column}_baseline", metric.column):
        y = df[column].astype(float) * factor
        if metric.smooth > 1:
            y = y.rolling(metric.smooth, min_periods=1).mean()
        out.append(y.to_numpy())
    return df["week"].to_numpy(), out[0], out[1]


def figure(model: PolicyComparison, metric: Metric) -> Figure:
    """One chart: the baseline (grey) and, from the lever week, the policy (red)."""
    fig = Figure(figsize=(6.0, 3.4), dpi=80)
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.14, top=0.91)
    ax = fig.subplots()
    weeks, base, policy = series(model, metric)
    top = float(np.nanmax(np.concatenate([base, policy]))) if len(weeks) else 0.0
    divisor, word = magnitude(top)
    base, policy, top = base / divisor, policy / divisor, top / divisor
    start = max(1, model.intervention_week)
    ax.plot(weeks, base, color=BASELINE_COLOUR, lw=2.6, label="baseline", zorder=2)
    after = weeks >= start
    if after.any():
        ax.plot(
            weeks[after],
            policy[after],
            color=POLICY_COLOUR,
            lw=1.2,
            label="policy",
            zorder=3,
        )
    if 0 < model.intervention_week <= model.policy.weeks_total:
        ax.axvline(model.intervention_week, color="0.3", ls=":", lw=1)
    ax.set_xlim(0, max(52, model.policy.weeks_total))
    if metric.unit == "0-1":
        ax.set_ylim(0, 1)
    else:
        ax.set_ylim(0, top * 1.1 if top > 0 else 1)
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_formatter(FuncFormatter(plain_number))
    ax.set_title(metric.title, fontsize=10)
    unit = "share, 0-1" if metric.unit == "0-1" else word + metric.unit
    ax.set_ylabel(f"{unit}, full scale" if metric.extensive else unit, fontsize=8)
    ax.set_xlabel("week", fontsize=8)
    ax.tick_params(labelsize=8)
    if len(weeks):
        ax.legend(fontsize=8, loc="lower left", frameon=False, ncols=2)
    else:
        ax.text(0.5, 0.5, "press STEP or ▶", transform=ax.transAxes, ha="center", color="0.4")
    return fig


def _number(x: float) -> str:
    if x != x:
        return "&ndash;"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def effects_html(model: PolicyComparison) -> str:
    """The state of the runs and the table of effects, as HTML (no Markdown: it loads KaTeX)."""
    s = model.settings
    parts = [
        f"<p id='ocgsim-status'><b>{escape(model.scenario_name)}</b>, week {model.week} of "
        f"{model.policy.weeks_total}; seed {s['seed']}, scale {s['scale']:g}; levers on at week "
        f"{model.intervention_week}.</p>",
        f"<p id='ocgsim-levers'>Levers against the baseline: {escape(lever_changes(model))}.</p>",
    ]
    if model.intervention_week >= model.policy.weeks_total:
        parts.append("<p><b>The run ends before the levers switch on</b>: lengthen the run.</p>")
    if model.week < max(1, model.intervention_week):
        parts.append("<p>Means since the levers switched on appear once they have.</p>")
    else:
        rows = [
            "<tr><th style='text-align:left'>mean since the levers switched on</th>"
            "<th style='text-align:left'>unit</th><th>policy</th><th>baseline</th>"
            "<th>change</th></tr>"
        ]
        for row in model.effects().itertuples():
            change = "&ndash;" if row.change_pct != row.change_pct else f"{row.change_pct:+.1f}%"
            cells = [_number(row.policy), _number(row.baseline), change]
            rows.append(
                f"<tr><td>{escape(row.metric)}</td><td>{escape(row.unit)}</td>"
                + "".join(f"<td align='right'>{c}</td>" for c in cells)
                + "</tr>"
            )
        parts.append(
            "<table id='ocgsim-effects' cellpadding='4' style='border-spacing: 12px 0'>"
            + "".join(rows)
            + "</table>"
        )
        parts.append(
            "<p><small>Counts are full-scale equivalents (divided by the scale).</small></p>"
        )
    return "".join(parts)
