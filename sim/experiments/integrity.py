"""Damaged files in a results folder: found, named, and set aside so their runs run again.

A part file can be cut short by a crash of the machine (not of ocgsim: its writes are atomic) or
overwritten by hand. Reading such a file fails deep inside pyarrow; these functions find such
files first, so that ``status``, ``analyse`` and ``report`` name the file in one line and
``resume`` (or the same ``experiment`` or ``compare`` command) renames it ``*.damaged`` and runs
its runs again.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.params import ScenarioError

__all__ = ["DamagedResultsError", "check_intact", "damaged_parts", "set_aside_damaged"]

#: What reading a damaged Parquet file raises.
READ_ERRORS = (OSError, ValueError, KeyError, pa.ArrowException)


class DamagedResultsError(ScenarioError):
    """A file of a results folder cannot be read (truncated, overwritten); one line."""


def _folders(store: Any) -> tuple[Path, Path, Path]:
    return store.runs_dir, store.series_dir, store.timings_dir


def damaged_parts(store: Any) -> list[tuple[Path, str]]:
    """Part files of a results folder that cannot be read, with the reason.

    Runs parts are read (their ids and status); series and timings parts only as far as their
    footer, which a truncated file lacks.

    Args:
        store: The results folder (``sim.experiments.store.ResultsStore``).
    """
    out = []
    for folder in _folders(store):
        for part in store.parts(folder):
            try:
                if folder == store.runs_dir:
                    pq.read_table(part, columns=["run_id", "status"])
                else:
                    pq.read_metadata(part)
            except READ_ERRORS as exc:
                text = str(exc).replace(f"Could not open Parquet input source '{part}': ", "")
                reason = " ".join(text.split()).rstrip(".") or type(exc).__name__
                out.append((part, reason[:200]))
    return out


def set_aside_damaged(store: Any) -> list[tuple[Path, str]]:
    """Rename damaged part files to ``*.damaged`` so their runs count as not run.

    The parts written by the same flush (same file name in ``runs/``, ``series/`` and
    ``timings/``) are set aside together, so the runs are run again whole.

    Returns:
        The damaged files (their old paths) and why they could not be read.
    """
    damaged = damaged_parts(store)
    for name in sorted({part.name for part, _ in damaged}):
        for folder in _folders(store):
            part = folder / name
            if part.exists():
                os.replace(part, part.with_name(part.name + ".damaged"))
    return damaged


def check_intact(store: Any, path: str | Path) -> None:
    """Refuse a results folder with a damaged design or part file (one line naming it).

    Args:
        store: The results folder.
        path: The folder as the user gave it, for the message.

    Raises:
        DamagedResultsError: Naming the first damaged file and how to recover.
    """
    design = store.path / "design.parquet"
    try:
        if design.exists():
            pq.read_metadata(design)
    except READ_ERRORS:
        raise DamagedResultsError(
            f"{path}: design.parquet is damaged (cannot be read); allowed: a results folder "
            "with its design: run the experiment again into a new folder"
        ) from None
    damaged = damaged_parts(store)
    if damaged:
        part, reason = damaged[0]
        more = f" (and {len(damaged) - 1} more)" if len(damaged) > 1 else ""
        raise DamagedResultsError(
            f"{path}: {part.relative_to(store.path)} is damaged ({reason}){more}; ocgsim resume "
            f"{path} sets damaged files aside (renamed *.damaged) and runs their runs again"
        )
