"""Analysis of experiment results: summaries, paired differences, sensitivity indices, figures.

Python API::

    from sim.analysis import analyse, load_results
    report = analyse("results/compare_recommendations")   # writes tables + figures
    report.tables["differences"]                          # pandas DataFrames
    runs = load_results("results/compare_recommendations").runs

Everything is written to ``<results>/analysis/`` as CSV (and Parquet for the summary).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.sensitivity import (
    morris_convergence,
    morris_indices,
    point_means,
    sobol_convergence,
    sobol_indices,
)
from sim.analysis.stats import (
    mean_ci,
    metric_columns,
    paired_differences,
    precision_check,
    summarise,
)

__all__ = [
    "AnalysisReport",
    "Results",
    "analyse",
    "load_results",
    "mean_ci",
    "morris_convergence",
    "morris_indices",
    "paired_differences",
    "precision_check",
    "sobol_convergence",
    "sobol_indices",
    "summarise",
]


@dataclass
class Results:
    """The stored results of an experiment.

    Attributes:
        path: The results folder.
        manifest: ``manifest.json``.
        runs: One row per run (sorted by run id).
        design: One row per design point, with the raw sample (``sample:<factor>`` columns).
    """

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    design: pd.DataFrame

    @property
    def kind(self) -> str:
        """Design type."""
        return self.manifest["design"]["kind"]

    @property
    def factors(self) -> list[str]:
        """Factor names."""
        return list(self.manifest["design"]["factors"])

    def series(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """Weekly series in long format (empty if none were kept)."""
        from sim.experiments.store import ResultsStore

        return ResultsStore(self.path).series(metrics)


def load_results(path: str | Path) -> Results:
    """Load a results folder.

    Raises:
        ScenarioError: If the folder holds no experiment.
    """
    from sim.experiments.spec import ExperimentError
    from sim.experiments.store import ResultsStore

    store = ResultsStore(path)
    if not store.exists():
        raise ExperimentError(f"{path}: not a results folder (no manifest.json)")
    return Results(store.path, store.manifest(), store.runs(), store.design_table())


@dataclass
class AnalysisReport:
    """What :func:`analyse` found and wrote.

    Attributes:
        path: Folder the tables and figures were written to.
        tables: Name -> DataFrame.
        files: Files written.
        warnings: Precision and data warnings (one line each).
    """

    path: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        """A short printed summary."""
        lines = [f"analysis written to {self.path} ({len(self.files)} files)"]
        diffs = self.tables.get("differences")
        if diffs is not None and not diffs.empty:
            lines.append("paired differences vs baseline (% change, 95% CI):")
            label = [c for c in diffs.columns if c not in _DIFF_COLS]
            for d in diffs.to_dict("records"):
                name = ", ".join(f"{d[c]}" for c in label)
                if not math.isfinite(d["pct_change"]):
                    lines.append(f"  {name} {d['metric']}: undefined (no finite pairs)")
                    continue
                star = " *" if d["significant"] else ""
                lines.append(
                    f"  {name} {d['metric']}: {d['pct_change']:+.1f}% "
                    f"[{d['pct_ci_low']:+.1f}, {d['pct_ci_high']:+.1f}]{star}"
                )
        for key in [k for k in self.tables if k.startswith("sobol_") and "conv" not in k]:
            lines.append(f"{key}:")
            for row in self.tables[key].itertuples(index=False):
                lines.append(
                    f"  {row.factor}: S1 {row.S1:.3f} ± {row.S1_conf:.3f}, "
                    f"ST {row.ST:.3f} ± {row.ST_conf:.3f}"
                )
        for key in [k for k in self.tables if k.startswith("morris_") and "conv" not in k]:
            lines.append(f"{key} (top 10 by mu*):")
            for row in self.tables[key].head(10).itertuples(index=False):
                lines.append(
                    f"  {row.factor}: mu* {row.mu_star:.3g} ± {row.mu_star_conf:.3g}, "
                    f"sigma {row.sigma:.3g}"
                )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


_DIFF_COLS = {
    "metric",
    "n_pairs",
    "baseline_mean",
    "mean",
    "diff",
    "diff_sd",
    "diff_ci_low",
    "diff_ci_high",
    "pct_change",
    "pct_ci_low",
    "pct_ci_high",
    "significant",
    "point_id",
}


def _write(report: AnalysisReport, name: str, table: pd.DataFrame, parquet: bool = False) -> None:
    from sim.experiments.store import atomic_write_bytes

    report.tables[name] = table
    path = report.path / f"{name}.csv"
    atomic_write_bytes(path, table.to_csv(index=False).encode("utf-8"))
    report.files.append(path)
    if parquet:
        ppath = report.path / f"{name}.parquet"
        atomic_write_bytes(ppath, table.to_parquet(index=False))
        report.files.append(ppath)


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
) -> AnalysisReport:
    """Analyse an experiment's results and write tables and figures.

    Scenario and grid designs get per-group summaries, paired differences against the baseline
    (by replicate), a precision check and figures (series, forest plot, heatmap for two-factor
    grids). Sobol and Morris designs get their indices with bootstrap intervals and a
    convergence table. Metrics missing from the results are skipped with a warning.

    Args:
        results: A results folder or loaded :class:`Results`.
        metrics: Metrics to analyse (default: the experiment's ``[analysis] metrics``, else all).
        baseline: Scenario label of the baseline (default: the experiment's, else the first).
        precision: Wanted CI half-width as a share of the mean (default: the experiment's, 0.05).
        resamples: Bootstrap resamples for Sobol/Morris (default: the experiment's, 1000).
        plots: Whether to draw figures.
        out_dir: Where to write (default: ``<results>/analysis``).
        seed: Seed of the bootstrap.

    Returns:
        The report (tables, files written, warnings).
    """
    res = results if isinstance(results, Results) else load_results(results)
    settings = res.manifest.get("analysis", {}) or {}
    precision = precision or settings.get("precision") or 0.05
    resamples = resamples or settings.get("resamples") or 1000
    baseline = baseline or settings.get("baseline") or None
    report = AnalysisReport(Path(out_dir) if out_dir else res.path / "analysis")
    report.path.mkdir(parents=True, exist_ok=True)
    runs = res.runs
    available = metric_columns(runs, res.factors)
    wanted = metrics or settings.get("metrics") or available
    chosen = []
    for m in wanted:
        if m in available:
            chosen.append(m)
        else:
            report.warnings.append(f"metric {m!r} is not in the results; skipped")
    n_failed = int((runs["status"] != "ok").sum())
    if n_failed:
        report.warnings.append(f"{n_failed} failed run(s) left out (see ocgsim status)")
    if not chosen or runs.empty:
        report.warnings.append("nothing to analyse")
        return report

    kind = res.kind
    if kind in ("sobol", "morris"):
        _sensitivity(res, kind, chosen, resamples, seed, plots, report)
    else:
        _comparison(res, kind, chosen, baseline, precision, plots, report)
    return report


def _comparison(
    res: Results,
    kind: str,
    metrics: list[str],
    baseline: str | None,
    precision: float,
    plots: bool,
    report: AnalysisReport,
) -> None:
    from sim.analysis import plots as figs

    runs = res.runs
    by = ["scenario"] if kind in ("scenarios", "single") else ["point_id", *res.factors]
    summary = summarise(runs, by, metrics)
    _write(report, "summary", summary, parquet=True)
    bad = precision_check(summary, precision)
    _write(report, "precision", bad)
    for d in bad.head(10).to_dict("records"):
        group = ", ".join(f"{c}={d[c]}" for c in by)
        if d["n"] < 2:
            report.warnings.append(
                f"{d['metric']} at {group}: {d['n']} finite value(s), no confidence interval "
                "(the metric is undefined in these runs, e.g. a delay when nothing is shared)"
            )
            continue
        report.warnings.append(
            f"{d['metric']} at {group}: CI half-width is {d['rel_half_width']:.1%} of the mean "
            f"(> {precision:.0%}) with n={d['n']}; about {d['replicates_needed']} replicates "
            "needed"
        )
    if len(bad) > 10:
        report.warnings.append(f"... and {len(bad) - 10} more (precision.csv)")

    diffs = pd.DataFrame()
    if kind == "scenarios":
        labels = list(dict.fromkeys(runs["scenario"]))
        base = baseline or labels[0]
        if base not in labels:
            report.warnings.append(f"baseline {base!r} is not a scenario of this experiment")
        else:
            diffs = paired_differences(runs, ["scenario"], {"scenario": base}, metrics)
    elif kind in ("grid", "lhs"):
        base_point = _default_point(res) if kind == "grid" else None
        if base_point is not None:
            diffs = paired_differences(runs, by, {"point_id": base_point}, metrics)
    if not diffs.empty:
        _write(report, "differences", diffs)

    if not plots:
        return
    if not diffs.empty:
        label = "scenario" if kind == "scenarios" else "point"
        if label == "point":
            diffs = diffs.assign(
                point=[
                    ", ".join(f"{f.split('.')[-1]}={r[f]}" for f in res.factors)
                    for _, r in diffs.iterrows()
                ]
            )
        report.files.append(figs.forest_plot(diffs, label, report.path / "forest.png"))
    if kind == "grid" and len(res.factors) == 2:
        for m in metrics:
            report.files.append(
                figs.grid_heatmap(
                    summary, res.factors[0], res.factors[1], m, report.path / f"heatmap_{m}.png"
                )
            )
    if res.manifest.get("series"):
        series = res.series()
        for m in dict.fromkeys(series["metric"]):
            report.files.append(figs.series_plot(series, runs, m, report.path / f"series_{m}.png"))


def _default_point(res: Results) -> int | None:
    """Grid point where every factor is at its schema default (the baseline), if any."""
    try:
        from sim.experiments.spec import resolve_callable

        specs = {s.name: s for s in resolve_callable(res.manifest["schema"], "", "schema")}
    except Exception:  # noqa: BLE001
        return None
    mask = pd.Series(True, index=res.design.index)
    for f in res.factors:
        if f not in specs:
            return None
        mask &= res.design[f] == specs[f].default
    hits = res.design.loc[mask, "point_id"]
    return int(hits.iloc[0]) if len(hits) else None


def _sensitivity(
    res: Results,
    kind: str,
    metrics: list[str],
    resamples: int,
    seed: int,
    plots: bool,
    report: AnalysisReport,
) -> None:
    from sim.analysis import plots as figs

    design = res.manifest["design"]
    problem = design["problem"]
    n_points = design["n_points"]
    settings = design["settings"]
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
                _write(report, f"sobol_{m}", out["indices"])
                if so:
                    _write(report, f"sobol2_{m}", out["second_order"])
                conv = sobol_convergence(
                    problem, y, settings["n"], second_order=so, resamples=resamples, seed=seed
                )
                _write(report, f"sobol_convergence_{m}", conv)
                if plots:
                    report.files.append(
                        figs.sobol_bars(out["indices"], m, report.path / f"sobol_{m}.png")
                    )
                table, flag = out["indices"], conv
            else:
                x = res.design[[f"sample:{f}" for f in problem["names"]]].to_numpy(dtype=float)
                levels = settings.get("levels", 4)
                table = morris_indices(problem, x, y, levels=levels, resamples=resamples, seed=seed)
                _write(report, f"morris_{m}", table)
                flag = morris_convergence(
                    problem,
                    x,
                    y,
                    settings["trajectories"],
                    levels=levels,
                    resamples=resamples,
                    seed=seed,
                )
                _write(report, f"morris_convergence_{m}", flag)
                if plots:
                    report.files.append(figs.morris_bars(table, m, report.path / f"morris_{m}.png"))
        bad = flag[flag["converged"] == False]  # noqa: E712 - pandas NA-aware comparison
        if len(bad):
            report.warnings.append(
                f"{m}: indices of {', '.join(bad['factor'].astype(str))} not converged (the "
                "full-sample estimate lies outside the half-sample interval); use a larger design"
            )
