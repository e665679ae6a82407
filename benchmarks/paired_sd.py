"""Pilot: the standard deviation of paired differences in OC harm, for minimum detectable effects.

``ocgsim compare`` and ``ocgsim plan`` print the minimum detectable effect of a design before it
runs (:mod:`sim.analysis.power`); it needs the standard deviation of the paired difference
(intervention minus baseline, same seed: common random numbers) as a share of the baseline's
harm. This script measures it: the baseline (``england_wales``) and each of ``recommendations``,
``shared_database`` and ``more_pios`` at one scale and length, seeds 1-N (default 8: a quick
look, whose sd is rough), and prints, per intervention, the mean effect and the standard
deviation of the paired difference, both in % of the baseline's mean harm.

The tables it printed with ``--seeds 48`` (192 runs each: 2 minutes at scale 0.05 or 0.1 for 6
years, 5 at scale 0.25 for 10, on two cores) are stored in :data:`sim.analysis.power.PILOT_SD`
with the date and commit.
Run: ``python benchmarks/paired_sd.py [--scale 0.1 --years 6 --seeds 48 --workers 2]``.

With ``--components`` it also prints, per intervention, the standard deviation of the paired
difference of each part of the outcome (harm in pounds by crime type) and of membership, each in
% of the baseline's mean harm (membership: of its own mean): where the noise of a paired
comparison comes from, and so which decisions common random numbers per person must reach to
shrink it (issue 26; ``docs/experiments.md``, "Where the noise of a paired difference comes from").

With ``--nudge`` it also runs the baseline a second time with one change only: after the
intervention week's step the justice process draws one extra number from its stream, which
shifts every later draw of that process. The sd of that "difference" is the paired noise of a
change that touches almost nothing; where it is as large as an intervention's, a paired
comparison cannot tell the intervention's own spread from that of unshared draws.
``--set KEY=VALUE`` (repeatable) sets a parameter in every arm (e.g.
``--set estate.capacity=130000``: an estate with spare places), checked before any run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ProcessPoolExecutor

from sim.api import simulate
from sim.model.core import OCGModel
from sim.policy.outcomes import PRIMARY_OUTCOME
from sim.scenario import load_scenario

SCENARIOS = ("england_wales", "recommendations", "shared_database", "more_pios")
#: The pre-specified primary outcome (OC harm in £ a year).
OUTCOME = PRIMARY_OUTCOME


#: The membership outputs whose paired noise ``--components`` also prints.
MEMBERSHIP = ("ocg_members_at_large", "ocg_members", "active_ocgs", "ocg_roles")
#: The arm of ``--nudge``: the baseline with one extra draw from one stream.
NUDGE = "nudged baseline"


def one(job: tuple) -> tuple[str, int, dict[str, float]]:
    """One run: ``(scenario, seed, outputs)``."""
    scenario, seed, scale, years, week, extra = job
    params = {"run.scale": scale, "run.years": years, "run.intervention_week": week, **extra}
    if scenario == NUDGE:
        model = OCGModel(load_scenario(SCENARIOS[0]), rng=seed, **params)
        model.run(week)
        next(p for p in model.processes if p.name == "justice").rng.random()
        model.run()
        out = model.summary()
        model.close()
    else:
        out = simulate({"scenario": scenario, **params}, seed)
    return scenario, seed, {k: float(v) for k, v in out.items() if isinstance(v, (int, float))}


#: Keys ``--set`` may not take: the script's own options set them.
RESERVED = ("scenario", "run.scale", "run.years", "run.intervention_week")


def setting(text: str) -> tuple[str, float | int | str]:
    """``KEY=VALUE`` of ``--set``, the value as a number where it reads as one."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    if key in RESERVED:
        raise argparse.ArgumentTypeError(f"{key} is set by this script's own options")
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            pass
    return key, value


def main() -> None:
    """Run the pilot and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--week", type=int, default=104, help="intervention week")
    ap.add_argument("--seeds", type=int, default=8, help="seeds 1..N")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--components", action="store_true", help="also the noise of each part of the outcome"
    )
    ap.add_argument("--nudge", action="store_true", help="also the baseline with one extra draw")
    ap.add_argument("--set", type=setting, action="append", default=[], metavar="KEY=VALUE")
    args = ap.parse_args()
    arms = (*SCENARIOS, NUDGE) if args.nudge else SCENARIOS
    extra = dict(args.set)
    for scenario in SCENARIOS:  # every setting checked once, before any run
        try:
            load_scenario(scenario).parameters(extra)
        except ValueError as exc:
            ap.error(f"argument --set: {exc}")
    jobs = [
        (s, seed, args.scale, args.years, args.week, extra)
        for seed in range(1, args.seeds + 1)
        for s in arms
    ]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        runs = {(s, seed): v for s, seed, v in pool.map(one, jobs)}
    out = {job: v[OUTCOME] for job, v in runs.items()}
    elapsed = time.perf_counter() - start
    seeds = range(1, args.seeds + 1)
    base = [out[("england_wales", k)] for k in seeds]
    bmean = statistics.fmean(base)
    print(
        f"scale {args.scale:g}, {args.years} years, intervention week {args.week}, seeds 1-"
        f"{args.seeds}{''.join(f', {k}={v}' for k, v in extra.items())}: {len(jobs)} runs in "
        f"{elapsed:.0f} s; baseline {OUTCOME} {bmean:,.0f}"
    )
    print(f"{'scenario':18s} {'effect %':>9s} {'sd of paired diff %':>20s} {'corr':>6s}")
    for s in arms[1:]:
        arm = [out[(s, k)] for k in seeds]
        diff = [a - b for a, b in zip(arm, base, strict=True)]
        corr = statistics.correlation(arm, base)
        print(
            f"{s:18s} {100 * statistics.fmean(diff) / bmean:+9.2f} "
            f"{100 * statistics.stdev(diff) / bmean:20.2f} {corr:6.2f}"
        )
    if args.components:
        components(runs, seeds, bmean)


def components(runs: dict, seeds: range, bmean: float) -> None:
    """Print the sd of the paired difference of each part of the outcome and of membership."""
    first = runs[("england_wales", seeds[0])]
    parts = sorted(k for k in first if k.startswith("oc_harm_gbp_") and k != OUTCOME)
    print(
        f"\nsd of the paired difference by part (% of the baseline's mean {OUTCOME}; "
        "membership: % of its own mean)"
    )
    print(f"{'part':58s} " + " ".join(f"{s:>16s}" for s in SCENARIOS[1:]))
    for part in [OUTCOME, *parts, *MEMBERSHIP]:
        base = [runs[("england_wales", k)][part] for k in seeds]
        scale = bmean if part.startswith("oc_harm_gbp") else statistics.fmean(base)
        row = []
        for s in SCENARIOS[1:]:
            diff = [runs[(s, k)][part] - b for k, b in zip(seeds, base, strict=True)]
            row.append(f"{100 * statistics.stdev(diff) / scale:16.2f}")
        print(f"{part:58s} " + " ".join(row))


if __name__ == "__main__":
    main()
