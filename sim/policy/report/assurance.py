"""The report's assurance appendix (after the AQuA book and TRACE): what an assurer checks.

For a comparison against a baseline: what the intervals hold and what they leave out (parameter
uncertainty, and the command that adds it), the held-out scorecard over the baseline's runs
(published figures no parameter was set from, ``sim/data/heldout.toml``), and the patterns of
the anchor models the test suite checks at every commit. Versions, commit and seeds are in
"What was run".
"""

from __future__ import annotations

from html import escape

from sim.analysis.results import Results
from sim.policy.report.markup import html_table

__all__ = [
    "ANCHORS",
    "BY_THE_SUITE",
    "STATIONARY_DRIFT",
    "anchors_table",
    "assurance_section",
    "stationarity",
]

#: The anchors' patterns the model reproduces, each with the test that checks it at every commit
#: (``make test``), or the figure that shows it; the figures are in ``docs/validation.md``.
ANCHORS: tuple[tuple[str, str, str], ...] = (
    (
        "PROTON-OC (Calderoni et al. 2021)",
        "without interventions OC membership is stationary (drift within ±10% over the run)",
        "tests/test_validation.py::test_without_interventions_membership_is_stationary",
    ),
    (
        "MADTOR (JASSS 27(3), 2024)",
        "more police capacity cuts harm, with diminishing returns",
        "tests/test_paths.py::test_more_police_capacity_cuts_oc_harm_and_membership (the "
        "direction); the diminishing returns only in docs/validation.md §1, Figure 1",
    ),
    (
        "Duijn, Kashirin & Sloot (2014)",
        "disrupted networks recover, at the market recovery rate",
        "tests/test_validation.py::test_recovery_after_a_pulse_removal_follows_the_recovery_rate",
    ),
    (
        "The research: dispersal seeds prisons",
        "dispersing known high-risk members seeds OCGs in prisons where they had nobody",
        "tests/test_disruption.py::test_dispersal_transfers_and_seeds_other_prisons",
    ),
)


def _baseline_rows(res: Results, baseline_point: int) -> list[dict[str, float]]:
    """The run summaries of the baseline's successful replicates."""
    runs = res.runs
    ok = runs[(runs["status"] == "ok") & (runs["point_id"] == baseline_point)]
    numeric = ok.select_dtypes("number")
    return [{k: float(v) for k, v in row.items()} for _, row in numeric.iterrows()]


def _heldout_html(rows: list[dict[str, float]], scale: float) -> str:
    """The held-out table over the baseline's runs as HTML (``sim.heldout.heldout_rows``).

    The published text and the metric are left out (the band says what the figure allows; the
    published amounts are in docs/validation.md); the note under the table is kept.
    """
    from sim.heldout import heldout_note, heldout_rows

    figures = heldout_rows(rows, scale)
    columns = {
        "figure": "figure",
        "band": "band",
        "mean": "model mean",
        "range": "model range (seeds)",
        "inside": "inside",
    }
    table = html_table(
        [escape(label) for label in columns.values()],
        [[escape(f[k]) for k in columns] for f in figures],
        "assurance-heldout",
    )
    note = heldout_note(figures)
    return table + (f"<p class='note'>{escape(note)}</p>" if note else "")


#: PROTON-OC's stationarity, as the test checks it: the largest drift of a baseline run's yearly
#: mean OCG membership from its first year's, as a share.
STATIONARY_DRIFT = 0.10


def stationarity(res: Results, baseline_point: int) -> tuple[float, int] | None:
    """The baseline runs' largest membership drift from their first year, and how many runs.

    Computed as ``tests/test_validation.py`` checks PROTON-OC's pattern (yearly means of the
    weekly OCG membership against the first year's), from this comparison's own baseline runs.

    Returns:
        ``(largest drift as a share, runs)``, or None without weekly series of the baseline.
    """
    runs = res.runs
    ids = runs[(runs["status"] == "ok") & (runs["point_id"] == baseline_point)]["run_id"]
    series = res.series(["ocg_members"])
    series = series[series["run_id"].isin(set(ids))]
    if series.empty:
        return None
    yearly = series.groupby(["run_id", (series["week"] - 1) // 52])["value"].mean()
    first = yearly.groupby(level="run_id").transform("first")
    return float((yearly / first - 1).abs().max()), int(series["run_id"].nunique())


def anchors_table(statuses: list[str]) -> str:
    """The anchors' patterns as an HTML table, with each one's status (HTML) in this report."""
    return html_table(
        ["anchor", "pattern", "checked by", "in this report"],
        [
            [escape(a), escape(p), f"<code>{escape(t)}</code>", status]
            for (a, p, t), status in zip(ANCHORS, statuses, strict=True)
        ],
        "anchors-table",
    )


#: An anchor's status when the report's own runs cannot show it.
BY_THE_SUITE = "checked by the test suite at this commit, not by these runs"


def _anchor_status(res: Results, baseline_point: int) -> list[str]:
    """Each anchor's status in this comparison (HTML), in the order of :data:`ANCHORS`."""
    records = (res.manifest.get("scenarios") or {}).get("design") or []
    label = res.manifest["design"]["points"][baseline_point]["scenario"]
    scheduled = any(r.get("schedule") for r in records if r.get("label") == label)
    found = None if scheduled else stationarity(res, baseline_point)
    if scheduled:
        proton = (
            "not measured here (the baseline follows a dated schedule: not without interventions)"
        )
    elif found is None:
        proton = "not measured here (the comparison kept no weekly series)"
    else:
        drift, n = found
        years, _ = res.point_settings(baseline_point)
        scale = res.point_scales().get(baseline_point)
        word = "pass" if drift < STATIONARY_DRIFT else "FAIL"
        proton = (
            f"<strong>{word}</strong>: the baseline's {n} runs drift at most {drift:.1%} from "
            f"their first year (allowed {STATIONARY_DRIFT:.0%}; runs at scale {scale:g} for "
            f"{years} years, the suite's test at scale 0.05 for 8: at a smaller scale noise alone "
            "moves a run more)"
        )
    return [proton, BY_THE_SUITE, BY_THE_SUITE, BY_THE_SUITE]


def assurance_section(res: Results, baseline_point: int) -> str:
    """The assurance appendix of a comparison with a baseline (HTML).

    Args:
        res: Loaded results (the model's own: ``res.is_sim``).
        baseline_point: Point id of the baseline.
    """
    scale = res.point_scales().get(baseline_point)
    rows = _baseline_rows(res, baseline_point)
    table = _heldout_html(rows, scale) if rows and scale else "<p>(no successful baseline run)</p>"
    anchors = anchors_table(_anchor_status(res, baseline_point))
    return (
        "<section id='assurance'><h2>Assurance appendix</h2>"
        "<h3>What the intervals hold</h3><p>The intervals above hold the model's seed noise at "
        "one parameter set (each scenario's). Most behavioural parameters are assumptions, and the "
        "calibration targets constrain few of them (docs/validation.md §7: of ten uncertain "
        "parameters, only the offence hazard, the custody probability and the search rate). "
        "To see an effect across the parameter sets the targets cannot rule out, run "
        "<code>ocgsim calibrate --ensemble worlds.json</code>, then this comparison with "
        "<code>--ensemble worlds.json</code> (docs/policy-tools.md, 'Answers over plausible "
        "worlds'); how the effects move with the assumptions outside the ensemble is in "
        "docs/sensitivity.md.</p>"
        "<h3>Held-out scorecard</h3><p>Published figures no parameter was set from, against the "
        "baseline's runs of this comparison (a figure outside its band is reported, never "
        "tuned to):</p>"
        f"{table}"
        "<h3>Patterns of the anchor models</h3><p>The test named checks each at every commit "
        "(<code>make test</code>); a pattern shown only in a figure says so. The figures are in "
        "docs/validation.md.</p>"
        f"{anchors}</section>"
    )
