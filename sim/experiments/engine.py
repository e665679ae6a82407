"""The experiment engine: run, resume and report on an experiment.

The engine runs every run of an experiment's design (or one shard's share of them) on an
executor, streams results to the results folder as runs finish, and can be stopped at any moment
and resumed: a run whose row is stored is never run again.

The work is shared with :mod:`sim.experiments.planning` (the plan and its time estimate, the
window check), :mod:`sim.experiments.folder` (checking, creating, locking and reading back the
results folder) and :mod:`sim.experiments.driver` (the loop that sends runs to an executor).
``Plan`` and ``plan_experiment`` are importable from here too.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiments.design import Design, build_design, shard_run_ids
from sim.experiments.driver import chunk_size, drive
from sim.experiments.executors import make_executor
from sim.experiments.folder import (
    check_folder,
    experiment_from_results,
    folder_lock,
    live_prefixes,
    prepare_folder,
    run_prefix,
)
from sim.experiments.planning import Plan, check_window, plan_experiment
from sim.experiments.spec import (
    EXECUTORS,
    Experiment,
    ExperimentError,
    check_count,
    check_scheduler,
    load_experiment,
)
from sim.experiments.store import ResultsStore, ResultsWriter, now_iso, open_results
from sim.io.files import owner_record, pid_alive
from sim.io.guards import TerminatedError, check_destination, sigterm_raises

__all__ = [
    "Plan",
    "RunReport",
    "plan_experiment",
    "resume",
    "run_experiment",
    "status",
]


@dataclass
class RunReport:
    """What a call of :func:`run_experiment` did.

    Attributes:
        out_dir: The results folder.
        total: Runs in the experiment (or in this shard).
        done: Runs stored as succeeded (experiment or shard).
        failed: Runs stored as failed.
        remaining: Runs not yet stored.
        ran: Runs carried out by this call.
        seconds: Wall time of this call.
        executor: Executor description.
    """

    out_dir: Path
    total: int
    done: int
    failed: int
    remaining: int
    ran: int
    seconds: float
    executor: str


def _options(
    experiment: Experiment,
    executor: str | None,
    workers: int | None,
    scheduler: str | None,
    retries: int | None,
) -> dict[str, Any]:
    """The experiment's ``[execution]`` settings with the call's options, checked."""
    ex = dict(experiment.execution)
    if scheduler:
        ex["scheduler"], ex["executor"] = check_scheduler(scheduler), "dask"
    if executor:
        if executor not in EXECUTORS:
            raise ExperimentError(f"--executor {executor!r}: allowed: " + ", ".join(EXECUTORS))
        ex["executor"] = executor
    if workers is not None:
        ex["workers"] = check_count(workers, "--workers")
    if retries is not None:
        ex["retries"] = check_count(retries, "--retries")
    return ex


def run_experiment(
    experiment: Experiment | str | Path,
    *,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    shard: tuple[int, int] | None = None,
    retries: int | None = None,
    retry_failed: bool = False,
    progress: bool | None = None,
    out_dir: str | Path | None = None,
) -> RunReport:
    """Run an experiment (or resume it: stored runs are not run again).

    Args:
        experiment: A validated experiment, or the path of an experiment file.
        executor: ``serial``, ``processes`` or ``dask`` (default: the file's, else
            ``processes``).
        workers: Worker processes (0: one per CPU).
        scheduler: Dask scheduler address ``tcp://host:port`` (implies ``dask``).
        shard: ``(i, n)``: run only shard ``i`` of ``n`` (run ids with ``run_id % n == i``).
        retries: Extra attempts for a run that raises.
        retry_failed: Also re-run runs stored as failed.
        progress: Show a progress bar (``None``: only on a terminal).
        out_dir: Results folder (default: the experiment's).

    Returns:
        A report of what was done and what remains.
    """
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    ex = _options(experiment, executor, workers, scheduler, retries)
    design = build_design(experiment)
    check_window(experiment, design)
    # everything that can be checked is checked before anything is written or run
    store = ResultsStore(out_dir or experiment.out_dir)
    option = "--out" if out_dir else experiment.out_source
    check_destination(store.path, option, new=False, need_bytes=5_000_000)
    check_folder(experiment, store)
    run_executor = _make_executor(ex)
    created = [p for p in (store.path, *store.path.parents) if not p.exists()]
    try:
        store.path.mkdir(parents=True, exist_ok=True)
        with sigterm_raises(), folder_lock(store, shard):
            manifest = prepare_folder(experiment, design, store)
            return _execute(
                experiment, design, store, manifest, ex, shard, retry_failed, progress, run_executor
            )
    finally:
        with contextlib.suppress(Exception):  # _execute closes it; this covers earlier failures
            run_executor.close(force=True)
        for folder in created:  # a folder made for nothing is removed again
            with contextlib.suppress(OSError):
                folder.rmdir()


def _make_executor(ex: dict[str, Any]) -> Any:
    """Start the executor (connect to Dask) before the results folder is touched.

    Raises:
        ExperimentError: One line if the executor cannot start (no scheduler answers).
    """
    try:
        return make_executor(ex["executor"], ex["workers"], ex["scheduler"], ex["start_method"])
    except ExperimentError:
        raise
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if ex["scheduler"]:
            raise ExperimentError(
                f"--scheduler {ex['scheduler']}: {reason}; allowed: the tcp://HOST:PORT of a "
                "running Dask scheduler"
            ) from None
        raise ExperimentError(f"--executor {ex['executor']}: could not start ({reason})") from None


def _execute(
    experiment: Experiment,
    design: Design,
    store: ResultsStore,
    manifest: dict[str, Any],
    ex: dict[str, Any],
    shard: tuple[int, int] | None,
    retry_failed: bool,
    progress: bool | None,
    run_executor: Any,
) -> RunReport:
    from tqdm.auto import tqdm

    started = time.perf_counter()
    ids = shard_run_ids(design.n_runs, shard)
    store.drop_orphans(live_prefixes(store))
    finished = store.finished()
    skip = {i for i, st in finished.items() if st == "ok" or not retry_failed}
    todo = deque(i for i in ids if i not in skip)
    prefix = run_prefix(shard)
    writer = ResultsWriter(
        store, prefix, design.factor_names, experiment.metrics, flush_seconds=ex["flush_seconds"]
    )
    failed_before = sum(1 for i in ids if finished.get(i) == "failed" and i in skip)
    described = run_executor.describe()
    session = _start_session(store, manifest, writer.session, described, shard, len(todo))
    bar = tqdm(
        total=len(ids),
        initial=len(ids) - len(todo),
        unit="run",
        desc=experiment.name,
        file=sys.stderr,
        disable=None if progress is None else not progress,
        dynamic_ncols=True,
    )
    tally = _Tally(design, writer, bar, failed_before)
    state = "interrupted"
    args = (experiment.model, experiment.series, experiment.series_metrics, ex["retries"])
    try:
        drive(
            design,
            todo,
            run_executor,
            args,
            tally.add,
            chunk=lambda left: chunk_size(
                tally.per_run, left, run_executor.slots, ex["chunk_seconds"]
            ),
            retries=ex["retries"],
            after=writer.maybe_flush,
        )
        state = "complete"
    except (KeyboardInterrupt, TerminatedError):
        state = "interrupted"
        raise
    except BaseException:
        state = "failed"
        raise
    finally:
        bar.close()
        try:
            run_executor.close(force=state != "complete")
        except Exception:  # noqa: BLE001 - closing must not hide the real outcome
            pass
        n_ok, n_failed = _finish(store, design, ids, writer, session, shard, state, tally)
    return RunReport(
        out_dir=store.path,
        total=len(ids),
        done=n_ok,
        failed=n_failed,
        remaining=len(ids) - n_ok - n_failed,
        ran=tally.ran,
        seconds=time.perf_counter() - started,
        executor=described,
    )


class _Tally:
    """This call's runs: stored as they come, counted, timed and shown on the progress bar."""

    def __init__(self, design: Design, writer: ResultsWriter, bar: Any, failed_before: int):
        self.design, self.writer, self.bar, self.failed_before = design, writer, bar, failed_before
        self.ran = self.failed = 0
        self.per_run: float | None = None

    def add(self, result: dict[str, Any]) -> None:
        """Store one run's result (``drive``'s ``store_result``)."""
        run = self.design.run(result["run_id"])
        self.writer.add(run, self.design.points[run.point_id], result)
        self.ran += 1
        if result["status"] != "ok":
            self.failed += 1
        secs = result["seconds"] / max(result["attempts"], 1)
        self.per_run = secs if self.per_run is None else 0.8 * self.per_run + 0.2 * secs
        self.bar.update(1)
        if self.failed:
            self.bar.set_postfix(failed=self.failed + self.failed_before, refresh=False)


def _start_session(
    store: ResultsStore,
    manifest: dict[str, Any],
    name: str,
    described: str,
    shard: tuple[int, int] | None,
    planned: int,
) -> dict[str, Any]:
    """Record this call's session (and the start in the manifest); return the session."""
    owner = owner_record()
    session = {
        "session": name,
        "host": owner["host"],
        "pid": os.getpid(),
        "pid_start": owner["pid_start"],
        "executor": described,
        "shard": list(shard) if shard else None,
        "start_time": now_iso(),
        "end_time": None,
        "state": "running",
        "runs_planned": planned,
    }
    store.write_session(name, session)
    if shard is None or not manifest.get("start_time"):
        manifest.update(
            executor=described,
            shard=list(shard) if shard else None,
            host=session["host"],
            start_time=manifest.get("start_time") or session["start_time"],
            state="running",
        )
        store.write_manifest(manifest)
    return session


def _finish(
    store: ResultsStore,
    design: Design,
    ids: range,
    writer: ResultsWriter,
    session: dict[str, Any],
    shard: tuple[int, int] | None,
    state: str,
    tally: _Tally,
) -> tuple[int, int]:
    """Flush, record the session's end and the experiment's state; return (done, failed)."""
    # After an interruption or a write failure, writing must not hide the real outcome.
    quiet = contextlib.suppress(OSError) if state != "complete" else contextlib.nullcontext()
    with quiet:
        writer.flush()
    if state == "complete":
        store.compact(run_prefix(shard), writer.session)
    session.update(end_time=now_iso(), state=state, runs_done=tally.ran, runs_failed=tally.failed)
    with quiet:
        store.write_session(writer.session, session)
    stored = store.finished()
    n_ok = sum(1 for i in ids if stored.get(i) == "ok")
    n_failed = sum(1 for i in ids if stored.get(i) == "failed")
    manifest = store.manifest()
    all_done = len(stored) >= design.n_runs
    manifest.update(
        end_time=now_iso(),
        state="complete" if all_done else ("partial" if state == "complete" else state),
    )
    if shard is None or all_done:
        with quiet:
            store.write_manifest(manifest)
    return n_ok, n_failed


def resume(results_dir: str | Path, **kwargs: Any) -> RunReport:
    """Resume an interrupted experiment from its results folder.

    Args:
        results_dir: The results folder (holds ``manifest.json`` and ``experiment.toml``).
        **kwargs: As for :func:`run_experiment` (executor, workers, shard, ...).

    Returns:
        A report of what was done and what remains.
    """
    experiment = experiment_from_results(results_dir)
    kwargs.setdefault("out_dir", results_dir)
    return run_experiment(experiment, **kwargs)


def status(results_dir: str | Path) -> dict[str, Any]:
    """Done, failed and remaining runs of a results folder.

    Returns:
        ``experiment``, ``total``, ``done``, ``failed``, ``remaining``, ``state``, ``sessions``
        and, if any are stored, ``failures`` (run id -> last line of the error).
    """
    store = open_results(results_dir)
    manifest = store.manifest()
    total = manifest["design"]["n_runs"]
    finished = store.finished()
    done = sum(1 for s in finished.values() if s == "ok")
    failed = sum(1 for s in finished.values() if s == "failed")
    failures: dict[int, str] = {}
    if failed:
        runs = store.runs()
        for row in runs[runs["status"] != "ok"].head(20).itertuples():
            text = str(row.error or "").strip().splitlines()
            failures[int(row.run_id)] = text[-1] if text else ""
    sessions = store.sessions()
    live = False
    for s in sessions:
        if s.get("state") != "running":
            continue
        alive = pid_alive(s.get("pid"), s.get("host"), s.get("pid_start"))
        if alive is False:
            s["state"] = "died (its process is gone; ocgsim resume continues it)"
        elif alive is None:
            s["state"] = "running? (on another host; cannot check)"
            live = True
        else:
            live = True
    state = manifest.get("state")
    if state == "running" and not live:
        state = "interrupted (no live session)"
    return {
        "experiment": manifest["experiment"],
        "total": total,
        "done": done,
        "failed": failed,
        "remaining": total - done - failed,
        "state": state,
        "sessions": sessions,
        "failures": failures,
    }
