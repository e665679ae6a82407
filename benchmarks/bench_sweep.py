"""Throughput of the experiment engine: serial vs local process pool vs local Dask cluster.

Prints runs per second, parallel efficiency on 2 workers (target >= 85%) with a CPU-bound toy
model (~50 ms a run, so the figure reflects the engine), the engine's overhead per run with a
model that returns at once (target < 20 ms), and the same comparison with the real model at a
tiny scale if ``sim.model.core`` imports. Run: ``python benchmarks/bench_sweep.py``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path.insert(0, str(TESTS))
os.environ["PYTHONPATH"] = str(TESTS) + os.pathsep + os.environ.get("PYTHONPATH", "")

from sim.experiments import parse_experiment, run_experiment  # noqa: E402


def toy_text(model: str, runs: int, sleep: float) -> str:
    return f"""
[experiment]
name = "bench"
model = "toymodels:{model}"
schema = "toymodels:SCHEMA"
seed = 1
replicates = {runs}
[parameters]
"toy.sleep" = {sleep}
"""


def sweep(text: str, executor: str, workers: int = 2) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        exp = parse_experiment(text, overrides={"out": str(Path(tmp) / "r")})
        start = time.perf_counter()
        report = run_experiment(exp, executor=executor, workers=workers, progress=False)
        elapsed = time.perf_counter() - start
        assert report.remaining == 0 and report.failed == 0, report
    return elapsed


def compare(label: str, text: str, runs: int) -> None:
    serial = sweep(text, "serial")
    pool = sweep(text, "processes")
    dask = sweep(text, "dask")
    print(f"{label}: {runs} runs")
    print(f"  {'serial':17s} {serial:7.2f} s  {runs / serial:7.1f} runs/s")
    for name, t in (("process pool (2)", pool), ("dask local (2)", dask)):
        print(
            f"  {name:17s} {t:7.2f} s  {runs / t:7.1f} runs/s, parallel efficiency "
            f"{serial / (2 * t):.0%} (including pool/cluster start-up)"
        )


def main() -> None:
    print(f"cpus: {os.cpu_count()}")
    compare("CPU-bound toy model, ~50 ms per run", toy_text("busy", 200, 0.05), 200)

    n = 2000
    t = sweep(toy_text("instant", n, 0.0), "serial")
    print(f"engine overhead, instant model, serial: {1000 * t / n:.2f} ms per run ({n} runs)")
    t = sweep(toy_text("instant", n, 0.0), "processes")
    print(
        f"engine overhead, instant model, process pool (2): {1000 * t / n:.2f} ms per run "
        "(incl. pool start-up)"
    )

    try:
        import sim.model.core  # noqa: F401
    except Exception as exc:  # noqa: BLE001
        print(f"real model skipped: sim.model.core does not import ({type(exc).__name__}: {exc})")
        return
    real = """
[experiment]
name = "bench_real"
seed = 1
replicates = 8
years = 1
burn_in_weeks = 26
scale = 0.01
"""
    try:
        compare("real model, scale 0.01, 1 year", real, 8)
    except Exception as exc:  # noqa: BLE001
        print(f"real model failed: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
