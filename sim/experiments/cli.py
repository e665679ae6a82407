"""Command-line subcommands of the experiment engine: plan, experiment, resume, status, analyse.

``sim.cli.main`` calls :func:`register` with its subparsers; each subcommand sets
``func(args) -> int``.
User errors are raised as ``ScenarioError`` (one line), which ``sim.cli.main`` prints with
exit code 2.

Exit codes of ``experiment`` and ``resume``: 0 every run succeeded; 1 results could not be written
(e.g. a full disk: the runs stored so far are kept, resume continues); 2 bad input (nothing
written); 3 some runs failed (stored as data); 4 runs remain (a shard, or stopped); 130 after
Ctrl-C and 143 after SIGTERM (results flushed; resume continues).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any

from sim.experiments.design import parse_shard
from sim.experiments.spec import DEFAULT_SCHEMA, EXECUTORS, ExperimentError, load_experiment
from sim.io.guards import check_work_size, schedule_warnings
from sim.params import spec

__all__ = [
    "check_executor_options",
    "check_experiment",
    "planned_runs",
    "register",
    "set_aside_damaged_files",
]

EXIT_OK, EXIT_FAILURES, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 3, 4, 130
EXIT_WRITE, EXIT_TERMINATED = 1, 143


def _add_identity(p: argparse.ArgumentParser) -> None:
    """Options that change what an experiment computes (and so its results folder's identity)."""
    p.add_argument("--scale", type=float, help="override the experiment's run.scale")
    p.add_argument("--years", type=int, help="override the experiment's years (run.years)")
    p.add_argument("--replicates", type=int, help="override the experiment's replicates")
    p.add_argument(
        "--allow-short-window",
        action="store_true",
        help="accept a summary window (burn-in week to the end) under 52 weeks",
    )


def _identity(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "scale": args.scale,
        "years": args.years,
        "replicates": args.replicates,
        "allow_short_window": args.allow_short_window or None,
    }


def add_executor_options(
    p: argparse.ArgumentParser,
    *,
    where: str = "a local process pool",
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> None:
    """Add ``--executor``, ``--workers`` and ``--scheduler`` (every command that runs runs).

    Args:
        p: The subcommand's parser.
        where: The default executor, in words (for the help).
        executor: Default of ``--executor``.
        workers: Default of ``--workers`` (None: one per CPU, decided later; 0 says the same).
        scheduler: Default of ``--scheduler``.
    """
    p.add_argument(
        "--executor", choices=EXECUTORS, default=executor, help=f"where to run (default: {where})"
    )
    per_cpu = "default: one per CPU" if workers is None else f"{workers}: one per CPU"
    p.add_argument("--workers", type=int, default=workers, help=f"worker processes ({per_cpu})")
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        default=scheduler,
        help="address of a running Dask scheduler (implies --executor dask)",
    )


def _load(path: str, overrides: dict[str, Any]) -> Any:
    """``load_experiment``, with a file nested too deeply for the TOML parser as bad input."""
    try:
        return load_experiment(path, overrides=overrides)
    except RecursionError:
        raise ExperimentError(
            f"{path}: malformed TOML: arrays or tables nested too deeply; allowed: an experiment "
            "file of [table]s and key = value lines"
        ) from None


def check_executor_options(
    executor: str | None,
    workers: int | None,
    scheduler: str | None,
    file_executor: str | None = None,
    where: str = "",
) -> None:
    """Refuse ``--executor``, ``--workers`` and ``--scheduler`` that contradict each other.

    Args:
        executor: ``--executor`` as given (None: not given).
        workers: ``--workers`` as given (None: not given).
        scheduler: ``--scheduler`` as given (None or "": not given).
        file_executor: The experiment file's ``execution.executor``, if any.
        where: The experiment file, for the message.

    Raises:
        ExperimentError: One line naming both options and what is allowed.
    """
    if scheduler and executor and executor != "dask":
        raise ExperimentError(
            f"--executor {executor} --scheduler {scheduler}: a scheduler address runs the runs "
            "on Dask; allowed: --scheduler alone (or with --executor dask), or --executor "
            "without --scheduler"
        )
    serial = executor == "serial" or (not executor and file_executor == "serial")
    if not scheduler and serial and workers is not None and workers > 1:
        named = "--executor serial" if executor else f"execution.executor = 'serial' in {where}"
        raise ExperimentError(
            f"--workers {workers} with {named}: the serial executor makes one run at a time; "
            "allowed: --workers with --executor processes or dask, or no --workers"
        )


def planned_runs(experiment: Any) -> int:
    """The runs an experiment's design makes, counted without building the design.

    Args:
        experiment: A validated experiment (``sim.experiments.spec.Experiment``).

    Returns:
        Design points times replicates (as ``sim.experiments.design.build_design`` makes them).
    """
    kind, design = experiment.design_type, experiment.design
    d = len(experiment.factors)
    if kind == "scenarios":
        points = len(experiment.scenarios)
    elif kind == "grid":
        points = math.prod(len(v) for v in experiment.factors.values())
    elif kind == "lhs":
        points = design["n"]
    elif kind == "sobol":
        points = design["n"] * (2 * d + 2 if design["second_order"] else d + 2)
    elif kind == "morris":
        points = design["trajectories"] * (d + 1)
    else:
        points = 1
    return points * experiment.replicates


def check_experiment(experiment: Any, workers: int | None) -> None:
    """Checks made before an experiment's design is built: its size and its schedules.

    Prints a one-line warning for each scenario with dated interventions in the burn-in.

    Raises:
        ScenarioError: Work that would not finish, or a schedule entry after the run's end.
    """
    default_schema = experiment.schema == DEFAULT_SCHEMA
    fixed = experiment.fixed if default_schema else {}
    weeks = int(round(fixed["run.years"] * 52)) if "run.years" in fixed else None
    if default_schema and weeks is None:
        weeks = int(round(spec("run.years").default * 52))
    runs = planned_runs(experiment)
    if "replicates" in experiment.overrides:
        what = f"--replicates {experiment.replicates}"
    else:
        what = f"{experiment.path}: replicates = {experiment.replicates}"
    what += f" ({runs // experiment.replicates:,} design points)"
    if experiment.execution.get("executor") == "serial" and not workers:
        slots = 1
    else:
        slots = workers or experiment.execution.get("workers") or os.cpu_count() or 1
    check_work_size(runs, weeks, slots, what)
    if not default_schema:
        return
    refs = [experiment.scenario, *(ref for _, ref, _ in experiment.scenarios)]
    years_from = "--years" if "years" in experiment.overrides else "experiment.years"
    for line in schedule_warnings(refs, fixed, years_from):
        print(f"ocgsim: warning: {line}", file=sys.stderr)


def _add_execution(p: argparse.ArgumentParser) -> None:
    add_executor_options(p, where="the file's, else a local process pool")
    p.add_argument(
        "--shard",
        metavar="I/N",
        help="run only shard I of N (0 <= I < N), e.g. $SLURM_ARRAY_TASK_ID/N",
    )
    p.add_argument("--retries", type=int, help="extra attempts for a run that raises")
    p.add_argument("--retry-failed", action="store_true", help="also re-run runs stored as failed")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def register(subparsers: Any) -> None:
    """Add the ``plan``, ``experiment``, ``resume``, ``status`` and ``analyse`` subcommands.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.
    """
    p = subparsers.add_parser("plan", help="count the runs of an experiment and estimate the time")
    p.add_argument("experiment", help="experiment file (or name of a shipped experiment)")
    _add_identity(p)
    p.add_argument("--shard", metavar="I/N", help="count only shard I of N")
    p.add_argument("--workers", type=int, help="workers assumed for the estimate")
    p.add_argument(
        "--calibrate",
        type=int,
        default=2,
        metavar="K",
        help="calibration runs (0: none; default 2)",
    )
    p.set_defaults(func=cmd_plan)

    p = subparsers.add_parser("experiment", help="run an experiment file (resumes if started)")
    p.add_argument("experiment", help="experiment file (or name of a shipped experiment)")
    _add_identity(p)
    p.add_argument("--out", help="results folder (default: results/<experiment name>/)")
    _add_execution(p)
    p.set_defaults(func=cmd_experiment)

    p = subparsers.add_parser("resume", help="resume an interrupted experiment")
    p.add_argument("results", help="results folder of the experiment")
    _add_execution(p)
    p.set_defaults(func=cmd_resume)

    p = subparsers.add_parser("status", help="show done / failed / remaining runs")
    p.add_argument("results", help="results folder of the experiment")
    p.set_defaults(func=cmd_status)

    p = subparsers.add_parser("analyse", help="tables and figures from an experiment's results")
    p.add_argument("results", help="results folder of the experiment")
    p.add_argument(
        "--metric",
        action="append",
        dest="metrics",
        help="metric to analyse (repeatable; default: the file's, else the headline metrics)",
    )
    p.add_argument("--all-metrics", action="store_true", help="analyse every metric in the results")
    p.add_argument("--baseline", help="scenario to compare against (default: the first)")
    p.add_argument(
        "--precision", type=float, help="wanted CI half-width as a share of the mean (default 0.05)"
    )
    p.add_argument("--resamples", type=int, help="bootstrap resamples for Sobol/Morris")
    p.add_argument("--out", help="folder for tables and figures (default: RESULTS/analysis)")
    p.add_argument("--no-plots", action="store_true", help="tables only")
    p.set_defaults(func=cmd_analyse)


def set_aside_damaged_files(results: Any, digest: str | None = None) -> None:
    """Rename the damaged part files of a results folder, if it holds an experiment.

    Prints one warning line per damaged file; its runs count as not run, so the command that
    continues the experiment (``resume``, ``experiment``, ``compare``) runs them again.

    Args:
        results: The results folder.
        digest: Only if the folder holds the experiment of this digest (``Experiment.digest``):
            a folder of another experiment is left alone (the command then refuses it).
    """
    from sim.experiments.integrity import set_aside_damaged
    from sim.experiments.store import ResultsStore

    store = ResultsStore(results)
    if not store.exists():
        return
    if digest is not None:
        try:
            if store.manifest().get("experiment_sha256") != digest:
                return
        except (OSError, ValueError, AttributeError):
            return
    for path, reason in set_aside_damaged(store):
        print(
            f"ocgsim: warning: {path} could not be read ({reason}): set aside as "
            f"{path.name}.damaged with the parts written with it; their runs are run again",
            file=sys.stderr,
        )


def _first_failure(out_dir: Any) -> str | None:
    """The last line of the first stored failure's error, for the summary."""
    from sim.experiments.store import ResultsStore

    try:
        runs = ResultsStore(out_dir).runs()
    except Exception:  # noqa: BLE001 - the summary must not fail on a second problem
        return None
    failed = runs[runs["status"] != "ok"]
    if failed.empty:
        return None
    row = failed.iloc[0]
    lines = str(row["error"] or "").strip().splitlines()
    return f"run {int(row['run_id'])}: {lines[-1] if lines else 'no error recorded'}"


def _print_report(report: Any) -> int:
    print(
        f"{report.out_dir}: {report.done} done, {report.failed} failed, {report.remaining} "
        f"remaining of {report.total} ({report.ran} run now in {report.seconds:.1f} s on "
        f"{report.executor})"
    )
    if report.failed:
        first = _first_failure(report.out_dir)
        if first:
            print(f"first failure: {first} (all: ocgsim status {report.out_dir})")
    if report.remaining:
        print(f"resume with: ocgsim resume {report.out_dir}")
        return EXIT_INCOMPLETE
    return EXIT_FAILURES if report.failed else EXIT_OK


def _run_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    from sim.experiments.spec import check_count, check_scheduler

    if args.workers is not None:
        check_count(args.workers, "--workers")
    if args.retries is not None:
        check_count(args.retries, "--retries")
    if args.scheduler is not None:
        check_scheduler(args.scheduler)
    check_executor_options(args.executor, args.workers, args.scheduler)
    return {
        "executor": args.executor,
        "workers": args.workers,
        "scheduler": args.scheduler,
        "shard": parse_shard(args.shard),
        "retries": args.retries,
        "retry_failed": args.retry_failed,
        "progress": False if args.no_progress else None,
    }


def _run_guarded(out_dir: Any, run: Any) -> int:
    """Run ``run()`` (an experiment or a resume); turn stops and write failures into one line."""
    from sim.io.guards import TerminatedError

    try:
        report = run()
    except KeyboardInterrupt:
        print(f"interrupted; resume with: ocgsim resume {out_dir}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except TerminatedError:
        print(
            f"terminated (SIGTERM); results flushed; resume with: ocgsim resume {out_dir}",
            file=sys.stderr,
        )
        return EXIT_TERMINATED
    except OSError as exc:
        print(
            f"ocgsim: error: results folder {out_dir}: could not write ({exc.strerror or exc}); "
            f"the runs stored so far are kept; resume with: ocgsim resume {out_dir}",
            file=sys.stderr,
        )
        return EXIT_WRITE
    return _print_report(report)


def cmd_plan(args: argparse.Namespace) -> int:
    """``ocgsim plan EXPERIMENT``: print the number of runs and an estimated time."""
    from sim.experiments.engine import plan_experiment
    from sim.experiments.spec import check_count

    if args.workers is not None:
        check_count(args.workers, "--workers")
    if args.calibrate < 0:
        raise ExperimentError(
            f"--calibrate {args.calibrate}: allowed: a whole number >= 0 (0: no calibration runs)"
        )
    experiment = _load(args.experiment, {**_identity(args), "workers": args.workers})
    check_experiment(experiment, args.workers)
    plan = plan_experiment(experiment, calibrate=args.calibrate, shard=parse_shard(args.shard))
    print(plan.text())
    note = _small_scale(experiment)
    if note:
        print(f"ocgsim: note: {note}", file=sys.stderr)
    return EXIT_OK


def _small_scale(experiment) -> str | None:
    """The small-scale note for an experiment of ocgsim's model whose fixed scale is below 0.1."""
    from sim.experiments.spec import DEFAULT_MODEL
    from sim.io.guards import small_scale_note

    if experiment.model != DEFAULT_MODEL or "run.scale" not in experiment.fixed:
        return None
    return small_scale_note(float(experiment.fixed["run.scale"]))


def cmd_experiment(args: argparse.Namespace) -> int:
    """``ocgsim experiment EXPERIMENT``: run (or continue) an experiment."""
    from sim.experiments.engine import run_experiment

    kwargs = _run_kwargs(args)
    experiment = _load(args.experiment, {**_identity(args), "out": args.out})
    check_executor_options(
        args.executor,
        args.workers,
        args.scheduler,
        experiment.execution.get("executor"),
        str(experiment.path),
    )
    check_experiment(experiment, args.workers)
    out = experiment.out_dir if args.out is None else args.out
    set_aside_damaged_files(out, experiment.digest())
    return _run_guarded(experiment.out_dir, lambda: run_experiment(experiment, **kwargs))


def cmd_resume(args: argparse.Namespace) -> int:
    """``ocgsim resume RESULTS``: run the runs not yet stored."""
    from sim.experiments.engine import resume

    kwargs = _run_kwargs(args)
    set_aside_damaged_files(args.results)
    return _run_guarded(args.results, lambda: resume(args.results, **kwargs))


def cmd_status(args: argparse.Namespace) -> int:
    """``ocgsim status RESULTS``: done / failed / remaining."""
    from sim.experiments.engine import status

    st = status(args.results)
    state = st["state"]
    if state == "complete" and st["remaining"]:
        state = (
            f"incomplete: {st['remaining']} runs are missing from runs/ (removed or set aside); "
            f"ocgsim resume {args.results} runs them"
        )
    print(
        f"{st['experiment']}: {st['done']} done, {st['failed']} failed, {st['remaining']} "
        f"remaining of {st['total']} (state: {state})"
    )
    for s in st["sessions"]:
        shard = f" shard {s['shard'][0]}/{s['shard'][1]}" if s.get("shard") else ""
        print(
            f"  session {s['session']}{shard}: {s.get('state')} on {s.get('host')} "
            f"({s.get('executor')}), {s.get('start_time')} -> {s.get('end_time') or '...'}, "
            f"{s.get('runs_done', '?')} runs"
        )
    for run_id, line in st["failures"].items():
        print(f"  failed run {run_id}: {line}")
    return EXIT_OK


def cmd_analyse(args: argparse.Namespace) -> int:
    """``ocgsim analyse RESULTS``: write tables and figures; print the main findings."""
    from sim.analysis import analyse
    from sim.experiments.store import require_runs

    require_runs(args.results)
    report = analyse(
        args.results,
        metrics=args.metrics,
        baseline=args.baseline,
        precision=args.precision,
        resamples=args.resamples,
        plots=not args.no_plots,
        out_dir=args.out,
        all_metrics=args.all_metrics,
        strict=True,
    )
    for line in report.alerts:
        print(f"WARNING: {line}", file=sys.stderr)
    print(report.text())
    return EXIT_OK
