"""Runs chosen batch by batch (the budget optimiser's), on the experiment engine.

An experiment file fixes its runs in advance; a search chooses its next runs from the results of
the last ones. :class:`EngineBatch` gives such a search what the engine gives an experiment: the
engine's executors (serial, a local process pool, Dask; a worker that dies is replaced and its
runs re-run one by one), its results folder (each batch's runs stored as Parquet part files,
atomically, as they finish; a lock against a second process) and resume: when the same search
is started again on the same folder, every run already stored is read back instead of run.

A job is ``(params, seed)``. Jobs get run ids in the order the search first asks for them; a
search that is a deterministic function of its settings and of the results asks for the same
jobs in the same order, so on resume each stored row is checked against the job given the same
id (its seed, lever values and condition) and a folder of another search is refused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sim.experiments.design import Run
from sim.experiments.driver import chunk_size, drive
from sim.experiments.executors import make_executor
from sim.experiments.folder import folder_lock
from sim.experiments.spec import ExperimentError
from sim.experiments.store import ResultsStore, ResultsWriter, environment, now_iso

__all__ = ["EngineBatch", "RunFailedError", "search_digest"]


class RunFailedError(RuntimeError):
    """A run of the search failed (stored as failed; the search cannot go on without it).

    Not bad input: ``ocgsim optimise`` reports it in one line with exit status 3, as
    ``ocgsim experiment`` does for failed runs.
    """


class _Jobs:
    """The runs asked for so far, as the engine's ``Design`` interface sees them."""

    def __init__(self, factor_names: list[str]):
        self.factor_names = factor_names
        self.points: list[dict[str, Any]] = []
        self._point_of: dict[str, int] = {}
        self._runs: list[Run] = []
        self._run_of: dict[tuple[int, int], int] = {}
        self._seeds: dict[int, int] = {}

    def add(self, params: dict[str, Any], label: str, seed: int) -> int:
        key = json.dumps(params, sort_keys=True, default=str)
        point = self._point_of.get(key)
        if point is None:
            point = len(self.points)
            self._point_of[key] = point
            factors = {n: params[n] for n in self.factor_names}
            self.points.append({"point_id": point, "scenario": label, "factors": factors})
        replicate = self._seeds.setdefault(int(seed), len(self._seeds))
        run_id = self._run_of.get((point, replicate))
        if run_id is None:
            run_id = len(self._runs)
            self._run_of[(point, replicate)] = run_id
            self._runs.append(Run(run_id, point, replicate, int(seed), dict(params)))
        return run_id

    @property
    def n_runs(self) -> int:
        return len(self._runs)

    def run(self, run_id: int) -> Run:
        return self._runs[run_id]

    def runs(self, run_ids: Sequence[int]):
        for run_id in run_ids:
            yield self._runs[run_id]


class EngineBatch:
    """A batch evaluator for :func:`sim.policy.optimise.optimise` on the experiment engine.

    Use it as a context manager (it holds the folder's lock and the executor)::

        with EngineBatch(folder, identity, fixed, levers, executor="processes") as batch:
            result = optimise(space, None, cost, budget, outcome, settings, batch=batch)

    Args:
        folder: Results folder of the runs (created; one of the same search is resumed).
        identity: What defines the search (settings, levers, scenario, ...): a folder made with
            another identity is refused.
        fixed: Parameters given to every run (scale, years, scenario, ...).
        levers: The lever names (a column each in the stored runs).
        model: ``"module:function"`` of the model.
        executor: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (0: one per CPU).
        scheduler: Dask scheduler address (implies ``dask``).
        retries: Extra attempts for a run that raises or kills its worker.
        progress: Called with the number of runs finished (a progress bar's ``update``); runs
            read back from the folder count too.
        chunk_seconds: Short runs are grouped into chunks of about this many seconds.
        record: What to record in the folder's manifest when it is created, beside the identity
            but not part of it (``ocgsim optimise`` records the robustness assumptions it chose,
            so that the same command reuses them); :meth:`recorded` reads it back.
        what: What the runs are for, in messages (``search``; ``comparison over plausible
            worlds`` for ``compare --ensemble``).
    """

    def __init__(
        self,
        folder: str | Path,
        identity: dict[str, Any],
        fixed: dict[str, Any],
        levers: Sequence[str],
        *,
        model: str = "sim.api:simulate",
        executor: str = "processes",
        workers: int = 0,
        scheduler: str = "",
        retries: int = 0,
        progress: Callable[[int], Any] | None = None,
        chunk_seconds: float = 1.0,
        record: dict[str, Any] | None = None,
        what: str = "search",
    ):
        self.store = ResultsStore(folder)
        self.record = json.loads(json.dumps(record or {}, default=str))
        self.identity = json.loads(json.dumps(identity, default=str))
        self.digest = search_digest(self.identity)
        self.fixed = dict(fixed)
        self.levers = list(levers)
        self.model = model
        self.kind = "dask" if scheduler else executor
        self.workers = workers
        self.scheduler = scheduler
        self.retries = retries
        self.progress = progress
        self.chunk_seconds = chunk_seconds
        self.what = what
        self.jobs = _Jobs(self.levers)
        self.done: dict[int, dict[str, float]] = {}
        self.stored: dict[int, dict[str, Any]] = {}
        self.ran = 0
        self.reused = 0
        self._stack: contextlib.ExitStack | None = None
        self._executor: Any = None
        self._writer: ResultsWriter | None = None
        self._per_run: float | None = None

    # --- the folder ------------------------------------------------------------------------
    @staticmethod
    def recorded(folder: str | Path, identity: dict[str, Any]) -> dict[str, Any] | None:
        """What a folder of the same search recorded when it was created (reads only).

        Args:
            folder: The runs folder.
            identity: The search's identity.

        Returns:
            The ``record`` given when the folder was created, or None if the folder does not
            exist, holds no manifest or holds another search.
        """
        store = ResultsStore(folder)
        if not store.exists():
            return None
        try:
            manifest = store.manifest()
        except (OSError, ValueError):
            return None
        if manifest.get("search_sha256") != search_digest(identity):
            return None
        record = manifest.get("record")
        return record if isinstance(record, dict) else None

    def check(self) -> None:
        """Refuse a folder that holds something else (reads only; call before any work).

        Raises:
            ExperimentError: One line naming the folder and what is allowed.
        """
        path = self.store.path
        if path.exists() and not path.is_dir():
            raise ExperimentError(f"{path}: is a file; allowed: a folder for the search's runs")
        if self.store.exists():
            try:
                manifest = self.store.manifest()
            except (OSError, ValueError):
                manifest = {}
            if manifest.get("search_sha256") != self.digest:
                raise ExperimentError(
                    f"{path}: holds the runs of another {self.what} (other settings, levers, "
                    "scenario or seed); allowed: the same command as before, or another --out"
                )
        elif path.is_dir() and any(not p.name.startswith(".") for p in path.iterdir()):
            raise ExperimentError(
                f"{path}: exists, is not empty and holds no search; allowed: a new folder"
            )

    def __enter__(self) -> EngineBatch:
        from sim.io.files import public_mode

        self.check()
        stack = contextlib.ExitStack()
        try:
            self._executor = make_executor(self.kind, self.workers, self.scheduler, "spawn")
            stack.callback(self._close_executor)
            created = not self.store.path.exists()
            self.store.path.mkdir(parents=True, exist_ok=True)
            if created:
                public_mode(self.store.path)
            stack.enter_context(folder_lock(self.store, None))
            if not self.store.exists():
                self.store.write_manifest(
                    {
                        "kind": "optimise runs",
                        "search": self.identity,
                        "search_sha256": self.digest,
                        "record": self.record,
                        "model": self.model,
                        "fixed": self.fixed,
                        "design": {"factors": self.levers},
                        **environment(),
                        "created": now_iso(),
                    }
                )
            self.store.drop_orphans()
            self._load_stored()
            self._writer = ResultsWriter(self.store, "main", self.levers, [])
            stack.callback(self._finish)
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._stack is not None:
            self._failed = exc[0] is not None
            self._stack.close()
            self._stack = None

    def _close_executor(self) -> None:
        with contextlib.suppress(Exception):
            self._executor.close(force=getattr(self, "_failed", False))

    def _finish(self) -> None:
        if self._writer is None:
            return
        quiet = contextlib.suppress(OSError) if getattr(self, "_failed", False) else None
        with quiet or contextlib.nullcontext():
            self._writer.flush()
            self.store.compact("main", self._writer.session)

    def _load_stored(self) -> None:
        runs = self.store.runs(self.levers)
        if runs.empty:
            return
        fixed = {"run_id", "point_id", "replicate", "seed", "scenario", "status", "error"}
        metrics = [c for c in runs.columns if c not in fixed and c not in self.levers]
        for row in runs.to_dict("records"):
            if row["status"] != "ok":
                continue
            self.stored[int(row["run_id"])] = {
                "seed": int(row["seed"]),
                "label": row["scenario"],
                "levers": {n: row[n] for n in self.levers},
                "metrics": {m: row[m] for m in metrics if _present(row[m])},
            }

    # --- running ---------------------------------------------------------------------------
    def __call__(self, jobs: Sequence[tuple[dict[str, Any], int]]) -> list[dict[str, float]]:
        """Results of each job, in order: read back if stored, else run on the executor.

        Args:
            jobs: ``(mix, seed)``; the mix's lever values (and any other parameter, e.g. an
                assumption set for a robustness check) are added to the fixed parameters.

        Raises:
            RunFailedError: If a run fails (it is stored; the same command retries it).
        """
        if self._writer is None:
            raise RuntimeError("EngineBatch is used outside its with block")
        ids = []
        for mix, seed in jobs:
            extra = {k: v for k, v in mix.items() if k not in self.levers}
            label = ", ".join(f"{k}={v}" for k, v in sorted(extra.items())) or "search"
            ids.append(self.jobs.add({**self.fixed, **mix}, label, int(seed)))
        todo = deque()
        for run_id in dict.fromkeys(ids):
            if run_id in self.done:
                continue
            if run_id in self.stored:
                self._reuse(run_id)
            else:
                todo.append(run_id)
        failures: list[dict[str, Any]] = []

        def store_result(result: dict[str, Any]) -> None:
            run = self.jobs.run(result["run_id"])
            self._writer.add(run, self.jobs.points[run.point_id], result)
            self.ran += 1
            secs = result["seconds"] / max(result["attempts"], 1)
            self._per_run = secs if self._per_run is None else 0.8 * self._per_run + 0.2 * secs
            if result["status"] == "ok":
                self.done[result["run_id"]] = dict(result["metrics"])
            else:
                failures.append(result)
            if self.progress is not None:
                self.progress(1)

        if todo:
            drive(
                self.jobs,
                todo,
                self._executor,
                (self.model, False, [], self.retries),
                store_result,
                chunk=lambda left: chunk_size(
                    self._per_run, left, self._executor.slots, self.chunk_seconds
                ),
                retries=self.retries,
                after=self._writer.maybe_flush,
            )
            self._writer.flush()
        if failures:
            first = failures[0]
            run = self.jobs.run(first["run_id"])
            last = (first.get("error") or "").strip().splitlines()
            raise RunFailedError(
                f"{self.store.path}: run {run.run_id} (seed {run.seed}) failed: "
                f"{last[-1] if last else 'no error text'}; the runs so far are stored; give the "
                "same command again to retry"
            )
        return [self.done[i] for i in ids]

    def _reuse(self, run_id: int) -> None:
        run = self.jobs.run(run_id)
        point = self.jobs.points[run.point_id]
        row = self.stored[run_id]
        same = (
            row["seed"] == run.seed
            and row["label"] == point["scenario"]
            and all(_equal(row["levers"][n], point["factors"][n]) for n in self.levers)
        )
        if not same:
            raise ExperimentError(
                f"{self.store.path}: run {run_id} stored there is not the run this search asks "
                f"for (the folder holds another {self.what}'s runs); allowed: another --out"
            )
        self.done[run_id] = row["metrics"]
        self.reused += 1
        if self.progress is not None:
            self.progress(1)

    def describe(self) -> str:
        """The executor, as the engine describes it."""
        return self._executor.describe() if self._executor is not None else self.kind

    def session(self, runs_folder: str | Path | None = None) -> dict[str, Any]:
        """What this search did with the folder (for a manifest).

        Args:
            runs_folder: Where the runs will be kept (``ocgsim optimise`` moves the folder into
                its result as ``runs/``); default: the folder itself.
        """
        return {
            "runs_folder": str(runs_folder if runs_folder is not None else self.store.path),
            "executor": self.describe(),
            "runs_made": self.ran,
            "runs_read_back": self.reused,
            "pid": os.getpid(),
            "time": now_iso(),
        }


def search_digest(identity: dict[str, Any]) -> str:
    """SHA-256 of a search's identity (JSON, sorted keys): what its folder is checked against."""
    plain = json.loads(json.dumps(identity, default=str))
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode("utf-8")).hexdigest()


def _present(x: Any) -> bool:
    try:
        return not math.isnan(float(x))
    except (TypeError, ValueError):
        return False


def _equal(a: Any, b: Any) -> bool:
    if isinstance(b, bool) or isinstance(a, bool):
        return bool(a) == bool(b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)
    return str(a) == str(b)
