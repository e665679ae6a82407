"""The report in plain words: one sentence per intervention and the summary box."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from sim.analysis.results import Results
from sim.policy.report.words import COST, HARM, PLAIN, finite, money, pct

if TYPE_CHECKING:
    from sim.policy.report.table import Comparison

__all__ = ["sentence", "summary_box"]


def sentence(comp: Comparison, name: str) -> str:
    """One sentence: the effect on harm, the cost, other detectable effects."""
    parts = []
    harm = comp.row(name, HARM) if HARM in comp.metrics else None
    first = harm or comp.row(name, comp.metrics[0])
    words = PLAIN.get(first["metric"], (first["metric"], first["metric"], ""))[1]
    if first["significant"] and finite(first["pct_holm_low"]):
        lo, hi = sorted((abs(first["pct_holm_low"]), abs(first["pct_holm_high"])))
        verb = "cuts" if first["diff"] < 0 else "raises"
        parts.append(f"{verb} {words} by {lo:.1f}–{hi:.1f}%")
    elif finite(first["pct_holm_low"]):
        parts.append(
            f"no detectable effect on {words} ({pct(first['pct_holm_low'])} to "
            f"{pct(first['pct_holm_high'])})"
        )
    else:
        parts.append(f"{words}: not enough replicates for an interval")
    cost = comp.row(name, COST) if COST in comp.metrics else None
    if cost is not None and finite(cost["diff_fs"]):
        pounds = cost["diff_fs"] * 1e6
        if cost["significant"]:
            more = "more" if pounds > 0 else "less"
            parts.append(f"costs {money(abs(pounds))} a year {more}")
        else:
            parts.append("no detectable change in cost")
    eff = comp.effectiveness
    if len(eff):
        e = eff[eff["label"] == name].iloc[0]
        if e["verdict"] == "ratio" and e["bounded"] and e["ratio"] > 0:
            parts.append(f"about {money(e['ratio'])} per harm-day averted")
        elif e["verdict"] == "dominant":
            parts.append("saves money while cutting harm")
    others = []
    for m in comp.metrics:
        if m in (HARM, COST, first["metric"]):
            continue
        r = comp.row(name, m)
        if r is not None and r["significant"] and finite(r["pct_holm_low"]):
            lo, hi = sorted((abs(r["pct_holm_low"]), abs(r["pct_holm_high"])))
            verb = "cuts" if r["diff"] < 0 else "raises"
            others.append(f"{verb} {PLAIN.get(m, (m, m, ''))[1]} by {lo:.1f}–{hi:.1f}%")
    text = "; ".join(parts)
    if others:
        text += "; also " + "; ".join(others)
    return text[0].upper() + text[1:] + "."


def summary_box(comp: Comparison, res: Results) -> str:
    """The "In short" box: the baseline, how the runs were made and each sentence."""
    items = "".join(
        f"<li><b>{escape(name)}</b>: {escape(comp.sentences[name])}</li>"
        for name in comp.interventions
    )
    n = int(comp.table["n_pairs"].min()) if len(comp.table) else 0
    scales = sorted({s for s in res.point_scales().values() if s is not None})
    years, week = res.point_settings(0) if res.is_sim else (None, None)
    setting = (
        f" Each scenario was run {n} times with the same seeds as the baseline"
        + (f", at {', '.join(f'{s:g}' for s in scales)} of England & Wales" if scales else "")
        + (f", for {years} years with the interventions from week {week}" if years else "")
        + "."
    )
    return (
        "<section id='summary' class='summary'><h2 style='border:0;margin-top:6px'>In short"
        f"</h2><p>Against <b>{escape(comp.baseline)}</b> (intervals: 95%, corrected for "
        f"multiple comparisons).{escape(setting)}</p><ul>{items}</ul></section>"
    )
