"""``ocgsim compare A B --ensemble FILE``: run the comparison in every plausible world, report it.

Writes, in the results folder: ``worlds.json`` (what was run), ``runs.csv`` (every run's
metrics, with its tasking, world, scenario and seed), and, computed from those two by
:func:`write_tables` (which ``ocgsim report DIR`` calls again), ``effects.csv`` (each
intervention's paired effect per world and seed), ``effects_by_tasking.csv`` and ``beats.csv``
(the tables of :mod:`sim.policy.worlds`), ``noise.csv`` (seed noise against the worlds),
``assumptions.csv`` (how much of the across-worlds variance of each effect each parameter
explains) and ``report.html``: one self-contained page with the effects across worlds, the
"A beats B" table, the structural column (police tasked from prison intelligence only) and an
assurance appendix (assumptions that matter, seed noise against parameter uncertainty, the
held-out scorecard over the worlds, versions, commit, seeds and the ensemble's hash).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.io.files import atomic_write_bytes
from sim.params.schema import ScenarioError
from sim.policy.worlds import (
    TASKINGS,
    beats_table,
    effects_table,
    main_tasking,
    paired_effects,
    world_tasks,
    yardstick,
)
from sim.policy.worlds_html import report_html

__all__ = [
    "WORLDS_DEFAULTS",
    "assumption_shares",
    "checked_ensemble",
    "noise_share",
    "run_worlds_comparison",
]

#: Defaults of a comparison over plausible worlds (a world is a run per scenario, seed and
#: tasking: 30 worlds x 4 seeds x 4 scenarios x 2 taskings is 960 runs, about 10 minutes on two
#: cores at scale 0.1 for 6 years).
WORLDS_DEFAULTS: dict[str, Any] = {
    "worlds": 30,
    "replicates": 4,
    "scale": 0.1,
    "years": 6,
    "intervention_week": 104,
}


#: The file that marks a results folder of a comparison over plausible worlds (what was run).
WORLDS_FILE = "worlds.json"

#: The folder of the engine's stored runs (a comparison given again resumes from it).
RUNS_FOLDER = "runs"

#: The tables :func:`write_tables` writes, by key.
TABLE_FILES: dict[str, str] = {
    "effects": "effects.csv",
    "by_tasking": "effects_by_tasking.csv",
    "beats": "beats.csv",
    "noise": "noise.csv",
    "assumptions": "assumptions.csv",
}


def noise_share(effects: pd.DataFrame) -> pd.DataFrame:
    """Per tasking and intervention: how much of the effect's variance is seed noise.

    A two-way analysis of variance, world x seed without replication: the same seeds run in
    every world, so a seed's effect common to all worlds is taken out rather than counted as
    noise within worlds (a one-way analysis would bias the between-world part low). With k
    worlds and r seeds: MS_world on k - 1 degrees of freedom, MS_seed on r - 1, MS_resid on
    (k - 1)(r - 1). A world missing a seed's effect (a failed run of an experiment over worlds)
    is left out, as is an intervention with fewer than two complete worlds.
    (``sim.analysis.noisy_sensitivity.noise_share`` decomposes a Saltelli
    design's replicates another way, by covariances across seed pairs with a bootstrap
    interval, and can go below zero; here the F-test is wanted, so the classical form.)

    Returns:
        Columns tasking, scenario, within (the noise of one run: the seed component plus the
        residual), between (the variance of the worlds' true effects, (MS_world - MS_resid) / r,
        at least 0), noise_share (within / (within + between)) and p_between (the F-test of
        MS_world / MS_resid against "the effect is the same in every world": a large p says the
        worlds do not differ detectably beyond seed noise, with these seeds).
    """
    rows = []
    for (tasking, scenario), part in effects.groupby(["tasking", "scenario"], sort=False):
        y = part.pivot_table(index="world", columns="seed", values="effect_pct").to_numpy()
        y = y[~np.isnan(y).any(axis=1)]  # complete worlds only (an experiment's failed run)
        k, r = y.shape
        if k < 2 or r < 2:
            continue
        grand = y.mean()
        worlds, seeds = y.mean(axis=1), y.mean(axis=0)
        ms_world = r * float(np.sum((worlds - grand) ** 2)) / (k - 1)
        ms_seed = k * float(np.sum((seeds - grand) ** 2)) / max(r - 1, 1)
        resid = y - worlds[:, None] - seeds[None, :] + grand
        ms_resid = float(np.sum(resid**2)) / max((k - 1) * (r - 1), 1)
        between = max(0.0, (ms_world - ms_resid) / r)
        within = ms_resid + max(0.0, (ms_seed - ms_resid) / k)
        total = within + between
        f = ms_world / ms_resid if ms_resid > 0 else float("inf")
        rows.append(
            {
                "tasking": tasking,
                "scenario": scenario,
                "within": within,
                "between": between,
                "noise_share": within / total if total > 0 else float("nan"),
                "p_between": float(stats.f.sf(f, k - 1, (k - 1) * (r - 1))),
            }
        )
    return pd.DataFrame(
        rows, columns=["tasking", "scenario", "within", "between", "noise_share", "p_between"]
    )


def assumption_shares(effects: pd.DataFrame, worlds: pd.DataFrame) -> pd.DataFrame:
    """How much of the across-worlds variance of each effect each parameter explains.

    A linear regression of each world's mean effect on its parameters (standardised): a
    parameter's share is its squared standardised coefficient over the variance of the world
    means (the first-order share of a linear fit; with correlated parameters, as the plausible
    worlds' are, the shares need not add up to the fit's R²). Reported with the fit's R² and the
    F-test's p-value of the whole fit: with d parameters and n worlds a fit to pure noise has an
    R² of about d / (n - 1), so a share means something only when the fit's p-value is small.

    Returns:
        Columns tasking, scenario, parameter, share, r2, p_fit.
    """
    x = worlds.to_numpy(dtype=float)
    sd = x.std(axis=0, ddof=1)
    z = np.where(sd > 0, (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0), 0.0)
    rows = []
    for (tasking, scenario), part in effects.groupby(["tasking", "scenario"], sort=False):
        y = part.groupby("world")["effect_pct"].mean().reindex(range(len(worlds))).to_numpy()
        kept = ~np.isnan(y)  # a world with no effect left (every pair failed) is left out
        y = y[kept]
        if len(y) < x.shape[1] + 2 or np.var(y) == 0:
            continue
        design = np.column_stack([np.ones(len(y)), z[kept]])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        fitted = design @ coef
        r2 = 1.0 - float(np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2))
        d, n = x.shape[1], len(y)
        p_fit = float(stats.f.sf((r2 / d) / max(1e-300, (1 - r2) / (n - d - 1)), d, n - d - 1))
        var_y = float(np.var(y, ddof=1))
        for name, b in zip(worlds.columns, coef[1:], strict=True):
            rows.append(
                {
                    "tasking": tasking,
                    "scenario": scenario,
                    "parameter": name,
                    "share": float(b**2 / var_y),
                    "r2": r2,
                    "p_fit": p_fit,
                }
            )
    return pd.DataFrame(rows, columns=["tasking", "scenario", "parameter", "share", "r2", "p_fit"])


def checked_ensemble(ensemble: Path, worlds: int, replicates: int = 2) -> tuple[pd.DataFrame, dict]:
    """The ensemble's table and meta; ScenarioError (one line) on a bad file or option.

    Args:
        ensemble: The plausible worlds (``ocgsim calibrate --ensemble``).
        worlds: How many of its worlds are asked for (``--worlds``: 2 to all of them).
        replicates: Seeds per world (``--replicates``: 2 or more).
    """
    from sim.analysis.history import load_ensemble

    try:
        table, meta = load_ensemble(ensemble)
    except ValueError as exc:
        raise ScenarioError(f"--ensemble {exc}") from None
    if len(table) < 2:
        raise ScenarioError(
            f"--ensemble {ensemble}: holds {len(table)} world(s); allowed: a file of 2 or more"
        )
    if not 2 <= worlds <= len(table):
        raise ScenarioError(
            f"--worlds {worlds}: allowed: 2 to {len(table)} (the worlds in {ensemble})"
        )
    if replicates < 2:
        raise ScenarioError(f"--replicates {replicates}: allowed: a whole number >= 2")
    return table, meta


def _check_overlap(chosen: list, parameters: list[str], ensemble: Path) -> None:
    """Refuse a scenario that sets a parameter the worlds set: a world would override it."""
    from sim.scenario import load_scenario

    for label, ref, _ in chosen:
        both = sorted(set(load_scenario(ref).values) & set(parameters))
        if both:
            raise ScenarioError(
                f"{label}: sets {', '.join(both)}, which each world of {ensemble} sets too (the "
                "world's value would replace the scenario's); allowed: scenarios that leave the "
                "ensemble's parameters alone"
            )


def _run(
    tasks: list, identity: dict, levers: list[str], folder: Path, options: dict, progress: bool
) -> tuple[list[dict[str, float]], str]:
    """Run the tasks on the experiment engine, stored in ``folder`` and resumed from it.

    The runs go through :class:`sim.experiments.batch.EngineBatch`: each is stored as it
    finishes, and the same command given again reads back every run already stored (a folder
    of another comparison is refused in one line).

    Args:
        tasks: ``(run_id, params, seed)`` in run-id order.
        identity: What defines the comparison (a folder made with another is refused).
        levers: The parameters that tell runs apart (a column each in the stored runs).
        folder: The runs' folder.
        options: ``executor``, ``workers`` and ``scheduler``, as the engine takes them.
        progress: Show a progress bar.

    Returns:
        Each run's metrics, in the tasks' order, and one line saying how many runs were made and
        read back.
    """
    from tqdm import tqdm

    from sim.experiments.batch import EngineBatch

    bar = tqdm(total=len(tasks), desc="runs over plausible worlds", file=sys.stderr,
               disable=not progress)  # fmt: skip
    try:
        with EngineBatch(
            folder, identity, {}, levers, progress=bar.update, what="comparison", **options
        ) as batch:
            results = batch([(params, seed) for _, params, seed in tasks])
    finally:
        bar.close()
    return results, f"{batch.ran} runs made, {batch.reused} read back from {folder}"


def run_worlds_comparison(
    scenarios: list[str],
    ensemble: Path,
    out: Path,
    *,
    worlds: int = WORLDS_DEFAULTS["worlds"],
    replicates: int = WORLDS_DEFAULTS["replicates"],
    scale: float = WORLDS_DEFAULTS["scale"],
    years: int = WORLDS_DEFAULTS["years"],
    intervention_week: int = WORLDS_DEFAULTS["intervention_week"],
    executor: str = "processes",
    workers: int = 2,
    scheduler: str = "",
    progress: bool = True,
    echo: Callable[[str], Any] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run the baseline and ``scenarios`` in the first ``worlds`` worlds; write the folder.

    Args:
        scenarios: The interventions (names or files); the baseline is England & Wales.
        ensemble: The plausible worlds (``ocgsim calibrate --ensemble``).
        out: The results folder (made if missing).
        worlds: How many of the ensemble's worlds (its first ones).
        replicates: Seeds per world and arm (1 .. replicates: the same in every world).
        scale: ``run.scale``.
        years: ``run.years``.
        intervention_week: ``run.intervention_week``.
        executor: ``processes``, ``serial`` or ``dask`` (the experiment engine's executors).
        workers: Worker processes.
        scheduler: A Dask scheduler's address (implies ``dask``).
        progress: Show a progress bar.
        echo: Where to say how many runs were made and how many read back (None: nowhere).

    Returns:
        The tables written (``effects``, ``by_tasking``, ``beats``, ``noise``, ``assumptions``).

    Raises:
        ScenarioError: One line naming the option or file, before any run.
    """
    from sim.policy.compare_file import check_scenarios

    chosen = check_scenarios(scenarios)
    table, meta = checked_ensemble(ensemble, worlds, replicates)
    _check_overlap(chosen, list(table.columns), ensemble)
    table = table.iloc[:worlds].reset_index(drop=True)
    arms = [("baseline", {})] + [(label, {"scenario": ref}) for label, ref, _ in chosen]
    settings = {"run.scale": scale, "run.years": years, "run.intervention_week": intervention_week}
    seeds = list(range(1, replicates + 1))
    tasks, index = world_tasks(table, arms, seeds, settings)
    identity = {
        "comparison": "over plausible worlds",
        "scenarios": [[label, str(ref), values] for label, ref, values in chosen],
        "ensemble_sha256": meta.get("sha256", ""),
        "worlds": worlds,
        "seeds": seeds,
        "settings": settings,
        "taskings": list(TASKINGS),
    }
    options = {"executor": executor, "workers": workers, "scheduler": scheduler}
    levers = [*table.columns, "disruption.tasking"]
    results, done = _run(tasks, identity, levers, out / RUNS_FOLDER, options, progress)
    if echo is not None:
        echo(done)
    runs = pd.concat([index, pd.DataFrame(results)], axis=1)  # both in run-id order
    context = {
        "scenarios": [label for label, _, _ in chosen],
        "ensemble": str(ensemble),
        "sha256": meta.get("sha256", ""),
        "worlds": worlds,
        "seeds": seeds,
        "settings": settings,
        "replicates": replicates,
        "parameters": list(table.columns),
        "values": table.to_numpy().tolist(),
    }
    out.mkdir(parents=True, exist_ok=True)
    return write_folder(out, runs, context)


def write_folder(out: Path, runs: pd.DataFrame, context: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Store the runs (``runs.csv``) and what was run (``worlds.json``), then the tables.

    Args:
        out: The folder (it exists).
        runs: One row per run: run_id, tasking, world, scenario, seed and its metrics.
        context: What was run (scenarios, baseline, ensemble, sha256, worlds, seeds, settings,
            replicates, parameters, values).

    Returns:
        :func:`write_tables`' tables.
    """
    atomic_write_bytes(out / "runs.csv", runs.to_csv(index=False).encode())
    text = json.dumps(context, indent=1, default=str) + "\n"
    atomic_write_bytes(out / WORLDS_FILE, text.encode())
    return write_tables(out)


def is_worlds_folder(path: Path) -> bool:
    """Whether ``path`` holds a comparison over plausible worlds (``ocgsim report`` rebuilds it)."""
    return (Path(path) / WORLDS_FILE).is_file() and (Path(path) / "runs.csv").is_file()


def write_tables(out: Path) -> dict[str, pd.DataFrame]:
    """Compute the tables and the report from the folder's stored runs, and write them.

    ``ocgsim report DIR`` calls it for such a folder: the same runs give the same tables, so
    the report can be rebuilt after a change of the analysis without running anything again.

    Returns:
        The tables written (``effects``, ``by_tasking``, ``beats``, ``noise``, ``assumptions``).
    """
    context = json.loads((out / WORLDS_FILE).read_text(encoding="utf-8"))
    runs = pd.read_csv(out / "runs.csv")
    table = pd.DataFrame(context["values"], columns=context["parameters"])
    effects = paired_effects(runs, context.get("baseline", "baseline"))
    tables = {
        "effects": effects,
        "by_tasking": effects_table(effects),
        "beats": beats_table(effects),
        "noise": noise_share(effects),
        "assumptions": assumption_shares(effects, table),
    }
    # the baseline in each world (the mean of its seeds), for the held-out scorecard
    baseline = runs["scenario"] == context.get("baseline", "baseline")
    base = runs[baseline & (runs["tasking"] == main_tasking(runs))]
    means = base.drop(columns=["run_id", "seed"]).groupby("world").mean(numeric_only=True)
    context["baseline_means"] = [
        {k: float(v) for k, v in row.items() if pd.notna(v)} for row in means.to_dict("records")
    ]
    for key, name in TABLE_FILES.items():
        atomic_write_bytes(out / name, tables[key].to_csv(index=False).encode())
    page = report_html(tables, context)
    atomic_write_bytes(out / "report.html", page.encode("utf-8"))
    return tables


def summary_lines(tables: dict[str, pd.DataFrame], out: Path) -> list[str]:
    """What ``ocgsim compare --ensemble`` prints when it is done."""
    lines = ["effect on OC harm in pounds across plausible worlds (mean [95% CI]):"]
    for row in tables["by_tasking"].itertuples():
        lines.append(
            f"  {row.scenario} ({row.tasking}): {row.mean:+.1f}% [{row.mean_low:+.1f}, "
            f"{row.mean_high:+.1f}]; reduces harm in {row.share_reducing:.0%} of {row.worlds} "
            f"worlds [{row.share_low:.0%}-{row.share_high:.0%}] ({row.words})"
        )
    lines.append(f"report: {out / 'report.html'}")
    return lines


def main_worlds(args: Any) -> int:
    """``ocgsim compare SCENARIO... --ensemble FILE``: the command line's entry. Exit 0.

    Settings not given take :data:`WORLDS_DEFAULTS`; the results folder defaults to
    ``results/worlds-<scenarios>/``.
    """
    from sim.params.table import spec
    from sim.policy.compare_file import slug

    given = {
        k: getattr(args, k)
        for k in ("replicates", "scale", "years", "intervention_week", "worlds")
        if getattr(args, k, None) is not None
    }
    s = {**WORLDS_DEFAULTS, **given}
    scale = spec("run.scale").check(s["scale"], "--scale")
    years = spec("run.years").check(s["years"], "--years")
    week = spec("run.intervention_week").check(s["intervention_week"], "--intervention-week")
    if week >= years * 52:
        raise ScenarioError(
            f"--intervention-week {week}: allowed: before the run's end (week {years * 52})"
        )
    workers = 2 if getattr(args, "workers", None) is None else args.workers
    if workers < 0:
        raise ScenarioError(f"--workers {workers}: allowed: 0 (one per CPU) or more")
    workers = workers or os.cpu_count() or 1
    scheduler = getattr(args, "scheduler", None) or ""
    executor = "dask" if scheduler else getattr(args, "executor", None) or "processes"
    if getattr(args, "seed", None) is not None:
        raise ScenarioError(
            "--seed: not used with --ensemble (seeds 1..--replicates in every world); "
            "allowed: leave it out"
        )
    if years * 52 - week < 52 and not args.allow_short_window:
        raise ScenarioError(
            f"--years {years}: the summary window (week {week} to the end) is under 52 weeks; "
            "allowed: a longer run, or --allow-short-window"
        )
    labels = "-".join(slug(Path(ref).stem) for ref in args.scenarios)
    out = Path(args.out) if args.out else Path("results") / f"worlds-{labels}"
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: is a file; allowed: a folder")
    held = [p for p in out.iterdir() if not p.name.startswith(".")] if out.is_dir() else []
    if held and not (out / RUNS_FOLDER).is_dir():
        raise ScenarioError(
            f"--out {out}: exists, is not empty and holds no runs of a comparison over plausible "
            "worlds; allowed: a new folder, or the folder of the same comparison to continue it"
        )
    tables = run_worlds_comparison(
        list(args.scenarios),
        Path(args.ensemble),
        out,
        worlds=s["worlds"],
        replicates=s["replicates"],
        scale=scale,
        years=years,
        intervention_week=week,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=not args.no_progress,
        echo=print,
    )
    print("\n".join(summary_lines(tables, out)))
    return 0


__all__ += [
    "WORLDS_FILE",
    "is_worlds_folder",
    "main_worlds",
    "summary_lines",
    "write_folder",
    "write_tables",
    "yardstick",
]
