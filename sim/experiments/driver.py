"""The engine's inner loop: send runs to an executor in chunks, survive dying workers.

:func:`drive` is shared by :func:`sim.experiments.engine.run_experiment` and by callers that
choose their runs batch by batch (:class:`sim.experiments.batch.EngineBatch`);
:func:`chunk_size` sizes the chunks from the time a run takes.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

__all__ = ["chunk_size", "drive"]


def chunk_size(per_run: float | None, remaining: int, slots: int, target: float) -> int:
    """Runs per chunk, so that a chunk takes about ``target`` seconds.

    Args:
        per_run: Seconds a run takes (``None``: not known yet, one run per chunk).
        remaining: Runs left to send.
        slots: Chunks the executor runs at once (chunks are kept small enough to fill them).
        target: Wanted seconds per chunk.

    Returns:
        A chunk size from 1 to 1000.
    """
    if per_run is None:
        return 1
    size = max(1, int(target / max(per_run, 1e-6)))
    return max(1, min(size, math.ceil(remaining / max(slots, 1)), 1000))


def drive(
    design: Any,
    todo: deque[int],
    run_executor: Any,
    args: tuple[Any, ...],
    store_result: Any,
    *,
    chunk: Any = None,
    retries: int = 0,
    after: Any = None,
) -> None:
    """Run the runs ``todo`` on an executor, handing each result to ``store_result``.

    The engine's inner loop, shared by :func:`run_experiment` and callers that choose their own
    runs batch by batch (the budget optimiser): runs are sent in chunks, up to the executor's
    slots at a time; a chunk whose worker died is re-run one run at a time, and a run that
    kills its worker more than ``retries`` times is stored as failed.

    Args:
        design: Has ``runs(run_ids)`` giving objects with ``run_id``, ``params`` and ``seed``.
        todo: Run ids to run (consumed).
        run_executor: An executor of :mod:`sim.experiments.executors`.
        args: ``(model, series, series_metrics, retries)`` for ``run_chunk``.
        store_result: Called with each run's result (a dict with ``run_id``).
        chunk: ``chunk(runs_left) -> runs per chunk`` (default: one run per chunk).
        retries: Extra attempts for a run that kills its worker.
        after: Called after each wait (e.g. to flush results).
    """
    loop = _Loop(design, todo, run_executor, args, store_result, chunk, retries)
    while todo or loop.suspects or loop.inflight:
        loop.fill()
        for future in run_executor.wait(set(loop.inflight), timeout=1.0):
            run_ids, isolated = loop.inflight.pop(future)
            try:
                results = future.result()
            except Exception as exc:  # noqa: BLE001
                if run_executor.is_crash(exc):
                    if loop.crashed(run_ids, isolated, exc):
                        break
                else:
                    for rid in run_ids:
                        store_result(_crashed(rid, exc, "could not run chunk"))
            else:
                for result in results:
                    store_result(result)
        if after is not None:
            after()


class _Loop:
    """The state of :func:`drive`: runs to send, runs suspected of killing a worker, chunks."""

    def __init__(
        self,
        design: Any,
        todo: deque[int],
        run_executor: Any,
        args: tuple[Any, ...],
        store_result: Any,
        chunk: Any,
        retries: int,
    ):
        self.design, self.todo, self.run_executor = design, todo, run_executor
        self.args, self.store_result, self.chunk, self.retries = args, store_result, chunk, retries
        self.suspects: deque[int] = deque()
        self.crashes: dict[int, int] = {}
        self.inflight: dict[Any, tuple[list[int], bool]] = {}

    def submit(self, run_ids: list[int], isolated: bool) -> bool:
        """Send a chunk; False if the executor broke since the last wait (nothing was sent)."""
        tasks = [(r.run_id, r.params, r.seed) for r in self.design.runs(run_ids)]
        try:
            future = self.run_executor.submit(self.args[0], tasks, *self.args[1:])
        except Exception as exc:
            if not self.run_executor.is_crash(exc):
                raise
            # A worker died after the last wait: the pool refuses work until the chunks in
            # flight report the crash (handled by drive). With none in flight, start afresh.
            if not self.inflight:
                self.run_executor.restart()
            return False
        self.inflight[future] = (run_ids, isolated)
        return True

    def fill(self) -> None:
        """Send chunks until every slot is busy (suspects alone, once nothing is in flight)."""
        todo, suspects = self.todo, self.suspects
        while len(self.inflight) < self.run_executor.slots and (todo or suspects):
            if suspects:
                if self.inflight:
                    break  # isolate runs suspected of killing a worker
                rid = suspects.popleft()
                if not self.submit([rid], True):
                    suspects.appendleft(rid)
                    break
            else:
                size = self.chunk(len(todo)) if self.chunk is not None else 1
                run_ids = [todo.popleft() for _ in range(min(size, len(todo)))]
                if not self.submit(run_ids, False):
                    todo.extendleft(reversed(run_ids))
                    break

    def crashed(self, run_ids: list[int], isolated: bool, exc: BaseException) -> bool:
        """Deal with a chunk whose worker died; True if the pool was restarted."""
        if isolated:
            rid = run_ids[0]
            self.crashes[rid] = self.crashes.get(rid, 0) + 1
            if self.crashes[rid] > self.retries:
                self.store_result(_crashed(rid, exc))
            else:
                self.suspects.appendleft(rid)
        else:
            self.suspects.extend(run_ids)
        if self.run_executor.name == "processes":
            # A broken pool loses every run in flight: re-run them one by one.
            for ids_lost, _ in self.inflight.values():
                self.suspects.extend(ids_lost)
            self.inflight.clear()
            self.run_executor.restart()
            return True
        return False


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
