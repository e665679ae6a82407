"""Toy models for the experiment-engine tests: fast, deterministic, independent of the ABM."""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class ToyParam:
    """A minimal parameter spec (same interface as sim.params.ParamSpec)."""

    name: str
    default: Any
    low: float | None = None
    high: float | None = None

    @property
    def kind(self) -> type:
        return type(self.default)

    def allowed(self) -> str:
        return f"a number in [{self.low}, {self.high}]"

    def check(self, value: Any, where: str) -> Any:
        from sim.params import ScenarioError

        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(f"{where}: {self.name} = {value!r} has the wrong type")
        if not self.low <= value <= self.high:
            raise ScenarioError(f"{where}: {self.name} = {value!r} is out of range")
        return self.kind(value)


SCHEMA = (
    ToyParam("toy.x1", 0.0, -math.pi, math.pi),
    ToyParam("toy.x2", 0.0, -math.pi, math.pi),
    ToyParam("toy.x3", 0.0, -math.pi, math.pi),
    ToyParam("toy.n", 3, 0, 100),
    ToyParam("toy.sleep", 0.0, 0.0, 10.0),
)


def _log_call(params: dict, seed: int) -> None:
    path = os.environ.get("TOY_CALL_LOG")
    if path:
        with open(path, "a") as fh:
            fh.write(f"{params.get('toy.x1', 0.0)!r} {params.get('toy.n', 0)} {seed}\n")


def ishigami(params: dict, seed: int) -> dict[str, float]:
    """The Ishigami function (a=7, b=0.1): S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244."""
    x1, x2, x3 = params["toy.x1"], params["toy.x2"], params["toy.x3"]
    y = math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)
    return {"y": y}


def noisy(params: dict, seed: int, *, series: bool = False):
    """Linear in x1 and n plus seed-dependent noise; optional weekly series."""
    rng = np.random.default_rng(seed)
    x1 = params.get("toy.x1", 0.0)
    n = params.get("toy.n", 3)
    scen = params.get("scenario")
    bonus = {"better": 1.0, "worse": -1.0}.get(scen, 0.0)
    base = 10.0 + 2.0 * x1 + 0.5 * n + bonus
    summary = {"y": base + rng.normal(0, 0.5), "z": float(rng.integers(0, 100))}
    if series:
        import pandas as pd

        weeks = np.arange(10)
        frame = pd.DataFrame({"week": weeks, "y": base + weeks * 0.1 + rng.normal(0, 0.1, 10)})
        return summary, frame
    return summary


def instant(params: dict, seed: int) -> dict[str, float]:
    """Returns at once."""
    return {"y": 1.0}


def undefined_metric(params: dict, seed: int) -> dict[str, float]:
    """Like :func:`noisy`, plus ``delay``, which is undefined (NaN) in scenario ``worse``."""
    out = noisy(params, seed)
    out["delay"] = math.nan if params.get("scenario") == "worse" else 3.0 + out["z"] / 100.0
    return out


def flaky(params: dict, seed: int) -> dict[str, float]:
    """Raises when toy.x1 > 2 (a failing run)."""
    if params.get("toy.x1", 0.0) > 2.0:
        raise RuntimeError(f"toy failure at x1={params['toy.x1']}")
    return noisy(params, seed)


def sleepy(params: dict, seed: int) -> dict[str, float]:
    """Sleeps ``toy.sleep`` seconds, logs the call (TOY_CALL_LOG) and returns noisy output."""
    _log_call(params, seed)
    time.sleep(params.get("toy.sleep", 0.0))
    return noisy(params, seed)


def crashing(params: dict, seed: int) -> dict[str, float]:
    """Kills its own process when toy.n == 13 (a worker that dies)."""
    if params.get("toy.n") == 13:
        os._exit(17)
    return noisy(params, seed)


def busy(params: dict, seed: int) -> dict[str, float]:
    """CPU-bound for about ``toy.sleep`` seconds (busy loop; for benchmarks)."""
    end = time.perf_counter() + params.get("toy.sleep", 0.05)
    x = 0.0
    while time.perf_counter() < end:
        x += math.sin(x + 1.0)
    return {"y": float(seed % 97), "x": x}


def slow_series(params: dict, seed: int, *, series: bool = False):
    """Like :func:`noisy` (with its weekly series), after sleeping ``toy.sleep`` seconds."""
    _log_call(params, seed)
    time.sleep(params.get("toy.sleep", 0.0))
    return noisy(params, seed, series=series)


#: Toy interventions of :func:`policy`: (share of harm cut, extra cost in GBP million a year).
POLICIES = {
    "baseline": (0.0, 0.0),
    "cuts": (0.06, 2.0),  # cuts harm by about 6% for GBP 2m a year more
    "nothing": (0.0, 1.5),  # costs more, does nothing
    "dominant": (0.05, -1.0),  # cuts harm and saves money
    "worse": (-0.08, 0.5),  # raises harm
}


def policy(params: dict, seed: int) -> dict[str, float]:
    """A toy policy model: OC harm (£ and harm-days) and cost by scenario, with shared noise."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(0.0, 20.0)
    cut, extra = POLICIES[params.get("scenario") or "baseline"]
    own = np.random.default_rng([seed, len(params.get("scenario") or "")]).normal(0.0, 5.0)
    harm = 1000.0 * (1.0 - cut) + shared + own
    return {
        "oc_harm_gbp_per_year": 1e6 * harm,  # the primary outcome: GBP 1bn a year
        "oc_harm_per_year": harm,
        "cost_million_per_year": 10.0 + extra + 0.01 * own,
        "ocg_members": 500.0 + 0.1 * shared,
    }


def budget(params: dict, seed: int) -> dict[str, float]:
    """The optimiser's synthetic problem (diminishing returns; tests/test_optimise.py)."""
    import zlib

    mix = {k: params[k] for k in ("x", "k", "b")}
    truth = 100 - 20 * math.log1p(mix["x"]) - 6 * mix["k"] - 9 * mix["b"]
    shared = np.random.default_rng(seed).normal(0.0, 2.0)
    key = zlib.crc32(repr(sorted(mix.items())).encode())
    mine = np.random.default_rng([seed, key]).normal(0.0, 0.5)
    return {"harm": truth + shared + mine + params.get("shift", 0.0), "other": 1.0}


def synthetic_results(values: dict[str, list[dict[str, float]]]) -> Any:
    """Results of a scenario design of another model, from given metric values.

    Args:
        values: For each scenario label (the baseline first), one dict of metric values per
            replicate (replicate r of every scenario has the same seed, 100 + r).

    Returns:
        A :class:`sim.analysis.Results` with those runs and a minimal manifest.
    """
    from pathlib import Path

    import pandas as pd

    from sim.analysis import Results

    rows = []
    for pid, (label, replicates) in enumerate(values.items()):
        for r, metrics in enumerate(replicates):
            rows.append(
                {
                    "run_id": pid * len(replicates) + r,
                    "point_id": pid,
                    "replicate": r,
                    "seed": 100 + r,
                    "scenario": label,
                    "status": "ok",
                    "error": "",
                    **metrics,
                }
            )
    points = [{"point_id": i, "scenario": s, "factors": {}} for i, s in enumerate(values)]
    manifest = {
        "model": "toymodels:synthetic",
        "design": {"kind": "scenarios", "factors": [], "points": points},
    }
    return Results(Path("synthetic"), manifest, pd.DataFrame(rows), pd.DataFrame())
