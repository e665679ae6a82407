"""The report's figures: PNG files drawn by :mod:`sim.analysis.plots`, embedded in the page."""

from __future__ import annotations

from html import escape
from pathlib import Path

from sim.analysis import units
from sim.analysis.results import Results
from sim.policy.report.markup import data_uri, figure
from sim.policy.report.table import Comparison, design_labels
from sim.policy.report.words import PLAIN, SERIES

__all__ = ["ce_figure", "forest_figure", "series_figures"]


def series_figures(res: Results, work: Path, comp: Comparison | None) -> list[str]:
    """Harm and membership over time by scenario (none without series or above 8 points)."""
    from sim.analysis import plots as figs

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
    out = []
    for name in dict.fromkeys(series["metric"]):
        if names and name not in names:
            continue
        unit, extensive = units.series_info(name) if res.is_sim else ("", None)
        path = work / f"series_{name}.png"
        figs.series_plot(
            series,
            runs,
            name,
            path,
            group=label,
            unit=unit,
            extensive=extensive,
            scale=scale,
            intervention_week=week,
        )
        plain = {"oc_harm": "OC harm", "ocg_members": "OCG members"}.get(name, name)
        out.append(
            figure(
                data_uri(path),
                f"{plain} over time by scenario",
                f"<b>{escape(plain)} over time</b> ({escape(unit)}"
                + (", full-scale equivalent" if extensive and scale else "")
                + "): mean over replicates with a 95% band, 13-week rolling mean; the dashed "
                "line marks the week the interventions switch on.",
                f"fig-series-{name}",
            )
        )
    return out


def forest_figure(comp: Comparison, work: Path) -> str:
    """The forest plot of every effect with its Holm-level interval."""
    from sim.analysis import plots as figs

    t = comp.table.copy()
    t["pct_ci_low"], t["pct_ci_high"] = t["pct_holm_low"], t["pct_holm_high"]
    path = work / "forest.png"
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
    figs.cost_effectiveness_plot(comp.effectiveness, path)
    return figure(
        data_uri(path),
        "extra cost against harm averted",
        "<b>Cost against harm averted</b> (full-scale equivalents, a year): each intervention "
        "with its Holm-corrected 95% intervals; right of the vertical line harm is averted, "
        "above the horizontal line the intervention costs more.",
        "fig-cost-harm",
    )
