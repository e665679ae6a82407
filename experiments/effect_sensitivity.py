r"""Sensitivity of the policy *effects* to the assumptions that set them (issue 27, point 3).

A Latin hypercube over twelve parameters chosen for the effects (sharing, trust, the police
queue and the decay of intelligence, the share of tasking kept for prison intelligence, the
value of other leads, harm's valuation, misidentification, market recovery and what an
operation removes), over their plausible ranges; at each point the baseline and each
intervention run with the same seeds (paired). The paired effect on OC harm in pounds is
emulated per intervention with a Gaussian process that is given each point's seed noise
(:mod:`sim.analysis.effect_emulation`), validated on held-out points run the same way, and the
Sobol' indices of the emulated effect are computed from it. Prints the Markdown tables of
``docs/sensitivity.md`` and writes ``runs.csv`` and ``indices.csv`` to ``--out``.

    PYTHONPATH=$PWD python experiments/effect_sensitivity.py --points 60 --holdout 12 \\
        --seeds 3 --scale 0.1 --years 6 --workers 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import qmc

from sim.analysis.effect_emulation import emulated_sensitivity
from sim.analysis.history_model import parameter_values
from sim.experiments.executors import local_executor, run_all
from sim.params.table import spec
from sim.policy.outcomes import PRIMARY_OUTCOME

#: The factors, each over its plausible range (``ParamSpec``).
FACTORS = (
    "sharing.base_delay_weeks",
    "sharing.police_share_back",
    "trust.initial",
    "trust.culture_gap",
    "disruption.queue_max_weeks",
    "disruption.intel_decay_weeks",
    "disruption.prison_tasking_share",
    "disruption.other_intel_value",
    "disruption.operation_arrest_share",
    "harm.recording_ratio",
    "intelligence.not_member_rate",
    "community.market_recovery_rate",
)
ARMS = ("england_wales", "recommendations", "shared_database", "more_pios")


def values(unit: np.ndarray) -> list[dict]:
    """Parameter values of each point of the unit box (integers rounded)."""
    bounds = np.array([spec(name).plausible_range() for name in FACTORS], dtype=float)
    points = bounds[:, 0] + unit * (bounds[:, 1] - bounds[:, 0])
    return [parameter_values(FACTORS, row) for row in points]


def effects(unit: np.ndarray, seeds: list[int], args, offset: int, executor) -> dict:
    """Run every arm at every point and seed; the paired effect (% of the baseline) per arm."""
    points = values(unit)
    settings = {"run.scale": args.scale, "run.years": args.years}
    tasks, keys = [], []
    for i, point in enumerate(points):
        for arm in ARMS:
            for seed in seeds:
                tasks.append((len(tasks), {"scenario": arm, **settings, **point}, seed))
                keys.append((offset + i, arm, seed))
    done = run_all(executor, tasks)
    runs = pd.DataFrame(keys, columns=["point", "arm", "seed"])
    runs[PRIMARY_OUTCOME] = [done[k][PRIMARY_OUTCOME] for k in range(len(tasks))]
    return {"runs": runs, "effects": paired(runs)}


def paired(runs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each intervention's paired effect (% of the baseline's mean at the point): points x seeds."""
    y = runs.pivot_table(index=["point", "seed"], columns="arm", values=PRIMARY_OUTCOME)
    base_mean = y["england_wales"].groupby(level="point").transform("mean")
    out = {}
    for arm in ARMS[1:]:
        pct = 100 * (y[arm] - y["england_wales"]) / base_mean
        out[arm] = pct.unstack("seed").to_numpy()
    return out


def main() -> None:
    """Run the design and the held-out design, emulate, print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=60)
    ap.add_argument("--holdout", type=int, default=12)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", default="results/effect_sensitivity")
    ap.add_argument("--runs", default=None, help="analyse this runs.csv again instead of running")
    args = ap.parse_args()
    seeds = list(range(1, args.seeds + 1))
    design = qmc.LatinHypercube(d=len(FACTORS), seed=27).random(args.points)
    held = qmc.LatinHypercube(d=len(FACTORS), seed=2027).random(args.holdout)
    start = time.perf_counter()
    if args.runs:
        runs = pd.read_csv(args.runs)
        fit = {"runs": runs[runs["point"] < args.points]}
        test = {"runs": runs[runs["point"] >= args.points]}
        fit["effects"], test["effects"] = paired(fit["runs"]), paired(test["runs"])
    else:
        executor = local_executor(args.workers)
        try:
            fit = effects(design, seeds, args, 0, executor)
            test = effects(held, seeds, args, args.points, executor)
        finally:
            executor.close()
    minutes = (time.perf_counter() - start) / 60
    n_runs = len(fit["runs"]) + len(test["runs"])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.runs:
        pd.concat([fit["runs"], test["runs"]]).to_csv(out / "runs.csv", index=False)
    print(f"{n_runs} runs in {minutes:.1f} minutes; scale {args.scale:g}, {args.years} years, "
          f"seeds {seeds}, {args.points} points + {args.holdout} held out")  # fmt: skip
    tables = []
    for arm in ARMS[1:]:
        found = emulated_sensitivity(
            design, fit["effects"][arm], FACTORS, holdout=(held, test["effects"][arm]), seed=27
        )
        table = found.indices.assign(arm=arm)
        tables.append(table)
        mean = fit["effects"][arm].mean(axis=1)
        print(
            f"\n{arm}: effect at the design points {np.median(mean):+.1f}% (median; range "
            f"{mean.min():+.1f} to {mean.max():+.1f}); emulated effect below zero in "
            f"{found.share_negative:.0%} of the box (its 95% band in "
            f"{found.share_negative_95:.0%}); noise share of one run "
            f"{found.noise['share']:.0%} ({found.noise['share_low']:.0%}-"
            f"{found.noise['share_high']:.0%}); leave-one-out coverage "
            f"{found.loo['coverage95']:.2f}; held-out coverage {found.holdout['coverage95']:.2f} "
            f"(rmse {found.holdout['rmse']:.2f} points)"
        )
        print("\n| factor | S1 | ST |\n|---|---|---|")
        for name, row in found.indices.sort_values("ST", ascending=False).iterrows():
            s1, st = f"{row.S1:.2f} ± {row.S1_conf:.2f}", f"{row.ST:.2f} ± {row.ST_conf:.2f}"
            print(f"| `{name}` | {s1} | {st} |")
    pd.concat(tables).to_csv(out / "indices.csv")


if __name__ == "__main__":
    main()
