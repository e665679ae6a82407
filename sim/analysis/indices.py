"""The analysis of Sobol and Morris designs: indices with bootstrap intervals, convergence."""

from __future__ import annotations

import math
import warnings

from sim.analysis.results import Results
from sim.analysis.sensitivity import (
    morris_convergence,
    morris_indices,
    point_means,
    sobol_convergence,
    sobol_indices,
)
from sim.analysis.summary import AnalysisReport

__all__ = ["analyse_indices"]


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
    from sim.analysis import plots as figs

    design = res.manifest["design"]
    problem = design["problem"]
    n_points = design["n_points"]
    settings = design["settings"]
    if kind == "sobol":
        report.notes.append("Sobol indices are shares of variance: the same in any unit")
    else:
        report.notes.append(
            "Morris mu, mu* and sigma are in the metric's model units at the run scale "
            "(divide extensive metrics by the scale for full-scale equivalents)"
        )
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
                so = bool(settings.get("second_order"))
                out = sobol_indices(problem, y, second_order=so, resamples=resamples, seed=seed)
                report.write_table(f"sobol_{m}", out["indices"])
                if so:
                    report.write_table(f"sobol2_{m}", out["second_order"])
                conv = sobol_convergence(
                    problem, y, settings["n"], second_order=so, resamples=resamples, seed=seed
                )
                report.write_table(f"sobol_convergence_{m}", conv)
                if plots:
                    path = report.work / f"sobol_{m}.png"
                    figs.sobol_bars(out["indices"], m, path)
                    report.files.append(report.path / path.name)
                table, flag = out["indices"], conv
            else:
                x = res.design[[f"sample:{f}" for f in problem["names"]]].to_numpy(dtype=float)
                levels = settings.get("levels", 4)
                table = morris_indices(problem, x, y, levels=levels, resamples=resamples, seed=seed)
                report.write_table(f"morris_{m}", table)
                flag = morris_convergence(
                    problem,
                    x,
                    y,
                    settings["trajectories"],
                    levels=levels,
                    resamples=resamples,
                    seed=seed,
                )
                report.write_table(f"morris_convergence_{m}", flag)
                if plots:
                    path = report.work / f"morris_{m}.png"
                    figs.morris_bars(table, m, path)
                    report.files.append(report.path / path.name)
        bad = flag[flag["converged"] == False]  # noqa: E712 - pandas NA-aware comparison
        if len(bad):
            report.warnings.append(
                f"{m}: indices of {', '.join(bad['factor'].astype(str))} not converged (the "
                "full-sample estimate lies outside the half-sample interval); use a larger design"
            )
