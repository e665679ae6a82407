"""The analysis of Sobol and Morris designs: indices with bootstrap intervals, convergence."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from sim.analysis.results import Results
from sim.analysis.sensitivity import (
    morris_convergence,
    morris_indices,
    point_means,
    sobol_convergence,
    sobol_indices,
)
from sim.analysis.summary import AnalysisReport

__all__ = ["analyse_indices", "units_note", "write_morris", "write_sobol"]


def analyse_indices(
    res: Results,
    kind: str,
    metrics: list[str],
    resamples: int,
    seed: int,
    plots: bool,
    report: AnalysisReport,
) -> None:
    """Write each metric's Sobol or Morris indices, their convergence and bar charts.

    Args:
        res: Loaded results of a Sobol or Morris design.
        kind: ``sobol`` or ``morris``.
        metrics: The metrics analysed.
        resamples: Bootstrap resamples.
        seed: Seed of the bootstrap.
        plots: Whether to draw figures.
        report: Where the tables, files and warnings go.
    """
    n_points = res.manifest["design"]["n_points"]
    report.notes.append(units_note(kind))
    for m in metrics:
        try:
            y = point_means(res.runs, m, n_points)
        except ValueError as exc:
            report.warnings.append(str(exc))
            continue
        if not math.isfinite(float(y.std())) or float(y.std()) == 0.0:
            report.warnings.append(f"{m}: output does not vary; no indices")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind == "sobol":
                flag = write_sobol(res, m, y, resamples, seed, plots, report)
            else:
                flag = write_morris(res, m, y, resamples, seed, plots, report)
        bad = flag[flag["converged"] == False]  # noqa: E712 - pandas NA-aware comparison
        if len(bad):
            report.warnings.append(
                f"{m}: indices of {', '.join(bad['factor'].astype(str))} not converged (the "
                "full-sample estimate lies outside the half-sample interval); use a larger design"
            )


def units_note(kind: str) -> str:
    """The note on the units of a Sobol or Morris design's indices."""
    if kind == "sobol":
        return "Sobol indices are shares of variance: the same in any unit"
    return (
        "Morris mu, mu* and sigma are in the metric's model units at the run scale "
        "(divide extensive metrics by the scale for full-scale equivalents)"
    )


def write_sobol(
    res: Results,
    metric: str,
    y: np.ndarray,
    resamples: int,
    seed: int,
    plots: bool,
    report: AnalysisReport,
) -> pd.DataFrame:
    """Write one metric's Sobol indices (first, total, second order), convergence and chart.

    Args:
        res: Loaded results of a Sobol design.
        metric: The metric.
        y: The metric's mean at each design point.
        resamples: Bootstrap resamples.
        seed: Seed of the bootstrap.
        plots: Whether to draw the bar chart.
        report: Where the tables and files go.

    Returns:
        The convergence table (one row per factor, with a ``converged`` column).
    """
    from sim.analysis import plots as figs

    design = res.manifest["design"]
    problem, settings = design["problem"], design["settings"]
    so = bool(settings.get("second_order"))
    out = sobol_indices(problem, y, second_order=so, resamples=resamples, seed=seed)
    report.write_table(f"sobol_{metric}", out["indices"])
    if so:
        report.write_table(f"sobol2_{metric}", out["second_order"])
    conv = sobol_convergence(
        problem, y, settings["n"], second_order=so, resamples=resamples, seed=seed
    )
    report.write_table(f"sobol_convergence_{metric}", conv)
    if plots:
        path = report.work / f"sobol_{metric}.png"
        figs.sobol_bars(out["indices"], metric, path)
        report.files.append(report.path / path.name)
    return conv


def write_morris(
    res: Results,
    metric: str,
    y: np.ndarray,
    resamples: int,
    seed: int,
    plots: bool,
    report: AnalysisReport,
) -> pd.DataFrame:
    """Write one metric's Morris indices (mu, mu*, sigma), convergence and chart.

    Args:
        res: Loaded results of a Morris design.
        metric: The metric.
        y: The metric's mean at each design point.
        resamples: Bootstrap resamples.
        seed: Seed of the bootstrap.
        plots: Whether to draw the bar chart.
        report: Where the tables and files go.

    Returns:
        The convergence table (one row per factor, with a ``converged`` column).
    """
    from sim.analysis import plots as figs

    design = res.manifest["design"]
    problem, settings = design["problem"], design["settings"]
    x = res.design[[f"sample:{f}" for f in problem["names"]]].to_numpy(dtype=float)
    levels = settings.get("levels", 4)
    table = morris_indices(problem, x, y, levels=levels, resamples=resamples, seed=seed)
    report.write_table(f"morris_{metric}", table)
    flag = morris_convergence(
        problem, x, y, settings["trajectories"], levels=levels, resamples=resamples, seed=seed
    )
    report.write_table(f"morris_convergence_{metric}", flag)
    if plots:
        path = report.work / f"morris_{metric}.png"
        figs.morris_bars(table, metric, path)
        report.files.append(report.path / path.name)
    return flag
