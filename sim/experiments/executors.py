"""Executors: where runs are carried out (in process, a local process pool, or Dask).

Runs are sent in chunks (a list of runs) to :func:`run_chunk`, a module-level function that
imports the model by its ``"module:function"`` name, so it can be pickled to spawned processes
and Dask workers alike. A run that raises is returned as a failure with its traceback; a worker
process that dies is detected by the engine, which re-runs the affected runs one at a time.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import importlib
import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import numpy as np

__all__ = [
    "DaskExecutor",
    "ProcessExecutor",
    "SerialExecutor",
    "local_executor",
    "make_executor",
    "run_all",
    "run_chunk",
    "run_one",
    "watch_parent",
]

#: Seconds between a worker's checks that the process that started it is still alive.
PARENT_POLL_SECONDS = 0.5
#: Seconds to wait for a Dask scheduler to answer.
SCHEDULER_TIMEOUT = 10.0


def watch_parent(parent_pid: int, poll: float = PARENT_POLL_SECONDS) -> None:
    """Exit this (worker) process as soon as ``parent_pid`` is no longer its parent.

    Runs as the initializer of every pool worker: if the engine's process is killed (SIGKILL,
    out of memory) its workers would otherwise run on, orphaned, holding memory and CPUs. A
    daemon thread polls ``os.getppid()``, which changes when the parent dies. Workers also
    ignore Ctrl-C (SIGINT goes to the whole process group): the engine stops them itself, so
    an interrupted experiment prints one line, not a traceback per worker.
    """
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(poll)

    threading.Thread(target=_watch, name="ocgsim-watch-parent", daemon=True).start()


@functools.lru_cache(maxsize=8)
def _model(ref: str) -> Any:
    module_name, attr = ref.split(":")
    return getattr(importlib.import_module(module_name), attr)


def _metrics(summary: Any) -> dict[str, float]:
    if not isinstance(summary, dict):
        raise TypeError(f"model returned {type(summary).__name__}, expected dict[str, float]")
    out = {}
    for key, value in summary.items():
        try:
            out[str(key)] = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"metric {key!r} = {value!r} is not a number") from None
    return out


def _long_series(frame: Any, keep: list[str]) -> dict[str, Any]:
    """Weekly DataFrame (``week`` + metric columns) -> long arrays (week, metric, value)."""
    cols = [c for c in frame.columns if c != "week" and (not keep or c in keep)]
    weeks = np.asarray(frame["week"], dtype=np.int64)
    return {
        "week": np.tile(weeks, len(cols)),
        "metric": np.repeat(np.array(cols, dtype=object), len(weeks)),
        "value": np.concatenate(
            [np.asarray(frame[c], dtype=np.float64) for c in cols] or [np.empty(0)]
        ),
    }


def run_one(
    model: Any,
    params: dict[str, Any],
    seed: int,
    *,
    series: bool = False,
    series_metrics: list[str] | None = None,
    retries: int = 0,
) -> dict[str, Any]:
    """Run the model once (with retries) and capture the outcome.

    Args:
        model: The model callable or its ``"module:function"`` name.
        params: Parameters for the model.
        seed: The run's seed.
        series: Whether to ask the model for its weekly series.
        series_metrics: Which series to keep (empty: all).
        retries: Extra attempts after a failure.

    Returns:
        ``status`` ("ok" or "failed"), ``error`` (traceback or ``None``), ``metrics``,
        ``series`` (long arrays or ``None``), ``seconds`` and ``attempts``.
    """
    fn = _model(model) if isinstance(model, str) else model
    start = time.perf_counter()
    error = None
    for attempt in range(1, retries + 2):
        try:
            if series:
                summary, frame = fn(dict(params), seed, series=True)
                long = _long_series(frame, series_metrics or [])
            else:
                summary, long = fn(dict(params), seed), None
            return {
                "status": "ok",
                "error": None,
                "metrics": _metrics(summary),
                "series": long,
                "seconds": time.perf_counter() - start,
                "attempts": attempt,
            }
        except Exception:  # noqa: BLE001 - a failing run is data, not a crash of the sweep
            error = traceback.format_exc()
    return {
        "status": "failed",
        "error": error,
        "metrics": {},
        "series": None,
        "seconds": time.perf_counter() - start,
        "attempts": retries + 1,
    }


def run_chunk(
    model: str,
    tasks: list[tuple[int, dict[str, Any], int]],
    series: bool,
    series_metrics: list[str],
    retries: int,
) -> list[dict[str, Any]]:
    """Run a chunk of runs; the unit of work sent to a worker.

    Args:
        model: ``"module:function"`` of the model (or a picklable callable).
        tasks: ``(run_id, params, seed)`` per run.
        series: Whether to keep weekly series.
        series_metrics: Which series to keep (empty: all).
        retries: Extra attempts after a failure.

    Returns:
        One result dict per run (see :func:`run_one`) with its ``run_id`` and ``host``.
    """
    host = f"{os.uname().nodename}:{os.getpid()}"
    out = []
    for run_id, params, seed in tasks:
        result = run_one(
            model, params, seed, series=series, series_metrics=series_metrics, retries=retries
        )
        result["run_id"] = run_id
        result["host"] = host
        out.append(result)
    return out


class SerialExecutor:
    """Runs each chunk in this process, at submission."""

    name = "serial"
    slots = 1

    def submit(self, *args: Any) -> cf.Future:
        """Run ``run_chunk(*args)`` now and return a completed future."""
        future: cf.Future = cf.Future()
        try:
            future.set_result(run_chunk(*args))
        except BaseException as exc:  # noqa: BLE001
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            future.set_exception(exc)
        return future

    def wait(self, futures: set, timeout: float | None) -> set:
        """Futures that are done (all of them: serial futures complete at once)."""
        return set(futures)

    def is_crash(self, exc: BaseException) -> bool:
        """Whether an exception means a worker died (never, in process)."""
        return False

    def restart(self) -> None:
        """Nothing to restart."""

    def close(self, force: bool = False) -> None:
        """Nothing to close."""

    def describe(self) -> str:
        """Executor name for the manifest."""
        return "serial"


class ProcessExecutor:
    """A local pool of worker processes (``concurrent.futures``); the embedded default.

    Args:
        workers: Number of processes (0: one per CPU).
        start_method: ``spawn`` (default, safe from notebooks and threads), ``forkserver`` or
            ``fork``.
    """

    name = "processes"

    def __init__(self, workers: int = 0, start_method: str = "spawn"):
        self.workers = workers or os.cpu_count() or 1
        self.start_method = start_method
        self.slots = 2 * self.workers
        self._pool = self._new_pool()

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        ctx = multiprocessing.get_context(self.start_method)
        return cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=ctx,
            initializer=watch_parent,
            initargs=(os.getpid(),),
        )

    def submit(self, *args: Any) -> cf.Future:
        """Submit ``run_chunk(*args)`` to the pool.

        The pool starts a worker on demand inside ``submit``. Ctrl-C is held back (blocked, not
        lost) while it does, so that a worker cannot be interrupted before its initializer
        (:func:`watch_parent`) makes it ignore Ctrl-C; a new worker inherits the block and so
        never sees the key, and the engine receives it as soon as the submit returns.
        """
        if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not on POSIX
            return self._pool.submit(run_chunk, *args)
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return self._pool.submit(run_chunk, *args)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def wait(self, futures: set, timeout: float | None) -> set:
        """Wait until at least one future is done (or the timeout passes)."""
        done, _ = cf.wait(futures, timeout=timeout, return_when=cf.FIRST_COMPLETED)
        return done

    def is_crash(self, exc: BaseException) -> bool:
        """Whether an exception means a worker process died."""
        from concurrent.futures.process import BrokenProcessPool

        return isinstance(exc, BrokenProcessPool)

    def restart(self) -> None:
        """Replace a broken pool by a fresh one."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool()

    def close(self, force: bool = False) -> None:
        """Shut the pool down, cancelling work not started.

        Args:
            force: Also stop runs in progress at once (after an interruption): their results
                would be thrown away anyway, and a batch system's grace period is short.
        """
        if force:
            # ProcessPoolExecutor has no public way to stop running work (before Python 3.14)
            for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
                with contextlib.suppress(Exception):
                    proc.terminate()
        self._pool.shutdown(wait=not force, cancel_futures=True)

    def describe(self) -> str:
        """Executor name for the manifest."""
        return f"processes ({self.workers} workers, {self.start_method})"


class DaskExecutor:
    """A Dask distributed cluster: a new ``LocalCluster`` or an existing scheduler.

    Args:
        scheduler: ``tcp://host:port`` of a running scheduler (e.g. one started by
            dask-jobqueue on SLURM/PBS), or empty for a local cluster.
        workers: Workers of the local cluster (0: one per CPU).
    """

    name = "dask"

    def __init__(self, scheduler: str = "", workers: int = 0):
        from distributed import Client, LocalCluster

        self.scheduler = scheduler
        self._cluster = None
        if scheduler:
            _reachable(scheduler)
            try:
                self.client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT:g}s")
            except (OSError, TimeoutError) as exc:
                raise OSError(
                    f"no Dask scheduler answered at {scheduler} within {SCHEDULER_TIMEOUT:g} s "
                    f"({type(exc).__name__})"
                ) from None
        else:
            n = workers or os.cpu_count() or 1
            self._cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                host="127.0.0.1",
            )
            self.client = Client(self._cluster)
        threads = sum(
            w.get("nthreads", 1) for w in self.client.scheduler_info().get("workers", {}).values()
        )
        self.workers = max(1, threads)
        self.slots = 2 * self.workers

    def submit(self, *args: Any) -> Any:
        """Submit ``run_chunk(*args)`` to the cluster."""
        return self.client.submit(run_chunk, *args, pure=False)

    def wait(self, futures: set, timeout: float | None) -> set:
        """Wait until at least one future is done (or the timeout passes)."""
        from distributed import wait

        try:
            done, _ = wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set()
        return set(done)

    def is_crash(self, exc: BaseException) -> bool:
        """Whether an exception means a worker died (Dask gave up on the task)."""
        from distributed import KilledWorker

        return isinstance(exc, KilledWorker)

    def restart(self) -> None:
        """Nothing to do: Dask replaces lost workers itself."""

    def close(self, force: bool = False) -> None:
        """Disconnect (and stop the local cluster, if we started one); again is a no-op."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def describe(self) -> str:
        """Executor name for the manifest."""
        where = self.scheduler or "LocalCluster"
        return f"dask ({where}, {self.workers} worker threads)"


def _reachable(address: str, timeout: float = 5.0) -> None:
    """Fail fast if nothing listens at a ``tcp://host:port`` address.

    Raises:
        OSError: With a one-line reason (connection refused, unknown host, timeout).
    """
    parts = urlsplit(address)
    if parts.scheme != "tcp" or not parts.hostname or not parts.port:
        return  # other transports: leave it to Dask
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OSError(f"nothing answers at {address} ({reason})") from None


def local_executor(workers: int) -> Any:
    """An executor on this machine: in this process for one worker, else a process pool."""
    return make_executor("serial" if workers == 1 else "processes", workers)


def make_executor(
    kind: str, workers: int = 0, scheduler: str = "", start_method: str = "spawn"
) -> Any:
    """Create an executor by name: ``serial``, ``processes`` or ``dask``."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers, start_method)
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    raise ValueError(f"unknown executor {kind!r}")


def run_all(
    executor: Any,
    tasks: list[tuple[int, dict[str, Any], int]],
    progress: Callable[[int], None] | None = None,
) -> dict[int, dict[str, float]]:
    """Run ``tasks`` (``(run_id, params, seed)``), each in its own chunk; run_id -> summary.

    For a caller with its own design (history matching, comparisons over plausible worlds)
    rather than an experiment file: no store, no resume. The model is ``sim.api:simulate``.

    Args:
        executor: An executor (:func:`make_executor`).
        tasks: The runs.
        progress: Called with the number of runs just finished.

    Raises:
        RuntimeError: If a run fails (with its traceback's last line).
    """
    futures = {executor.submit("sim.api:simulate", [task], False, [], 0) for task in tasks}
    out: dict[int, dict[str, float]] = {}
    while futures:
        done = executor.wait(futures, None)
        futures -= done
        for future in done:
            for result in future.result():
                if result["status"] != "ok":
                    last = (result["error"] or "").strip().splitlines()[-1:]
                    raise RuntimeError(f"run {result['run_id']} failed: {''.join(last)}")
                out[result["run_id"]] = result["metrics"]
        if progress:
            progress(len(done))
    return out
