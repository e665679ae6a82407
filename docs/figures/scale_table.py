"""Print the scale table: each headline scenario's paired effect on OC harm at several scales.

Usage::

    python docs/figures/scale_table.py [--seeds 10] [--years 6] [--workers 2]

For each scale (0.1, 0.25, 0.5, 1) and scenario, the paired change in OC harm in £ a year
against the baseline with the same seed (% of the baseline mean) over the summary window, with
its 95% t-interval; then, per scenario, whether the intervals at each scale overlap the
full-scale one. A scenario whose effect shrinks or grows with scale is one whose answer depends
on the miniature's granularity (whole operations per region, prisons per region, queue lengths).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

SCALES = (0.1, 0.25, 0.5, 1.0)
SCENARIOS = ("shared_database", "recommendations", "no_sharing")


def harm(job: tuple[str | None, int, float, int]) -> float:
    """OC harm in £ a year of one run (scenario, seed, scale, years)."""
    from sim.model.core import OCGModel

    scenario, seed, scale, years = job
    model = OCGModel(scenario, rng=seed, scale=scale, years=years).run()
    return model.summary()["oc_harm_gbp_per_year"]


def main() -> None:
    """Run the design and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    arms = (None, *SCENARIOS)
    jobs = [(a, s, scale, args.years) for scale in SCALES for a in arms for s in seeds]
    with ProcessPoolExecutor(args.workers) as pool:
        values = dict(zip(jobs, pool.map(harm, jobs), strict=True))
    print("| scenario | " + " | ".join(f"scale {s:g}" for s in SCALES) + " |")
    print("|---|" + "---|" * len(SCALES))
    for scenario in SCENARIOS:
        cells, intervals = [], []
        for scale in SCALES:
            base = np.array([values[(None, s, scale, args.years)] for s in seeds])
            arm = np.array([values[(scenario, s, scale, args.years)] for s in seeds])
            diff = 100.0 * (arm - base) / base.mean()
            half = stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size)
            intervals.append((diff.mean() - half, diff.mean() + half))
            cells.append(
                f"{diff.mean():+.1f}% [{diff.mean() - half:+.1f}, {diff.mean() + half:+.1f}]"
            )
        print(f"| `{scenario}` | " + " | ".join(cells) + " |")
        full = intervals[-1]
        agree = [lo <= full[1] and hi >= full[0] for lo, hi in intervals[:-1]]
        print(
            f"<!-- {scenario}: overlaps full scale at "
            + ", ".join(
                f"{s:g}: {'yes' if a else 'no'}" for s, a in zip(SCALES[:-1], agree, strict=True)
            )
            + " -->"
        )


if __name__ == "__main__":
    main()
