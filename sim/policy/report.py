"""The report for policy readers: one self-contained HTML file from an experiment's results.

``ocgsim report DIR`` (and the end of ``ocgsim compare``) writes ``DIR/report.html``: a page
that opens offline (figures embedded as ``data:`` URIs, no scripts, fonts or style sheets from
elsewhere) and prints well to PDF (print CSS, A4). It holds

* for scenario comparisons and grids with a baseline point: the **headline table** (each
  intervention against the baseline on OC harm, OCG membership, recruitment in prison per member
  inside and per 1,000 prisoner-years, recruitment in the community, cost a year, and cost per
  harm-day averted), with 95% intervals at the levels of Holm's correction over the whole table,
  full-scale equivalents and a plain-language sentence per row; the levels of each outcome; and
  figures (harm and membership over time by scenario, a forest plot of the effects, cost against
  harm averted);
* for designs without a baseline (Latin hypercube, a single point): the mean outcomes;
* for Sobol and Morris designs: their sensitivity indices;
* the main assumptions behind the result (``docs/sensitivity.md``'s ranking when it exists),
  caveats, and what was run (scenarios, parameters that differ from the baseline, seeds, scale,
  replicates, version, commit).

**Intervals.** Every paired difference (intervention minus baseline, replicate by replicate:
common random numbers) is tested with a paired t-test; the p-values of the whole headline table
are corrected with Holm's step-down method, and each interval is a t interval at the level
Holm's procedure applies to that comparison (:func:`sim.analysis.stats.holm_levels`), so an
interval excludes zero exactly when the correction finds an effect. **Cost per harm-day
averted** is the ratio of the mean extra cost to the mean harm averted (both full-scale, a
year), with Fieller's interval from the paired replicates (:func:`sim.analysis.stats.fieller`)
at the level of the harm comparison: it is bounded exactly when harm is detectably averted;
otherwise the report says so and gives no ratio.

The page is a function of the results folder, ``docs/sensitivity.md`` (the current folder's,
else the project's) and the ocgsim version (its parameter documentation and defaults): with the
same three it has the same bytes, except the time the report was written, in the "What was
run" block. The scenarios are described as ``manifest.json`` recorded them when the runs were
made, not from the scenario files as they are now (only a results folder of an earlier ocgsim,
which recorded none, has them read from the files, and the report says so); the results folder
is shown by its name, not by a path that depends on the current folder.
"""

from __future__ import annotations

import base64
import contextlib
import math
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import Results, load_results, units
from sim.analysis.stats import (
    fieller,
    holm_intervals,
    holm_levels,
    metric_columns,
    paired_differences,
    summarise,
)

__all__ = [
    "PLAIN",
    "REPORT_NAME",
    "Comparison",
    "build_report",
    "compare_table",
    "write_report",
]

#: File name of the report in a results folder.
REPORT_NAME = "report.html"
#: The page's generator: an existing file with its tag (:data:`GENERATOR_TAG`) in its head is an
#: earlier report (safe to replace).
GENERATOR = "ocgsim report"
GENERATOR_TAG = f"<meta name='generator' content='{GENERATOR}'>"
#: Family-wise error rate of the intervals.
ALPHA = 0.05
HARM = "oc_harm_per_year"
COST = "cost_million_per_year"

#: Plain names of the headline outcomes: (name in tables, name in sentences, unit for readers).
PLAIN: dict[str, tuple[str, str, str]] = {
    "oc_harm_per_year": ("OC harm", "OC harm", "harm-days a year"),
    "ocg_members": ("OCG members", "OCG membership", "people"),
    "recruits_prison_per_member_year": (
        "Recruitment in prison, per member inside",
        "recruitment in prison (per member inside)",
        "recruits a year per member inside",
    ),
    "recruits_prison_per_1000_py": (
        "Recruitment in prison, per 1,000 prisoner-years",
        "recruitment in prison (per 1,000 prisoner-years)",
        "recruits per 1,000 prisoner-years",
    ),
    "recruits_community_per_week": (
        "Recruitment in the community",
        "recruitment in the community",
        "recruits a week",
    ),
    "cost_million_per_year": ("Cost", "cost", "GBP million a year"),
}

#: Series drawn over time (when the results kept weekly series).
SERIES = ("oc_harm", "ocg_members")


# --------------------------------------------------------------------------------------------
# numbers in words
# --------------------------------------------------------------------------------------------
def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _sig(x: float, digits: int = 3) -> str:
    """A number with ``digits`` significant figures and thousands separators."""
    if not _finite(x):
        return "–"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude < -3 or magnitude >= 15:
        return f"{x:.{digits - 1}e}"
    decimals = max(0, digits - 1 - magnitude)
    return f"{x:,.{decimals}f}"


def _pct(x: float, sign: bool = True) -> str:
    if not _finite(x):
        return "–"
    text = f"{x:+.1f}%" if sign else f"{abs(x):.1f}%"
    return text.replace("-", "−")


def _money(pounds: float, sign: bool = False) -> str:
    """GBP with a sensible unit: £2.1m, £450k, £37."""
    if not _finite(pounds):
        return "–"
    s = ("+" if pounds > 0 else "−" if pounds < 0 else "") if sign else ""
    x = abs(pounds)
    if x >= 1e9:
        body = f"£{x / 1e9:.2f}bn"
    elif x >= 1e6:
        body = f"£{x / 1e6:.1f}m" if x >= 1e7 else f"£{x / 1e6:.2f}m"
    elif x >= 1e3:
        body = f"£{x / 1e3:.0f}k"
    elif x >= 10:
        body = f"£{x:.0f}"
    else:
        body = f"£{x:.2f}"
    return s + body if sign else body


def _range(low: float, high: float, fmt) -> str:
    return f"{fmt(low)} to {fmt(high)}"


# --------------------------------------------------------------------------------------------
# the comparison
# --------------------------------------------------------------------------------------------
@dataclass
class Comparison:
    """Every intervention against the baseline on the headline outcomes.

    Attributes:
        label: Column naming the interventions (``scenario`` or ``point``).
        baseline: The baseline's label.
        interventions: Intervention labels in design order.
        metrics: The outcomes compared.
        table: One row per intervention and outcome: ``n_pairs``, ``baseline_mean``, ``mean``,
            ``diff``, ``p_value``, ``p_holm``, ``significant``, ``level`` (Holm), ``diff_low``,
            ``diff_high``, ``pct_change``, ``pct_low``, ``pct_high``, ``scale`` and full-scale
            columns ``*_fs`` (model units / scale for counts).
        effectiveness: One row per intervention: harm averted and extra cost (full scale, a
            year, with Holm intervals), the ratio in GBP per harm-day averted with Fieller's
            interval, and ``verdict``.
        sentences: The plain-language sentence of each intervention.
        family: Number of comparisons Holm's correction is over.
    """

    label: str
    baseline: str
    interventions: list[str]
    metrics: list[str]
    table: pd.DataFrame
    effectiveness: pd.DataFrame
    sentences: dict[str, str] = field(default_factory=dict)
    family: int = 0


def _labels(res: Results) -> tuple[str, pd.DataFrame, dict[int, str]]:
    """The label column and the runs with it; point labels for grids."""
    runs = res.runs
    if res.kind in ("scenarios", "single"):
        labels = {p["point_id"]: str(p["scenario"]) for p in res.manifest["design"]["points"]}
        return "scenario", runs, labels
    labels = {
        p["point_id"]: ", ".join(f"{f.split('.')[-1]}={p['factors'][f]}" for f in res.factors)
        for p in res.manifest["design"]["points"]
    }
    return "point", runs.copy().assign(point=runs["point_id"].map(labels)), labels


def _baseline_point(res: Results, baseline: str | None) -> int | None:
    """Point id of the baseline: the named or first scenario, or a grid's default point."""
    points = res.manifest["design"]["points"]
    if res.kind == "scenarios":
        wanted = baseline or (res.manifest.get("analysis") or {}).get("baseline") or None
        for p in points:
            if wanted is None or p["scenario"] == wanted:
                return int(p["point_id"])
        return None
    if res.kind == "grid":
        from sim.analysis import _default_point

        return _default_point(res)
    return None


def compare_table(res: Results, baseline: str | None = None) -> Comparison | None:
    """The comparison of every intervention with the baseline (None without a baseline).

    Args:
        res: Loaded results.
        baseline: Scenario label of the baseline (default: the experiment's, else the first).
    """
    base_point = _baseline_point(res, baseline)
    if base_point is None or res.runs.empty:
        return None
    label, runs, labels = _labels(res)
    available = metric_columns(runs, res.factors)
    if res.is_sim:
        metrics = [m for m in units.headline_names() if m in available]
    else:
        metrics = available[:8]
    if not metrics:
        return None
    diffs = paired_differences(runs, [label, "point_id"], {"point_id": base_point}, metrics)
    if diffs.empty:
        return None
    diffs["level"] = holm_levels(diffs["p_value"].to_numpy(), ALPHA)
    low, high = holm_intervals(diffs["diff"], diffs["diff_sd"], diffs["n_pairs"], diffs["level"])
    diffs["diff_low"], diffs["diff_high"] = low, high
    base = diffs["baseline_mean"].abs().replace(0.0, np.nan)
    diffs["pct_low"] = 100.0 * diffs["diff_low"] / base
    diffs["pct_high"] = 100.0 * diffs["diff_high"] / base
    scales = res.point_scales()
    diffs["scale"] = diffs["point_id"].map(scales)
    for col in ("baseline_mean", "mean", "diff", "diff_low", "diff_high"):
        diffs[f"{col}_fs"] = [
            units.full_scale(v, m, s) if res.is_sim else v
            for v, m, s in zip(diffs[col], diffs["metric"], diffs["scale"], strict=True)
        ]
    present = set(diffs[label])
    order = [labels[p] for p in sorted(labels) if p != base_point and labels[p] in present]
    comp = Comparison(
        label=label,
        baseline=labels[base_point],
        interventions=order,
        metrics=metrics,
        table=diffs.reset_index(drop=True),
        effectiveness=_effectiveness(res, runs, label, base_point, diffs, order),
        family=int(np.isfinite(diffs["p_value"]).sum()),
    )
    comp.sentences = {name: _sentence(comp, name) for name in order}
    return comp


def _row(comp: Comparison, name: str, metric: str) -> dict[str, Any] | None:
    t = comp.table
    hit = t[(t[comp.label] == name) & (t["metric"] == metric)]
    return hit.iloc[0].to_dict() if len(hit) else None


def _effectiveness(
    res: Results,
    runs: pd.DataFrame,
    label: str,
    base_point: int,
    diffs: pd.DataFrame,
    order: list[str],
) -> pd.DataFrame:
    """Harm averted, extra cost and cost per harm-day averted, per intervention."""
    if HARM not in set(diffs["metric"]) or COST not in set(diffs["metric"]):
        return pd.DataFrame()
    ok = runs[runs["status"] == "ok"]
    base = ok[ok["point_id"] == base_point].set_index("replicate")
    scales = res.point_scales()
    rows = []
    for name in order:
        group = ok[ok[label] == name].set_index("replicate")
        common = group.index.intersection(base.index)
        scale = scales.get(int(group["point_id"].iloc[0])) if len(group) else None
        scale = scale or 1.0
        averted = (base.loc[common, HARM] - group.loc[common, HARM]).to_numpy(float) / scale
        extra = (group.loc[common, COST] - base.loc[common, COST]).to_numpy(float) * 1e6 / scale
        harm = diffs[(diffs[label] == name) & (diffs["metric"] == HARM)].iloc[0]
        cost = diffs[(diffs[label] == name) & (diffs["metric"] == COST)].iloc[0]
        level = float(harm["level"]) if _finite(harm["level"]) else ALPHA
        ratio = fieller(extra, averted, level)
        if not harm["significant"]:
            verdict = "not averted"
        elif harm["diff"] > 0:
            verdict = "harm rises"
        elif cost["significant"] and cost["diff"] < 0:
            verdict = "dominant"
        else:
            verdict = "ratio"
        rows.append(
            {
                "label": name,
                "averted": -harm["diff_fs"],
                "averted_low": -harm["diff_high_fs"],
                "averted_high": -harm["diff_low_fs"],
                "cost": cost["diff_fs"],
                "cost_low": cost["diff_low_fs"],
                "cost_high": cost["diff_high_fs"],
                "cost_significant": bool(cost["significant"]),
                "significant": bool(harm["significant"]),
                "level": level,
                "ratio": ratio["ratio"],
                "ratio_low": ratio["low"],
                "ratio_high": ratio["high"],
                "bounded": ratio["bounded"],
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def _sentence(comp: Comparison, name: str) -> str:
    """One sentence: the effect on harm, the cost, other detectable effects."""
    parts = []
    harm = _row(comp, name, HARM) if HARM in comp.metrics else None
    first = harm or _row(comp, name, comp.metrics[0])
    words = PLAIN.get(first["metric"], (first["metric"], first["metric"], ""))[1]
    if first["significant"] and _finite(first["pct_low"]):
        lo, hi = sorted((abs(first["pct_low"]), abs(first["pct_high"])))
        verb = "cuts" if first["diff"] < 0 else "raises"
        parts.append(f"{verb} {words} by {lo:.1f}–{hi:.1f}%")
    elif _finite(first["pct_low"]):
        parts.append(
            f"no detectable effect on {words} ({_pct(first['pct_low'])} to "
            f"{_pct(first['pct_high'])})"
        )
    else:
        parts.append(f"{words}: not enough replicates for an interval")
    cost = _row(comp, name, COST) if COST in comp.metrics else None
    if cost is not None and _finite(cost["diff_fs"]):
        pounds = cost["diff_fs"] * 1e6
        if cost["significant"]:
            more = "more" if pounds > 0 else "less"
            parts.append(f"costs {_money(abs(pounds))} a year {more}")
        else:
            parts.append("no detectable change in cost")
    eff = comp.effectiveness
    if len(eff):
        e = eff[eff["label"] == name].iloc[0]
        if e["verdict"] == "ratio" and e["bounded"] and e["ratio"] > 0:
            parts.append(f"about {_money(e['ratio'])} per harm-day averted")
        elif e["verdict"] == "dominant":
            parts.append("saves money while cutting harm")
    others = []
    for m in comp.metrics:
        if m in (HARM, COST, first["metric"]):
            continue
        r = _row(comp, name, m)
        if r is not None and r["significant"] and _finite(r["pct_low"]):
            lo, hi = sorted((abs(r["pct_low"]), abs(r["pct_high"])))
            verb = "cuts" if r["diff"] < 0 else "raises"
            others.append(f"{verb} {PLAIN.get(m, (m, m, ''))[1]} by {lo:.1f}–{hi:.1f}%")
    text = "; ".join(parts)
    if others:
        text += "; also " + "; ".join(others)
    return text[0].upper() + text[1:] + "."


# --------------------------------------------------------------------------------------------
# figures (PNG, embedded)
# --------------------------------------------------------------------------------------------
def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _figure(uri: str, alt: str, caption: str, fig_id: str) -> str:
    return (
        f'<figure id="{fig_id}"><img src="{uri}" alt="{escape(alt)}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _series_figures(res: Results, work: Path, comp: Comparison | None) -> list[str]:
    from sim.analysis import plots as figs

    if not res.manifest.get("series"):
        return []
    label, runs, labels = _labels(res)
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
            _figure(
                _data_uri(path),
                f"{plain} over time by scenario",
                f"<b>{escape(plain)} over time</b> ({escape(unit)}"
                + (", full-scale equivalent" if extensive and scale else "")
                + "): mean over replicates with a 95% band, 13-week rolling mean; the dashed "
                "line marks the week the interventions switch on.",
                f"fig-series-{name}",
            )
        )
    return out


def _forest_figure(comp: Comparison, work: Path) -> str:
    from sim.analysis import plots as figs

    t = comp.table.copy()
    t["pct_ci_low"], t["pct_ci_high"] = t["pct_low"], t["pct_high"]
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
    return _figure(
        _data_uri(path),
        "forest plot of effects",
        "<b>Effects against the baseline</b>: % change of each outcome with its Holm-corrected "
        "95% interval (red: detectable after the correction; orange: only without it).",
        "fig-forest",
    )


def _ce_figure(comp: Comparison, work: Path) -> str:
    from sim.analysis import plots as figs

    path = work / "cost_harm.png"
    figs.cost_effectiveness_plot(comp.effectiveness, path)
    return _figure(
        _data_uri(path),
        "extra cost against harm averted",
        "<b>Cost against harm averted</b> (full-scale equivalents, a year): each intervention "
        "with its Holm-corrected 95% intervals; right of the vertical line harm is averted, "
        "above the horizontal line the intervention costs more.",
        "fig-cost-harm",
    )


# --------------------------------------------------------------------------------------------
# HTML pieces
# --------------------------------------------------------------------------------------------
def _table(header: list[str], rows: list[Any], table_id: str, cls: str = "") -> str:
    """An HTML table; cells are HTML already (escape text before); a str row is a whole ``<tr>``."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(
        row if isinstance(row, str) else "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"
        for row in rows
    )
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<table id="{table_id}"{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _effect_cell(r: dict[str, Any] | None, metric: str) -> str:
    if r is None:
        return "–"
    if metric == COST:
        pounds, lo, hi = (r[c] * 1e6 for c in ("diff_fs", "diff_low_fs", "diff_high_fs"))
        main = _money(pounds, sign=True)
        interval = f"{_money(lo, sign=True)} to {_money(hi, sign=True)}"
        pct = f"<br><small>{_pct(r['pct_change'])}</small>" if _finite(r["pct_change"]) else ""
    else:
        main = _pct(r["pct_change"])
        interval = _range(r["pct_low"], r["pct_high"], _pct)
        pct = ""
    mark = ' class="sig"' if r["significant"] else ""
    return f"<span{mark}>{main}</span><br><small>({interval})</small>{pct}"


def _ratio_cell(e: dict[str, Any] | None) -> str:
    if e is None:
        return "–"
    verdict = e["verdict"]
    if verdict == "not averted":
        return "harm not detectably averted: no ratio"
    if verdict == "harm rises":
        return "harm rises: does not apply"
    ratio = f"{_money(e['ratio'])} per harm-day"
    if e["bounded"]:
        interval = f"({_money(e['ratio_low'])} to {_money(e['ratio_high'])})"
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


def _headline_section(comp: Comparison, res: Results) -> str:
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
            row.append(_effect_cell(_row(comp, name, m), m))
        if has_ce:
            e = comp.effectiveness[comp.effectiveness["label"] == name]
            row.append(_ratio_cell(e.iloc[0].to_dict() if len(e) else None))
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
        + _table(header, rows, "headline-table", "headline")
        + note
        + "</section>"
    )


def _levels_section(comp: Comparison, res: Results) -> str:
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
        row = [escape(PLAIN.get(m, (m,))[0]), escape(unit), _sig(sub["baseline_mean_fs"].iloc[0])]
        for name in comp.interventions:
            hit = sub[sub[comp.label] == name]
            row.append(_sig(hit["mean_fs"].iloc[0]) if len(hit) else "–")
        rows.append(row)
    return (
        "<section id='levels'><h2>Levels of each outcome</h2>"
        + _table(header, rows, "levels-table", "levels")
        + "<p class='note'>Means over the replicates, over the summary window (from the "
        "intervention week to the end of the run). Counts are full-scale equivalents: model "
        "counts divided by the run's scale.</p></section>"
    )


def _effectiveness_section(comp: Comparison) -> str:
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
                f"{_sig(e['averted'])}<br><small>({_sig(e['averted_low'])} to "
                f"{_sig(e['averted_high'])})</small>",
                f"{_money(e['cost'] * 1e6, sign=True)}<br><small>"
                f"({_money(e['cost_low'] * 1e6, sign=True)} to "
                f"{_money(e['cost_high'] * 1e6, sign=True)})</small>",
                _ratio_cell(e),
            ]
        )
    return (
        "<section id='effectiveness'><h2>Cost per unit of harm averted</h2>"
        + _table(header, rows, "effectiveness-table")
        + "<p class='note'>The ratio of the mean extra cost to the mean OC harm averted (paired "
        "by replicate), in GBP per harm-day (OC harm counts offences weighted by days of the "
        "harm index: a harm-day is one day of the index's sentence-equivalent). Its interval "
        "is Fieller's, from the paired replicates, at the Holm level of the harm comparison; it "
        "is bounded exactly when harm is detectably averted. When harm is not detectably "
        "averted the ratio is not given: dividing by an averted harm that may be zero has no "
        "useful interval.</p></section>"
    )


def _means_section(res: Results) -> str:
    """Mean outcomes per design point, for designs without a baseline."""
    label, runs, labels = _labels(res)
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
            plus = f" <small>± {_sig(half, 2)}</small>" if _finite(half) else ""
            row.append(_sig(value) + plus)
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
        "equivalents).</p>" + _table(header, rows, "means-table") + more + "</section>"
    )


def _sensitivity_section(res: Results, work: Path, resamples: int = 1000) -> str:
    """Sobol or Morris indices of the headline outcomes (or all, for another model)."""
    import warnings

    from sim.analysis import plots as figs
    from sim.analysis.sensitivity import morris_indices, point_means, sobol_indices

    design = res.manifest["design"]
    problem = design["problem"]
    available = metric_columns(res.runs, res.factors)
    metrics = [m for m in units.headline_names() if m in available] if res.is_sim else []
    metrics = metrics or available[:6]
    blocks = []
    figure = ""
    for m in metrics:
        try:
            y = point_means(res.runs, m, design["n_points"])
        except ValueError as exc:
            blocks.append(f"<p>{escape(str(exc))}</p>")
            continue
        if not np.isfinite(y).all() or float(np.std(y)) == 0.0:
            blocks.append(f"<p>{escape(m)}: the output does not vary; no indices.</p>")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if res.kind == "sobol":
                table = sobol_indices(
                    problem,
                    y,
                    second_order=bool(design["settings"].get("second_order")),
                    resamples=resamples,
                    seed=0,
                )["indices"].sort_values("ST", ascending=False, kind="stable")
                header = ["factor", "first order S1", "total ST"]
                rows = [
                    [
                        _param_cell(r.factor),
                        f"{r.S1:.3f} <small>± {r.S1_conf:.3f}</small>",
                        f"{r.ST:.3f} <small>± {r.ST_conf:.3f}</small>",
                    ]
                    for r in table.head(15).itertuples()
                ]
                plot = figs.sobol_bars
            else:
                x = res.design[[f"sample:{f}" for f in problem["names"]]].to_numpy(dtype=float)
                table = morris_indices(
                    problem,
                    x,
                    y,
                    levels=design["settings"].get("levels", 4),
                    resamples=resamples,
                    seed=0,
                ).sort_values("mu_star", ascending=False, kind="stable")
                header = ["factor", "mu*", "sigma"]
                rows = [
                    [
                        _param_cell(r.factor),
                        f"{_sig(r.mu_star)} <small>± {_sig(r.mu_star_conf, 2)}</small>",
                        _sig(r.sigma),
                    ]
                    for r in table.head(15).itertuples()
                ]
                plot = figs.morris_bars
        if not figure:
            path = work / f"indices_{m}.png"
            plot(table, m, path)
            figure = _figure(
                _data_uri(path),
                f"sensitivity indices of {m}",
                f"<b>Sensitivity indices of {escape(m)}</b> with bootstrap 95% intervals.",
                "fig-indices",
            )
        name = PLAIN.get(m, (m,))[0]
        blocks.append(
            f"<h3>{escape(name)} <small>({escape(m)})</small></h3>"
            + _table(header, rows, f"indices-{m}", "indices")
        )
    what = (
        "Sobol indices: shares of the output's variance due to each factor alone (S1) and with "
        "its interactions (ST); the same in any unit."
        if res.kind == "sobol"
        else "Morris screening: mu* is the mean absolute elementary effect of moving a factor "
        "across its range (in the outcome's model units at the run scale); sigma shows "
        "interactions and non-linearity."
    )
    return (
        "<section id='indices'><h2>What drives the outcomes: sensitivity indices</h2>"
        f"<p>{what} The 15 most influential factors per outcome, with bootstrap 95% "
        "intervals.</p>" + figure + "".join(blocks) + "</section>"
    )


def _param_cell(name: str) -> str:
    from sim.params import known, spec

    if not known(name):
        return f"<code>{escape(name)}</code>"
    p = spec(name)
    tag = " <small>(assumption)</small>" if "assumption" in p.source.lower() else ""
    return f"<code>{escape(name)}</code>{tag}<br><small>{escape(p.doc)}</small>"


def _recorded_scenarios(res: Results) -> dict[str, Any] | None:
    """The scenarios as recorded when the runs were made (``manifest.json``), if recorded."""
    record = res.manifest.get("scenarios")
    return record if isinstance(record, dict) else None


def _changed_parameters(res: Results) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per intervention, the parameters it sets that differ from the baseline; and the baseline.

    The scenarios' values are those recorded in the manifest when the runs were made; only for
    a results folder of an earlier ocgsim, which recorded none, are the scenario files read.

    Returns:
        ``({label: {name: value}}, baseline values that differ from the defaults)``.
    """
    from sim.params import Parameters, defaults

    base = dict(res.manifest["design"].get("base_parameters") or {})
    scenario_ref = base.pop("scenario", None)
    record = _recorded_scenarios(res) if res.is_sim else None
    base_values: dict[str, Any] = {}
    if scenario_ref and res.is_sim:
        if record is not None:
            base_values.update((record.get("base") or {}).get("values") or {})
        else:
            with contextlib.suppress(Exception):
                from sim.scenario import load_scenario

                base_values.update(load_scenario(scenario_ref).values)
    base_values.update({k: v for k, v in base.items() if not k.startswith("run.")})
    changed: dict[str, dict[str, Any]] = {}
    if res.kind == "scenarios" and res.is_sim:
        entries: list[tuple[str, dict[str, Any]]] = []
        if record is not None:
            entries = [(e["label"], e.get("values") or {}) for e in record["design"][1:]]
        else:
            with contextlib.suppress(Exception):
                from sim.experiments.folder import experiment_from_results

                experiment = experiment_from_results(res.path)
                entries = [(label, values) for label, _, values in experiment.scenarios[1:]]
        with contextlib.suppress(Exception):
            resolved = Parameters(base_values).as_dict()
            for label, values in entries:
                changed[label] = {k: v for k, v in values.items() if resolved.get(k, None) != v}
    else:
        for p in res.manifest["design"]["points"]:
            changed[_labels(res)[2][p["point_id"]]] = dict(p["factors"])
    default = defaults() if res.is_sim else {}
    return changed, {k: v for k, v in base_values.items() if default.get(k) != v}


def _assumptions_section(res: Results, changed: dict[str, dict[str, Any]]) -> str:
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
            + _table([escape(h) for h in ranking.header], rows, "ranking-table")
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
        rows = [_spec_row(p) for p in mech]
        parts.append(
            _table(["parameter", "value", "plausible range", "source"], rows, "assumptions-table")
        )
    costs = cost_assumptions(list(names))
    if costs:
        parts.append(
            "<p>The costs rest on these figures (all GBP, full scale; see "
            "<code>docs/parameters.md</code>):</p>"
            + _table(
                ["parameter", "value", "plausible range", "source"],
                [_spec_row(p) for p in costs],
                "cost-assumptions-table",
            )
        )
    parts.append("</section>")
    return "".join(parts)


def _spec_row(p: Any) -> list[str]:
    rng = p.plausible_range()
    shown = f"{_sig(rng[0])} to {_sig(rng[1])}" if rng else "–"
    value = _sig(p.default) if isinstance(p.default, int | float) else escape(str(p.default))
    return [
        f"<code>{escape(p.name)}</code><br><small>{escape(p.doc)}</small>",
        f"{value} <small>{escape(p.unit)}</small>",
        shown,
        f"<small>{escape(p.source)}</small>",
    ]


def _caveats_section(res: Results, comp: Comparison | None) -> str:
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
        if min(scales) < 0.1:
            items.append(
                "Below scale 0.1 the estate has fewer, smaller prisons than England & Wales, so "
                "trust and per-prison costs drift from their full-scale values (docs/odd.md, "
                "'Smallest useful scale'): runs this small check mechanisms, not levels."
            )
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
    if comp is not None:
        harm = comp.table[comp.table["metric"] == HARM]
        if len(harm):
            width = float(((harm["pct_high"] - harm["pct_low"]) / 2).max())
            n = int(harm["n_pairs"].min())
            if _finite(width):
                items.append(
                    f"With {n} replicates the corrected intervals on OC harm are up to ±"
                    f"{width:.1f}% wide; effects smaller than that are reported as not "
                    "detectable, not as absent. Four times the replicates halve the width."
                )
        items.append(
            "Percentage changes and their intervals divide by the baseline mean, whose own "
            "uncertainty is not included; the paired design (same seeds in every scenario) "
            "removes most of the run-to-run noise from the differences."
        )
        items.append(
            "Holm's correction controls the chance of any false finding across the whole "
            "headline table; with many interventions, real but small effects are harder to "
            "detect."
        )
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
        non_lever = _non_lever_settings(res)
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
    return (
        "<section id='caveats'><h2>Caveats</h2><ul>"
        + "".join(f"<li>{escape(i)}</li>" for i in items)
        + "</ul></section>"
    )


def _non_lever_settings(res: Results) -> list[str]:
    from sim.params import known, spec

    changed, _ = _changed_parameters(res)
    out = []
    for label, values in changed.items():
        names = [k for k in values if known(k) and not spec(k).lever and k.split(".")[0] != "run"]
        if names:
            out.append(f"{label} ({', '.join(names)})")
    return out


def _what_was_run(res: Results, now: datetime) -> str:
    from sim import __version__

    m = res.manifest
    design = m["design"]
    base = design.get("base_parameters") or {}
    changed, base_changed = _changed_parameters(res)
    rows: list[list[str]] = []

    def add(key: str, value: str) -> None:
        rows.append([escape(key), value])

    description = m.get("description") or ""
    add(
        "experiment",
        escape(str(m.get("experiment"))) + (f": {escape(description)}" if description else ""),
    )
    add("results folder", f"<code>{escape(res.path.resolve().name)}</code>")
    kinds = {
        "scenarios": "scenarios against a baseline",
        "grid": "full-factorial grid",
        "lhs": "Latin hypercube",
        "sobol": "Sobol (Saltelli) sample",
        "morris": "Morris trajectories",
        "single": "a single scenario",
    }
    add(
        "design",
        f"{escape(kinds.get(res.kind, res.kind))}: {design['n_points']} design points × "
        f"{design['replicates']} replicates = {design['n_runs']} runs "
        f"({int((res.runs['status'] == 'ok').sum())} succeeded)",
    )
    if res.is_sim:
        years, week = res.point_settings(0)
        scales = sorted({s for s in res.point_scales().values() if s is not None})
        add(
            "run settings",
            f"scale {', '.join(f'{s:g}' for s in scales)}; {years} years; interventions switch "
            f"on at week {week}",
        )
    if res.kind == "scenarios":
        items = []
        for label, values in changed.items():
            shown = ", ".join(
                f"<code>{escape(k)}</code> = {escape(_value(v))}" for k, v in values.items()
            )
            shown = shown or "nothing (as the baseline)"
            items.append(f"<li><b>{escape(label)}</b>: {shown}</li>")
        add(
            "scenarios (parameters that differ from the baseline)",
            f"<ul>{''.join(items)}</ul>" + _descriptions(res),
        )
    elif res.kind in ("grid", "lhs", "sobol", "morris"):
        if design.get("problem"):
            bounds = design["problem"]["bounds"]
            shown = ", ".join(
                f"<code>{escape(n)}</code> {_sig(b[0])} to {_sig(b[1])}"
                for n, b in zip(design["problem"]["names"], bounds, strict=True)
            )
        else:
            values: dict[str, list] = {}
            for p in design["points"]:
                for k, v in p["factors"].items():
                    values.setdefault(k, [])
                    if v not in values[k]:
                        values[k].append(v)
            shown = "; ".join(
                f"<code>{escape(k)}</code> ∈ {{{', '.join(escape(_value(v)) for v in vs)}}}"
                for k, vs in values.items()
            )
        add(f"factors ({len(res.factors)})", shown)
    base_shown = ", ".join(
        f"<code>{escape(k)}</code> = {escape(_value(v))}" for k, v in base_changed.items()
    )
    scenario_ref = base.get("scenario")
    add(
        "baseline",
        (f"scenario {escape(str(scenario_ref))}; " if scenario_ref else "")
        + (
            base_shown
            or (
                "every parameter at its documented default (docs/parameters.md)"
                if res.is_sim
                else "the model's own defaults"
            )
        ),
    )
    seeds = design.get("seeds") or []
    add(
        "seeds",
        f"root seed {m.get('root_seed')}; replicate r has the same seed in every scenario "
        f"(common random numbers): <small>{escape(', '.join(str(s) for s in seeds))}</small>",
    )
    versions = m.get("versions") or {}
    add(
        "software",
        f"ocgsim {escape(str(versions.get('ocgsim', '?')))} (report written by ocgsim "
        f"{escape(__version__)}); Python {escape(str(versions.get('python', '?')))}, Mesa "
        f"{escape(str(versions.get('mesa', '?')))}",
    )
    add("git commit", f"<code>{escape(str(m.get('git_commit', 'unknown')))}</code>")
    add(
        "when",
        f"runs {escape(str(m.get('start_time') or m.get('created') or '?'))} to "
        f"{escape(str(m.get('end_time') or '?'))}; report written "
        f"{escape(now.isoformat(timespec='seconds'))}",
    )
    return (
        "<section id='what-was-run'><h2>What was run</h2>"
        + _table(["", ""], rows, "run-table", "kv")
        + "<p class='note'>Repeat it with the same ocgsim version and commit, the same "
        "scenarios, seeds, scale, years and replicates (<code>experiment.toml</code> and "
        "<code>manifest.json</code> in the results folder hold everything).</p></section>"
    )


def _descriptions(res: Results) -> str:
    """What each scenario represents, as recorded when the runs were made."""
    record = _recorded_scenarios(res)
    entries: list[tuple[str, str, list[dict[str, Any]]]] = []
    note = ""
    if record is not None:
        entries = [
            (e["label"], e.get("description") or "", e.get("schedule") or [])
            for e in record["design"][1:]
        ]
    elif res.is_sim:
        note = (
            " <small>(read from the scenario files when this report was written: this results "
            "folder, made by an earlier ocgsim, does not record them)</small>"
        )
        with contextlib.suppress(Exception):
            import dataclasses

            from sim.experiments.folder import experiment_from_results
            from sim.scenario import load_scenario

            experiment = experiment_from_results(res.path)
            for label, ref, _ in experiment.scenarios[1:]:
                if ref:
                    scenario = load_scenario(ref)
                    dated = [dataclasses.asdict(e) for e in scenario.schedule]
                    entries.append((label, scenario.description, dated))
    items = []
    for label, description, schedule in entries:
        text = description
        if schedule:
            dated = "; ".join(_dated(e) for e in schedule)
            text = f"{text} Dated changes ([[schedule]]): {dated}.".strip()
        if text:
            items.append(f"<li><b>{escape(label)}</b>: {escape(text)}</li>")
    if items:
        return f"<p>What each scenario represents{note}:</p><ul>" + "".join(items) + "</ul>"
    return ""


def _dated(entry: dict[str, Any]) -> str:
    """One ``[[schedule]]`` entry (``sim.scenario.ScheduleEntry``'s fields) in words."""
    parts = [f"{k} = {_value(v)}" for k, v in (entry.get("levers") or {}).items()]
    if entry.get("operation"):
        where = f" in {entry['region']}" if entry.get("region") else ""
        parts.append(f"{entry['operation']} (share {float(entry.get('share', 0.0)):g}){where}")
    return f"week {entry['week']}: " + ", ".join(parts)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


CSS = """
:root { --ink: #1b1b1b; --muted: #555; --rule: #c8c8c8; --accent: #7a1f2b; --band: #f4f1ec; }
* { box-sizing: border-box; }
body { font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1180px; padding: 24px 28px 48px; line-height: 1.45;
       font-size: 15px; }
h1 { font-size: 26px; margin: 0 0 4px; color: var(--accent); }
h2 { font-size: 20px; border-bottom: 2px solid var(--accent); padding-bottom: 3px;
     margin-top: 34px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.subtitle { color: var(--muted); margin: 0 0 18px; }
.summary { background: var(--band); border-left: 5px solid var(--accent); padding: 10px 18px;
           margin: 18px 0; }
.summary li { margin: 4px 0; }
table { border-collapse: collapse; width: 100%; margin: 10px 0; font-size: 13px; }
th, td { border: 1px solid var(--rule); padding: 5px 7px; vertical-align: top; text-align: left; }
th { background: var(--band); font-weight: 600; }
table.headline td:not(:first-child):not(:last-child), table.levels td:not(:first-child) {
  text-align: right; white-space: nowrap; }
table.kv td:first-child { width: 22%; font-weight: 600; }
tr.sentence td { text-align: left !important; white-space: normal !important;
                 background: #fbfaf7; font-style: italic; border-top: 0; }
table.kv thead { display: none; }
td small, th small { color: var(--muted); }
.sig { font-weight: 700; }
.note { color: var(--muted); font-size: 13px; }
figure { margin: 18px 0; page-break-inside: avoid; break-inside: avoid; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; }
footer { margin-top: 36px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--rule);
         padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { page-break-after: avoid; break-after: avoid; }
  table { font-size: 8.5pt; page-break-inside: auto; }
  tr, td, th { page-break-inside: avoid; break-inside: avoid; }
  thead { display: table-header-group; }
  .summary { border-left-width: 3px; }
  a { color: inherit; text-decoration: none; }
  figure img { max-height: 120mm; width: auto; }
}
"""


@dataclass
class Report:
    """A built report.

    Attributes:
        html: The page.
        comparison: The comparison behind the headline table (None without a baseline).
        results: The results it was built from.
    """

    html: str
    comparison: Comparison | None
    results: Results


def build_report(
    results: str | Path | Results,
    *,
    baseline: str | None = None,
    now: datetime | None = None,
    title: str | None = None,
) -> Report:
    """Build the HTML report of an experiment's results.

    Args:
        results: A results folder or loaded results.
        baseline: Scenario label of the baseline (default: the experiment's, else the first).
        now: The time shown as "report written" (default: now, UTC).
        title: Page title (default from the experiment's name).

    Returns:
        The report.

    Raises:
        ScenarioError: One line if the folder is not an experiment's results folder or the
            baseline is not one of its scenarios.
    """
    from sim.experiments.spec import ExperimentError

    res = results if isinstance(results, Results) else load_results(results)
    if baseline is not None:
        if res.kind != "scenarios":
            raise ExperimentError(
                f"--baseline {baseline}: applies to scenario designs only (this is {res.kind})"
            )
        labels = [str(p["scenario"]) for p in res.manifest["design"]["points"]]
        if baseline not in labels:
            raise ExperimentError(
                f"--baseline {baseline}: not a scenario of this experiment; allowed: "
                + ", ".join(labels)
            )
    now = now or datetime.now(UTC)
    name = str(res.manifest.get("experiment", res.path.resolve().name))
    heading = title or (
        f"Policy comparison: {name}" if res.kind == "scenarios" else f"Experiment report: {name}"
    )
    if title is None and res.kind == "scenarios" and name.startswith("compare-"):
        labels = [str(p["scenario"]) for p in res.manifest["design"]["points"][1:]]
        heading = f"Policy comparison: {', '.join(labels)} against the baseline"
    body: list[str] = []
    comp: Comparison | None = None
    with tempfile.TemporaryDirectory(prefix="ocgsim-report-") as tmp:
        work = Path(tmp)
        if res.kind in ("sobol", "morris"):
            body.append(_sensitivity_section(res, work))
        else:
            comp = compare_table(res, baseline)
            if comp is not None:
                body.append(_summary_box(comp, res))
                body.append(_headline_section(comp, res))
                body.append(_effectiveness_section(comp))
                body.append(_levels_section(comp, res))
                figures = _series_figures(res, work, comp)
                figures.append(_forest_figure(comp, work))
                if len(comp.effectiveness):
                    figures.append(_ce_figure(comp, work))
                body.append(
                    "<section id='figures'><h2>Figures</h2>" + "".join(figures) + "</section>"
                )
            else:
                body.append(_means_section(res))
                figures = _series_figures(res, work, None)
                if figures:
                    body.append(
                        "<section id='figures'><h2>Figures</h2>" + "".join(figures) + "</section>"
                    )
        changed, _ = _changed_parameters(res)
        body.append(_assumptions_section(res, changed))
        body.append(_caveats_section(res, comp))
        body.append(_what_was_run(res, now))
    description = res.manifest.get("description") or ""
    html = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"{GENERATOR_TAG}"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">"
        f"<title>{escape(heading)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(heading)}</h1><p class='subtitle'>{escape(description)}</p>"
        "</header>"
        + "".join(body)
        + "<footer>Written by ocgsim (agent-based model of organised crime groups in prisons and "
        "of police–prison disruption). Numbers are model outputs under the assumptions listed "
        "above, not forecasts.</footer></body></html>\n"
    )
    return Report(html, comp, res)


def _summary_box(comp: Comparison, res: Results) -> str:
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


def write_report(
    results: str | Path | Results,
    out: str | Path | None = None,
    *,
    baseline: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Build the report and write it atomically (default ``<results>/report.html``).

    Everything is checked before anything is written: the results folder, the baseline and the
    destination (a writable folder; an existing file there is replaced only if it is an earlier
    report).

    Returns:
        The file written.

    Raises:
        ScenarioError: One line naming the option or folder and what is allowed.
    """
    from sim.experiments.spec import ExperimentError
    from sim.io.files import atomic_write_bytes
    from sim.io.guards import check_destination

    res = results if isinstance(results, Results) else load_results(results)
    path = Path(out) if out is not None else res.path / REPORT_NAME
    option = "--out" if out is not None else "report"
    if path.suffix.lower() not in (".html", ".htm"):
        raise ExperimentError(f"{option} {path}: allowed: a file name ending in .html")
    if path.is_dir():
        raise ExperimentError(f"{option} {path}: is a folder; allowed: an .html file")
    if path.exists() and not _is_report(path):
        raise ExperimentError(
            f"{option} {path}: exists and is not an ocgsim report; allowed: a new file or an "
            "earlier report (which is replaced)"
        )
    check_destination(path.parent, option, new=False)
    report = build_report(res, baseline=baseline, now=now)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, report.html.encode("utf-8"))
    return path


def _is_report(path: Path) -> bool:
    """Whether ``path`` is a report written by ocgsim (safe to replace).

    It is when the head of the page (its first 2 KB, before ``<body>``) has the exact generator
    tag the report writes; a page that merely mentions "ocgsim report" is not.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except OSError:
        return False
    head = head.split(b"<body", 1)[0]
    return head.startswith(b"<!DOCTYPE html>") and GENERATOR_TAG.encode() in head
