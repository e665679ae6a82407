"""Helpers for command-line tests: run ``ocgsim`` in or out of process, snapshot folders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sim.cli.main import main

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

#: A small experiment of the sim model: baseline and more_pios, 2 replicates, 3 years at 0.01.
MINI = textwrap.dedent("""
    [experiment]
    name = "mini"
    seed = 7
    replicates = 2
    years = 3
    burn_in_weeks = 104
    scale = 0.01

    [design]
    type = "scenarios"
    scenarios = ["more_pios"]

    [output]
    series = true

    [execution]
    executor = "serial"
    """)


def toy(design: str, *, model: str = "sleepy", replicates: int = 2, extra: str = "") -> str:
    """An experiment of a toy model (tests/toymodels.py)."""
    return (
        textwrap.dedent(f"""
        [experiment]
        name = "toy"
        model = "toymodels:{model}"
        schema = "toymodels:SCHEMA"
        seed = 2024
        replicates = {replicates}

        [design]
        {design}
        """)
        + extra
    )


def cli(capsys, argv: list[str]) -> tuple[int, str, list[str]]:
    """Run ``ocgsim`` in this process: exit code, stdout, stderr lines."""
    capsys.readouterr()
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err.strip().splitlines()


def assert_rejected(capsys, argv: list[str], out: Path, *words: str) -> None:
    """``ocgsim ARGV`` exits 2 with one stderr line holding ``words``; nothing is at ``out``."""
    capsys.readouterr()
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert not out.exists(), "output written for bad input"
    assert not list(out.parent.glob(f".{out.name}*")), "temporary output left behind"


def snapshot(folder: Path) -> dict[str, int]:
    """Every file and folder under ``folder`` (relative path -> size, -1 for folders)."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        out[str(p.relative_to(folder))] = -1 if p.is_dir() else p.stat().st_size
    return out


def env(**extra: str) -> dict[str, str]:
    """Environment for a subprocess: tests/ on the path (toy models), no progress colours."""
    e = dict(os.environ)
    path = e.get("PYTHONPATH", "")
    e["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), str(ROOT), path) if p)
    e.update(extra)
    return e


def _default_sigint() -> None:
    # a test suite started in the background by a non-interactive shell inherits SIGINT ignored,
    # and Python then keeps ignoring it: the child gets the default, as from a terminal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(argv: list[str], cwd: Path, **kwargs) -> subprocess.Popen:
    """Start ``python -m sim ARGV`` in ``cwd`` (stdout and stderr captured as text).

    The child starts with SIGINT at its default (Ctrl-C raises KeyboardInterrupt), however the
    test suite itself was started.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *map(str, argv)],
        cwd=cwd,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
        **kwargs,
    )
