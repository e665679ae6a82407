"""Atomic file writing and provenance, shared by run output and the experiment store.

A file is written to a temporary name in its destination folder and renamed into place only when
complete, so an interrupted write never leaves a partial file.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import tempfile
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_bytes", "git_commit", "versions"]

#: Distributions whose versions a manifest records.
_DISTRIBUTIONS = (
    "ocgsim",
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "seaborn",
    "SALib",
    "dask",
    "distributed",
)


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed to ``path`` if the block succeeds.

    On an exception the temporary file is removed and the exception propagates.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (flushed to disk before the rename)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def versions() -> dict[str, str]:
    """Versions of Python and the main libraries ("not installed" for a missing one)."""
    out = {"python": platform.python_version()}
    for dist in _DISTRIBUTIONS:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    return out


def _git(*args: str) -> str:
    here = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        ["git", *args], cwd=here, capture_output=True, text=True, check=True, timeout=10
    )
    return done.stdout.strip()


def git_commit() -> str:
    """The git commit of the source tree, with ``+dirty`` if it has changes; or ``unknown``."""
    try:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return _git("rev-parse", "HEAD") + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
