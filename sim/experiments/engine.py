"""The experiment engine: plan, run, resume and report on an experiment.

The engine runs every run of an experiment's design (or one shard's share of them) on an
executor, streams results to the results folder as runs finish, and can be stopped at any moment
and resumed: a run whose row is stored is never run again.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiments.design import Design, build_design, shard_run_ids
from sim.experiments.executors import make_executor, run_one
from sim.experiments.spec import Experiment, ExperimentError, load_experiment, model_function
from sim.experiments.store import (
    ResultsStore,
    ResultsWriter,
    atomic_write_bytes,
    environment,
    now_iso,
)

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


@dataclass
class Plan:
    """The size of an experiment and an estimate of its run time.

    Attributes:
        experiment: The experiment.
        design: Its design.
        runs: Runs to carry out (in this shard).
        seconds_per_run: Calibrated seconds per run, or ``None`` without calibration.
        workers: Parallel workers assumed for the estimate.
        note: How the calibration was done.
    """

    experiment: Experiment
    design: Design
    runs: int
    seconds_per_run: float | None
    workers: int
    note: str

    @property
    def estimated_seconds(self) -> float | None:
        """Estimated wall time on ``workers`` workers."""
        if self.seconds_per_run is None:
            return None
        return self.runs * self.seconds_per_run / self.workers

    def text(self) -> str:
        """The plan, as printed by ``ocgsim plan``."""
        exp = self.experiment
        lines = [
            f"experiment: {exp.name} ({exp.path})",
            f"design: {self.design.describe()}",
            f"model: {exp.model}; seed {exp.seed}; results: {exp.out_dir}",
        ]
        if exp.fixed:
            run_bits = ", ".join(f"{k}={v}" for k, v in exp.fixed.items() if k.startswith("run."))
            if run_bits:
                lines.append(f"run settings: {run_bits}")
        lines.append(f"runs: {self.runs}")
        if self.seconds_per_run is not None:
            est = self.estimated_seconds or 0.0
            lines.append(f"calibration: {self.seconds_per_run:.3g} s per run ({self.note})")
            lines.append(
                f"estimated time: {_duration(est)} on {self.workers} worker(s) "
                f"({_duration(self.runs * self.seconds_per_run)} serially)"
            )
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s" if m else f"{s}s"


def _workers(experiment: Experiment) -> int:
    ex = experiment.execution
    if ex["executor"] == "serial":
        return 1
    return ex["workers"] or os.cpu_count() or 1


def plan_experiment(
    experiment: Experiment, *, calibrate: int = 2, shard: tuple[int, int] | None = None
) -> Plan:
    """Count the runs and estimate the time from a short calibration.

    With the ``sim`` model (whose schema has ``run.years``), the first design point is run for 1
    year (a warm-up), then timed for 1 and 2 years, and the time per run extrapolated linearly
    to the experiment's length; other models are run ``calibrate`` times at the first design
    point and the fastest run is used.

    Args:
        experiment: The experiment.
        calibrate: Calibration runs (0: no calibration, no estimate).
        shard: Count only this shard's runs.

    Returns:
        The plan.
    """
    design = build_design(experiment)
    runs = len(shard_run_ids(design.n_runs, shard))
    workers = _workers(experiment)
    if calibrate <= 0 or design.n_runs == 0:
        return Plan(experiment, design, runs, None, workers, "no calibration")
    fn = model_function(experiment)
    first = design.run(0)
    params = dict(first.params)
    years = params.get("run.years")

    def timed(p: dict[str, Any]) -> float:
        result = run_one(fn, p, first.seed, series=experiment.series)
        if result["status"] != "ok":
            last = result["error"].strip().splitlines()[-1]
            raise ExperimentError(f"{experiment.path}: calibration run failed: {last}")
        return result["seconds"]

    if isinstance(years, int) and years > 2 and calibrate >= 2:
        # the first run in a process pays for imports and caches; timing it would shrink the
        # per-year slope (a 2.4x underestimate was seen), so it is a warm-up only
        timed({**params, "run.years": 1})
        t1 = timed({**params, "run.years": 1})
        t2 = timed({**params, "run.years": 2})
        per_year = max(t2 - t1, 0.0)
        fixed = max(t1 - per_year, 0.0)
        per_run = fixed + per_year * years
        note = f"1- and 2-year runs extrapolated to {years} years"
    else:
        per_run = min(timed(params) for _ in range(max(1, calibrate)))
        note = f"fastest of {max(1, calibrate)} run(s) at design point 0"
    return Plan(experiment, design, runs, per_run, workers, note)


def _design_table(design: Design) -> Any:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "point_id": [p["point_id"] for p in design.points],
            "scenario": [p["scenario"] for p in design.points],
        }
    )
    for name in design.factor_names:
        frame[name] = [p["factors"][name] for p in design.points]
    if design.sample is not None:
        for j, name in enumerate(design.factor_names):
            frame[f"sample:{name}"] = design.sample[:, j]
    return frame


def _prepare(experiment: Experiment, design: Design, store: ResultsStore) -> dict[str, Any]:
    """Create or check the results folder; return the manifest."""
    digest = experiment.digest()
    if store.exists():
        manifest = store.manifest()
        if manifest.get("experiment_sha256") != digest:
            raise ExperimentError(
                f"{experiment.path}: results folder {store.path} holds a different experiment "
                f"({manifest.get('experiment')!r}, other file contents or --scale); choose "
                "another output folder (--out) or delete it"
            )
        return manifest
    ours = {"experiment.toml", "design.parquet", "runs", "series", "timings", "sessions"}
    if store.path.exists() and any(
        not p.name.startswith(".") and p.name not in ours for p in store.path.iterdir()
    ):
        raise ExperimentError(
            f"{experiment.path}: output folder {store.path} exists, is not empty and holds no "
            "manifest.json; choose another output folder (--out)"
        )
    import pyarrow as pa
    import pyarrow.parquet as pq

    store.path.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(store.path / "experiment.toml", experiment.text.encode("utf-8"))
    table = pa.Table.from_pandas(_design_table(design), preserve_index=False)
    buf = pa.BufferOutputStream()
    pq.write_table(table, buf)
    atomic_write_bytes(store.path / "design.parquet", buf.getvalue().to_pybytes())
    env = environment()
    manifest = {
        "experiment": experiment.name,
        "description": experiment.description,
        "experiment_file": str(Path(experiment.path).resolve()),
        "experiment_sha256": digest,
        "overrides": experiment.overrides,
        "model": experiment.model,
        "schema": experiment.schema,
        "root_seed": experiment.seed,
        "metrics": experiment.metrics,
        "series": experiment.series,
        "series_metrics": experiment.series_metrics,
        "analysis": experiment.analysis,
        "design": design.to_manifest(),
        **env,
        "executor": None,
        "shard": None,
        "created": now_iso(),
        "start_time": None,
        "end_time": None,
        "state": "created",
    }
    store.write_manifest(manifest)
    return manifest


def _chunk_size(per_run: float | None, remaining: int, slots: int, target: float) -> int:
    if per_run is None:
        return 1
    size = max(1, int(target / max(per_run, 1e-6)))
    return max(1, min(size, math.ceil(remaining / max(slots, 1)), 1000))


class _TerminatedError(Exception):
    """Raised in the main thread on SIGTERM (e.g. a batch system's time limit)."""


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
    ex = dict(experiment.execution)
    if scheduler:
        ex["scheduler"], ex["executor"] = scheduler, "dask"
    if executor:
        ex["executor"] = executor
    if workers is not None:
        ex["workers"] = workers
    if retries is not None:
        ex["retries"] = retries
    design = build_design(experiment)
    store = ResultsStore(out_dir or experiment.out_dir)
    manifest = _prepare(experiment, design, store)
    return _execute(experiment, design, store, manifest, ex, shard, retry_failed, progress)


def _execute(
    experiment: Experiment,
    design: Design,
    store: ResultsStore,
    manifest: dict[str, Any],
    ex: dict[str, Any],
    shard: tuple[int, int] | None,
    retry_failed: bool,
    progress: bool | None,
) -> RunReport:
    from tqdm.auto import tqdm

    started = time.perf_counter()
    ids = shard_run_ids(design.n_runs, shard)
    finished = store.finished()
    skip = {i for i, st in finished.items() if st == "ok" or not retry_failed}
    todo = deque(i for i in ids if i not in skip)
    prefix = "main" if shard is None else f"shard{shard[0]}of{shard[1]}"
    writer = ResultsWriter(
        store, prefix, design.factor_names, experiment.metrics, flush_seconds=ex["flush_seconds"]
    )
    failed_before = sum(1 for i in ids if finished.get(i) == "failed" and i in skip)
    ran = failed = 0
    run_executor = make_executor(ex["executor"], ex["workers"], ex["scheduler"], ex["start_method"])
    described = run_executor.describe()
    session = {
        "session": writer.session,
        "host": manifest.get("host"),
        "pid": os.getpid(),
        "executor": described,
        "shard": list(shard) if shard else None,
        "start_time": now_iso(),
        "end_time": None,
        "state": "running",
        "runs_planned": len(todo),
    }
    store.write_session(writer.session, session)
    if shard is None or not manifest.get("start_time"):
        manifest.update(
            executor=described,
            shard=list(shard) if shard else None,
            host=session["host"],
            start_time=manifest.get("start_time") or session["start_time"],
            state="running",
        )
        store.write_manifest(manifest)

    bar = tqdm(
        total=len(ids),
        initial=len(ids) - len(todo),
        unit="run",
        desc=experiment.name,
        file=sys.stderr,
        disable=None if progress is None else not progress,
        dynamic_ncols=True,
    )
    previous = None
    if threading.current_thread() is threading.main_thread():

        def _on_term(signum: int, frame: Any) -> None:
            raise _TerminatedError()

        previous = signal.signal(signal.SIGTERM, _on_term)

    state = "interrupted"
    per_run: float | None = None
    suspects: deque[int] = deque()
    crashes: dict[int, int] = {}
    inflight: dict[Any, tuple[list[int], bool]] = {}
    args = (experiment.model, experiment.series, experiment.series_metrics, ex["retries"])

    def submit(run_ids: list[int], isolated: bool) -> None:
        tasks = [(r.run_id, r.params, r.seed) for r in design.runs(run_ids)]
        future = run_executor.submit(args[0], tasks, *args[1:])
        inflight[future] = (run_ids, isolated)

    def store_result(result: dict[str, Any]) -> None:
        nonlocal ran, failed, per_run
        run = design.run(result["run_id"])
        writer.add(run, design.points[run.point_id], result)
        ran += 1
        if result["status"] != "ok":
            failed += 1
        secs = result["seconds"] / max(result["attempts"], 1)
        per_run = secs if per_run is None else 0.8 * per_run + 0.2 * secs
        bar.update(1)
        if failed:
            bar.set_postfix(failed=failed + failed_before, refresh=False)

    try:
        while todo or suspects or inflight:
            while len(inflight) < run_executor.slots and (todo or suspects):
                if suspects:
                    if inflight:
                        break  # isolate runs suspected of killing a worker
                    submit([suspects.popleft()], True)
                else:
                    size = _chunk_size(per_run, len(todo), run_executor.slots, ex["chunk_seconds"])
                    submit([todo.popleft() for _ in range(min(size, len(todo)))], False)
            for future in run_executor.wait(set(inflight), timeout=1.0):
                run_ids, isolated = inflight.pop(future)
                try:
                    results = future.result()
                except Exception as exc:  # noqa: BLE001
                    if run_executor.is_crash(exc):
                        if isolated:
                            rid = run_ids[0]
                            crashes[rid] = crashes.get(rid, 0) + 1
                            if crashes[rid] > ex["retries"]:
                                store_result(_crashed(rid, exc))
                            else:
                                suspects.appendleft(rid)
                        else:
                            suspects.extend(run_ids)
                        if run_executor.name == "processes":
                            # A broken pool loses every run in flight: re-run them one by one.
                            for ids_lost, _ in inflight.values():
                                suspects.extend(ids_lost)
                            inflight.clear()
                            run_executor.restart()
                            break
                    else:
                        for rid in run_ids:
                            store_result(_crashed(rid, exc, "could not run chunk"))
                else:
                    for result in results:
                        store_result(result)
            writer.maybe_flush()
        state = "complete"
    except (KeyboardInterrupt, _TerminatedError):
        state = "interrupted"
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        bar.close()
        writer.flush()
        try:
            run_executor.close()
        except Exception:  # noqa: BLE001 - closing must not hide the real outcome
            pass
        if state == "complete":
            store.compact(prefix, writer.session)
        session.update(end_time=now_iso(), state=state, runs_done=ran, runs_failed=failed)
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
            store.write_manifest(manifest)
    return RunReport(
        out_dir=store.path,
        total=len(ids),
        done=n_ok,
        failed=n_failed,
        remaining=len(ids) - n_ok - n_failed,
        ran=ran,
        seconds=time.perf_counter() - started,
        executor=described,
    )


def _crashed(run_id: int, exc: BaseException, what: str = "worker process died") -> dict:
    return {
        "run_id": run_id,
        "status": "failed",
        "error": f"{what}: {type(exc).__name__}: {exc}",
        "metrics": {},
        "series": None,
        "seconds": 0.0,
        "attempts": 1,
        "host": "",
    }


def _load_from_results(results_dir: str | Path, scale: float | None = None) -> Experiment:
    store = ResultsStore(results_dir)
    if not store.exists():
        raise ExperimentError(f"{results_dir}: not a results folder (no manifest.json)")
    manifest = store.manifest()
    overrides = dict(manifest.get("overrides") or {})
    overrides["out"] = str(store.path)
    source = Path(manifest.get("experiment_file", store.path / "experiment.toml")).parent
    experiment = load_experiment(
        store.path / "experiment.toml", overrides=overrides, source_dir=source
    )
    experiment.path = Path(manifest.get("experiment_file", experiment.path))
    return experiment


def resume(results_dir: str | Path, **kwargs: Any) -> RunReport:
    """Resume an interrupted experiment from its results folder.

    Args:
        results_dir: The results folder (holds ``manifest.json`` and ``experiment.toml``).
        **kwargs: As for :func:`run_experiment` (executor, workers, shard, ...).

    Returns:
        A report of what was done and what remains.
    """
    experiment = _load_from_results(results_dir)
    kwargs.setdefault("out_dir", results_dir)
    return run_experiment(experiment, **kwargs)


def status(results_dir: str | Path) -> dict[str, Any]:
    """Done, failed and remaining runs of a results folder.

    Returns:
        ``experiment``, ``total``, ``done``, ``failed``, ``remaining``, ``state``, ``sessions``
        and, if any are stored, ``failures`` (run id -> last line of the error).
    """
    store = ResultsStore(results_dir)
    if not store.exists():
        raise ExperimentError(f"{results_dir}: not a results folder (no manifest.json)")
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
    return {
        "experiment": manifest["experiment"],
        "total": total,
        "done": done,
        "failed": failed,
        "remaining": total - done - failed,
        "state": manifest.get("state"),
        "sessions": store.sessions(),
        "failures": failures,
    }
