"""Checks made before any simulation: window, destination, work size, schedules, signals.

The summary window, the output destination, the size of the work and dated interventions
against the run are checked, and SIGTERM is turned into an exception. Every command checks what
it can before it simulates, so that a mistake costs a one-line error (exit code 2) and not a
finished simulation that cannot be written or that summarises a window too short to mean
anything.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sim.params import ScenarioError
from sim.scenario import load_scenario, schedule_check

__all__ = [
    "MIN_WINDOW_WEEKS",
    "TerminatedError",
    "MAX_RUNS",
    "check_destination",
    "check_work_size",
    "schedule_warnings",
    "sigterm_raises",
    "SMALLEST_USEFUL_SCALE",
    "small_scale_note",
    "summary_window",
    "window_problem",
]

#: Shortest summary window (weeks) a command accepts without ``--allow-short-window``.
MIN_WINDOW_WEEKS = 52
#: Below this ``run.scale`` the estate has fewer, smaller prisons than England & Wales
#: (docs/odd.md, "Smallest useful scale").
SMALLEST_USEFUL_SCALE = 0.1


def small_scale_note(scale: float) -> str | None:
    """A note for a run below :data:`SMALLEST_USEFUL_SCALE` (None at or above it)."""
    if scale >= SMALLEST_USEFUL_SCALE:
        return None
    return (
        f"scale {scale:g} is below {SMALLEST_USEFUL_SCALE:g}: the estate has fewer or smaller "
        "prisons than the world it models, so trust and per-prison costs drift from their "
        "full-scale values (docs/odd.md, 'Smallest useful scale'); runs this small check "
        "mechanisms, not levels"
    )


def summary_window(years: float, intervention_week: int) -> tuple[int, int, bool]:
    """The weeks a run summary covers (as ``sim.metrics.summarise`` computes them).

    Args:
        years: ``run.years``.
        intervention_week: ``run.intervention_week``.

    Returns:
        ``(first week, last week, whole_run)``; ``whole_run`` is true when the run ends before
        the intervention week, so the summary falls back to the whole run (the burn-in).
    """
    weeks = int(round(years * 52))
    start = max(1, int(intervention_week))
    if weeks < start:
        return 1, weeks, True
    return start, weeks, False


def window_problem(
    years: float,
    intervention_week: int,
    minimum: int = MIN_WINDOW_WEEKS,
    *,
    names: tuple[str, str] = ("run.years", "run.intervention_week"),
    allow: str = "--allow-short-window",
) -> str | None:
    """Why the summary window of a run is too short to trust, or None if it is long enough.

    Args:
        years: ``run.years``.
        intervention_week: ``run.intervention_week``.
        minimum: Shortest acceptable window in weeks.
        names: How the two settings are called where the user set them (an experiment file
            calls them ``years`` and ``burn_in_weeks``).
        allow: How to accept a short window anyway.

    Returns:
        A phrase naming both settings, the window and what is allowed, or None.
    """
    first, last, whole = summary_window(years, intervention_week)
    years_name, week_name = names
    settings = f"{years_name} = {years:g} with {week_name} = {intervention_week}"
    need = math.ceil((max(1, int(intervention_week)) + minimum - 1) / 52)
    fix = (
        f"allowed: {years_name} >= {need} for this {week_name} (the summary window runs from "
        f"that week to the end and needs at least {minimum} weeks), an earlier {week_name}, or "
        f"{allow}"
    )
    if whole and int(intervention_week) > 1:
        return (
            f"{settings}: the run ends before the intervention week, so its summary would "
            f"silently cover the whole run (weeks 1-{last}, levers never switched on); {fix}"
        )
    n = last - first + 1
    if n < minimum:
        length = f"{n} week" if n == 1 else f"{n} weeks"
        return f"{settings}: the summary window is weeks {first}-{last} ({length}); {fix}"
    return None


#: Most runs one command accepts (its design and seeds are built, and its runs listed, before
#: the first run: a million take about 20 s to plan; more would be months of computing).
MAX_RUNS = 1_000_000

#: Longest computation (seconds, at the fastest conceivable rate) a command accepts.
MAX_SECONDS = 365 * 24 * 3600

#: Fewest seconds a week of a simulated run takes (about a fifth of the fastest measured: a
#: week takes 5-10 ms at scale 0.01 on one core), so estimates below are conservative.
FASTEST_SECONDS_PER_WEEK = 0.002

#: Fewest seconds one run of a model without weeks (a custom model) takes.
FASTEST_SECONDS_PER_RUN = 0.001


def _duration(seconds: float) -> str:
    for unit, size in (("years", 365 * 86400), ("days", 86400), ("hours", 3600)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds / 60:,.0f} minutes"


def check_work_size(runs: int, weeks: int | None, workers: int, what: str) -> None:
    """Refuse work that would not finish, before anything is allocated for it.

    Args:
        runs: The runs the command would make.
        weeks: Weeks per run (None for a model without weeks).
        workers: Runs at a time.
        what: The options or keys that set the size, for the message (``--replicates 1000``).

    Raises:
        ScenarioError: One line naming ``what``, the runs, how long they would take at the
            fastest conceivable rate, and what is allowed.
    """
    per_run = weeks * FASTEST_SECONDS_PER_WEEK if weeks else FASTEST_SECONDS_PER_RUN
    seconds = runs * per_run / max(1, workers)
    if runs <= MAX_RUNS and seconds <= MAX_SECONDS:
        return
    rate = 3600 / per_run
    raise ScenarioError(
        f"{what}: {runs:,} runs would take at least {_duration(seconds)} on {max(1, workers)} "
        f"worker(s) (at {rate:,.0f} runs an hour each, faster than any measured run); allowed: "
        f"at most {MAX_RUNS:,} runs and a year of computing"
    )


def schedule_warnings(
    refs: Iterable[str | Path | None], fixed: dict[str, Any], years_from: str = "run.years"
) -> list[str]:
    """Check the ``[[schedule]]`` of every scenario a command will run, before it runs.

    Args:
        refs: Scenario references (names or paths; ``None`` for the baseline, which has none).
        fixed: Parameter values every run gets on top of the scenario's (``run.years``...).
        years_from: What set the run length, for the message (``--years``, ``years``).

    Returns:
        One warning line per scenario with entries in the burn-in (they run, before the
        summary window).

    Raises:
        ScenarioError: An entry after the run's last week (it would never happen).
    """
    warnings = []
    for ref in dict.fromkeys(r for r in refs if r is not None):
        scenario = load_scenario(ref)
        if not scenario.schedule:
            continue
        params = scenario.parameters(fixed)
        where = str(scenario.path or ref)
        source = years_from if "run.years" in fixed else "run.years"
        warning = schedule_check(
            scenario.schedule, params.run.years, params.run.intervention_week, where, source
        )
        if warning:
            warnings.append(warning)
    return warnings


def check_destination(path: str | Path, option: str, *, new: bool, need_bytes: int = 0) -> Path:
    """Check that results can be written to ``path``, before anything is simulated.

    The nearest existing folder on the way to ``path`` must be a folder in which a file can be
    created (a probe file is created and removed at once: read-only file systems, missing
    permissions and a path under a file are caught) with ``need_bytes`` free.

    Args:
        path: The destination folder.
        option: The option or key that named it, for the message (``--out``).
        new: Whether the folder must not exist yet.
        need_bytes: Free space the output needs, roughly.

    Returns:
        The destination as a ``Path``.

    Raises:
        ScenarioError: One line naming the option, the path and what is allowed.
    """
    if str(path).strip() == "":
        raise ScenarioError(f"{option} '': an empty path; allowed: a folder path")
    dest = Path(path)
    if dest.exists() or dest.is_symlink():
        if new:
            raise ScenarioError(
                f"{option} {dest}: already exists; allowed: a folder that does not exist"
            )
        if not dest.is_dir():
            raise ScenarioError(f"{option} {dest}: is a file; allowed: a folder")
    ancestor = dest if dest.is_dir() else dest.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ScenarioError(
            f"{option} {dest}: {ancestor} is a file, so no folder can be made under it; "
            "allowed: a path under a folder"
        )
    try:
        fd, probe = tempfile.mkstemp(dir=ancestor, prefix=".ocgsim-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ScenarioError(
            f"{option} {dest}: cannot write in {ancestor} ({exc.strerror or exc}); allowed: a "
            "folder on a writable file system where you may create files"
        ) from None
    if need_bytes:
        free = shutil.disk_usage(ancestor).free
        if free < need_bytes:
            raise ScenarioError(
                f"{option} {dest}: only {free / 1e6:.1f} MB free on the file system of "
                f"{ancestor}; the output needs about {need_bytes / 1e6:.1f} MB; allowed: a "
                "folder with enough free space"
            )
    return dest


class TerminatedError(Exception):
    """Raised in the main thread on SIGTERM (e.g. a batch system's time limit)."""


@contextlib.contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`TerminatedError` in the main thread, once.

    Further SIGTERMs while the block cleans up are ignored, so results are flushed. Outside the
    main thread (where signal handlers cannot be set) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    fired: list[int] = []

    def _on_term(signum: int, frame: Any) -> None:
        if fired:
            return  # already stopping: let the clean-up (flushing results) finish
        fired.append(signum)
        raise TerminatedError()

    previous = signal.signal(signal.SIGTERM, _on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class WriteError(Exception):
    """Finished results could not be written (a full disk, a vanished folder); one line."""
