"""One command from a question to a report: compare interventions with the baseline.

``ocgsim compare more_pios shared_database`` builds a scenario experiment (the England & Wales
baseline and each named scenario, or scenario file, on top of it), prints the engine's plan (runs
and estimated time), runs it on the experiment engine with common random numbers (replicate
``r`` has the same seed in every scenario), analyses it (``ocgsim analyse``) and writes the
report (``ocgsim report``): ``<out>/report.html``.

The experiment is an ordinary results folder: a stopped comparison continues when the same
command is given again (or ``ocgsim resume DIR`` then ``ocgsim report DIR``), runs already
stored are not run again, and ``ocgsim status`` works on it. Its identity is the scenarios
(including the contents of their files: the generated experiment file records each file's
SHA-256, so after an edit the stored runs are not reused and the same command is refused in one
line naming the file) and the settings below; the executor and workers are not part of it, nor
is ``--allow-short-window`` when the window is long enough anyway.

**Defaults** (:data:`DEFAULTS`): scale 0.25, 10 years with the interventions from week 104 (an
eight-year summary window: OC harm and membership move slowly), 12 replicates. In the pilot
behind :data:`sim.analysis.power.PILOT_SD` (the baseline against ``more_pios``,
``shared_database`` and ``recommendations``, 48 seeds), the standard deviation of the paired
difference in OC harm in pounds was 2.4-2.7% of the baseline at scale 0.25 and 10 years, 2.7-2.8%
at scale 0.1 and 6 years and 3.6-4.9% at 0.05. With 12 replicates the 95% interval on the change
in OC harm is then about +-1.7% of the baseline, about +-2.0% after the Holm correction over the
primary family of two interventions: the recommendations' 3-4% effect on harm is resolved, single
levers' 1-2% effects are not (docs/scenario-results.md). Effects at scale 0.25 agree with full
scale within their intervals (the scale table there).

**Before it runs** a comparison prints its minimum detectable effect on the primary outcome
(:mod:`sim.analysis.power`: 80% power, corrected over the primary family, from a pilot's sd of
the paired difference); after, each sentence gives the change in the primary outcome and what
its interval rules out, and the printed table states the primary family and its correction.

A comparison at these settings takes about a minute per scenario, the baseline included, on two
cores: the baseline and two interventions (36 runs) took about three minutes on an otherwise
idle machine and seven with other work beside it, measured with the plan's timing runs, the
analysis and the report (``docs/policy-tools.md``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.params import ScenarioError, spec
from sim.policy.compare_file import check_scenario_files, check_scenarios, experiment_text, slug

__all__ = [
    "DEFAULTS",
    "SERIES",
    "CompareResult",
    "comparison_experiment",
    "default_out",
    "run_compare",
]

#: Default settings of a comparison (see the module's docstring for why).
DEFAULTS: dict[str, Any] = {
    "replicates": 12,
    "scale": 0.25,
    "years": 10,
    "intervention_week": 104,
    "seed": 20240601,
}

#: Weekly series kept for the report's figures over time.
SERIES: tuple[str, ...] = (
    "oc_harm_gbp",
    "oc_harm",
    "ocg_members",
    "recruits_prison",
    "recruits_community",
    "cost",
)

#: Why the defaults are what they are, printed before a comparison with default settings.
DEFAULTS_NOTE = (
    "defaults chosen so the headline intervals are useful: scale 0.25 (a quarter of England & "
    "Wales), 10 years with the interventions from week 104 (an 8-year window: harm and "
    "membership move slowly), 12 replicates with common random numbers; at these settings the "
    "95% interval on the change in OC harm (in £) is about ±1.7% of the baseline (±2.0% after the "
    "Holm correction over the primary family of two interventions), enough to see effects of "
    "3-4% but not of 1-2%; about a minute per scenario (the baseline included) on 2 cores"
)


def _check_int(value: Any, option: str, low: int, allowed: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ScenarioError(f"{option} {value}: allowed: {allowed}")
    return value


def default_out(labels: Sequence[str], settings: dict[str, Any]) -> Path:
    """The default results folder: the same for the same comparison (so it resumes).

    ``results/compare-<scenarios>-scale<S>-y<Y>-r<R>-seed<K>`` (the scenario part is shortened
    with a hash when long).
    """
    names = "+".join(slug(label) for label in labels)
    if len(names) > 60:
        digest = hashlib.sha256(names.encode()).hexdigest()[:8]
        names = f"{names[:48]}+{digest}"
    s = settings
    tail = f"scale{s['scale']:g}-y{s['years']}-r{s['replicates']}-seed{s['seed']}"
    if s["intervention_week"] != DEFAULTS["intervention_week"]:
        tail += f"-w{s['intervention_week']}"
    return Path("results") / f"compare-{names}-{tail}"


def comparison_experiment(
    scenarios: Sequence[str],
    *,
    replicates: int = DEFAULTS["replicates"],
    scale: float = DEFAULTS["scale"],
    years: int = DEFAULTS["years"],
    intervention_week: int = DEFAULTS["intervention_week"],
    seed: int = DEFAULTS["seed"],
    allow_short_window: bool = False,
    out: str | Path | None = None,
):
    """The experiment of a comparison: the baseline and each scenario, checked.

    Args:
        scenarios: Scenario names (shipped or in ``./scenarios/``) or files.
        replicates: Runs per scenario (at least 2: paired intervals need two).
        scale: ``run.scale`` of every run.
        years: ``run.years``.
        intervention_week: Week the interventions switch on (``run.intervention_week``; the
            summary window starts there).
        seed: Root seed (replicate seeds derive from it).
        allow_short_window: Accept a summary window under 52 weeks.
        out: Results folder (default :func:`default_out`).

    Returns:
        The validated :class:`sim.experiments.Experiment`.

    Raises:
        ScenarioError: One line naming the scenario or option and what is allowed.
    """
    from sim.experiments.spec import parse_experiment

    settings, short_window = _checked_settings(
        replicates=replicates,
        scale=scale,
        years=years,
        intervention_week=intervention_week,
        seed=seed,
        allow_short_window=allow_short_window,
    )
    chosen = check_scenarios(scenarios)
    labels = [label for label, _, _ in chosen]
    if out is not None and not str(out).strip():
        raise ScenarioError("--out '': an empty path; allowed: a folder path")
    out_dir = Path(out) if out is not None else default_out(labels, settings)
    return parse_experiment(
        experiment_text(chosen, settings, short_window, SERIES),
        path=out_dir / "experiment.toml",
        overrides={"out": str(out_dir)},
        source_dir=Path.cwd(),
    )


def _checked_settings(
    *,
    replicates: int,
    scale: float,
    years: int,
    intervention_week: int,
    seed: int,
    allow_short_window: bool,
) -> tuple[dict[str, Any], bool]:
    """Check a comparison's settings (the arguments of :func:`comparison_experiment`).

    Returns:
        The settings as checked, and whether the experiment must allow a short summary window
        (only when the window is short and ``allow_short_window`` is given).

    Raises:
        ScenarioError: One line naming the option and what is allowed.
    """
    from sim.io.guards import window_problem

    _check_int(replicates, "--replicates", 2, "a whole number >= 2 (paired intervals need two)")
    _check_int(seed, "--seed", 0, "a whole number >= 0")
    scale = spec("run.scale").check(scale, "--scale")
    years = spec("run.years").check(years, "--years")
    intervention_week = spec("run.intervention_week").check(
        intervention_week, "--intervention-week"
    )
    problem = window_problem(years, intervention_week, names=("--years", "--intervention-week"))
    if problem and not allow_short_window:
        raise ScenarioError(f"--years/--intervention-week: {problem}")
    # the flag changes nothing when the window is long enough: it is recorded only when it is
    # needed, so giving it or not names the same comparison (and the same folder)
    short_window = bool(problem) and allow_short_window
    settings = {
        "replicates": replicates,
        "scale": scale,
        "years": years,
        "intervention_week": intervention_week,
        "seed": seed,
    }
    return settings, short_window


@dataclass
class CompareResult:
    """What :func:`run_compare` did.

    Attributes:
        out_dir: The results folder.
        run: The engine's report (runs done, failed, remaining).
        report: The HTML report written (None if runs remain).
        comparison: The comparison behind the report's headline table.
        exit_code: 0 every run succeeded and the report is written; 3 some runs failed (the
            report says so); 4 runs remain (no report).
    """

    out_dir: Path
    run: Any
    report: Path | None
    comparison: Any
    exit_code: int


def run_compare(
    scenarios: Sequence[str],
    *,
    replicates: int = DEFAULTS["replicates"],
    scale: float = DEFAULTS["scale"],
    years: int = DEFAULTS["years"],
    intervention_week: int = DEFAULTS["intervention_week"],
    seed: int = DEFAULTS["seed"],
    allow_short_window: bool = False,
    out: str | Path | None = None,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    estimate: bool = True,
    echo: Callable[[str], Any] | None = print,
) -> CompareResult:
    """Run a comparison end to end: plan, run (or resume), analyse, write the report.

    Args:
        scenarios: Scenario names or files.
        replicates: Runs per scenario.
        scale: ``run.scale``.
        years: ``run.years``.
        intervention_week: Week the interventions switch on.
        seed: Root seed.
        allow_short_window: Accept a summary window under 52 weeks.
        out: Results folder (default :func:`default_out`).
        executor: ``serial``, ``processes`` (default) or ``dask``.
        workers: Worker processes (0 or None: one per CPU).
        scheduler: Dask scheduler address (implies ``dask``).
        progress: Progress bar on stderr (None: on a terminal).
        estimate: Time a few runs first and print the estimate (the engine's plan).
        echo: Where to print what is happening (None: nowhere).

    Returns:
        What was done.

    Raises:
        ScenarioError: One line for bad input, before anything is written.
    """
    say = echo or (lambda text: None)
    _check_run_options(workers, scheduler)
    experiment = comparison_experiment(
        scenarios,
        replicates=replicates,
        scale=scale,
        years=years,
        intervention_week=intervention_week,
        seed=seed,
        allow_short_window=allow_short_window,
        out=out,
    )
    store, stored = _checked_store(experiment)
    from sim.analysis.power import experiment_mde_text  # sim.analysis: at call time, as below

    effect = experiment_mde_text(experiment)
    if effect:
        say(effect)  # before the timing runs and the runs: what this design can detect
    if estimate:
        say(_plan_text(experiment, stored, executor, workers, scheduler))
    return _run_and_report(
        experiment,
        store.path,
        say,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )


def _check_run_options(workers: int | None, scheduler: str | None) -> None:
    """Check ``--workers`` and ``--scheduler`` (when given), in one line each."""
    from sim.experiments.spec import check_count, check_scheduler

    if workers is not None:
        check_count(workers, "--workers")
    if scheduler is not None:
        check_scheduler(scheduler)


def _checked_store(experiment: Any) -> tuple[Any, int]:
    """The comparison's results folder, checked before anything is written.

    Returns:
        The :class:`sim.experiments.store.ResultsStore` and how many of its runs succeeded.

    Raises:
        ScenarioError: If the folder cannot be used or holds another comparison (or this one
            made with other scenario files).
    """
    from sim.experiments.folder import check_folder
    from sim.experiments.store import ResultsStore
    from sim.io.guards import check_destination

    store = ResultsStore(experiment.out_dir)
    check_destination(store.path, "--out", new=False, need_bytes=10_000_000)
    check_scenario_files(experiment, store)
    check_folder(experiment, store)
    stored = sum(1 for s in store.finished().values() if s == "ok") if store.exists() else 0
    return store, stored


def _plan_text(
    experiment: Any,
    stored: int,
    executor: str | None,
    workers: int | None,
    scheduler: str | None,
) -> str:
    """The engine's plan of the runs left (after ``stored`` runs already made), as printed."""
    from sim.experiments.engine import plan_experiment  # at call time: tests replace it

    total = len(experiment.scenarios) * experiment.replicates
    # nothing left to run: no timing runs either (they take seconds at the default scale)
    plan = plan_experiment(experiment, calibrate=2 if stored < total else 0)
    if workers is not None or scheduler or executor == "serial":
        n = 1 if executor == "serial" else (workers or plan.workers)
        plan = dataclasses.replace(plan, workers=n)
    left = max(plan.runs - stored, 0)
    plan = dataclasses.replace(plan, runs=left)
    lines = plan.text(mde=False).splitlines()  # run_compare printed it first
    if stored:
        lines.insert(3, f"resuming: {stored} runs already stored, {left} to go")
    return "\n".join(lines)


def _run_and_report(
    experiment: Any,
    out_dir: Path,
    say: Callable[[str], Any],
    **run_options: Any,
) -> CompareResult:
    """Run (or resume) the comparison; when no runs remain, analyse it and write the report.

    Args:
        experiment: The comparison's experiment.
        out_dir: Its results folder.
        say: Where to print what is happening.
        **run_options: ``executor``, ``workers``, ``scheduler`` and ``progress`` of
            :func:`sim.experiments.engine.run_experiment`.
    """
    from sim.analysis import analyse
    from sim.experiments.engine import run_experiment
    from sim.policy.report import compare_table, write_report

    run = run_experiment(experiment, out_dir=out_dir, **run_options)
    if run.remaining:
        say(
            f"{out_dir}: {run.remaining} runs remain; give the same command again (or "
            f"ocgsim resume {out_dir}, then ocgsim report {out_dir})"
        )
        return CompareResult(out_dir, run, None, None, 4)
    analyse(out_dir)
    path = write_report(out_dir)
    comparison = compare_table(_load(out_dir))
    code = 3 if run.failed else 0
    return CompareResult(out_dir, run, path, comparison, code)


def _load(out_dir: Path):
    from sim.analysis import load_results

    return load_results(out_dir)


def summary_lines(result: CompareResult) -> list[str]:
    """What ``ocgsim compare`` prints after the runs: one sentence per intervention."""
    from sim.policy.report.prose import correction_text

    comp = result.comparison
    lines = []
    if comp is not None:
        lines.append(
            f"against {comp.baseline} (95% intervals, Holm-corrected: {correction_text(comp)}; "
            "counts and costs at full scale):"
        )
        for name in comp.interventions:
            lines.append(f"  {name}: {comp.sentences[name]}")
        lines += after_runs_lines(comp)
    if result.run.failed:
        lines.append(f"{result.run.failed} run(s) failed; see ocgsim status {result.out_dir}")
    lines.append(f"report: {result.report}")
    lines.append(f"tables and figures: {result.out_dir / 'analysis'}/")
    return lines


def after_runs_lines(comp: Any) -> list[str]:
    """Too few replicates, and the design's minimum detectable effect from the runs' own sd.

    The figure printed before the runs comes from a pilot at set scales and lengths; this one
    comes from the paired differences just made (the largest sd over the interventions), so it
    is the design's as run, though its sd is itself rough with few replicates.
    """
    from sim.analysis.power import mde_pct
    from sim.policy.report.words import FEW_REPLICATES, HARM

    rows = comp.table[comp.table["metric"] == HARM]
    if not len(rows):
        return []
    n = int(rows["n_pairs"].min())
    lines = []
    if n < FEW_REPLICATES:
        lines.append(
            f"only {n} replicate{'s' if n != 1 else ''}: too few for decisions (fewer than "
            f"{FEW_REPLICATES}); a first look: run more (--replicates) before relying on it"
        )
    sd = (100.0 * rows["diff_sd"] / rows["baseline_mean"].abs()).max()
    mde = mde_pct(float(sd), n, len(rows))
    if mde == mde:  # (NaN below two pairs)
        lines.append(
            f"after the runs: the paired differences in {HARM} had an sd of up to {sd:.2f}% of "
            f"the baseline, so this design finds a change of about {mde:.1f}% with 80% power "
            f"(the same test as before the runs; an sd from {n} pairs is itself rough)"
        )
    return lines


def main_compare(args: Any) -> int:
    """``ocgsim compare``: the command line's entry (see :mod:`sim.cli.policy`)."""
    from sim.io.guards import TerminatedError

    given = {
        k: getattr(args, k)
        for k in ("replicates", "scale", "years", "intervention_week", "seed")
        if getattr(args, k) is not None
    }
    settings = {**DEFAULTS, **given}
    if not given.keys() & {"replicates", "scale", "years"}:
        print(DEFAULTS_NOTE)
    out = args.out
    try:
        result = run_compare(
            args.scenarios,
            **settings,
            allow_short_window=args.allow_short_window,
            out=out,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=False if args.no_progress else None,
        )
    except KeyboardInterrupt:
        print("interrupted; give the same command again to continue", file=sys.stderr)
        return 130
    except TerminatedError:
        print(
            "terminated (SIGTERM); results flushed; give the same command again to continue",
            file=sys.stderr,
        )
        return 143
    except OSError as exc:
        print(
            f"ocgsim: error: could not write the results ({exc.strerror or exc}); the runs "
            "stored so far are kept; give the same command again to continue",
            file=sys.stderr,
        )
        return 1
    if result.report is not None:
        print("\n".join(summary_lines(result)))
    return result.exit_code
