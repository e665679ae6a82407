"""Results folders: Parquet part files streamed as runs finish, a manifest, and resume.

Layout of a results folder::

    manifest.json        experiment hash, resolved design, seeds, versions, git commit, host,
                         executor, start and end times
    experiment.toml      copy of the experiment file
    design.parquet       one row per design point (values passed to the model + raw sample)
    runs/*.parquet       one row per run: run_id, point_id, replicate, seed, scenario, factors,
                         status, error, metrics (no timing columns, so tables compare equal)
    series/*.parquet     long format: run_id, week, metric, value (if series were kept)
    timings/*.parquet    run_id, seconds, attempts, host (wall times, kept apart)
    sessions/*.json      one record per invocation (host, executor, shard, start, end, counts)

Every file is written to a temporary file in the same folder and moved into place with
``os.replace``, so a killed sweep never leaves a half-written file. A flush writes its series,
timings and runs parts to temporary files first and renames them only when all three are
complete (the runs part last: a run counts as finished once its row is stored), so a full disk
leaves no series rows of runs that will be run again. Part files are named
``<prefix>-<session>-<seq>.parquet``; each shard of a job array has its own prefix, so shards
never write the same file.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.integrity import check_intact
from sim.io.files import (
    atomic_path,
    atomic_write_bytes,
    command_line,
    finite_json,
    git_commit,
    public_mode,
    versions,
)

__all__ = [
    "ResultsStore",
    "ResultsWriter",
    "atomic_write_bytes",
    "atomic_write_json",
    "environment",
    "now_iso",
    "open_results",
    "require_runs",
]

RUN_COLUMNS = ("run_id", "point_id", "replicate", "seed", "scenario")
STATUS_COLUMNS = ("status", "error")


def now_iso() -> str:
    """The current time in ISO 8601 (UTC)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented, strict JSON to ``path`` atomically (NaN and inf as null)."""
    text = json.dumps(finite_json(obj), indent=1, default=_json_default, allow_nan=False)
    atomic_write_bytes(path, (text + "\n").encode())


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _write_tables_together(tables: list[tuple[Path, pa.Table]]) -> None:
    """Write several tables to temporary files, then rename them all, in order.

    If any write fails, every temporary file is removed and nothing is renamed.
    """
    written: list[tuple[Path, Path]] = []
    try:
        for path, table in tables:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            os.close(fd)
            written.append((Path(tmp), path))
            pq.write_table(table, tmp)
            public_mode(Path(tmp))
    except BaseException:
        for tmp, _ in written:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, path in written:
        os.replace(tmp, path)


def open_results(path: str | Path) -> ResultsStore:
    """An experiment's results folder, checked.

    Raises:
        ExperimentError: One line if ``path`` is missing, a file, a single run's folder (from
            ``ocgsim run``) or holds no experiment.
        DamagedResultsError: One line naming a file that cannot be read and how to recover
            (see ``sim.experiments.integrity``).
    """
    from sim.experiments.spec import ExperimentError

    store = ResultsStore(path)
    if not store.path.exists():
        raise ExperimentError(f"{path}: no such folder; allowed: an experiment's results folder")
    if not store.path.is_dir():
        raise ExperimentError(f"{path}: is a file; allowed: an experiment's results folder")
    if not store.exists():
        raise ExperimentError(
            f"{path}: not a results folder (no manifest.json); allowed: a folder written by "
            "ocgsim experiment"
        )
    try:
        manifest = store.manifest()
    except (OSError, ValueError) as exc:
        raise ExperimentError(f"{path}: manifest.json cannot be read ({exc})") from None
    if not isinstance(manifest, dict) or "design" not in manifest:
        kind = "a single run's folder (from ocgsim run), not" if "seed" in manifest else "not"
        raise ExperimentError(
            f"{path}: {kind} an experiment's results folder; allowed: a folder written by "
            "ocgsim experiment (status, resume and analyse work on those)"
        )
    check_intact(store, path)
    return store


def require_runs(path: str | Path) -> ResultsStore:
    """An experiment's results folder that holds at least one stored run (see ``open_results``).

    Raises:
        ExperimentError: As :func:`open_results`, or one line if no run is stored.
    """
    from sim.experiments.spec import ExperimentError

    store = open_results(path)
    if not store.finished():
        raise ExperimentError(
            f"{path}: no runs stored in {store.runs_dir.name}/ (not run yet, or the files were "
            f"removed); allowed: a results folder with runs (ocgsim resume {path} runs them)"
        )
    return store


def environment() -> dict[str, Any]:
    """Versions, git commit, host and the command line as typed, for the manifest."""
    return {
        "versions": versions(),
        "git_commit": git_commit(),
        "host": socket.gethostname(),
        "command_line": command_line(),
    }


def _arrow_type(value: Any) -> pa.DataType:
    if isinstance(value, bool | np.bool_):
        return pa.bool_()
    if isinstance(value, int | np.integer):
        return pa.int64()
    if isinstance(value, float | np.floating):
        return pa.float64()
    return pa.string()


class ResultsStore:
    """A results folder.

    Args:
        path: The folder.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.manifest_path = self.path / "manifest.json"
        self.runs_dir = self.path / "runs"
        self.series_dir = self.path / "series"
        self.timings_dir = self.path / "timings"
        self.sessions_dir = self.path / "sessions"

    # --- manifest ------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the folder holds an experiment (has a manifest)."""
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        """The manifest."""
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        atomic_write_json(self.manifest_path, manifest)

    def write_session(self, session: str, record: dict[str, Any]) -> None:
        """Write one session record atomically."""
        atomic_write_json(self.sessions_dir / f"{session}.json", record)

    def sessions(self) -> list[dict[str, Any]]:
        """All session records, oldest first."""
        out = []
        for p in sorted(self.sessions_dir.glob("*.json")):
            try:
                out.append(json.loads(p.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue
        return sorted(out, key=lambda r: r.get("start_time", ""))

    # --- reading -------------------------------------------------------------------------
    @staticmethod
    def parts(folder: Path) -> list[Path]:
        """The part files of one of the folder's ``runs/``, ``series/``, ``timings/``."""
        return sorted(p for p in folder.glob("*.parquet") if not p.name.startswith("."))

    def finished(self) -> dict[int, str]:
        """Run id -> status ("ok" wins over "failed") of every stored run."""
        status: dict[int, str] = {}
        for part in self.parts(self.runs_dir):
            table = pq.read_table(part, columns=["run_id", "status"])
            for run_id, st in zip(
                table["run_id"].to_pylist(), table["status"].to_pylist(), strict=True
            ):
                if status.get(run_id) != "ok":
                    status[run_id] = st
        return status

    def runs(self, factor_names: list[str] | None = None) -> Any:
        """The results table: one row per run, sorted by run id, duplicates resolved.

        Args:
            factor_names: Factor columns in design order (default: from the manifest).

        Returns:
            A pandas DataFrame.
        """
        import pandas as pd

        parts = [pq.read_table(p).to_pandas() for p in self.parts(self.runs_dir)]
        if factor_names is None and self.exists():
            factor_names = self.manifest()["design"]["factors"]
        factor_names = list(factor_names or [])
        if not parts:
            return pd.DataFrame(columns=[*RUN_COLUMNS, *factor_names, *STATUS_COLUMNS])
        frame = pd.concat(parts, ignore_index=True)
        frame["_ok"] = frame["status"] == "ok"
        frame["_order"] = np.arange(len(frame))
        frame = frame.sort_values(["run_id", "_ok", "_order"]).drop_duplicates(
            "run_id", keep="last"
        )
        fixed = [*RUN_COLUMNS, *[f for f in factor_names if f in frame.columns], *STATUS_COLUMNS]
        metrics = sorted(c for c in frame.columns if c not in fixed and not c.startswith("_"))
        frame = frame[fixed + metrics].reset_index(drop=True)
        for col in metrics:
            frame[col] = frame[col].astype("float64")
        return frame

    def series(self, metrics: list[str] | None = None) -> Any:
        """The weekly series in long format (run_id, week, metric, value), sorted."""
        import pandas as pd

        filters = [("metric", "in", metrics)] if metrics else None
        parts = [pq.read_table(p, filters=filters).to_pandas() for p in self.parts(self.series_dir)]
        if not parts:
            return pd.DataFrame(columns=["run_id", "week", "metric", "value"])
        frame = pd.concat(parts, ignore_index=True)
        frame = frame.drop_duplicates(["run_id", "week", "metric"], keep="last")
        return frame.sort_values(["run_id", "metric", "week"]).reset_index(drop=True)

    def timings(self) -> Any:
        """Wall time per run attempt (run_id, seconds, attempts, host)."""
        import pandas as pd

        parts = [pq.read_table(p).to_pandas() for p in self.parts(self.timings_dir)]
        if not parts:
            return pd.DataFrame(columns=["run_id", "seconds", "attempts", "host"])
        return pd.concat(parts, ignore_index=True).sort_values("run_id").reset_index(drop=True)

    def design_table(self) -> Any:
        """The design points (``design.parquet``)."""
        import pandas as pd

        path = self.path / "design.parquet"
        return pq.read_table(path).to_pandas() if path.exists() else pd.DataFrame()

    def drop_orphans(self, busy: set[str] | frozenset[str] = frozenset()) -> int:
        """Delete series and timings parts none of whose runs is stored.

        Such parts are left when a process dies between renaming the parts of one flush; their
        runs are run again, so the parts would only duplicate rows. Parts whose prefix is in
        ``busy`` (being written by a live process) are left alone.

        Returns:
            The number of files deleted.
        """
        stored = set(self.finished())
        removed = 0
        for folder in (self.series_dir, self.timings_dir):
            for part in self.parts(folder):
                if part.name.split("-", 1)[0] in busy:
                    continue
                ids = pq.read_table(part, columns=["run_id"])["run_id"].to_pylist()
                if ids and not stored.intersection(ids):
                    with contextlib.suppress(OSError):
                        part.unlink()
                        removed += 1
        return removed

    # --- compaction ----------------------------------------------------------------------
    def compact(self, prefix: str, session: str) -> None:
        """Merge this prefix's part files into one, streaming (bounded memory)."""
        for folder in (self.runs_dir, self.series_dir, self.timings_dir):
            parts = [p for p in self.parts(folder) if p.name.startswith(prefix + "-")]
            if len(parts) < 2:
                continue
            schemas = [pq.read_schema(p) for p in parts]
            schema = pa.unify_schemas(schemas, promote_options="permissive")
            target = folder / f"{prefix}-{session}-compact.parquet"
            with atomic_path(target) as tmp, pq.ParquetWriter(tmp, schema) as writer:
                for p in parts:
                    table = pq.read_table(p)
                    for name in schema.names:
                        if name not in table.column_names:
                            table = table.append_column(
                                name, pa.nulls(len(table), schema.field(name).type)
                            )
                    writer.write_table(table.select(schema.names).cast(schema))
            for p in parts:
                p.unlink(missing_ok=True)


class ResultsWriter:
    """Buffers finished runs and writes them as Parquet part files.

    Args:
        store: The results folder.
        prefix: Part-file prefix (``main`` or ``shard<i>of<n>``).
        factor_names: Factor columns, in design order.
        metrics: Metrics to keep (empty: all the model returns).
        flush_seconds: Write a part file at least this often while runs finish.
        flush_rows: ... or whenever this many runs are buffered.
    """

    def __init__(
        self,
        store: ResultsStore,
        prefix: str,
        factor_names: list[str],
        metrics: list[str],
        flush_seconds: float = 10.0,
        flush_rows: int = 2000,
    ):
        self.store = store
        self.prefix = prefix
        self.session = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.factor_names = factor_names
        self.metrics = metrics
        self.flush_seconds = flush_seconds
        self.flush_rows = flush_rows
        self._rows: list[dict[str, Any]] = []
        self._series: list[dict[str, Any]] = []
        self._series_len = 0
        self._timings: list[dict[str, Any]] = []
        self._seq = 0
        self._last_flush = time.monotonic()

    def add(self, run: Any, point: dict[str, Any], result: dict[str, Any]) -> None:
        """Buffer one finished run (a ``design.Run``, its design point and its result)."""
        row = {
            "run_id": run.run_id,
            "point_id": run.point_id,
            "replicate": run.replicate,
            "seed": run.seed,
            "scenario": point["scenario"],
        }
        for name in self.factor_names:
            row[name] = point["factors"][name]
        row["status"] = result["status"]
        row["error"] = result["error"]
        metrics = result["metrics"]
        if self.metrics:
            for name in self.metrics:
                row[name] = metrics.get(name, float("nan"))
        else:
            row.update(metrics)
        self._rows.append(row)
        self._timings.append(
            {
                "run_id": run.run_id,
                "seconds": result["seconds"],
                "attempts": result["attempts"],
                "host": result.get("host", ""),
            }
        )
        if result.get("series") is not None:
            s = result["series"]
            self._series.append({"run_id": run.run_id, **s})
            self._series_len += len(s["week"])

    def maybe_flush(self) -> None:
        """Flush if enough time has passed or enough runs are buffered."""
        if self._rows and (
            len(self._rows) >= self.flush_rows
            or self._series_len >= 2_000_000
            or time.monotonic() - self._last_flush >= self.flush_seconds
        ):
            self.flush()

    def _runs_table(self) -> pa.Table:
        fields = [
            pa.field("run_id", pa.int64()),
            pa.field("point_id", pa.int64()),
            pa.field("replicate", pa.int64()),
            pa.field("seed", pa.int64()),
            pa.field("scenario", pa.string()),
        ]
        for name in self.factor_names:
            fields.append(pa.field(name, _arrow_type(self._rows[0][name])))
        fields += [pa.field("status", pa.string()), pa.field("error", pa.string())]
        known = {f.name for f in fields}
        metric_names: list[str] = []
        for row in self._rows:
            for key in row:
                if key not in known:
                    known.add(key)
                    metric_names.append(key)
        fields += [pa.field(m, pa.float64()) for m in metric_names]
        schema = pa.schema(fields)
        columns = {f.name: [row.get(f.name) for row in self._rows] for f in fields}
        return pa.table(columns, schema=schema)

    def flush(self) -> None:
        """Write everything buffered as new part files (atomically)."""
        if not self._rows:
            return
        self._seq += 1
        name = f"{self.prefix}-{self.session}-{self._seq:05d}.parquet"
        tables: list[tuple[Path, pa.Table]] = []
        if self._series:
            table = pa.table(
                {
                    "run_id": pa.array(
                        np.concatenate(
                            [
                                np.full(len(s["week"]), s["run_id"], dtype=np.int64)
                                for s in self._series
                            ]
                        )
                    ),
                    "week": pa.array(
                        np.concatenate([s["week"] for s in self._series]), type=pa.int64()
                    ),
                    "metric": pa.array(
                        np.concatenate([s["metric"] for s in self._series]).tolist(),
                        type=pa.string(),
                    ),
                    "value": pa.array(
                        np.concatenate([s["value"] for s in self._series]), type=pa.float64()
                    ),
                }
            )
            tables.append((self.store.series_dir / name, table))
        timings = pa.table(
            {
                "run_id": pa.array([t["run_id"] for t in self._timings], type=pa.int64()),
                "seconds": pa.array([t["seconds"] for t in self._timings], type=pa.float64()),
                "attempts": pa.array([t["attempts"] for t in self._timings], type=pa.int64()),
                "host": pa.array([t["host"] for t in self._timings], type=pa.string()),
            }
        )
        tables.append((self.store.timings_dir / name, timings))
        # The runs part goes last: a run counts as finished once its row is stored.
        tables.append((self.store.runs_dir / name, self._runs_table()))
        _write_tables_together(tables)
        self._rows, self._series, self._timings, self._series_len = [], [], [], 0
        self._last_flush = time.monotonic()
