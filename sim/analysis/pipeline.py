"""``analyse``: check the options, then write the analysis of a results folder in one piece.

Everything is checked before anything is written; the tables and figures are built in a
temporary folder that replaces the previous analysis only when complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sim.analysis import units
from sim.analysis.comparison import FAMILIES, PRIMARY_OUTCOME
from sim.analysis.indices import analyse_indices
from sim.analysis.results import Results, load_results
from sim.analysis.scenarios import analyse_comparison
from sim.analysis.stats import metric_columns
from sim.analysis.summary import AnalysisReport
from sim.analysis.worlds import analyse_worlds, is_worlds_experiment

__all__ = ["analyse", "is_analysis_folder"]


def fail(option: str, message: str) -> None:
    """Raise the one-line error ``option: message`` (an ``ExperimentError``)."""
    from sim.experiments.spec import ExperimentError

    raise ExperimentError(f"{option}: {message}")


def choose_metrics(
    res: Results,
    metrics: list[str] | None,
    settings: dict[str, Any],
    available: list[str],
    all_metrics: bool,
    strict: bool,
    report: AnalysisReport,
) -> list[str]:
    """The metrics to analyse: asked for, the file's, else the headline ones (sim), else all."""
    if metrics:
        unknown = [m for m in metrics if m not in available]
        if unknown and strict:
            fail(
                f"--metric {unknown[0]}",
                "not in the results; allowed: " + ", ".join(available),
            )
        wanted = list(metrics)
    elif all_metrics:
        wanted = list(available)
    elif settings.get("metrics"):
        wanted = list(settings["metrics"])
    elif res.is_sim:
        wanted = [m for m in units.headline_names() if m in available] or list(available)
        if PRIMARY_OUTCOME in available:  # the primary outcome first, headline or not (report)
            wanted = [PRIMARY_OUTCOME, *(m for m in wanted if m != PRIMARY_OUTCOME)]
        report.notes.append(
            f"analysing the {len(wanted)} headline metrics (ocgsim metrics --headline) with the "
            "primary outcome first; --metric NAME or --all-metrics for others"
        )
    else:
        wanted = list(available)
    chosen = []
    for m in wanted:
        if m in available:
            chosen.append(m)
        else:
            report.warnings.append(f"metric {m!r} is not in the results; skipped")
    return chosen


def window_alerts(res: Results, report: AnalysisReport) -> None:
    """Alert when runs summarise a window too short to trust (sim model)."""
    if not res.is_sim:
        return
    from sim.io.guards import MIN_WINDOW_WEEKS, window_problem

    seen = set()
    for point in res.manifest["design"]["points"]:
        key = res.point_settings(point["point_id"])
        if key in seen:
            continue
        seen.add(key)
        problem = window_problem(*key)
        if problem:
            report.alerts.append(
                f"design point {point['point_id']}: {problem.split('; allowed')[0]}; "
                f"summaries over under {MIN_WINDOW_WEEKS} weeks can mislead"
            )
            return
    runs = res.runs
    if "window_weeks" in runs and (runs["status"] == "ok").any():
        shortest = float(runs.loc[runs["status"] == "ok", "window_weeks"].min())
        if shortest < MIN_WINDOW_WEEKS:
            report.alerts.append(
                f"runs summarise only {shortest:g} weeks (window_weeks); summaries over under "
                f"{MIN_WINDOW_WEEKS} weeks can mislead"
            )


def is_analysis_folder(path: Path) -> bool:
    """Whether ``path`` is empty or an earlier analysis (safe to replace).

    An analysis holds ``analysis.json``; one written before that file existed holds only CSV,
    Parquet and PNG files.
    """
    if (path / "analysis.json").is_file():
        return True
    return all(p.is_file() and p.suffix in (".csv", ".parquet", ".png") for p in path.iterdir())


def analyse(
    results: str | Path | Results,
    *,
    metrics: list[str] | None = None,
    baseline: str | None = None,
    precision: float | None = None,
    resamples: int | None = None,
    plots: bool = True,
    out_dir: str | Path | None = None,
    seed: int = 0,
    all_metrics: bool = False,
    strict: bool = False,
) -> AnalysisReport:
    """Analyse an experiment's results and write tables and figures.

    Scenario and grid designs get per-group summaries, paired differences against the baseline
    (by replicate, with Holm-corrected significance), a precision check and figures (series,
    one forest plot per group of metrics, heatmap for two-factor grids). Sobol and Morris
    designs get their indices with bootstrap intervals and a convergence table. Without a
    metric list, the ``sim`` model's headline metrics are analysed. Everything is checked
    before anything is written; the analysis folder replaces the previous one only when
    complete.

    Args:
        results: A results folder or loaded :class:`Results`.
        metrics: Metrics to analyse (default: the experiment's ``[analysis] metrics``, else the
            headline metrics of the ``sim`` model, else all).
        baseline: Scenario label of the baseline (default: the experiment's, else the first).
        precision: Wanted CI half-width as a share of the mean (default: the experiment's, 0.05).
        resamples: Bootstrap resamples for Sobol/Morris (default: the experiment's, 1000).
        plots: Whether to draw figures.
        out_dir: Where to write (default: ``<results>/analysis``).
        seed: Seed of the bootstrap.
        all_metrics: Analyse every metric in the results.
        strict: Refuse (rather than skip with a warning) metrics or a baseline not in the
            results, as the command line does.

    Returns:
        The report (tables, files written, warnings).

    Raises:
        ScenarioError: One line for a bad option or an unusable output folder.
    """
    res = results if isinstance(results, Results) else load_results(results)
    settings = res.manifest.get("analysis", {}) or {}
    precision, resamples = check_numbers(precision, resamples, settings)
    if baseline is not None and strict:
        check_baseline(res, baseline)
    baseline = baseline or settings.get("baseline") or None
    final = analysis_destination(res, out_dir)
    available = metric_columns(res.runs, res.factors)
    report = AnalysisReport(final)
    chosen = choose_metrics(res, metrics, settings, available, all_metrics, strict, report)
    window_alerts(res, report)
    write_analysis(res, chosen, baseline, precision, resamples, plots, seed, report)
    return report


def check_numbers(
    precision: float | None, resamples: int | None, settings: dict[str, Any]
) -> tuple[float, int]:
    """Check ``--precision`` and ``--resamples``; fill them in from the experiment, else defaults.

    Args:
        precision: Wanted CI half-width as a share of the mean, if given.
        resamples: Bootstrap resamples, if given.
        settings: The experiment's ``[analysis]`` table.

    Returns:
        The precision (default 0.05) and the resamples (default 1000).

    Raises:
        ScenarioError: One line for a value out of range.
    """
    if precision is not None and not 0 < precision < 10:
        fail(f"--precision {precision}", "allowed: a relative CI half-width in (0, 10)")
    if resamples is not None and resamples < 10:
        fail(f"--resamples {resamples}", "allowed: a whole number >= 10")
    return (
        precision or settings.get("precision") or 0.05,
        resamples or settings.get("resamples") or 1000,
    )


def check_baseline(res: Results, baseline: str) -> None:
    """Refuse a ``--baseline`` that is not a scenario of this (scenario) experiment.

    Raises:
        ScenarioError: One line naming the option and the scenarios allowed.
    """
    if res.kind != "scenarios":
        fail(f"--baseline {baseline}", f"applies to scenario designs only (this is {res.kind})")
    labels = list(dict.fromkeys(res.runs["scenario"])) or [
        p["scenario"] for p in res.manifest["design"]["points"]
    ]
    if baseline not in labels:
        fail(
            f"--baseline {baseline}",
            "not a scenario of this experiment; allowed: " + ", ".join(map(str, labels)),
        )


def analysis_destination(res: Results, out_dir: str | Path | None) -> Path:
    """The analysis folder: ``out_dir``, else ``<results>/analysis``; new or an earlier analysis.

    Raises:
        ScenarioError: One line for a folder that holds files other than an analysis.
    """
    from sim.io.guards import check_destination

    option = "--out" if out_dir is not None else "analysis folder"
    # checked as given: Path("") would be the current folder
    final = check_destination(out_dir if out_dir is not None else res.path / "analysis", option,
                              new=False)  # fmt: skip
    if final.is_dir() and not is_analysis_folder(final):
        fail(
            f"{option} {final}",
            "exists and holds files other than an analysis; allowed: a new folder or an earlier "
            "analysis folder (which is replaced)",
        )
    return final


def write_analysis(
    res: Results,
    chosen: list[str],
    baseline: str | None,
    precision: float,
    resamples: int,
    plots: bool,
    seed: int,
    report: AnalysisReport,
) -> None:
    """Build the analysis in a temporary folder, then swap it in place of ``report.path``.

    On any error the temporary folder, and the parent folders made for it, are removed.

    Args:
        res: Loaded results.
        chosen: The metrics analysed.
        baseline: Scenario label of the baseline, if chosen.
        precision: Wanted CI half-width as a share of the mean.
        resamples: Bootstrap resamples for Sobol/Morris.
        plots: Whether to draw figures.
        seed: Seed of the bootstrap.
        report: The report being written (its ``path`` is the final folder).
    """
    final = report.path
    runs = res.runs
    created = [p for p in (final.parent, *final.parent.parents) if not p.exists()]
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.{os.getpid()}."))
    report.work = work
    try:
        n_failed = int((runs["status"] != "ok").sum())
        if n_failed:
            report.warnings.append(f"{n_failed} failed run(s) left out (see ocgsim status)")
        if not chosen or runs.empty:
            report.warnings.append("nothing to analyse")
        else:
            kind = res.kind
            if is_worlds_experiment(res):
                analyse_worlds(res, chosen, baseline, report)
            elif kind in ("sobol", "morris"):
                analyse_indices(res, kind, chosen, resamples, seed, plots, report)
            else:
                analyse_comparison(res, kind, chosen, baseline, precision, plots, report)
        write_settings(report, res, chosen, baseline, precision, resamples)
        swap_into_place(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise


def write_settings(
    report: AnalysisReport,
    res: Results,
    chosen: list[str],
    baseline: str | None,
    precision: float,
    resamples: int,
) -> None:
    """Write ``analysis.json``: what was analysed, with which settings, units and notes."""
    from sim import __version__
    from sim.io.files import atomic_write_bytes

    scales = sorted({s for s in res.point_scales().values() if s is not None})
    info = {
        "results": str(res.path),
        "metrics": chosen,
        "baseline": baseline,
        "precision": precision,
        "resamples": resamples,
        "correction": "holm",
        "primary_outcome": PRIMARY_OUTCOME if PRIMARY_OUTCOME in chosen else None,
        "families": FAMILIES,
        "intervals": "diff_ci_* and pct_ci_* are unadjusted 95% intervals; diff_holm_* and "
        "pct_holm_* are at the level Holm's procedure applies to the row (holm_level), so they "
        "exclude zero exactly when the row is significant",
        "scales": scales,
        "units": "mean, sd, CI and diff columns are in model units (at the run scale); "
        "*_full_scale columns are full-scale equivalents (extensive metrics divided by scale)",
        "notes": report.notes,
        "alerts": report.alerts,
        "ocgsim": __version__,
    }
    path = report.work / "analysis.json"
    atomic_write_bytes(path, (json.dumps(info, indent=1) + "\n").encode("utf-8"))
    report.files.append(report.path / path.name)


def swap_into_place(work: Path, final: Path) -> None:
    """Replace ``final`` by the finished ``work`` folder (the old analysis goes last)."""
    from sim.io.files import public_mode

    public_mode(work)
    old = None
    if final.exists():
        old = final.parent / f".{final.name}.old.{os.getpid()}"
        os.replace(final, old)
    try:
        os.replace(work, final)
    except BaseException:
        if old is not None:
            os.replace(old, final)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
