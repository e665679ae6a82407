"""The report's tables: headline effects, levels, cost-effectiveness, means by design point."""

from __future__ import annotations

from html import escape
from typing import Any

from sim.analysis import units
from sim.analysis.results import Results
from sim.analysis.stats import metric_columns, summarise
from sim.policy.report.markup import html_table
from sim.policy.report.prose import correction_text
from sim.policy.report.table import Comparison, design_labels
from sim.policy.report.words import (
    PLAIN,
    finite,
    money,
    pct,
    pounds_per_unit,
    range_text,
    sig,
)

__all__ = [
    "effect_cell",
    "effectiveness_section",
    "headline_section",
    "levels_section",
    "means_section",
    "ratio_cell",
]


def effect_cell(r: dict[str, Any] | None, metric: str) -> str:
    """A headline cell: the change (% or, for money, £ a year) and its Holm-level interval."""
    if r is None:
        return "–"
    unit = pounds_per_unit(metric)
    if unit is not None:
        pounds, lo, hi = (r[c] * unit for c in ("diff_fs", "diff_holm_low_fs", "diff_holm_high_fs"))
        main = money(pounds, sign=True)
        interval = f"{money(lo, sign=True)} to {money(hi, sign=True)}"
        change = f"<br><small>{pct(r['pct_change'])}</small>" if finite(r["pct_change"]) else ""
    else:
        main = pct(r["pct_change"])
        interval = range_text(r["pct_holm_low"], r["pct_holm_high"], pct)
        change = ""
    mark = ' class="sig"' if r["significant"] else ""
    return f"<span{mark}>{main}</span><br><small>({interval})</small>{change}"


def ratio_cell(e: dict[str, Any] | None) -> str:
    """The benefit-cost ratio, or the cost per harm-day averted, of one intervention."""
    if e is None:
        return "–"
    verdict = e["verdict"]
    if verdict == "bcr":
        if not e["bounded"] or not finite(e["ratio"]):
            return "no ratio: the interval on the extra cost includes zero"
        return f"{e['ratio']:.2f}<br><small>({e['ratio_low']:.2f} to {e['ratio_high']:.2f})</small>"
    if verdict == "not averted":
        return "no ratio: the interval on harm averted includes zero"
    if verdict == "harm rises":
        return "harm rises: does not apply"
    if e.get("kind") == "bcr":  # dominant: averts harm and saves money
        return "saves money and averts harm"
    ratio = f"{money(e['ratio'])} per harm-day"
    if e["bounded"]:
        interval = f"({money(e['ratio_low'])} to {money(e['ratio_high'])})"
    else:
        interval = "(interval unbounded)"
    if verdict == "dominant":
        return f"saves money and averts harm<br><small>{ratio} {interval}</small>"
    if e["ratio"] < 0:
        # harm averted, the interval on the cost change includes zero ("dominant" is the
        # case where it excludes it): the sign of the ratio is only a point estimate's
        return (
            f"{ratio}<br><small>{interval}; negative point estimate: the interval on the change "
            "in cost includes zero</small>"
        )
    return f"{ratio}<br><small>{interval}</small>"


def _ratio_header(comp: Comparison) -> str:
    """The header of the ratio column: benefit-cost ratio or cost per harm-day averted."""
    if len(comp.effectiveness) and comp.effectiveness["kind"].iloc[0] == "bcr":
        return "Benefit-cost ratio<br><small>harm averted £ / extra cost £; Fieller</small>"
    return "Cost per harm-day averted<br><small>Fieller</small>"


def headline_section(comp: Comparison, res: Results) -> str:
    """The headline table: each intervention against the baseline, with its other outcomes."""
    metrics = comp.metrics
    header = ["intervention"]
    for m in metrics:
        name = PLAIN.get(m, (m,))[0]
        unit = "<br><small>£ a year, full scale</small>" if pounds_per_unit(m) else ""
        tag = "<br><small>primary outcome</small>" if m == comp.primary else ""
        header.append(escape(name) + unit + tag)
    has_ce = len(comp.effectiveness) > 0
    if has_ce:
        header.append(_ratio_header(comp))
    rows: list[Any] = []
    for name in comp.interventions:
        row = [f"<b>{escape(name)}</b>"]
        for m in metrics:
            row.append(effect_cell(comp.row(name, m), m))
        if has_ce:
            e = comp.effectiveness[comp.effectiveness["label"] == name]
            row.append(ratio_cell(e.iloc[0].to_dict() if len(e) else None))
        rows.append(row)
        if comp.details.get(name):
            rows.append(
                f"<tr class='sentence'><td colspan='{len(header)}'>In plain words: "
                f"{escape(comp.details[name])}</td></tr>"
            )
    n_pairs = int(comp.table["n_pairs"].min()) if len(comp.table) else 0
    bcr = has_ce and comp.effectiveness["kind"].iloc[0] == "bcr"
    ratio_note = (
        "Benefit-cost ratio = OC harm averted in £ a year / extra cost in £ a year (full scale), "
        "with Fieller's interval from the paired replicates at the level of the harm "
        "comparison; it is given when the interval on the extra cost excludes zero."
        if bcr
        else "Cost per harm-day averted = extra £ a year / harm-days averted a year (full "
        "scale), with Fieller's interval from the paired replicates at the level of the harm "
        "comparison; it is given only when the interval on harm averted excludes zero."
    )
    note = (
        f"<p class='note'>Each cell: the change against <b>{escape(comp.baseline)}</b> (% "
        f"change; for money, £ a year more or less at full scale) and its <b>95% interval "
        f"corrected for multiple comparisons</b>: {escape(correction_text(comp))}. Each "
        f"interval is at the level Holm's step-down procedure uses for that comparison, so it "
        f"excludes zero exactly when the correction finds an effect; one that includes zero "
        f"rules out effects beyond its ends, not effects inside it. Differences are paired by "
        f"replicate (common random numbers; {n_pairs} pairs or more). Bold: the interval "
        f"excludes zero after the correction. {ratio_note}</p>"
    )
    return (
        "<section id='headline'><h2>Headline: each intervention against the baseline</h2>"
        + html_table(header, rows, "headline-table", "headline")
        + note
        + "</section>"
    )


def levels_section(comp: Comparison, res: Results) -> str:
    """The mean level of each outcome per scenario (full-scale equivalents)."""
    t = comp.table
    header = ["outcome", "unit", escape(comp.baseline)] + [escape(n) for n in comp.interventions]
    rows = []
    for m in comp.metrics:
        info = units.info(m) if res.is_sim else None
        sub = t[t["metric"] == m]
        if sub.empty:
            continue
        unit = PLAIN.get(m, (m, m, info.unit if info else ""))[2]
        if pounds_per_unit(m) is not None:
            unit = "£ a year"  # shown as money (£3.3m)
        if info is not None and info.extensive:
            unit += ", full-scale equivalent"
        pounds = pounds_per_unit(m)

        def shown(x: float, pounds: float | None = pounds) -> str:
            return money(x * pounds) if pounds is not None else sig(x)

        row = [escape(PLAIN.get(m, (m,))[0]), escape(unit), shown(sub["baseline_mean_fs"].iloc[0])]
        for name in comp.interventions:
            hit = sub[sub[comp.label] == name]
            row.append(shown(hit["mean_fs"].iloc[0]) if len(hit) else "–")
        rows.append(row)
    return (
        "<section id='levels'><h2>Levels of each outcome</h2>"
        + html_table(header, rows, "levels-table", "levels")
        + "<p class='note'>Means over the replicates, over the summary window (from the "
        "intervention week to the end of the run). Counts are full-scale equivalents: model "
        "counts divided by the run's scale.</p></section>"
    )


def effectiveness_section(comp: Comparison) -> str:
    """Harm averted, extra cost and their ratio (empty without both)."""
    eff = comp.effectiveness
    if eff.empty:
        return ""
    bcr = eff["kind"].iloc[0] == "bcr"
    header = [
        "intervention",
        "harm averted<br><small>"
        + ("£ a year" if bcr else "harm-days a year")
        + ", full scale</small>",
        "extra cost<br><small>£ a year, full scale</small>",
        _ratio_header(comp),
    ]

    def averted(x: float) -> str:  # signed: a negative amount averted is harm added
        return money(x, sign=True) if bcr else sig(x)

    rows = []
    for e in eff.to_dict("records"):
        rows.append(
            [
                f"<b>{escape(e['label'])}</b>",
                f"{averted(e['averted'])}<br><small>({averted(e['averted_low'])} to "
                f"{averted(e['averted_high'])})</small>",
                f"{money(e['cost'] * 1e6, sign=True)}<br><small>"
                f"({money(e['cost_low'] * 1e6, sign=True)} to "
                f"{money(e['cost_high'] * 1e6, sign=True)})</small>",
                ratio_cell(e),
            ]
        )
    if bcr:
        title = "Benefit–cost ratio"
        note = (
            "The ratio of the mean OC harm averted (in £) to the mean extra cost (paired by "
            "replicate), both a year at full scale: above 1, the harm averted is worth more than "
            "the money spent. Its interval is Fieller's, from the paired replicates, at the Holm "
            "level of the harm comparison; it is bounded when the interval on the extra cost "
            "excludes zero. An intervention that saves money (an interval on the cost entirely "
            "below zero) has no ratio to speak of: it is shown as saving money."
        )
    else:
        title = "Cost per unit of harm averted"
        note = (
            "The ratio of the mean extra cost to the mean OC harm averted (paired by replicate), "
            "in £ per harm-day (OC harm counts offences weighted by days of the harm index: a "
            "harm-day is one day of the index's sentence-equivalent). Its interval is Fieller's, "
            "from the paired replicates, at the Holm level of the harm comparison; it is bounded "
            "exactly when the interval on harm averted excludes zero. Otherwise the ratio is "
            "not given: dividing by an averted harm that may be zero has no useful interval."
        )
    return (
        f"<section id='effectiveness'><h2>{title}</h2>"
        + html_table(header, rows, "effectiveness-table")
        + f"<p class='note'>{note}</p></section>"
    )


def means_section(res: Results) -> str:
    """Mean outcomes per design point, for designs without a baseline."""
    label, runs, labels = design_labels(res)
    available = metric_columns(runs, res.factors)
    metrics = [m for m in units.headline_names() if m in available] if res.is_sim else []
    metrics = metrics or available[:8]
    if not metrics or runs.empty:
        return "<section id='means'><h2>Outcomes</h2><p>No successful runs.</p></section>"
    summary = summarise(runs, ["point_id"], metrics)
    scales = res.point_scales()
    header = ["design point"] + [escape(PLAIN.get(m, (m,))[0]) for m in metrics]
    rows = []
    points = sorted(labels)
    for pid in points[:40]:
        row = [escape(labels[pid])]
        for m in metrics:
            hit = summary[(summary["point_id"] == pid) & (summary["metric"] == m)]
            if hit.empty:
                row.append("–")
                continue
            value = float(hit["mean"].iloc[0])
            half = float(hit["half_width"].iloc[0])
            if res.is_sim:
                value, half = (units.full_scale(v, m, scales.get(pid)) for v in (value, half))
            plus = f" <small>± {sig(half, 2)}</small>" if finite(half) else ""
            row.append(sig(value) + plus)
        rows.append(row)
    more = (
        f"<p class='note'>First 40 of {len(points)} design points; all are in the results.</p>"
        if len(points) > 40
        else ""
    )
    return (
        "<section id='means'><h2>Outcomes by design point</h2>"
        "<p>This design has no baseline point, so the report gives the mean outcome of each "
        "design point with its unadjusted 95% interval over replicates (counts as full-scale "
        "equivalents).</p>" + html_table(header, rows, "means-table") + more + "</section>"
    )
