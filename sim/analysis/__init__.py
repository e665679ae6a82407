"""Analysis of experiment results: summaries, paired differences, sensitivity indices, figures.

Python API::

    from sim.analysis import analyse, load_results
    report = analyse("results/compare_recommendations")   # writes tables + figures
    report.tables["differences"]                          # pandas DataFrames
    runs = load_results("results/compare_recommendations").runs

Everything is written to ``<results>/analysis/`` as CSV (and Parquet for the summary), built in
a temporary folder that replaces the previous analysis only when complete. Tables carry the
unit, the run scale and full-scale equivalents of every metric (see :mod:`sim.analysis.units`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import units
from sim.analysis.sensitivity import (
    morris_convergence,
    morris_indices,
    point_means,
    sobol_convergence,
    sobol_indices,
)
from sim.analysis.stats import (
    holm,
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
    "holm",
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

#: The ``sim`` model's reference in experiment manifests.
SIM_MODEL = "sim.api:simulate"
#: Lines of paired differences printed (all are in differences.csv).
MAX_PRINTED = 30


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

    @property
    def is_sim(self) -> bool:
        """Whether the results come from the ``sim`` model (so metrics have units)."""
        return self.manifest.get("model", SIM_MODEL) == SIM_MODEL

    def point_scales(self) -> dict[int, float | None]:
        """``run.scale`` of each design point (None where it is not known: another model)."""
        if not self.is_sim:
            return {p["point_id"]: None for p in self.manifest["design"]["points"]}
        base = self.manifest["design"].get("base_parameters", {}) or {}
        default = base.get("run.scale")
        if default is None:
            default = 1.0
            if base.get("scenario"):
                with contextlib.suppress(Exception):
                    from sim.scenario import load_scenario

                    default = load_scenario(base["scenario"]).values.get("run.scale", 1.0)
        return {
            p["point_id"]: float(p["factors"].get("run.scale", default))
            for p in self.manifest["design"]["points"]
        }

    def point_settings(self, point_id: int) -> tuple[float, int]:
        """``run.years`` and ``run.intervention_week`` of a design point (sim model)."""
        from sim.params import spec

        base = self.manifest["design"].get("base_parameters", {}) or {}
        factors = self.manifest["design"]["points"][point_id]["factors"]
        values = {**base, **factors}
        return (
            values.get("run.years", spec("run.years").default),
            values.get("run.intervention_week", spec("run.intervention_week").default),
        )

    def series(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """Weekly series in long format (empty if none were kept)."""
        from sim.experiments.store import ResultsStore

        return ResultsStore(self.path).series(metrics)


def load_results(path: str | Path) -> Results:
    """Load a results folder.

    Raises:
        ScenarioError: If the folder holds no experiment (or a single run).
    """
    from sim.experiments.store import open_results

    store = open_results(path)
    return Results(store.path, store.manifest(), store.runs(), store.design_table())


@dataclass
class AnalysisReport:
    """What :func:`analyse` found and wrote.

    Attributes:
        path: Folder the tables and figures were written to.
        tables: Name -> DataFrame.
        files: Files written.
        warnings: Precision and data warnings (one line each).
        alerts: Warnings that may change how results are read (e.g. a summary window too
            short); ``ocgsim analyse`` prints them on stderr too.
        notes: What the tables and figures contain (units, corrections).
        work: The temporary folder being written (renamed to ``path`` when complete).
    """

    path: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    work: Path = field(default=Path("."), repr=False)

    def text(self) -> str:
        """A short printed summary."""
        lines = [f"analysis written to {self.path} ({len(self.files)} files)"]
        lines += [f"WARNING: {a}" for a in self.alerts]
        lines += [f"note: {n}" for n in self.notes]
        diffs = self.tables.get("differences")
        if diffs is not None and not diffs.empty:
            label = [c for c in diffs.columns if c not in _DIFF_COLS]
            sig = diffs[diffs["significant"]]
            lines.append(
                f"paired differences vs baseline: {len(sig)} of {len(diffs)} significant after "
                "Holm correction (% change, unadjusted 95% CI; all in differences.csv):"
            )
            undefined = diffs[~diffs["pct_change"].map(_finite)]
            shown = 0
            for d in [*sig.to_dict("records"), *undefined.to_dict("records")]:
                if shown >= MAX_PRINTED:
                    lines.append(f"  ... and more in {self.path / 'differences.csv'}")
                    break
                shown += 1
                name = ", ".join(f"{d[c]}" for c in label)
                if not _finite(d["pct_change"]):
                    lines.append(f"  {name} {d['metric']}: undefined (no finite pairs)")
                    continue
                lines.append(
                    f"  {name} {d['metric']}: {d['pct_change']:+.1f}% "
                    f"[{d['pct_ci_low']:+.1f}, {d['pct_ci_high']:+.1f}] *"
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


def _finite(x: Any) -> bool:
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


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
    "p_value",
    "p_holm",
    "significant",
    "significant_uncorrected",
    "point_id",
    "unit",
    "scale",
    "extensive",
    "baseline_mean_full_scale",
    "mean_full_scale",
    "diff_full_scale",
    "diff_ci_low_full_scale",
    "diff_ci_high_full_scale",
}


def _write(report: AnalysisReport, name: str, table: pd.DataFrame, parquet: bool = False) -> None:
    from sim.io.files import atomic_write_bytes

    report.tables[name] = table
    path = report.work / f"{name}.csv"
    atomic_write_bytes(path, table.to_csv(index=False).encode("utf-8"))
    report.files.append(report.path / path.name)
    if parquet:
        ppath = report.work / f"{name}.parquet"
        atomic_write_bytes(ppath, table.to_parquet(index=False))
        report.files.append(report.path / ppath.name)


def _fail(option: str, message: str) -> None:
    from sim.experiments.spec import ExperimentError

    raise ExperimentError(f"{option}: {message}")


def _choose_metrics(
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
            _fail(
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
        report.notes.append(
            f"analysing the {len(wanted)} headline metrics (ocgsim metrics --headline); "
            "--metric NAME or --all-metrics for others"
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


def _window_alerts(res: Results, report: AnalysisReport) -> None:
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


def _is_analysis_folder(path: Path) -> bool:
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
    from sim.io.guards import check_destination

    res = results if isinstance(results, Results) else load_results(results)
    settings = res.manifest.get("analysis", {}) or {}
    if precision is not None and not 0 < precision < 10:
        _fail(f"--precision {precision}", "allowed: a relative CI half-width in (0, 10)")
    if resamples is not None and resamples < 10:
        _fail(f"--resamples {resamples}", "allowed: a whole number >= 10")
    precision = precision or settings.get("precision") or 0.05
    resamples = resamples or settings.get("resamples") or 1000
    runs = res.runs
    if baseline is not None and strict:
        if res.kind != "scenarios":
            _fail(
                f"--baseline {baseline}", f"applies to scenario designs only (this is {res.kind})"
            )
        labels = list(dict.fromkeys(runs["scenario"])) or [
            p["scenario"] for p in res.manifest["design"]["points"]
        ]
        if baseline not in labels:
            _fail(
                f"--baseline {baseline}",
                "not a scenario of this experiment; allowed: " + ", ".join(map(str, labels)),
            )
    baseline = baseline or settings.get("baseline") or None
    option = "--out" if out_dir is not None else "analysis folder"
    # checked as given: Path("") would be the current folder
    final = check_destination(out_dir if out_dir is not None else res.path / "analysis", option,
                              new=False)  # fmt: skip
    if final.is_dir() and not _is_analysis_folder(final):
        _fail(
            f"{option} {final}",
            "exists and holds files other than an analysis; allowed: a new folder or an earlier "
            "analysis folder (which is replaced)",
        )
    available = metric_columns(runs, res.factors)
    report = AnalysisReport(final)
    chosen = _choose_metrics(res, metrics, settings, available, all_metrics, strict, report)
    _window_alerts(res, report)

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
            if kind in ("sobol", "morris"):
                _sensitivity(res, kind, chosen, resamples, seed, plots, report)
            else:
                _comparison(res, kind, chosen, baseline, precision, plots, report)
        _write_settings(report, res, chosen, baseline, precision, resamples)
        _swap_into_place(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return report


def _write_settings(
    report: AnalysisReport,
    res: Results,
    chosen: list[str],
    baseline: str | None,
    precision: float,
    resamples: int,
) -> None:
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


def _swap_into_place(work: Path, final: Path) -> None:
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


def _annotate(
    table: pd.DataFrame, res: Results, by: list[str], value_cols: list[str]
) -> pd.DataFrame:
    """Add unit, scale, extensive and ``<col>_full_scale`` columns to a per-group table."""
    if table.empty:
        return table
    scales = res.point_scales()
    if "point_id" in table:
        scale = table["point_id"].map(scales)
    else:
        by_label = {p["scenario"]: scales[p["point_id"]] for p in res.manifest["design"]["points"]}
        scale = table["scenario"].map(by_label) if "scenario" in table else None
    out = table.copy()
    infos = [units.info(m) if res.is_sim else None for m in out["metric"]]
    out["unit"] = [i.unit if i else "" for i in infos]
    out["scale"] = pd.to_numeric(scale, errors="coerce") if scale is not None else math.nan
    out["extensive"] = [bool(i.extensive) if i else None for i in infos]
    divisor = [
        (s if i.extensive else 1.0) if i is not None and _finite(s) and s else math.nan
        for i, s in zip(infos, out["scale"], strict=True)
    ]
    for col in value_cols:
        out[f"{col}_full_scale"] = out[col] / pd.Series(divisor, index=out.index)
    return out


def _point_label(res: Results, factors: dict[str, Any]) -> str:
    return ", ".join(f"{f.split('.')[-1]}={factors[f]}" for f in res.factors)


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
    summary = _annotate(summary, res, by, ["mean", "sd", "ci_low", "ci_high", "half_width"])
    _write(report, "summary", summary, parquet=True)
    if res.is_sim:
        report.notes.append(
            "summary.csv and differences.csv: mean, CI and diff in model units at the run "
            "scale (column scale); *_full_scale columns are full-scale equivalents"
        )
    else:
        report.notes.append("values are in the model's own units (it declares none)")
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
        if d["replicates_needed"] > 100 * d["n"]:
            report.warnings.append(
                f"{d['metric']} at {group}: CI half-width is {d['rel_half_width']:.0%} of the "
                f"mean with n={d['n']}, far above {precision:.0%}; too far to say how many "
                "replicates are needed (add replicates and check again, or judge it by the "
                "absolute half-width in summary.csv)"
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
        diffs = _annotate(
            diffs, res, by, ["baseline_mean", "mean", "diff", "diff_ci_low", "diff_ci_high"]
        )
        _write(report, "differences", diffs)

    if not plots:
        return
    if not diffs.empty:
        label = "scenario" if kind == "scenarios" else "point"
        if label == "point":
            diffs = diffs.assign(point=[_point_label(res, r) for _, r in diffs.iterrows()])
        groups = [units.group_of(m) if res.is_sim else "metrics" for m in diffs["metric"]]
        for group in dict.fromkeys(groups):
            part = diffs[[g == group for g in groups]]
            path = report.work / f"forest_{group}.png"
            figs.forest_plot(part, label, path, title=f"{group}: % change vs baseline")
            report.files.append(report.path / path.name)
    if kind == "grid" and len(res.factors) == 2:
        for m in metrics:
            i = units.info(m) if res.is_sim else None
            scale = summary["scale"].dropna().unique()
            label = figs.axis_label(
                m,
                i.unit if i else "",
                i.extensive if i else None,
                float(scale[0]) if len(scale) == 1 else None,
            )
            path = report.work / f"heatmap_{m}.png"
            figs.grid_heatmap(summary, res.factors[0], res.factors[1], m, path, label=label)
            report.files.append(report.path / path.name)
    if res.manifest.get("series"):
        _series_figures(res, kind, metrics, report)


def _series_figures(res: Results, kind: str, metrics: list[str], report: AnalysisReport) -> None:
    """One figure per series behind an analysed metric, lines by scenario or design point."""
    from sim.analysis import plots as figs

    runs = res.runs
    if kind in ("scenarios", "single"):
        group = "scenario"
    elif res.manifest["design"]["n_points"] <= 8:
        labels = {
            p["point_id"]: _point_label(res, p["factors"]) for p in res.manifest["design"]["points"]
        }
        runs = runs.assign(point=runs["point_id"].map(labels))
        group = "point"
    else:
        report.warnings.append("series figures skipped: more than 8 design points")
        return
    if res.is_sim:
        names = list(dict.fromkeys(s for s in (units.series_for(m) for m in metrics) if s))
    else:
        names = list(metrics)
    series = res.series(names or None)
    if series.empty:
        return
    scales = {s for s in res.point_scales().values() if s is not None}
    scale = scales.pop() if len(scales) == 1 else None
    _, week = res.point_settings(0) if res.is_sim else (None, None)
    for name in dict.fromkeys(series["metric"]):
        if name not in names and names:
            continue
        unit, extensive = units.series_info(name) if res.is_sim else ("", None)
        path = report.work / f"series_{name}.png"
        figs.series_plot(
            series,
            runs,
            name,
            path,
            group=group,
            unit=unit,
            extensive=extensive,
            scale=scale,
            intervention_week=week,
        )
        report.files.append(report.path / path.name)


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
                _write(report, f"sobol_{m}", out["indices"])
                if so:
                    _write(report, f"sobol2_{m}", out["second_order"])
                conv = sobol_convergence(
                    problem, y, settings["n"], second_order=so, resamples=resamples, seed=seed
                )
                _write(report, f"sobol_convergence_{m}", conv)
                if plots:
                    path = report.work / f"sobol_{m}.png"
                    figs.sobol_bars(out["indices"], m, path)
                    report.files.append(report.path / path.name)
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
                    path = report.work / f"morris_{m}.png"
                    figs.morris_bars(table, m, path)
                    report.files.append(report.path / path.name)
        bad = flag[flag["converged"] == False]  # noqa: E712 - pandas NA-aware comparison
        if len(bad):
            report.warnings.append(
                f"{m}: indices of {', '.join(bad['factor'].astype(str))} not converged (the "
                "full-sample estimate lies outside the half-sample interval); use a larger design"
            )
