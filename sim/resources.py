"""The shipped scenario and experiment files, found wherever the package is installed.

The project keeps its scenario and experiment files in the top-level ``scenarios/`` and
``experiments/`` folders. They are shipped inside the package as ``sim/data/scenarios`` and
``sim/data/experiments`` (symbolic links in the source tree, real folders in a wheel) and read
with :mod:`importlib.resources`, so ``ocgsim run more_pios`` works after a non-editable
``pip install`` from any folder.

A bare name (``more_pios``) is looked up first in the current folder's ``scenarios/`` (or
``experiments/``), so a project checkout's own files win, then among the shipped files. A path
is always taken as given.
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

__all__ = ["find", "shipped_dir"]

#: Kinds of shipped files: the folder name under ``sim/data`` (and in the project).
KINDS = ("scenarios", "experiments")

_extracted = contextlib.ExitStack()
atexit.register(_extracted.close)


def shipped_dir(kind: str) -> Path:
    """The folder of shipped ``kind`` files (``"scenarios"`` or ``"experiments"``).

    Args:
        kind: One of :data:`KINDS`.

    Returns:
        A real folder: the installed package data, or a temporary copy if the package is
        imported from a zip file.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of shipped file {kind!r}; allowed: {', '.join(KINDS)}")
    root = resources.files("sim") / "data" / kind
    if isinstance(root, Path):
        return root.resolve()
    return Path(_extracted.enter_context(resources.as_file(root)))  # pragma: no cover - zipimport


def find(ref: str | Path, kind: str) -> Path:
    """Resolve a file reference: a path, or a name in ``./<kind>/`` or the shipped files.

    Args:
        ref: A path (``my/file.toml``) or a bare name (``more_pios``, ``more_pios.toml``).
        kind: ``"scenarios"`` or ``"experiments"``.

    Returns:
        The path to read (which may not exist: the caller reports a missing file).
    """
    path = Path(ref)
    if path.is_file() or len(path.parts) != 1:  # a folder of that name (an --out) is no file
        return path
    name = path.name if path.suffix == ".toml" else f"{path.name}.toml"
    for folder in (Path(kind), shipped_dir(kind)):
        candidate = folder / name
        if candidate.is_file():
            return candidate.absolute()
    return path
