"""A non-editable install, as a cluster user makes it, works from any folder (issue 10).

The project is copied to a scratch folder (so nothing is built inside the source tree), built
into a wheel, and the wheel is installed into a fresh virtual environment. From another folder,
``ocgsim scenarios``, a run of a shipped scenario and the plan of a shipped experiment must work,
reading the shipped files from the installed package.

The fresh environment gets only the distributions that the project's core requirements need
(their closure, with the extras they ask for), taken from the test environment: each is linked
into one folder, which a ``.pth`` file puts on the fresh environment's path. So a module the
installed commands import but the wheel does not declare (an optional extra's, a test tool's)
fails here as it would for a user, and ``pip check`` confirms that the wheel's declared
requirements are met. Installing the same distributions again from pip's cache took two minutes
of the suite; ``make test`` installs them from the package index on every run anyway.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _copy_project(dest: Path) -> Path:
    """The files a build needs, copied (symbolic links kept) into ``dest/src``."""
    src = dest / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", "dist", "*.pyc")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, src / name)
    for folder in ("sim", "scenarios", "experiments"):
        shutil.copytree(ROOT / folder, src / folder, symlinks=True, ignore=ignore)
    return src


def _runtime_closure(name: str) -> list[metadata.Distribution]:
    """The installed distributions that ``name`` needs to run: its core requirements, theirs,
    and the extras they ask for (``dask[distributed]``), not ``name``'s own optional extras."""
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    todo = [(name, frozenset())]
    while todo:
        wanted, extras = todo.pop()
        dist = metadata.distribution(wanted)
        key = canonicalize_name(dist.metadata["Name"])
        found[key] = dist
        for extra in {"", *extras}:
            if (key, extra) in done:
                continue
            done.add((key, extra))
            for line in dist.requires or []:
                req = Requirement(line)
                if req.marker is None or req.marker.evaluate({"extra": extra}):
                    todo.append((req.name, frozenset(req.extras)))
    found.pop(canonicalize_name(name))
    return list(found.values())


def _link_distributions(dists: list[metadata.Distribution], folder: Path) -> None:
    """Link each distribution's top-level files and folders (and its metadata) into ``folder``."""
    folder.mkdir()
    for dist in dists:
        assert dist.files, f"{dist.metadata['Name']} lists no files (no RECORD)"
        for top in {Path(f).parts[0] for f in dist.files}:
            if top in ("..", "__pycache__") or top.endswith(".pth") or (folder / top).exists():
                continue
            (folder / top).symlink_to(Path(dist.locate_file(top)).resolve())


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 600):
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


@pytest.mark.slow
def test_wheel_installs_and_runs_shipped_files_from_another_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    src = _copy_project(tmp_path)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip"]
    _run([*pip, "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(src)], tmp_path, env)
    (wheel,) = wheels.glob("ocgsim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sim/data/scenarios/more_pios.toml" in names
    assert "sim/data/experiments/compare_recommendations.toml" in names
    assert "sim/data/heldout.toml" in names

    fresh = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(fresh)
    python = fresh / "bin" / "python"
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                tmp_path, env).stdout.strip()  # fmt: skip
    deps = tmp_path / "dependencies"
    _link_distributions(_runtime_closure("ocgsim"), deps)
    Path(site, "dependencies.pth").write_text(f"{deps}\n")
    _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], tmp_path, env)
    _run([str(python), "-m", "pip", "check"], tmp_path, env)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([str(python), "-c", "import sim; print(sim.__file__)"], elsewhere, env)
    assert Path(where.stdout.strip()).is_relative_to(fresh), "imported sim from the source tree"
    ocgsim = str(fresh / "bin" / "ocgsim")
    listed = _run([ocgsim, "scenarios"], elsewhere, env).stdout
    for name in ("england_wales", "more_pios", "recommendations"):
        assert name in listed
    _run(
        [ocgsim, "run", "more_pios", "--scale", "0.01", "--years", "3", "--quiet", "--out", "r"],
        elsewhere,
        env,
    )
    manifest = json.loads((elsewhere / "r" / "manifest.json").read_text())
    assert manifest["parameters"]["intelligence.pios_per_1000"] == 3.0
    assert Path(manifest["scenario_file"]).is_relative_to(fresh)
    plan = _run([ocgsim, "plan", "compare_recommendations", "--scale", "0.01"], elsewhere, env)
    assert "240 runs" in plan.stdout and "estimated time" in plan.stdout
    version = _run([str(python), "-m", "sim", "--version"], elsewhere, env).stdout
    assert version.startswith("ocgsim ")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["r"]
