"""An experiment's results folder: checking it, creating it, locking it, reading it back.

Before anything is run, :func:`check_folder` refuses a folder that holds another experiment,
a single run or other files; :func:`prepare_folder` writes the experiment file, its design and
``manifest.json`` (with :func:`scenario_record`); :func:`folder_lock` keeps a second process
off the same runs; :func:`experiment_from_results` reads the experiment back for resume and
reports.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sim.experiments.design import Design, jsonable
from sim.experiments.ensemble import changed_ensemble
from sim.experiments.spec import (
    DEFAULT_SCHEMA,
    IDENTITY_OVERRIDES,
    Experiment,
    ExperimentError,
    load_experiment,
)
from sim.experiments.store import (
    ResultsStore,
    atomic_write_bytes,
    environment,
    now_iso,
    open_results,
)
from sim.io.files import LockHeldError, lock_owner, pid_lock
from sim.params import ScenarioError
from sim.scenario import load_scenario

__all__ = [
    "check_folder",
    "experiment_from_results",
    "folder_lock",
    "live_prefixes",
    "prepare_folder",
    "run_prefix",
    "scenario_record",
]


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


def check_folder(experiment: Experiment, store: ResultsStore) -> None:
    """Refuse a results folder that holds another experiment or other files (reads only).

    Args:
        experiment: The experiment about to be run.
        store: Its results folder (which need not exist yet).

    Raises:
        ExperimentError: One line naming the folder and what is allowed, if it holds a single
            run, another experiment (or this one with other overrides), runs made from a
            scenario file that has changed since, or files that are not an experiment's.
    """
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
        ensemble = changed_ensemble(manifest)
        if ensemble is not None:
            raise ExperimentError(
                f"{experiment.path}: design.ensemble {ensemble}: the file has changed (or is "
                f"gone) since the runs in {store.path} were made (its SHA-256 differs from the "
                "one in manifest.json); allowed: the file as it was, to continue, or another "
                "output folder (--out)"
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


def prepare_folder(experiment: Experiment, design: Design, store: ResultsStore) -> dict[str, Any]:
    """Create or check the results folder; return the manifest.

    A new folder gets ``experiment.toml`` (the file's text), ``design.parquet`` and a
    ``manifest.json`` in state ``created``; an existing one is checked with
    :func:`check_folder` and its manifest returned unchanged.

    Args:
        experiment: The experiment.
        design: Its design.
        store: The results folder (its parent folders must exist).

    Returns:
        The manifest.

    Raises:
        ExperimentError: As for :func:`check_folder`.
    """
    digest = experiment.digest()
    check_folder(experiment, store)
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
    out: dict[str, Any] = {
        "label": label,
        "reference": ref,
        "sha256": None,
        "description": "",
        "values": jsonable(dict(values or {})),
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
        out["values"] = jsonable(dict(scenario.values))
    out["schedule"] = [jsonable(dataclasses.asdict(e)) for e in scenario.schedule]
    return out


def run_prefix(shard: tuple[int, int] | None) -> str:
    """Name of an invocation's part files and lock: ``main``, or ``shard<i>of<n>``."""
    return "main" if shard is None else f"shard{shard[0]}of{shard[1]}"


@contextlib.contextmanager
def folder_lock(store: ResultsStore, shard: tuple[int, int] | None) -> Iterator[None]:
    """Hold this invocation's lock in the results folder (one per shard, ``main`` otherwise).

    A second invocation for the same runs is refused instead of doing the work twice; a full
    run is refused while a shard runs and a shard while a full run does. The lock is released by
    the kernel if its owner dies, so a killed invocation's lock is simply taken over.

    Args:
        store: The results folder (it must exist).
        shard: ``(i, n)`` for shard ``i`` of ``n``, or ``None`` for all runs.

    Raises:
        ExperimentError: If another live process holds a conflicting lock.
    """
    prefix = run_prefix(shard)
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


def live_prefixes(store: ResultsStore) -> set[str]:
    """Part-file prefixes whose lock a live process holds (their files are being written)."""
    live = set()
    for lock in store.path.glob(".lock-*"):
        owner = lock_owner(lock)
        if owner and owner.get("pid") != os.getpid():
            live.add(lock.name.removeprefix(".lock-"))
    return live


def experiment_from_results(results_dir: str | Path) -> Experiment:
    """Read an experiment back from its results folder, as it was run.

    The copy of the experiment file in the folder is loaded with the overrides recorded in
    ``manifest.json``; relative scenario paths are resolved against the original file's folder.

    Args:
        results_dir: The results folder (holds ``manifest.json`` and ``experiment.toml``).

    Returns:
        The experiment, its ``path`` the original experiment file's.

    Raises:
        ExperimentError: If the folder is not an experiment's results folder or its
            experiment file no longer validates.
    """
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
