"""Benchmark of the model: seconds per simulated year, agent-weeks per second, peak memory.

Each scale runs in a fresh subprocess (so peak memory is that run's own), one process each,
one after the other. Prints a table and the checks against the targets of the model-core issue:

- full-scale baseline, 10 simulated years, under 60 s including set-up;
- peak memory under 2 GB;
- time at scale 1.0 no more than 4.5x the time at scale 0.25.

Usage::

    python benchmarks/bench_model.py                  # scales 0.1 0.25 0.5 1.0, 10 years
    python benchmarks/bench_model.py --scales 0.1 0.25 --years 2
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def worker(scale: float, years: int, seed: int) -> None:
    """Run one baseline and print its figures as JSON (runs in a subprocess)."""
    t0 = time.perf_counter()
    from sim.model import OCGModel

    model = OCGModel(None, rng=seed, scale=scale, years=years)
    t_setup = time.perf_counter() - t0
    t1 = time.perf_counter()
    model.run()
    t_run = time.perf_counter() - t1
    ts = model.timeseries()
    agent_weeks = float((ts["offenders_at_large"] + ts["prison_population"]).sum())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps(
            {
                "scale": scale,
                "years": years,
                "setup_s": t_setup,
                "run_s": t_run,
                "total_s": t_setup + t_run,
                "agent_weeks": agent_weeks,
                "peak_mb": peak_mb,
                "agents_start": int(
                    ts["offenders_at_large"].iloc[0] + ts["prison_population"].iloc[0]
                ),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1, 0.25, 0.5, 1.0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.scales[0], args.years, args.seed)
        return 0

    results = []
    print(f"ocgsim model benchmark: England & Wales baseline, {args.years} years, seed {args.seed}")
    print(
        f"{'scale':>6} {'agents':>9} {'setup s':>8} {'run s':>8} {'total s':>8} "
        f"{'s/sim-yr':>9} {'agent-wk/s':>12} {'peak MB':>8}"
    )
    for scale in args.scales:
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            "--scales",
            str(scale),
            "--years",
            str(args.years),
            "--seed",
            str(args.seed),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        results.append(r)
        print(
            f"{scale:>6g} {r['agents_start']:>9,} {r['setup_s']:>8.2f} {r['run_s']:>8.2f} "
            f"{r['total_s']:>8.2f} {r['run_s'] / args.years:>9.2f} "
            f"{r['agent_weeks'] / r['run_s']:>12,.0f} {r['peak_mb']:>8.0f}"
        )
    by_scale = {r["scale"]: r for r in results}
    print()
    if 1.0 in by_scale and args.years == 10:
        full = by_scale[1.0]
        ok = full["total_s"] < 60
        print(
            f"full scale, 10 years, incl. set-up: {full['total_s']:.1f} s "
            f"(target < 60 s): {'met' if ok else 'NOT met'}"
        )
    if 1.0 in by_scale:
        ok = by_scale[1.0]["peak_mb"] < 2048
        print(
            f"peak memory at full scale: {by_scale[1.0]['peak_mb']:.0f} MB "
            f"(target < 2048 MB): {'met' if ok else 'NOT met'}"
        )
    if 1.0 in by_scale and 0.25 in by_scale:
        ratio = by_scale[1.0]["total_s"] / by_scale[0.25]["total_s"]
        print(
            f"time(1.0) / time(0.25): {ratio:.2f} (target <= 4.5): "
            f"{'met' if ratio <= 4.5 else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
