"""Atomic file writing, permissions, locks and provenance, shared by run output and the store.

A file is written to a temporary name in its destination folder and renamed into place only when
complete, so an interrupted write never leaves a partial file. Temporary files and folders are
created private by :mod:`tempfile`; before they are renamed into place they get the permissions
an ordinary ``open``/``mkdir`` would give under the process's umask (0644 and 0755 under umask
022), so collaborators on a shared project folder can read the results.

A lock (:func:`pid_lock`) is a file holding its owner's pid, host and process start time, held
with ``flock`` while the owner runs: the kernel releases it when the owner dies, however it dies,
so a stale lock is simply taken over.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import platform
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "LockHeldError",
    "atomic_path",
    "atomic_write_bytes",
    "command_line",
    "current_umask",
    "finite_json",
    "git_commit",
    "lock_owner",
    "pid_alive",
    "pid_lock",
    "process_start",
    "public_mode",
    "set_command_line",
    "versions",
]

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


def current_umask() -> int:
    """The process's umask (read without changing it where the system allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # pragma: no cover - systems without /proc
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


def public_mode(path: Path) -> None:
    """Give a file 0666 & ~umask, or a folder 0777 & ~umask (what open/mkdir would give)."""
    full = 0o777 if Path(path).is_dir() else 0o666
    os.chmod(path, full & ~current_umask())


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed to ``path`` if the block succeeds.

    The file gets the permissions the umask allows before it is renamed. On an exception the
    temporary file is removed and the exception propagates.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        public_mode(Path(tmp))
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


def finite_json(obj: Any) -> Any:
    """``obj`` ready for strict JSON: NumPy values as Python ones, every NaN or infinity as None.

    Dicts, lists and tuples are cleaned all the way down; anything else is left as it is.
    """
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
    elif isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite_json(v) for v in obj]
    return obj


#: The arguments of this process's ``ocgsim`` command, as typed (see :func:`set_command_line`).
_COMMAND_LINE: list[str] = []


def set_command_line(argv: list[str]) -> None:
    """Record the arguments the user gave ``ocgsim`` (``sim.cli.main`` calls this first).

    Manifests record them as typed, so options resolved against each other (``--scale`` and a
    scenario's ``run.scale``) can be traced to what was asked for.
    """
    _COMMAND_LINE[:] = [str(a) for a in argv]


def command_line() -> list[str] | None:
    """``["ocgsim", *arguments]`` of this process's command, or None outside the command line."""
    return ["ocgsim", *_COMMAND_LINE] if _COMMAND_LINE else None


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
    here = Path(__file__).resolve().parents[2]
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


# --- processes and locks ------------------------------------------------------------------------


def process_start(pid: int) -> str | None:
    """A token for when process ``pid`` started (``/proc``), to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            text = fh.read()
        return text.rsplit(")", 1)[1].split()[19]  # field 22, starttime in clock ticks
    except (OSError, IndexError):
        return None


def pid_alive(pid: int | None, host: str | None = None, start: str | None = None) -> bool | None:
    """Whether the process that recorded ``(pid, host, start)`` is still running.

    Returns:
        True or False on this host; None when the record comes from another host (unknown).
    """
    if not pid:
        return False
    if host and host not in (socket.gethostname(), platform.node()):
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    except OSError:
        return False
    now = process_start(int(pid))
    if start and now and now != start:
        return False  # the pid was reused by another process
    if now is not None:
        try:
            with open(f"/proc/{int(pid)}/stat", encoding="ascii", errors="replace") as fh:
                if fh.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return False  # a zombie has finished
        except OSError:
            return False
    return True


def owner_record() -> dict[str, Any]:
    """This process as a lock owner or session: pid, host and start token."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "pid_start": process_start(pid)}


def lock_owner(path: Path) -> dict[str, Any] | None:
    """The owner recorded in a lock file if the lock is held by a live process, else None."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        try:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_owner(path) or {"pid": None, "host": None}
        except (ImportError, OSError):  # pragma: no cover - no flock: trust the recorded pid
            owner = _read_owner(path)
            if owner and pid_alive(owner.get("pid"), owner.get("host"), owner.get("pid_start")):
                return owner
            return None
        return None  # we could take it: nobody holds it
    finally:
        os.close(fd)  # closing drops a lock we may just have taken


def _read_owner(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8") or "null")
    except (OSError, ValueError):
        return None


class LockHeldError(Exception):
    """Another live process holds the lock.

    Attributes:
        owner: The owner's record (pid, host, pid_start).
    """

    def __init__(self, path: Path, owner: dict[str, Any] | None):
        self.path = Path(path)
        self.owner = owner or {}
        pid, host = self.owner.get("pid"), self.owner.get("host")
        super().__init__(f"{path}: held by process {pid} on {host}")


@contextlib.contextmanager
def pid_lock(path: Path) -> Iterator[Path]:
    """Hold an exclusive lock file for the duration of the block; remove it afterwards.

    The file records this process's pid, host and start time. It is locked with ``flock``, so
    the kernel releases it when this process dies, even by SIGKILL, and the next process takes
    it over. On file systems without ``flock`` a lock whose recorded process is dead is taken
    over.

    Raises:
        LockHeldError: If a live process holds the lock.
    """
    path = Path(path)
    for _ in range(20):
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            if not _try_flock(fd, path):
                raise LockHeldError(path, _read_owner(path))
            # the path may have been removed and re-created by a previous owner in between
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(path))
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        break
    else:  # pragma: no cover - the lock file keeps being replaced
        raise LockHeldError(path, _read_owner(path))
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(owner_record()).encode("utf-8"))
        os.fsync(fd)
        yield path
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _try_flock(fd: int, path: Path) -> bool:
    """Lock ``fd``; False if another process holds it."""
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    except (ImportError, OSError) as exc:  # pragma: no cover - no flock here (e.g. some NFS)
        if isinstance(exc, OSError) and exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, 38):
            raise
        owner = _read_owner(path)
        return not (
            owner and pid_alive(owner.get("pid"), owner.get("host"), owner.get("pid_start"))
        )
