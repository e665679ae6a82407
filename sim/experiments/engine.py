"""The experiment engine: plan, run, resume and report on an experiment.

The engine runs every run of an experiment's design (or one shard's share of them) on an
executor, streams results to the results folder as runs finish, and can be stopped at any moment
and resumed: a run whose row is stored is never run again.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.experiments.design import Design, build_design, shard_run_ids
from sim.experiments.executors import make_executor, run_one
from sim.experiments.spec import (
    DEFAULT_SCHEMA,
    EXECUTORS,
    IDENTITY_OVERRIDES,
    Experiment,
    ExperimentError,
    check_count,
    check_scheduler,
    load_experiment,
    model_function,
)
from sim.experiments.store import (
    ResultsStore,
    ResultsWriter,
    atomic_write_bytes,
    environment,
    now_iso,
    open_results,
)
from sim.io.files import LockHeldError, lock_owner, owner_record, pid_alive, pid_lock
from sim.io.guards import TerminatedError, check_destination, sigterm_raises, window_problem

__all__ = [
    "Plan",
    "RunReport",
    "drive",
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
        startup_seconds: Measured one-off cost of a fresh process (imports, caches), which
            every worker pays once.
    """

    experiment: Experiment
    design: Design
    runs: int
    seconds_per_run: float | None
    workers: int
    note: str
    startup_seconds: float = 0.0

    #: Slow-down allowed for in the upper end of the estimate: parallel runs share caches,
    #: memory bandwidth and the CPU with the main process, and design points other than the
    #: first (where the calibration runs) may be slower. On a 2-core machine, 240 runs of
    #: compare_recommendations took 1.6 times the ideal parallel time.
    SLOWDOWN = 2.0

    @property
    def estimated_seconds(self) -> float | None:
        """Estimated wall time on ``workers`` workers if runs parallelise perfectly."""
        if self.seconds_per_run is None:
            return None
        return self.startup_seconds + self.runs * self.seconds_per_run / self.workers

    @property
    def estimated_range(self) -> tuple[float, float] | None:
        """Low and high estimate of the wall time on ``workers`` workers."""
        low = self.estimated_seconds
        if low is None:
            return None
        return low, self.startup_seconds + self.SLOWDOWN * (low - self.startup_seconds)

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
        if self.seconds_per_run is not None and self.estimated_range is not None:
            low, high = self.estimated_range
            lines.append(f"calibration: {self.seconds_per_run:.3g} s per run ({self.note})")
            lines.append(
                f"estimated time: {_duration(low)} to {_duration(high)} on {self.workers} "
                f"worker(s) ({_duration(self.runs * self.seconds_per_run)} serially); the low "
                "end assumes runs parallelise perfectly, the high end allows for runs "
                f"{self.SLOWDOWN:g}x slower in parallel or at other design points"
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
    check_window(experiment, design)
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
        # per-year slope (a 2.4x underestimate was seen), so it is a warm-up only; its extra
        # time is what each fresh worker process pays once
        warm = timed({**params, "run.years": 1})
        t1 = timed({**params, "run.years": 1})
        t2 = timed({**params, "run.years": 2})
        per_year = max(t2 - t1, 0.0)
        fixed = max(t1 - per_year, 0.0)
        per_run = fixed + per_year * years
        startup = max(warm - t1, 0.0)
        note = f"1- and 2-year runs at design point 0 extrapolated to {years} years"
    else:
        times = [timed(params) for _ in range(max(1, calibrate))]
        per_run = min(times)
        startup = max(times[0] - per_run, 0.0)
        note = f"fastest of {max(1, calibrate)} run(s) at design point 0"
    return Plan(experiment, design, runs, per_run, workers, note, startup)


def _design_table(design: Design) -> Any:
    import pandas as pd

    columns: dict[str, Any] = {
        "point_id": [p["point_id"] for p in design.points],
        "scenario": [p["scenario"] for p in design.points],
    }
    for name in design.factor_names:
        columns[name] = [p["factors"][name] for p in design.points]
    if design.sample is not None:
        for j, name in enumerate(design.factor_names):
            columns[f"sample:{name}"] = design.sample[:, j]
    return pd.DataFrame(columns)  # built at once: no fragmented frame for 146-factor designs


def _check_folder(experiment: Experiment, store: ResultsStore) -> None:
    """Refuse a results folder that holds another experiment or other files (reads only)."""
    if store.exists():
        manifest = store.manifest()
        if "design" not in manifest:
            raise ExperimentError(
                f"{experiment.path}: output folder {store.path} holds a single run (ocgsim run), "
                "not an experiment; allowed: a new folder or this experiment's results folder"
            )
        if manifest.get("experiment_sha256") != experiment.digest():
            options = "/".join(IDENTITY_OVERRIDES.values())
            raise ExperimentError(
                f"{experiment.path}: results folder {store.path} holds a different experiment "
                f"({manifest.get('experiment')!r}, other file contents or {options}); choose "
                "another output folder (--out) or delete it"
            )
        changed = _changed_scenario_file(manifest.get("scenarios"))
        if changed is not None:
            raise ExperimentError(
                f"{experiment.path}: scenario {changed}: its file has changed (or is gone) since "
                f"the runs in {store.path} were made (its SHA-256 differs from the one in "
                "manifest.json); allowed: the file as it was, to continue, or another output "
                "folder (--out)"
            )
        return
    ours = {"experiment.toml", "design.parquet", "runs", "series", "timings", "sessions"}
    if store.path.is_dir() and any(
        not p.name.startswith(".") and p.name not in ours for p in store.path.iterdir()
    ):
        raise ExperimentError(
            f"{experiment.path}: output folder {store.path} exists, is not empty and holds no "
            "manifest.json; choose another output folder (--out)"
        )


def _changed_scenario_file(record: dict[str, Any] | None) -> str | None:
    """The reference of a recorded scenario file whose contents differ now (None: none do)."""
    import hashlib

    from sim.params import ScenarioError
    from sim.scenario import load_scenario

    if not record:
        return None
    entries = [record.get("base"), *(record.get("design") or [])]
    for entry in entries:
        if not entry or not entry.get("reference") or not entry.get("sha256"):
            continue
        try:
            path = load_scenario(entry["reference"]).path
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if path else None
        except (ScenarioError, OSError):
            digest = None
        if digest != entry["sha256"]:
            return str(entry["reference"])
    return None


def _prepare(experiment: Experiment, design: Design, store: ResultsStore) -> dict[str, Any]:
    """Create or check the results folder; return the manifest."""
    digest = experiment.digest()
    _check_folder(experiment, store)
    if store.exists():
        return store.manifest()
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
        "allow_short_window": experiment.allow_short_window,
        "analysis": experiment.analysis,
        "design": design.to_manifest(),
        "scenarios": scenario_record(experiment),
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


def scenario_record(experiment: Experiment) -> dict[str, Any] | None:
    """What the experiment's scenarios set, as read when its results folder is created.

    Reports describe the scenarios from this record (``manifest.json``'s ``scenarios``), not
    from the scenario files as they are when the report is written, which may have been edited
    or removed since the runs.

    Args:
        experiment: The experiment (with the ``sim`` model's schema; other models get None).

    Returns:
        ``{"base": record or None, "design": [record per scenario, baseline first]}`` (the
        design list is empty unless it is a scenario design). A record holds ``label``,
        ``reference``, ``sha256`` of the file, ``description``, ``values`` (what the runs were
        given: the base scenario's values, or a scenario's own on top of the base) and
        ``schedule`` (its dated changes, ``sim.scenario.ScheduleEntry`` fields).
    """
    if experiment.schema != DEFAULT_SCHEMA:
        return None
    base = None
    if experiment.scenario is not None:
        base = _record(experiment.scenario_label, experiment.scenario, None)
    entries = [
        _record(label, ref, values if i else {})
        for i, (label, ref, values) in enumerate(experiment.scenarios)
    ]
    return {"base": base, "design": entries}


def _record(label: str, ref: str | None, values: dict[str, Any] | None) -> dict[str, Any]:
    """One scenario's record (``values`` None: the file's own values)."""
    import dataclasses
    import hashlib

    from sim.experiments.design import _jsonable
    from sim.params import ScenarioError
    from sim.scenario import load_scenario

    out: dict[str, Any] = {
        "label": label,
        "reference": ref,
        "sha256": None,
        "description": "",
        "values": _jsonable(dict(values or {})),
        "schedule": [],
    }
    if ref is None:
        return out
    try:
        scenario = load_scenario(ref)
        data = scenario.path.read_bytes() if scenario.path is not None else b""
    except (ScenarioError, OSError):
        return out
    out["sha256"] = hashlib.sha256(data).hexdigest()
    out["description"] = scenario.description
    if values is None:
        out["values"] = _jsonable(dict(scenario.values))
    out["schedule"] = [_jsonable(dataclasses.asdict(e)) for e in scenario.schedule]
    return out


def _chunk_size(per_run: float | None, remaining: int, slots: int, target: float) -> int:
    if per_run is None:
        return 1
    size = max(1, int(target / max(per_run, 1e-6)))
    return max(1, min(size, math.ceil(remaining / max(slots, 1)), 1000))


def _base_values(ref: str | None) -> dict[str, Any]:
    """Values set by the base scenario (for the window check)."""
    if ref is None:
        return {}
    return dict(_scenario_values(ref))


@functools.lru_cache(maxsize=32)
def _scenario_values(ref: str) -> tuple[tuple[str, Any], ...]:
    from sim.scenario import load_scenario

    return tuple(load_scenario(ref).values.items())


def check_window(experiment: Experiment, design: Design) -> None:
    """Refuse design points whose summary window is under ``sim.io.guards.MIN_WINDOW_WEEKS``.

    Only for the ``sim`` model (its schema has ``run.years`` and ``run.intervention_week``),
    unless the experiment allows short windows.

    Raises:
        ExperimentError: One line naming the file, the settings and what is allowed.
    """
    if experiment.schema != DEFAULT_SCHEMA or experiment.allow_short_window:
        return
    from sim.params import spec

    defaults = {n: spec(n).default for n in ("run.years", "run.intervention_week")}
    seen: set[tuple[Any, Any]] = set()
    for point in range(design.n_points):
        params = dict(design.run(point * design.replicates).params)
        values = {**defaults, **_base_values(params.pop("scenario", None)), **params}
        key = (values["run.years"], values["run.intervention_week"])
        if key in seen:
            continue
        seen.add(key)
        problem = window_problem(
            *key,
            names=("years", "burn_in_weeks"),
            allow="allow_short_window = true in [experiment] (or --allow-short-window)",
        )
        if problem:
            where = "--years" if "years" in experiment.overrides else str(experiment.path)
            at = f" (design point {point})" if design.n_points > 1 and len(seen) > 1 else ""
            raise ExperimentError(f"{where}: {problem}{at}")


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


@contextlib.contextmanager
def _folder_lock(store: ResultsStore, shard: tuple[int, int] | None) -> Iterator[None]:
    """Hold this invocation's lock in the results folder (one per shard, ``main`` otherwise).

    A second invocation for the same runs is refused instead of doing the work twice; a full
    run is refused while a shard runs and a shard while a full run does. The lock is released by
    the kernel if its owner dies, so a killed invocation's lock is simply taken over.

    Raises:
        ExperimentError: If another live process holds a conflicting lock.
    """
    prefix = _prefix(shard)
    what = "this experiment" if shard is None else f"shard {shard[0]}/{shard[1]}"
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(pid_lock(store.path / f".lock-{prefix}"))
        except LockHeldError as exc:
            raise ExperimentError(
                f"{store.path}: another ocgsim process (pid {exc.owner.get('pid')} on "
                f"{exc.owner.get('host')}) is running {what} in this folder; allowed: wait for "
                f"it (ocgsim status {store.path}) or stop it"
            ) from None
        if shard is None:
            others = sorted(store.path.glob(".lock-shard*"))
        else:
            others = [store.path / ".lock-main"]
        for other in others:
            owner = lock_owner(other)
            if owner:
                raise ExperimentError(
                    f"{store.path}: another ocgsim process (pid {owner.get('pid')} on "
                    f"{owner.get('host')}) is running {other.name.removeprefix('.lock-')} of "
                    "this experiment; allowed: wait for it, or run shards only"
                )
        yield


def _prefix(shard: tuple[int, int] | None) -> str:
    return "main" if shard is None else f"shard{shard[0]}of{shard[1]}"


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
    _check_folder(experiment, store)
    run_executor = _make_executor(ex)
    created = [p for p in (store.path, *store.path.parents) if not p.exists()]
    try:
        store.path.mkdir(parents=True, exist_ok=True)
        with sigterm_raises(), _folder_lock(store, shard):
            manifest = _prepare(experiment, design, store)
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
    store.drop_orphans(_live_prefixes(store))
    finished = store.finished()
    skip = {i for i, st in finished.items() if st == "ok" or not retry_failed}
    todo = deque(i for i in ids if i not in skip)
    prefix = _prefix(shard)
    writer = ResultsWriter(
        store, prefix, design.factor_names, experiment.metrics, flush_seconds=ex["flush_seconds"]
    )
    failed_before = sum(1 for i in ids if finished.get(i) == "failed" and i in skip)
    ran = failed = 0
    described = run_executor.describe()
    owner = owner_record()
    session = {
        "session": writer.session,
        "host": owner["host"],
        "pid": os.getpid(),
        "pid_start": owner["pid_start"],
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
    state = "interrupted"
    per_run: float | None = None
    args = (experiment.model, experiment.series, experiment.series_metrics, ex["retries"])

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
        drive(
            design,
            todo,
            run_executor,
            args,
            store_result,
            chunk=lambda left: _chunk_size(per_run, left, run_executor.slots, ex["chunk_seconds"]),
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
        # After an interruption or a write failure, writing must not hide the real outcome.
        quiet = contextlib.suppress(OSError) if state != "complete" else contextlib.nullcontext()
        with quiet:
            writer.flush()
        if state == "complete":
            store.compact(prefix, writer.session)
        session.update(end_time=now_iso(), state=state, runs_done=ran, runs_failed=failed)
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
    suspects: deque[int] = deque()
    crashes: dict[int, int] = {}
    inflight: dict[Any, tuple[list[int], bool]] = {}

    def submit(run_ids: list[int], isolated: bool) -> bool:
        """Send a chunk; False if the executor broke since the last wait (nothing was sent)."""
        tasks = [(r.run_id, r.params, r.seed) for r in design.runs(run_ids)]
        try:
            future = run_executor.submit(args[0], tasks, *args[1:])
        except Exception as exc:
            if not run_executor.is_crash(exc):
                raise
            # A worker died after the last wait: the pool refuses work until the chunks in
            # flight report the crash (handled below). With none in flight, start afresh.
            if not inflight:
                run_executor.restart()
            return False
        inflight[future] = (run_ids, isolated)
        return True

    while todo or suspects or inflight:
        while len(inflight) < run_executor.slots and (todo or suspects):
            if suspects:
                if inflight:
                    break  # isolate runs suspected of killing a worker
                rid = suspects.popleft()
                if not submit([rid], True):
                    suspects.appendleft(rid)
                    break
            else:
                size = chunk(len(todo)) if chunk is not None else 1
                run_ids = [todo.popleft() for _ in range(min(size, len(todo)))]
                if not submit(run_ids, False):
                    todo.extendleft(reversed(run_ids))
                    break
        for future in run_executor.wait(set(inflight), timeout=1.0):
            run_ids, isolated = inflight.pop(future)
            try:
                results = future.result()
            except Exception as exc:  # noqa: BLE001
                if run_executor.is_crash(exc):
                    if isolated:
                        rid = run_ids[0]
                        crashes[rid] = crashes.get(rid, 0) + 1
                        if crashes[rid] > retries:
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
        if after is not None:
            after()


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


def _live_prefixes(store: ResultsStore) -> set[str]:
    """Part-file prefixes whose lock a live process holds (their files are being written)."""
    live = set()
    for lock in store.path.glob(".lock-*"):
        owner = lock_owner(lock)
        if owner and owner.get("pid") != os.getpid():
            live.add(lock.name.removeprefix(".lock-"))
    return live


def _load_from_results(results_dir: str | Path, scale: float | None = None) -> Experiment:
    store = open_results(results_dir)
    manifest = store.manifest()
    overrides = dict(manifest.get("overrides") or {})
    overrides["out"] = str(store.path)
    overrides["allow_short_window"] = bool(manifest.get("allow_short_window"))
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
