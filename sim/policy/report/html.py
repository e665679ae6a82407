"""The report's tables: headline effects, levels, cost-effectiveness, means by design point."""

from __future__ import annotations

from html import escape
from typing import Any

from sim.analysis import units
from sim.analysis.results import Results
from sim.analysis.stats import metric_columns, summarise
from sim.policy.report.markup import html_table
from sim.policy.report.table import Comparison, design_labels
from sim.policy.report.words import COST, PLAIN, finite, money, pct, range_text, sig

__all__ = [
    "effect_cell",
    "effectiveness_section",
    "headline_section",
    "levels_section",
    "means_section",
    "ratio_cell",
]


def effect_cell(r: dict[str, Any] | None, metric: str) -> str:
    """A headline cell: the change (% or, for cost, GBP a year) and its Holm-level interval."""
    if r is None:
        return "–"
    if metric == COST:
        pounds, lo, hi = (r[c] * 1e6 for c in ("diff_fs", "diff_holm_low_fs", "diff_holm_high_fs"))
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
    """The cost per harm-day averted of one intervention, or why there is none."""
    if e is None:
        return "–"
    verdict = e["verdict"]
    if verdict == "not averted":
        return "harm not detectably averted: no ratio"
    if verdict == "harm rises":
        return "harm rises: does not apply"
    ratio = f"{money(e['ratio'])} per harm-day"
    if e["bounded"]:
        interval = f"({money(e['ratio_low'])} to {money(e['ratio_high'])})"
    else:
        interval = "(interval unbounded)"
    if verdict == "dominant":
        return f"saves money and averts harm<br><small>{ratio} {interval}</small>"
    if e["ratio"] < 0:
        # harm detectably averted, cost change not detectable ("dominant" is the case where
        # the saving is detectable): the sign of the ratio is only a point estimate's
        return (
            f"{ratio}<br><small>{interval}; negative point estimate: the change in cost is not "
            "detectable</small>"
        )
    return f"{ratio}<br><small>{interval}</small>"


def headline_section(comp: Comparison, res: Results) -> str:
    """The headline table: each intervention against the baseline, with its sentence."""
    metrics = comp.metrics
    header = ["intervention"]
    for m in metrics:
        name = PLAIN.get(m, (m,))[0]
        unit = "<br><small>£ a year, full scale</small>" if m == COST else ""
        header.append(escape(name) + unit)
    has_ce = len(comp.effectiveness) > 0
    if has_ce:
        header.append("Cost per harm-day averted<br><small>Fieller</small>")
    rows: list[Any] = []
    for name in comp.interventions:
        row = [f"<b>{escape(name)}</b>"]
        for m in metrics:
            row.append(effect_cell(comp.row(name, m), m))
        if has_ce:
            e = comp.effectiveness[comp.effectiveness["label"] == name]
            row.append(ratio_cell(e.iloc[0].to_dict() if len(e) else None))
        rows.append(row)
        rows.append(
            f"<tr class='sentence'><td colspan='{len(header)}'>In plain words: "
            f"{escape(comp.sentences[name])}</td></tr>"
        )
    n_pairs = int(comp.table["n_pairs"].min()) if len(comp.table) else 0
    note = (
        f"<p class='note'>Each cell: the change against <b>{escape(comp.baseline)}</b> (% "
        f"change; for cost, GBP a year more or less at full scale) and its <b>95% interval "
        f"corrected for multiple comparisons with Holm's method</b> over all {comp.family} "
        f"comparisons in this table (each interval at the level Holm's step-down procedure "
        f"uses for that comparison, so it excludes zero exactly when the correction finds an "
        f"effect). Differences are paired by replicate (common random numbers; {n_pairs} pairs "
        f"or more). Bold: detectable after the correction. Cost per harm-day averted = extra "
        f"GBP a year / harm-days averted a year (full scale), with Fieller's interval from the "
        f"paired replicates at the level of the harm comparison; it is given only when harm is "
        f"detectably averted.</p>"
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
        if info is not None and info.extensive:
            unit += ", full-scale equivalent"
        row = [escape(PLAIN.get(m, (m,))[0]), escape(unit), sig(sub["baseline_mean_fs"].iloc[0])]
        for name in comp.interventions:
            hit = sub[sub[comp.label] == name]
            row.append(sig(hit["mean_fs"].iloc[0]) if len(hit) else "–")
        rows.append(row)
    return (
        "<section id='levels'><h2>Levels of each outcome</h2>"
        + html_table(header, rows, "levels-table", "levels")
        + "<p class='note'>Means over the replicates, over the summary window (from the "
        "intervention week to the end of the run). Counts are full-scale equivalents: model "
        "counts divided by the run's scale.</p></section>"
    )


def effectiveness_section(comp: Comparison) -> str:
    """Harm averted, extra cost and the cost per harm-day averted (empty without both)."""
    eff = comp.effectiveness
    if eff.empty:
        return ""
    header = [
        "intervention",
        "harm averted<br><small>harm-days a year, full scale</small>",
        "extra cost<br><small>£ a year, full scale</small>",
        "cost per harm-day averted<br><small>Fieller interval</small>",
    ]
    rows = []
    for e in eff.to_dict("records"):
        rows.append(
            [
                f"<b>{escape(e['label'])}</b>",
                f"{sig(e['averted'])}<br><small>({sig(e['averted_low'])} to "
                f"{sig(e['averted_high'])})</small>",
                f"{money(e['cost'] * 1e6, sign=True)}<br><small>"
                f"({money(e['cost_low'] * 1e6, sign=True)} to "
                f"{money(e['cost_high'] * 1e6, sign=True)})</small>",
                ratio_cell(e),
            ]
        )
    return (
        "<section id='effectiveness'><h2>Cost per unit of harm averted</h2>"
        + html_table(header, rows, "effectiveness-table")
        + "<p class='note'>The ratio of the mean extra cost to the mean OC harm averted (paired "
        "by replicate), in GBP per harm-day (OC harm counts offences weighted by days of the "
        "harm index: a harm-day is one day of the index's sentence-equivalent). Its interval "
        "is Fieller's, from the paired replicates, at the Holm level of the harm comparison; it "
        "is bounded exactly when harm is detectably averted. When harm is not detectably "
        "averted the ratio is not given: dividing by an averted harm that may be zero has no "
        "useful interval.</p></section>"
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
