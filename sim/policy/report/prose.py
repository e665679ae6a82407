"""The report in plain words: the headline sentence, the other outcomes, the "In short" box.

Each intervention has two texts that never repeat each other: its **sentence** (the primary
outcome, the cost and what one buys of the other; in the "In short" box and printed by ``ocgsim
compare``) and its **details** (the secondary outcomes; under its row of the headline table).
An interval that includes zero is said in what it rules out ("rules out a cut in OC harm larger
than 1.5% and a rise larger than 0.8%"), never as "no effect".
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from sim.analysis.results import Results
from sim.policy.report.words import (
    COST,
    FEW_REPLICATES,
    HARM,
    PLAIN,
    finite,
    money,
    pct,
    pounds_per_unit,
    rules_out,
)

if TYPE_CHECKING:
    from sim.policy.report.table import Comparison

__all__ = ["correction_text", "details", "effect_words", "sentence", "summary_box"]


def effect_words(r: dict[str, Any], words: str) -> str:
    """One outcome's change in words: ``cuts X by 1.2–4.5%`` or what its interval rules out."""
    low, high = r["pct_holm_low"], r["pct_holm_high"]
    if not finite(low):
        return f"{words}: not enough replicates for an interval"
    if r["significant"]:
        lo, hi = sorted((abs(low), abs(high)))
        verb = "cuts" if r["diff"] < 0 else "raises"
        return f"{verb} {words} by {lo:.1f}–{hi:.1f}%"
    return f"{rules_out(low, high, words)} ({pct(low)} to {pct(high)})"


def _cost_words(cost: dict[str, Any]) -> str:
    """The change in cost in words (pounds a year, full scale)."""
    unit = pounds_per_unit(COST) or 1e6
    pounds = cost["diff_fs"] * unit
    if cost["significant"]:
        more = "more" if pounds > 0 else "less"
        return f"costs {money(abs(pounds))} a year {more}"
    low, high = cost["diff_holm_low_fs"] * unit, cost["diff_holm_high_fs"] * unit
    parts = []
    if finite(low) and low <= 0:
        parts.append(f"a saving larger than {money(abs(low))}")
    if finite(high) and high >= 0:
        parts.append(f"an extra cost larger than {money(high)}")
    return "cost: rules out " + " and ".join(parts) + " a year" if parts else "cost: no interval"


def _value_words(comp: Comparison, name: str) -> str | None:
    """What the money buys: the benefit-cost ratio, or the cost per unit of harm averted."""
    eff = comp.effectiveness
    if not len(eff):
        return None
    e = eff[eff["label"] == name].iloc[0]
    if e["kind"] == "bcr":
        # the sign is in the words: a negative amount averted is harm added
        verb = "averts" if e["averted"] >= 0 else "adds"
        averted = f"{verb} {money(abs(e['averted']))} a year of OC harm"
        if not e["significant"]:
            averted += " (its interval includes no change)"
        if e["verdict"] == "dominant":
            return averted + " and saves money"
        if e["bounded"] and finite(e["ratio"]):
            if not e["significant"]:
                # a point ratio of a change that may be nil reads as a finding: the range only
                return (
                    f"{averted}; benefit-cost ratio anywhere from {e['ratio_low']:.2f} to "
                    f"{e['ratio_high']:.2f}"
                )
            return (
                f"{averted}; benefit-cost ratio {e['ratio']:.2f} ({e['ratio_low']:.2f} to "
                f"{e['ratio_high']:.2f})"
            )
        return averted + "; no benefit-cost ratio (the change in cost includes zero)"
    if e["verdict"] == "ratio" and e["bounded"] and e["ratio"] > 0:
        return f"about {money(e['ratio'])} per harm-day averted"
    if e["verdict"] == "dominant":
        return "saves money while cutting harm"
    return None


def sentence(comp: Comparison, name: str) -> str:
    """The headline sentence: the primary outcome, the cost, what one buys of the other."""
    harm = comp.row(name, HARM) if HARM in comp.metrics else None
    first = harm or comp.row(name, comp.metrics[0])
    words = PLAIN.get(first["metric"], (first["metric"], first["metric"], ""))[1]
    parts = [effect_words(first, words)]
    cost = comp.row(name, COST) if COST in comp.metrics else None
    if cost is not None and finite(cost["diff_fs"]):
        parts.append(_cost_words(cost))
    value = _value_words(comp, name)
    if value:
        parts.append(value)
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def details(comp: Comparison, name: str) -> str:
    """The other outcomes in words (the secondary family), for the headline table's row."""
    first = comp.metrics[0] if HARM not in comp.metrics else HARM
    items = []
    for m in comp.metrics:
        if m in (first, COST):
            continue
        r = comp.row(name, m)
        if r is None:
            continue
        words = PLAIN.get(m, (m, m, ""))[1]
        if r["significant"] or not finite(r["pct_holm_low"]):
            items.append(effect_words(r, words))
        else:  # the interval is in the table's cell: say what it rules out
            items.append(f"{words}: {rules_out(r['pct_holm_low'], r['pct_holm_high'])}")
    if not items:
        return ""
    return "Other outcomes: " + "; ".join(items) + "."


def correction_text(comp: Comparison) -> str:
    """How the intervals are corrected: the primary family and the secondary one."""
    fam = comp.families
    if comp.primary is None:
        return (
            f"Holm's correction over all {fam.get('all', comp.family)} comparisons of the table "
            "(no pre-specified primary outcome among them)"
        )
    words = PLAIN.get(comp.primary, (comp.primary,))[0]
    text = (
        f"primary outcome: {words}, Holm's correction over its family of "
        f"{fam.get('primary', 0)} comparisons (one per intervention)"
    )
    if fam.get("secondary"):
        text += (
            f"; secondary outcomes: Holm's correction within their own family of "
            f"{fam['secondary']} comparisons"
        )
    return text


def summary_box(comp: Comparison, res: Results) -> str:
    """The "In short" box: the baseline, how the runs were made, a warning, each sentence."""
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
    warning = ""
    if n < FEW_REPLICATES:
        warning = (
            "<p class='warning' style='color:var(--accent)'>"
            f"<b>Only {n} replicate{'s' if n != 1 else ''}:</b> too few for decisions (fewer "
            f"than {FEW_REPLICATES}). The intervals are wide and their own width is uncertain; "
            "treat every finding here as a first look and run more "
            "replicates (ocgsim compare --replicates) before relying on it.</p>"
        )
    return (
        "<section id='summary' class='summary'><h2 style='border:0;margin-top:6px'>In short"
        f"</h2>{warning}<p>Against <b>{escape(comp.baseline)}</b> (95% intervals; "
        f"{escape(correction_text(comp))}).{escape(setting)}</p><ul>{items}</ul></section>"
    )
