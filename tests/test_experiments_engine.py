"""The engine: failures, executors agree, shards, kill-and-resume, crashed workers."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import ResultsStore, cli, parse_experiment, resume, run_experiment, status

TESTS = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _toy_path(monkeypatch):
    """Worker processes (spawned, Dask) must import tests/toymodels.py."""
    path = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", f"{TESTS}{os.pathsep}{path}" if path else str(TESTS))


def toy(design: str, *, model: str = "noisy", replicates: int = 3, extra: str = "") -> str:
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


GRID = 'type = "grid"\nfactors = { "toy.x1" = [0.0, 1.0, 2.5], "toy.n" = [1, 2, 3, 4] }'


def run(text: str, out: Path, **kwargs):
    exp = parse_experiment(text, overrides={"out": str(out)})
    kwargs.setdefault("progress", False)
    return run_experiment(exp, **kwargs)


def test_failing_runs_are_recorded_and_the_rest_finish(tmp_path):
    report = run(toy(GRID, model="flaky"), tmp_path / "r", executor="serial", retries=1)
    store = ResultsStore(tmp_path / "r")
    runs = store.runs()
    failed = runs[runs["status"] == "failed"]
    assert report.failed == len(failed) == 12  # x1 = 2.5: 4 points x 3 replicates
    assert report.done == 24 and report.remaining == 0
    assert (failed["toy.x1"] == 2.5).all()
    assert failed["error"].str.contains("RuntimeError: toy failure").all()
    assert failed["error"].str.contains("Traceback").all()
    assert runs.loc[runs["status"] == "ok", "y"].notna().all()
    assert set(store.timings().query("run_id in @failed.run_id")["attempts"]) == {2}
    st = status(tmp_path / "r")
    assert (st["done"], st["failed"], st["remaining"]) == (24, 12, 0)
    # CLI status prints the counts
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["status", str(tmp_path / "r")])
    assert args.func(args) == 0


def test_executors_give_identical_tables(tmp_path):
    from distributed import LocalCluster

    text = toy(GRID, extra="[output]\nseries = true\n")
    run(text, tmp_path / "serial", executor="serial")
    run(text, tmp_path / "pool", executor="processes", workers=2)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        report = run(text, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert report.executor.startswith("dask (tcp://127.0.0.1")
    ref = ResultsStore(tmp_path / "serial")
    assert len(ref.runs()) == 36 and (ref.runs()["status"] == "ok").all()
    for other in ("pool", "dask"):
        store = ResultsStore(tmp_path / other)
        pd.testing.assert_frame_equal(ref.runs(), store.runs())
        pd.testing.assert_frame_equal(ref.series(), store.series())


def test_shards_together_equal_the_full_result(tmp_path):
    text = toy(GRID)
    run(text, tmp_path / "full", executor="serial")
    exp = parse_experiment(text, overrides={"out": str(tmp_path / "sharded")})
    seen = set()
    for i in range(3):
        report = run_experiment(exp, executor="serial", shard=(i, 3), progress=False)
        assert report.total == 12 and report.remaining == 0
        parts = list((tmp_path / "sharded" / "runs").glob(f"shard{i}of3-*.parquet"))
        ids = set(pd.concat(pd.read_parquet(p) for p in parts)["run_id"])
        assert ids == {r for r in range(36) if r % 3 == i}
        assert not ids & seen
        seen |= ids
    pd.testing.assert_frame_equal(
        ResultsStore(tmp_path / "full").runs(), ResultsStore(tmp_path / "sharded").runs()
    )
    assert status(tmp_path / "sharded")["remaining"] == 0


def test_killed_sweep_resumes_without_redoing_runs(tmp_path):
    design = 'type = "grid"\nfactors = { "toy.n" = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }'
    extra = (
        '[parameters]\n"toy.sleep" = 0.05\n[execution]\nflush_seconds = 0.1\nchunk_seconds = 0.1\n'
    )
    text = toy(design, model="sleepy", replicates=3, extra=extra)
    (tmp_path / "exp.toml").write_text(text)
    out = tmp_path / "killed"
    log1, log2 = tmp_path / "calls1.log", tmp_path / "calls2.log"
    code = (
        "import sys; from sim.experiments import load_experiment, run_experiment\n"
        f"exp = load_experiment({str(tmp_path / 'exp.toml')!r},\n"
        f"                      overrides={{'out': {str(out)!r}}})\n"
        "run_experiment(exp, executor='serial', progress=False)\n"
    )
    env = {**os.environ, "TOY_CALL_LOG": str(log1)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if len(list((out / "runs").glob("main-*.parquet"))) >= 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = ResultsStore(out)
    before = store.finished()
    assert 0 < len(before) < 36, "the sweep should be killed part-way"
    stored_keys = {(int(r.point_id), int(r.seed)) for r in store.runs().itertuples()}
    assert status(out)["remaining"] == 36 - len(before)

    os.environ["TOY_CALL_LOG"] = str(log2)
    try:
        report = resume(out, executor="serial", progress=False)
    finally:
        del os.environ["TOY_CALL_LOG"]
    assert report.remaining == 0 and report.ran == 36 - len(before)
    redone = [tuple(line.split()[1:]) for line in log2.read_text().splitlines()]
    assert len(redone) == 36 - len(before)
    assert not {(int(n), int(s)) for n, s in redone} & stored_keys  # point_id == toy.n here

    run(text, tmp_path / "clean", executor="serial")
    pd.testing.assert_frame_equal(ResultsStore(tmp_path / "clean").runs(), store.runs())
    # running the experiment again does nothing
    assert run(text, out, executor="serial").ran == 0


def test_changed_experiment_refuses_existing_results(tmp_path):
    from sim.params import ScenarioError

    run(toy(GRID), tmp_path / "r", executor="serial")
    with pytest.raises(ScenarioError, match="different experiment"):
        run(toy(GRID, replicates=4), tmp_path / "r", executor="serial")


def test_worker_that_dies_is_recorded_and_pool_recovers(tmp_path):
    design = 'type = "grid"\nfactors = { "toy.n" = [11, 12, 13, 14] }'
    report = run(
        toy(design, model="crashing", replicates=2), tmp_path / "r", executor="processes", workers=2
    )
    runs = ResultsStore(tmp_path / "r").runs()
    assert report.remaining == 0
    crashed = runs[runs["status"] == "failed"]
    assert list(crashed["toy.n"]) == [13, 13]
    assert crashed["error"].str.contains("worker process died").all()
    assert (runs.loc[runs["toy.n"] != 13, "status"] == "ok").all()


class _BreaksBetweenWaits:
    """A two-slot executor whose pool breaks after the first chunk, before its crash is seen.

    The next submission is refused (as ``ProcessPoolExecutor`` refuses once a worker died) while
    the first chunk's future has not yet reported the crash: the race behind a CI failure.
    """

    name = "processes"
    slots = 2

    def __init__(self):
        import concurrent.futures as cf

        self.cf = cf
        self.broken = False
        self.restarts = 0
        self.sent: list[list[int]] = []
        self.pending: list = []

    def submit(self, model, tasks, *rest):
        from concurrent.futures.process import BrokenProcessPool

        if self.broken:
            raise BrokenProcessPool("a child process terminated abruptly")
        future = self.cf.Future()
        ids = [t[0] for t in tasks]
        self.sent.append(ids)
        if len(self.sent) == 1:
            self.broken = True  # this chunk's worker dies; its future fails at the next wait
            self.pending.append((future, BrokenProcessPool("worker died")))
        else:
            future.set_result([{"run_id": i, "status": "ok"} for i in ids])
        return future

    def wait(self, futures, timeout):
        for future, exc in self.pending:
            future.set_exception(exc)
        self.pending.clear()
        return {f for f in futures if f.done()}

    def is_crash(self, exc):
        from concurrent.futures.process import BrokenProcessPool

        return isinstance(exc, BrokenProcessPool)

    def restart(self):
        self.restarts += 1
        self.broken = False


def test_a_pool_that_breaks_between_waits_loses_no_run():
    """A submission refused by a pool that broke since the last wait is retried, not raised."""
    from collections import deque
    from types import SimpleNamespace

    from sim.experiments.driver import drive

    design = SimpleNamespace(
        runs=lambda ids: [SimpleNamespace(run_id=i, params={}, seed=i) for i in ids]
    )
    executor = _BreaksBetweenWaits()
    stored: list[dict] = []
    drive(design, deque(range(6)), executor, ("toy", False, [], 0), stored.append)
    assert sorted(r["run_id"] for r in stored) == list(range(6))
    assert all(r["status"] == "ok" for r in stored)  # run 0 was re-run on its own and passed
    assert executor.restarts == 1 and [0] in executor.sent[1:]


def test_manifest_records_provenance(tmp_path):
    run(toy(GRID), tmp_path / "r", executor="serial")
    m = ResultsStore(tmp_path / "r").manifest()
    for key in (
        "experiment_sha256",
        "design",
        "versions",
        "git_commit",
        "host",
        "executor",
        "start_time",
        "end_time",
        "root_seed",
    ):
        assert key in m
    assert m["state"] == "complete"
    assert len(m["design"]["seeds"]) == 3
    assert {"python", "mesa", "numpy", "SALib", "dask", "ocgsim"} <= set(m["versions"])
    assert (tmp_path / "r" / "experiment.toml").read_text() == toy(GRID)
