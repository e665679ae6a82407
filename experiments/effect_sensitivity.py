r"""Sensitivity of the policy *effects* to the assumptions that set them (issue 27, point 3).

A Latin hypercube over twelve parameters chosen for the effects (sharing, trust, the police
queue and the decay of intelligence, the share of tasking kept for prison intelligence, the
value of other leads, harm's valuation, misidentification, market recovery and what an
operation removes), over their plausible ranges, and the structural switch of police tasking
(several sources or prison intelligence only, each in half the box); at each point the
baseline and each intervention run with the same seeds (paired). The paired effect on OC harm
in pounds is emulated per intervention with a Gaussian process that is given each point's seed
noise (:mod:`sim.analysis.effect_emulation`, the switch an input of 0 or 1), validated on
held-out points run the same way, and the Sobol' indices of the emulated effect are computed
from it. Prints the Markdown tables of
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
from scipy import stats
from scipy.stats import qmc

from sim.analysis.effect_emulation import bootstrap_indices, emulated_sensitivity
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
#: The structural switches, each a factor with two equally likely variants (a unit value below
#: one half is the first): how police are tasked (``docs/odd.md``, police tasking).
SWITCHES = {"disruption.tasking": ("several_sources", "prison_only")}
NAMES = (*FACTORS, *SWITCHES)
ARMS = ("england_wales", "recommendations", "shared_database", "more_pios")


def values(unit: np.ndarray) -> list[dict]:
    """Parameter values of each point of the unit box (integers rounded, switches chosen)."""
    bounds = np.array([spec(name).plausible_range() for name in FACTORS], dtype=float)
    points = bounds[:, 0] + unit[:, : len(FACTORS)] * (bounds[:, 1] - bounds[:, 0])
    out = [parameter_values(FACTORS, row) for row in points]
    for j, (name, variants) in enumerate(SWITCHES.items(), start=len(FACTORS)):
        for point, u in zip(out, unit[:, j], strict=True):
            point[name] = variants[int(u >= 0.5)]
    return out


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


def stored(args) -> tuple[np.ndarray, dict, np.ndarray, dict]:
    """The designs and effects of stored runs (``--runs FILE:DESIGN_SEED``, pooled if several).

    Each file's points are those of its hypercube (fit: the first ``--points``; held out: the
    next ``--holdout``, from the design seed + 2000), so designs of the same box pool.
    """
    parts = []
    for given in args.runs:
        path, _, seed = given.rpartition(":")
        if not path or not seed.isdigit():
            raise SystemExit(f"--runs {given}: allowed: FILE:DESIGN_SEED, e.g. runs.csv:27")
        unit = hypercubes(int(seed), args)
        runs = pd.read_csv(path)
        check_design(Path(path), np.vstack(unit), runs, given)
        fit, held = runs[runs["point"] < args.points], runs[runs["point"] >= args.points]
        parts.append((unit[0], paired(fit), unit[1], paired(held)))
    design = np.vstack([p[0] for p in parts])
    held = np.vstack([p[2] for p in parts])
    fit = {arm: np.vstack([p[1][arm] for p in parts]) for arm in ARMS[1:]}
    test = {arm: np.vstack([p[3][arm] for p in parts]) for arm in ARMS[1:]}
    return design, fit, held, test


def check_design(path: Path, unit: np.ndarray, runs: pd.DataFrame, given: str) -> None:
    """Refuse stored runs that are not of the regenerated design (runs.csv holds no design).

    The point count must be ``--points + --holdout``; a ``design.csv`` beside the runs (written
    since this check) must hold the same unit points (same seed, factors and order).
    """
    if runs["point"].nunique() != len(unit):
        raise SystemExit(
            f"--runs {given}: {runs['point'].nunique()} points; allowed: the --points + --holdout "
            f"({len(unit)}) of the design that made them"
        )
    saved = path.with_name("design.csv")
    if saved.is_file():
        kept = pd.read_csv(saved)
        if list(kept.columns) != list(NAMES) or not np.allclose(kept.to_numpy(), unit):
            raise SystemExit(
                f"--runs {given}: {saved} is another design (other seed, factors or sizes); "
                "allowed: the design seed and sizes that made these runs"
            )


def hypercubes(seed: int, args) -> tuple[np.ndarray, np.ndarray]:
    """The design and the held-out design of a design seed (unit box, one column per name)."""
    design = qmc.LatinHypercube(d=len(NAMES), seed=seed).random(args.points)
    return design, qmc.LatinHypercube(d=len(NAMES), seed=seed + 2000).random(args.holdout)


def report(arm: str, design: np.ndarray, effect: np.ndarray, held, boots: int) -> pd.DataFrame:
    """Emulate one intervention's effect, print its line and table; return its indices."""
    switches = range(len(FACTORS), len(NAMES))
    found = emulated_sensitivity(design, effect, NAMES, holdout=held, switches=switches, seed=27)
    mean = effect.mean(axis=1)
    by_switch = "; ".join(
        f"{variant} {np.mean(mean[(design[:, j] >= 0.5) == bool(v)]):+.1f}%"
        for j, (name, variants) in enumerate(SWITCHES.items(), start=len(FACTORS))
        for v, variant in enumerate(variants)
    )
    for j in range(len(FACTORS), len(NAMES)):  # is the difference detectable?
        on = design[:, j] >= 0.5
        test = stats.ttest_ind(mean[on], mean[~on])
        by_switch += (
            f" (difference {mean[on].mean() - mean[~on].mean():+.2f} points, t-test over the "
            f"points p = {test.pvalue:.2g})"
        )
    # the replicates' own answer (no emulator): the sd of the true mean effect over the points
    within = float(effect.var(axis=1, ddof=1).mean())
    between = float(mean.var(ddof=1)) - within / effect.shape[1]
    by_switch += (
        f"; sd of the mean effect over the points (replicate ANOVA) {np.sqrt(max(between, 0)):.2f}"
        f" points, seed sd of one run {np.sqrt(within):.2f}"
    )
    print(
        f"\n{arm}: effect at the design points {np.median(mean):+.1f}% (median; range "
        f"{mean.min():+.1f} to {mean.max():+.1f}); emulated effect below zero in "
        f"{found.share_negative:.0%} of the box (its 95% band in "
        f"{found.share_negative_95:.0%}); sd of the emulated effect over the box "
        f"{found.box_sd:.2f} points; noise share of one run "
        f"{found.noise['share']:.0%} ({found.noise['share_low']:.0%}-"
        f"{found.noise['share_high']:.0%}); leave-one-out coverage "
        f"{found.loo['coverage95']:.2f}; held-out coverage {found.holdout['coverage95']:.2f} "
        f"(rmse {found.holdout['rmse']:.2f} points); mean effect at the points by "
        f"structure: {by_switch}"
    )
    table = found.indices
    if boots:
        spread = bootstrap_indices(design, effect, NAMES, switches=switches, boots=boots, seed=27)
        table = table.join(spread)
    print("\n| factor | S1 | ST |" + (" ST over resampled designs (95%) |" if boots else ""))
    print("|---|---|---|" + ("---|" if boots else ""))
    for name, row in table.sort_values("ST", ascending=False).iterrows():
        s1, st = f"{row.S1:.2f} ± {row.S1_conf:.2f}", f"{row.ST:.2f} ± {row.ST_conf:.2f}"
        extra = f" {row.ST_median:.2f} ({row.ST_low:.2f}-{row.ST_high:.2f}) |" if boots else ""
        print(f"| `{name}` | {s1} | {st} |{extra}")
    return table.assign(arm=arm, box_sd=found.box_sd)


def main() -> None:
    """Run the design and the held-out design (or read stored runs), emulate, print tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=60)
    ap.add_argument("--holdout", type=int, default=12)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--design-seed", type=int, default=27, help="seed of the hypercube (held out: + 2000)"
    )
    ap.add_argument("--out", default="results/effect_sensitivity")
    ap.add_argument(
        "--runs",
        nargs="+",
        metavar="FILE:DESIGN_SEED",
        help="analyse stored runs.csv files (pooled if several) instead of running",
    )
    ap.add_argument(
        "--boot", type=int, default=0, help="refits on resampled design points (index spread)"
    )
    args = ap.parse_args()
    seeds = list(range(1, args.seeds + 1))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.runs:
        design, fit, held, test = stored(args)
        print(f"stored runs of {', '.join(args.runs)}: {len(design)} points + {len(held)} held out")
    else:
        start = time.perf_counter()
        design, held = hypercubes(args.design_seed, args)
        executor = local_executor(args.workers)
        try:
            ran = effects(design, seeds, args, 0, executor)
            ran_held = effects(held, seeds, args, args.points, executor)
        finally:
            executor.close()
        fit, test = ran["effects"], ran_held["effects"]
        runs = pd.concat([ran["runs"], ran_held["runs"]])
        runs.to_csv(out / "runs.csv", index=False)
        pd.DataFrame(np.vstack([design, held]), columns=list(NAMES)).to_csv(
            out / "design.csv", index=False
        )
        print(f"{len(runs)} runs in {(time.perf_counter() - start) / 60:.1f} minutes; scale "
              f"{args.scale:g}, {args.years} years, seeds {seeds}, {args.points} points + "
              f"{args.holdout} held out")  # fmt: skip
    tables = [report(arm, design, fit[arm], (held, test[arm]), args.boot) for arm in ARMS[1:]]
    pd.concat(tables).to_csv(out / "indices.csv")


if __name__ == "__main__":
    main()
