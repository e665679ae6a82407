"""Faults from the new-user trial (issue 10): unwritable destinations, full disks, signals, kills,
concurrent invocations; and (issue 28) damaged and missing result files. Each ends with an exit
code, one line on stderr and either nothing written or an intact folder that resumes to the same
results as an uninterrupted run.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from clihelp import MINI, TESTS, cli, snapshot, spawn, toy

from sim.cli.main import main
from sim.experiments import ResultsStore, parse_experiment, run_experiment
from sim.io.files import lock_owner, pid_alive

LINUX = sys.platform.startswith("linux")
RUN = ["run", "--scale", "0.01", "--years", "3", "--quiet"]


@pytest.fixture(autouse=True)
def _toy_path(monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", f"{TESTS}{os.pathsep}{path}" if path else str(TESTS))


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if a model is built (the destination must be checked before)."""

    def refuse(*args, **kwargs):
        raise AssertionError("simulated before checking the destination")

    monkeypatch.setattr("sim.model.core.OCGModel", refuse)
    monkeypatch.setattr("sim.experiments.executors.run_chunk", refuse)


def _unwritable(monkeypatch, err: int) -> None:
    """Make every probe of a destination fail with ``err`` (EROFS: read-only file system)."""

    def fail(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr("sim.io.guards.tempfile.mkstemp", fail)


def _full_disk(monkeypatch) -> None:
    """Make the destination's file system report no free space."""
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("sim.io.guards.shutil.disk_usage", lambda p: usage(10**9, 10**9, 0))


DESTINATION_FAULTS = {
    "run_read_only": (lambda mp: _unwritable(mp, errno.EROFS), RUN, "Read-only file system"),
    "run_no_permission": (lambda mp: _unwritable(mp, errno.EACCES), RUN, "Permission denied"),
    "run_full_disk": (_full_disk, RUN, "MB free"),
    "experiment_read_only": (
        lambda mp: _unwritable(mp, errno.EROFS),
        ["experiment", "{d}/mini.toml"],
        "Read-only file system",
    ),
    "experiment_full_disk": (_full_disk, ["experiment", "{d}/mini.toml"], "MB free"),
}


@pytest.mark.parametrize("case", sorted(DESTINATION_FAULTS))
def test_unwritable_destination_is_refused_before_simulating(
    tmp_path, capsys, monkeypatch, no_simulation, case
):
    fault, argv, words = DESTINATION_FAULTS[case]
    (tmp_path / "mini.toml").write_text(MINI)
    fault(monkeypatch)
    before = snapshot(tmp_path)
    argv = [a.replace("{d}", str(tmp_path)) for a in argv]
    code, _, err = cli(capsys, [*argv, "--out", tmp_path / "out" / "deeper"])
    assert code == 2 and len(err) == 1, err
    assert "--out" in err[0] and words in err[0]
    assert snapshot(tmp_path) == before


def test_analyse_into_a_read_only_folder_is_refused(tmp_path, capsys, monkeypatch):
    (tmp_path / "mini.toml").write_text(MINI.replace("replicates = 2", "replicates = 1"))
    out = tmp_path / "r"
    assert cli(capsys, ["experiment", tmp_path / "mini.toml", "--out", out])[0] == 0
    before = snapshot(tmp_path)
    _unwritable(monkeypatch, errno.EROFS)
    code, _, err = cli(capsys, ["analyse", out, "--out", tmp_path / "ro"])
    assert code == 2 and len(err) == 1 and "--out" in err[0] and "Read-only" in err[0]
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root")
def test_real_read_only_folder_is_refused(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        code, _, err = cli(capsys, [*RUN, "--out", ro / "out"])
        assert code == 2 and len(err) == 1 and "cannot write" in err[0]
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_disk_filling_while_writing_a_run_leaves_nothing(tmp_path, capsys, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("sim.io.output.json_bytes", full)
    code, _, err = cli(capsys, [*RUN, "--out", tmp_path / "a" / "out"])
    assert code == 1 and len(err) == 1, err
    assert "No space left on device" in err[0] and "nothing was written" in err[0]
    assert list(tmp_path.iterdir()) == [], "no folder, temporary folder or lock left"


def test_full_disk_during_an_experiment_resumes_without_duplicate_rows(
    tmp_path, capsys, monkeypatch
):
    design = 'type = "grid"\nfactors = { "toy.n" = [0, 1, 2, 3, 4, 5, 6, 7] }'
    extra = (
        '[parameters]\n"toy.sleep" = 0.03\n[output]\nseries = true\n'
        '[execution]\nexecutor = "serial"\nflush_seconds = 0.05\nchunk_seconds = 0.05\n'
    )
    (tmp_path / "exp.toml").write_text(toy(design, model="slow_series", extra=extra))
    out = tmp_path / "r"
    real = pq.write_table
    timings = {"n": 0}

    def write(table, where, *args, **kwargs):
        # the disk fills while the third flush writes its timings part, after its series part
        if f"{os.sep}timings{os.sep}" in str(where):
            timings["n"] += 1
            if timings["n"] >= 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr("sim.experiments.store.pq.write_table", write)
    code, _, err = cli(capsys, ["experiment", tmp_path / "exp.toml", "--out", out, "--no-progress"])
    assert code == 1 and len(err) == 1, err
    assert "No space left" in err[0] and "ocgsim resume" in err[0]
    stored = ResultsStore(out).finished()
    assert 0 < len(stored) < 16
    assert not list(out.rglob(".*.tmp")), "temporary files left"
    monkeypatch.setattr("sim.experiments.store.pq.write_table", real)

    code, text, err = cli(capsys, ["resume", out, "--no-progress"])
    assert code == 0, err
    raw = pd.concat(pd.read_parquet(p) for p in (out / "series").glob("*.parquet"))
    assert not raw.duplicated(["run_id", "week", "metric"]).any(), "duplicate series rows"
    raw_runs = pd.concat(pd.read_parquet(p) for p in (out / "runs").glob("*.parquet"))
    assert not raw_runs["run_id"].duplicated().any()
    clean = tmp_path / "clean"
    run_experiment(
        parse_experiment(toy(design, model="slow_series", extra=extra), overrides={"out": clean}),
        progress=False,
    )
    pd.testing.assert_frame_equal(ResultsStore(clean).runs(), ResultsStore(out).runs())
    pd.testing.assert_frame_equal(ResultsStore(clean).series(), ResultsStore(out).series())


# --- signals and kills --------------------------------------------------------------------------


def _wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_signal_during_run_exits_with_one_line_and_writes_nothing(
    tmp_path, capsys, sig, code, word
):
    """A second run with the same --out is refused at once while the first holds it; a signal
    then stops the first with one line, writing nothing."""
    out = tmp_path / "out"
    proc = spawn(["run", "--scale", "0.3", "--years", "10", "--quiet", "--out", out], tmp_path)
    try:
        _wait_for(lambda: lock_owner(tmp_path / ".out.lock"), what="the run's lock")
        second, _, err = cli(capsys, [*RUN, "--out", out])
        assert second == 2 and len(err) == 1 and "another run" in err[0], err
        assert str(proc.pid) in err[0]
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "nothing written" in lines[0], stderr
    assert list(tmp_path.iterdir()) == [], "something was written"


def _sleepy_experiment(
    tmp_path: Path, n: int = 24, sleep: float = 0.1, executor: str = "processes"
) -> Path:
    design = 'type = "grid"\nfactors = { "toy.n" = [' + ", ".join(map(str, range(n))) + "] }"
    extra = (
        f'[parameters]\n"toy.sleep" = {sleep}\n[execution]\nexecutor = "{executor}"\n'
        "workers = 2\nflush_seconds = 0.1\nchunk_seconds = 0.1\n"
    )
    path = tmp_path / "exp.toml"
    path.write_text(toy(design, model="sleepy", extra=extra))
    return path


def _runs_stored(out: Path) -> bool:
    return (out / "runs").is_dir() and any((out / "runs").glob("main-*.parquet"))


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "interrupted")],
)
def test_stopping_an_experiment_flushes_it_and_it_resumes(tmp_path, capsys, sig, code, word):
    """SIGTERM (a batch system's time limit) goes to the engine; Ctrl-C to the whole process
    group, workers included. Either way: one line, no traceback, a resumable folder."""
    path = _sleepy_experiment(tmp_path)
    out = tmp_path / "r"
    proc = spawn(
        ["experiment", path, "--out", out, "--no-progress"], tmp_path, start_new_session=True
    )
    try:
        _wait_for(lambda: _runs_stored(out), what="first results")
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == code, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and word in lines[0] and "resume" in lines[0], stderr
    assert "Traceback" not in stderr
    done = ResultsStore(out).finished()
    assert 0 < len(done) < 48
    code, _, err = cli(capsys, ["resume", out, "--executor", "serial", "--no-progress"])
    assert code == 0, err
    clean = tmp_path / "clean"
    run_experiment(
        parse_experiment(path.read_text(), overrides={"out": clean}),
        executor="serial",
        progress=False,
    )
    pd.testing.assert_frame_equal(ResultsStore(clean).runs(), ResultsStore(out).runs())


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


@pytest.mark.skipif(not LINUX, reason="reads /proc")
def test_sigkill_of_an_experiment_leaves_no_workers_and_status_says_so(tmp_path, capsys):
    path = _sleepy_experiment(tmp_path, n=40, sleep=0.2)
    out = tmp_path / "r"
    proc = spawn(["experiment", path, "--out", out, "--no-progress"], tmp_path)
    try:
        _wait_for(lambda: _runs_stored(out), what="first results")
        workers = _descendants(proc.pid)
        assert len(workers) >= 2, "expected spawned worker processes"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
    try:
        _wait_for(lambda: not any(pid_alive(p) for p in workers), timeout=15, what="workers exit")
    finally:  # never leave orphans behind, even when the test fails
        for pid in workers:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
    code, text, _ = cli(capsys, ["status", out])
    assert code == 0
    assert "state: interrupted (no live session)" in text
    assert "died" in text and "running on" not in text


def test_two_identical_experiments_do_not_double_the_work(tmp_path, capsys):
    path = _sleepy_experiment(tmp_path, n=12, sleep=0.1, executor="serial")
    out = tmp_path / "r"
    proc = spawn(["experiment", path, "--out", out, "--no-progress"], tmp_path)
    try:
        _wait_for(lambda: lock_owner(out / ".lock-main"), what="the first experiment's lock")
        code, _, err = cli(capsys, ["experiment", path, "--out", out, "--no-progress"])
        assert code == 2 and len(err) == 1, err
        assert "another ocgsim process" in err[0] and str(proc.pid) in err[0]
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 0, stderr
    raw = pd.concat(pd.read_parquet(p) for p in (out / "runs").glob("*.parquet"))
    assert len(raw) == 24 and not raw["run_id"].duplicated().any()
    assert not (out / ".lock-main").exists()


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path, capsys):
    import json
    import subprocess

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)
    assert pid_alive(pid) is False
    path = _sleepy_experiment(tmp_path, n=3, sleep=0.0, executor="serial")
    out = tmp_path / "r"
    out.mkdir()
    (out / ".lock-main").write_text(json.dumps({"pid": pid, "host": os.uname().nodename}))
    code, text, err = cli(capsys, ["experiment", path, "--out", out, "--no-progress"])
    assert code == 0, err
    assert "6 done" in text
    run_out = tmp_path / "run"
    (tmp_path / ".run.lock").write_text(json.dumps({"pid": pid}))
    assert cli(capsys, [*RUN, "--no-figure", "--out", run_out])[0] == 0
    assert not (tmp_path / ".run.lock").exists()


# --- damaged and missing result files (issue 28) ------------------------------------------------

DAMAGE_DESIGN = 'type = "grid"\nfactors = { "toy.n" = [0, 1, 2] }'
DAMAGE_EXTRA = '[output]\nseries = true\n[execution]\nexecutor = "serial"\n'


def _toy_results(tmp_path: Path, name: str) -> Path:
    """A finished experiment of a toy model with series, in ``tmp_path/name``."""
    path = tmp_path / "exp.toml"
    path.write_text(toy(DAMAGE_DESIGN, model="slow_series", extra=DAMAGE_EXTRA))
    out = tmp_path / name
    assert main(["experiment", str(path), "--out", str(out), "--no-progress"]) == 0
    return out


@pytest.mark.parametrize("folder", ["runs", "series", "timings"])
def test_a_damaged_part_file_is_named_and_resume_sets_it_aside_and_reruns(tmp_path, capsys, folder):
    clean = _toy_results(tmp_path, "clean")
    out = _toy_results(tmp_path, "r")
    (part,) = (out / folder).glob("*.parquet")
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])  # truncated by a crash
    before = snapshot(out)
    for command in (["status", out], ["analyse", out], ["report", out]):
        code, _, err = cli(capsys, command)
        assert code == 2 and len(err) == 1, (command, err)
        assert f"{folder}/{part.name} is damaged" in err[0], err
        assert f"ocgsim resume {out}" in err[0] and "Traceback" not in err[0]
        assert snapshot(out) == before, command
    code, text, err = cli(capsys, ["resume", out, "--no-progress"])
    assert code == 0, err
    assert len(err) == 1 and str(part) in err[0] and "set aside" in err[0], err
    assert (out / folder / f"{part.name}.damaged").is_file()
    for other in ("runs", "series", "timings"):  # the whole flush is set aside, and re-run
        assert not (out / other / part.name).exists()
    assert "6 done, 0 failed, 0 remaining" in text
    pd.testing.assert_frame_equal(ResultsStore(clean).runs(), ResultsStore(out).runs())
    pd.testing.assert_frame_equal(ResultsStore(clean).series(), ResultsStore(out).series())
    code, text, _ = cli(capsys, ["status", out])
    assert code == 0 and "6 done" in text and "state: complete" in text


def test_removed_run_files_are_reported_not_passed_as_success(tmp_path, capsys):
    clean = _toy_results(tmp_path, "clean")
    out = _toy_results(tmp_path, "r")
    for part in (out / "runs").glob("*.parquet"):
        part.unlink()
    code, text, _ = cli(capsys, ["status", out])
    assert code == 0
    assert "0 done" in text and "6 remaining" in text
    assert "incomplete: 6 runs are missing" in text and "state: complete)" not in text
    before = snapshot(out)
    for command in (["analyse", out], ["report", out]):
        code, _, err = cli(capsys, command)
        assert code == 2 and len(err) == 1 and "no runs stored" in err[0], (command, err)
        assert snapshot(out) == before, command
    code, text, err = cli(capsys, ["resume", out, "--no-progress"])
    assert code == 0, err
    pd.testing.assert_frame_equal(ResultsStore(clean).runs(), ResultsStore(out).runs())
    pd.testing.assert_frame_equal(ResultsStore(clean).series(), ResultsStore(out).series())


def test_experiment_given_again_sets_a_damaged_file_aside(tmp_path, capsys):
    out = _toy_results(tmp_path, "r")
    (part,) = (out / "runs").glob("*.parquet")
    part.write_bytes(b"PAR1 not really")
    code, text, err = cli(capsys, ["experiment", tmp_path / "exp.toml", "--out", out])
    assert code == 0, err
    assert "set aside" in err[-1] and (out / "runs" / f"{part.name}.damaged").is_file()
    assert "6 done" in text


def test_a_damaged_folder_of_another_experiment_is_left_alone(tmp_path, capsys):
    out = _toy_results(tmp_path, "r")
    (part,) = (out / "runs").glob("*.parquet")
    part.write_bytes(b"PAR1 not really")
    other = tmp_path / "other.toml"
    other.write_text(toy(DAMAGE_DESIGN, model="slow_series", replicates=3, extra=DAMAGE_EXTRA))
    before = snapshot(out)
    code, _, err = cli(capsys, ["experiment", other, "--out", out])
    assert code == 2 and len(err) == 1 and "different experiment" in err[0], err
    assert snapshot(out) == before


def test_report_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    out = _toy_results(tmp_path, "r")
    html = tmp_path / "reports" / "report.html"
    html.parent.mkdir()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("sim.io.files.atomic_write_bytes", full)
    code, _, err = cli(capsys, ["report", out, "--out", html])
    assert code == 1 and len(err) == 1, err
    assert str(html) in err[0] and "No space left on device" in err[0]
    assert "nothing was written" in err[0]
    assert list(html.parent.iterdir()) == []


def test_compare_given_again_sets_a_damaged_file_aside(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["compare", "more_pios", "--replicates", "2", "--scale", "0.01", "--years", "3"]
    argv += ["--executor", "serial", "--no-progress"]
    code, _, err = cli(capsys, argv)
    assert code == 0, err
    (out,) = (tmp_path / "results").iterdir()  # the default folder of this comparison
    (part,) = (out / "runs").glob("*.parquet")
    part.write_bytes(part.read_bytes()[:100])
    code, _, err = cli(capsys, argv)
    assert code == 0, err
    assert any("set aside" in line and part.name in line for line in err), err
    assert (out / "runs" / f"{part.name}.damaged").is_file()
    assert len(ResultsStore(out).finished()) == 4


def test_a_damaged_design_file_is_named(tmp_path, capsys):
    out = _toy_results(tmp_path, "r")
    (out / "design.parquet").write_bytes(b"not parquet")
    before = snapshot(out)
    for command in (["status", out], ["analyse", out], ["report", out], ["resume", out]):
        code, _, err = cli(capsys, command)
        assert code == 2 and len(err) == 1 and "design.parquet is damaged" in err[0], err
    assert snapshot(out) == before
