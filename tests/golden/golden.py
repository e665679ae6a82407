"""Golden reference runs: pinned summaries and time-series fingerprints.

A refactoring that should not change behaviour is shown bit-identical against these files. A
change that is meant to alter results (a new mechanism, a new order of random draws) re-pins
them in the same commit, and the commit message says why.

Usage::

    python tests/golden/golden.py            # check every reference run (exit 1 on mismatch)
    python tests/golden/golden.py --pin      # re-pin the small runs (tests/golden/*.json)
    python tests/golden/golden.py --pin --full   # also the full-scale run (about a minute)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent

#: name -> (scenario, seed, overrides). Several scenarios, seeds, scales and worlds.
REFERENCE_RUNS: dict[str, tuple[str | None, int, dict[str, Any]]] = {
    "baseline": (None, 1, {"scale": 0.02, "years": 4}),
    "recommendations": ("recommendations", 2, {"scale": 0.02, "years": 4}),
    "italy_41bis": ("italy_41bis", 3, {"scale": 0.02, "years": 3, "intervention_week": 52}),
    "brazil_factions": ("brazil_factions", 4, {"scale": 0.02, "years": 3}),
    "disperse_high_risk": ("disperse_high_risk", 5, {"scale": 0.03, "years": 3}),
    "concentrate_no_sharing": (
        "concentrate_high_risk",
        6,
        {"scale": 0.02, "years": 3, "intervention_week": 26, "sharing.enabled": False},
    ),
    "humberside": ("humberside", 7, {"years": 3}),
    # the structural variant of police tasking: every operation from a prison item
    "prison_only_tasking": (
        None,
        1,
        {"scale": 0.02, "years": 4, "disruption.tasking": "prison_only"},
    ),
}
#: The full-scale reference (checked by benchmarks/bench_model.py, not by the test suite).
FULL_SCALE: dict[str, tuple[str | None, int, dict[str, Any]]] = {
    "full_scale": (None, 1, {"scale": 1.0, "years": 10}),
}


def fingerprint(summary: dict[str, float], series: pd.DataFrame) -> dict[str, Any]:
    """What is pinned of a run: its summary (exact) and a hash of each time-series column."""
    hashes = {}
    for col in series.columns:
        values = np.ascontiguousarray(series[col].to_numpy(dtype=np.float64))
        hashes[col] = hashlib.sha256(values.tobytes()).hexdigest()[:16]
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in summary.items()}
    return {"summary": clean, "series": hashes}


def run_reference(scenario: str | None, seed: int, overrides: dict[str, Any]) -> dict[str, Any]:
    """Run one reference run and return its fingerprint."""
    from sim.model.core import OCGModel

    model = OCGModel(scenario, rng=seed, **overrides).run()
    return fingerprint(model.summary(), model.timeseries())


def path_of(name: str) -> Path:
    """The pinned file of reference run ``name``."""
    return HERE / f"{name}.json"


def load(name: str) -> dict[str, Any]:
    """The pinned fingerprint of reference run ``name``."""
    return json.loads(path_of(name).read_text())


def differences(pinned: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Human-readable differences between a pinned and a fresh fingerprint ([] if identical).

    Every pinned summary entry and column must be present and equal; entries added since the
    pin are ignored (a new metric does not invalidate the golden runs).
    """
    out = []
    for key, value in pinned["summary"].items():
        if key not in now["summary"]:
            out.append(f"summary {key}: missing")
        elif now["summary"][key] != value:
            out.append(f"summary {key}: pinned {value!r}, now {now['summary'][key]!r}")
    for col, digest in pinned["series"].items():
        if col not in now["series"]:
            out.append(f"series {col}: missing")
        elif now["series"][col] != digest:
            out.append(f"series {col}: hash differs")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pin", action="store_true", help="write the fingerprints")
    parser.add_argument("--full", action="store_true", help="include the full-scale run")
    parser.add_argument("names", nargs="*", help="only these reference runs")
    args = parser.parse_args()
    runs = dict(REFERENCE_RUNS)
    if args.full:
        runs.update(FULL_SCALE)
    if args.names:
        runs = {k: v for k, v in runs.items() if k in args.names}
    bad = 0
    for name, (scenario, seed, overrides) in runs.items():
        now = run_reference(scenario, seed, overrides)
        if args.pin:
            record = {"scenario": scenario, "seed": seed, "overrides": overrides, **now}
            path_of(name).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
            print(f"{name}: pinned")
            continue
        diffs = differences(load(name), now)
        bad += bool(diffs)
        print(f"{name}: {'identical' if not diffs else 'DIFFERENT'}")
        for line in diffs[:20]:
            print(f"  {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
