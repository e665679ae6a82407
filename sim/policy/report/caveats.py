"""The assumptions behind the result and the caveats of reading it."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from sim.analysis.results import Results
from sim.io.guards import small_scale_note
from sim.policy.report.markup import html_table
from sim.policy.report.prose import correction_text
from sim.policy.report.provenance import non_lever_settings
from sim.policy.report.table import Comparison
from sim.policy.report.words import HARM, finite, money, money_unit, sig

__all__ = [
    "assumptions_section",
    "caveats_section",
    "comparison_caveats",
    "model_caveats",
    "run_caveats",
    "spec_row",
]


def assumptions_section(res: Results, changed: dict[str, dict[str, Any]]) -> str:
    """The main assumptions: docs/sensitivity.md's ranking, else those the levers act through."""
    from sim.policy.assumptions import (
        cost_assumptions,
        doc_ranking,
        mechanism_assumptions,
        sensitivity_doc,
    )

    if not res.is_sim:
        return (
            "<section id='assumptions'><h2>Main assumptions</h2><p>The results come from "
            f"another model (<code>{escape(str(res.manifest.get('model')))}</code>); its "
            "assumptions are its own.</p></section>"
        )
    names: dict[str, None] = {}
    for values in changed.values():
        for k in values:
            names[k] = None
    parts = ["<section id='assumptions'><h2>Main assumptions behind the result</h2>"]
    ranking = doc_ranking()
    if ranking is not None:
        rows = [[escape(c) for c in row] for row in ranking.rows]
        parts.append(
            f"<p>The sensitivity analysis (<code>docs/{escape(Path(ranking.source).name)}</code>"
            + (f", “{escape(ranking.caption)}”" if ranking.caption else "")
            + ") ranks the assumptions that matter most for the model's outcomes:</p>"
            + html_table([escape(h) for h in ranking.header], rows, "ranking-table")
        )
    else:
        where = sensitivity_doc()
        parts.append(
            "<p>The ranking of assumptions by their influence on the outcomes (the sensitivity "
            "analysis) is in <code>docs/sensitivity.md</code>"
            + (
                " (it has no ranking table this report could read)."
                if where is not None
                else " (not found when this report was written)."
            )
            + " Below are the assumptions (parameters with no published value) that the "
            "interventions act through, how OC harm is measured, and the three assumptions the "
            "robustness check of <code>ocgsim optimise</code> re-varies by default.</p>"
        )
        mech = mechanism_assumptions(list(names))
        rows = [spec_row(p) for p in mech]
        parts.append(
            html_table(
                ["parameter", "value", "plausible range", "source"], rows, "assumptions-table"
            )
        )
    costs = cost_assumptions(list(names))
    if costs:
        parts.append(
            "<p>The costs rest on these figures (all £, full scale; see "
            "<code>docs/parameters.md</code>):</p>"
            + html_table(
                ["parameter", "value", "plausible range", "source"],
                [spec_row(p) for p in costs],
                "cost-assumptions-table",
            )
        )
    parts.append("</section>")
    return "".join(parts)


def spec_row(p: Any) -> list[str]:
    """A parameter's row: name and meaning, value and unit, plausible range, source."""
    rng = p.plausible_range()
    per = money_unit(p.unit)
    fmt = money if per is not None else sig  # the report's one money format
    shown = f"{fmt(rng[0])} to {fmt(rng[1])}" if rng else "–"
    value = fmt(p.default) if isinstance(p.default, int | float) else escape(str(p.default))
    unit = per if per is not None else p.unit
    return [
        f"<code>{escape(p.name)}</code><br><small>{escape(p.doc)}</small>",
        f"{value} <small>{escape(unit)}</small>",
        shown,
        f"<small>{escape(p.source)}</small>",
    ]


def caveats_section(res: Results, comp: Comparison | None) -> str:
    """The caveats: scale, window, failed runs, interval widths, costs, what the model is."""
    items = run_caveats(res)
    if comp is not None:
        items += comparison_caveats(comp)
    items += model_caveats(res)
    return (
        "<section id='caveats'><h2>Caveats</h2><ul>"
        + "".join(f"<li>{escape(i)}</li>" for i in items)
        + "</ul></section>"
    )


def run_caveats(res: Results) -> list[str]:
    """Caveats of how the runs were made: scale, summary window, failed runs."""
    items = []
    scales = sorted({s for s in res.point_scales().values() if s is not None})
    years, week = res.point_settings(0) if res.is_sim else (None, None)
    ok = res.runs[res.runs["status"] == "ok"]
    if res.is_sim and scales:
        items.append(
            f"The runs model {', '.join(f'{s:g}' for s in scales)} of England & Wales "
            "(run.scale); counts are shown as full-scale equivalents (divided by the scale). "
            "A small estate is noisier and its groups interact less than the full one; check "
            "important findings at a larger scale."
        )
        note = small_scale_note(min(scales))  # (the note ocgsim run and plan print)
        if note:
            items.append(note[0].upper() + note[1:] + ".")
    if res.is_sim and "window_weeks" in ok and len(ok):
        weeks = int(ok["window_weeks"].min())
        items.append(
            f"Outcomes are means over the summary window: weeks {week}–{int(years * 52)} "
            f"({weeks} weeks, from the week the interventions switch on to the end). Effects "
            "that take longer to appear (e.g. on membership) may be understated."
        )
    failed = int((res.runs["status"] != "ok").sum())
    if failed:
        items.append(
            f"{failed} run(s) failed and are left out (paired comparisons use replicates where "
            "both runs succeeded); see ocgsim status."
        )
    return items


def comparison_caveats(comp: Comparison) -> list[str]:
    """Caveats of the comparison: width of the harm intervals, percentages, the correction."""
    items = []
    harm = comp.table[comp.table["metric"] == HARM]
    if len(harm):
        width = float(((harm["pct_holm_high"] - harm["pct_holm_low"]) / 2).max())
        n = int(harm["n_pairs"].min())
        if finite(width):
            items.append(
                f"With {n} replicates the corrected intervals on OC harm are up to ±"
                f"{width:.1f}% wide. An interval that includes zero rules out effects beyond "
                "its ends, not effects inside it: a smaller effect may be real. Four times the "
                "replicates halve the width."
            )
    items.append(
        "Percentage changes and their intervals divide by the baseline mean, whose own "
        "uncertainty is not included; the paired design (same seeds in every scenario) "
        "removes most of the run-to-run noise from the differences."
    )
    items.append(
        "The intervals are corrected for multiple comparisons ("
        + correction_text(comp)
        + "). The primary outcome was chosen before the runs (the same for every comparison), "
        "so its family is not widened by the other outcomes; findings on secondary outcomes "
        "support the primary one, they do not replace it."
    )
    return items


def model_caveats(res: Results) -> list[str]:
    """Caveats of the model: costs, harm index, what it is, parameters that are not levers."""
    items = []
    if res.is_sim:
        items.append(
            "All costs are assumptions (cost.* parameters) and count staff and systems only, "
            "not the wider costs of crime; OC harm weights offences by a harm index "
            "(harm.index), not by victims' own accounts."
        )
        items.append(
            "The model is a stylised representation of OCGs, prisons and police calibrated to "
            "published national figures; it compares policies under its assumptions, it does "
            "not forecast."
        )
        non_lever = non_lever_settings(res)
        if non_lever:
            items.append(
                "These scenarios also change parameters that are not levers, from week 0 (so "
                "they differ from the baseline throughout, not only after the intervention "
                "week): " + "; ".join(non_lever) + "."
            )
    if not res.is_sim:
        items.append(
            "Values are in the model's own units: it declares none, so nothing is converted to "
            "full-scale equivalents."
        )
    return items
