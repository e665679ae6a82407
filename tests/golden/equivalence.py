"""Statistical equivalence: the distribution of run summaries over many seeds, pinned.

A change that alters the order of random draws (batching, count-then-sample) cannot be shown bit
for bit against the golden runs. It is shown instead to leave every summary metric's mean over
seeds where it was: ``tests/test_equivalence.py`` runs the same seeds and compares each metric's
mean with the pinned one, in units of the standard error of the difference.

Usage::

    python tests/golden/equivalence.py --pin     # pin the distributions (before such a change)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
PATH = HERE / "equivalence.json"

#: name -> (scenario, overrides); each is run for SEEDS.
ARMS: dict[str, tuple[str | None, dict[str, Any]]] = {
    "baseline": (None, {"scale": 0.02, "years": 4}),
    "recommendations": ("recommendations", {"scale": 0.02, "years": 4}),
}
SEEDS = tuple(range(1000, 1030))


def summaries(scenario: str | None, overrides: dict[str, Any]) -> list[dict[str, float]]:
    """The run summaries of one arm over ``SEEDS``."""
    from sim.model.core import OCGModel

    return [OCGModel(scenario, rng=s, **overrides).run().summary() for s in SEEDS]


def moments(rows: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """Mean, standard deviation and number of finite values of every summary metric."""
    out = {}
    for key in rows[0]:
        values = np.array([r.get(key, math.nan) for r in rows], dtype=float)
        values = values[np.isfinite(values)]
        if values.size >= 2:
            out[key] = {
                "mean": float(values.mean()),
                "sd": float(values.std(ddof=1)),
                "n": int(values.size),
            }
    return out


def z_scores(pinned: dict[str, dict[str, float]], now: dict[str, dict[str, float]]) -> dict:
    """For each pinned metric, (mean now - mean pinned) / standard error of the difference."""
    out = {}
    for key, ref in pinned.items():
        if key not in now:
            out[key] = math.inf
            continue
        cur = now[key]
        se = math.sqrt(ref["sd"] ** 2 / ref["n"] + cur["sd"] ** 2 / cur["n"])
        diff = cur["mean"] - ref["mean"]
        out[key] = 0.0 if diff == 0 else (diff / se if se > 0 else math.inf)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pin", action="store_true", help="write tests/golden/equivalence.json")
    args = parser.parse_args()
    result = {name: moments(summaries(*arm)) for name, arm in ARMS.items()}
    if args.pin:
        PATH.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
        print(f"pinned {PATH}")
        return 0
    pinned = json.loads(PATH.read_text())
    for name in ARMS:
        z = z_scores(pinned[name], result[name])
        worst = sorted(z.items(), key=lambda kv: -abs(kv[1]))[:8]
        print(name, ", ".join(f"{k} {v:+.2f}" for k, v in worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
