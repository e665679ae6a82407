"""The university of crime switched off from week 0, for issue 25: how much do prisons matter?

Paired runs (the same seed with and without) of the England & Wales baseline against the baseline
with no recruitment, no ties and no skill transfer in prison and no ties at the start, under the
default rule of recruitment at large (``sim.processes.reach``) and with its assumptions moved to
the ends of their plausible ranges. Prints a Markdown table of paired changes with 95%
t-intervals (the table in docs/validation.md, section "The university of crime switched off").

    PYTHONPATH=$PWD python experiments/university_off.py --seeds 10 --scale 0.1 --workers 2

``--configs default`` runs only the default rule (also on a commit before the rule existed).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from sim.model.core import OCGModel

#: The whole university of crime off from week 0 (none of these is a lever).
NO_UNIVERSITY = {
    "prison_life.recruit_probability": 0.0,
    "prison_life.tie_probability": 0.0,
    "prison_life.skill_transfer_probability": 0.0,
    "community.tie_recruit_rate": 0.0,
    "community.initial_tie_share": 0.0,
}

#: Each configuration of recruitment at large: its label and the values it sets.
CONFIGS = {
    "default": ("default rule", {}),
    # the ends of the half-reach's plausible range, with the saturation level re-set so that a
    # group with the median pool (about 75) fills at the default's rate (0.025 a week): the
    # baseline stays near its calibrated level and only the dependence on the pool changes
    "k25": (
        "half-reach 25, fill rate 0.033 (the pool matters little)",
        {"community.vacancy_half_reach": 25.0, "community.vacancy_fill_rate": 0.05 / 1.5},
    ),
    "k300": (
        "half-reach 300, fill rate 0.125 (the pool matters a lot)",
        {"community.vacancy_half_reach": 300.0, "community.vacancy_fill_rate": 0.125},
    ),
    "tie0": ("prison ties weigh 0 in the pool", {"community.reach_tie_weight": 0.0}),
    "tie10": ("prison ties weigh 10", {"community.reach_tie_weight": 10.0}),
}

#: The outputs compared: label and how each is read from a run's summary.
OUTPUTS = {
    "OC harm": lambda s: s["oc_harm_per_year"],
    "OCG members": lambda s: s["ocg_members"],
    "recruits in prison / yr": lambda s: s["recruits_prison_per_year"],
    "recruits at large / yr": lambda s: 52.0 * s["recruits_community_per_week"],
    "of which via ties / yr": lambda s: s["recruits_via_ties_per_year"],
    "of which to vacancies / yr": lambda s: (
        52.0 * s["recruits_community_per_week"] - s["recruits_via_ties_per_year"]
    ),
}


def one_run(job: tuple[int, float, int, dict]) -> dict[str, float]:
    """The outputs of one run (seed, scale, years, parameter values)."""
    seed, scale, years, values = job
    model = OCGModel(rng=seed, scale=scale, years=years, **values)
    model.run()
    summary = model.summary()
    model.close()
    return {name: float(read(summary)) for name, read in OUTPUTS.items()}


def interval(on: np.ndarray, off: np.ndarray) -> str:
    """Paired mean change (off - on) in % of the mean of ``on``, with its 95% t-interval."""
    diff = 100.0 * (off - on) / on.mean()
    half = stats.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size)
    return f"{diff.mean():+.1f}% [{diff.mean() - half:+.1f}, {diff.mean() + half:+.1f}]"


def main() -> None:
    """Run the pairs and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    jobs = [
        (seed, args.scale, args.years, {**CONFIGS[c][1], **off})
        for c in args.configs
        for off in ({}, NO_UNIVERSITY)
        for seed in seeds
    ]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(one_run, jobs))
    print(
        f"Scale {args.scale}, {args.years} years, seeds 1-{args.seeds}, window week 104 to the end;"
        " counts in model units; paired change with the university off, 95% t-interval.\n"
    )
    print("| rule | output | on (mean) | off (mean) | change |")
    print("|---|---|---|---|---|")
    n = len(seeds)
    for i, c in enumerate(args.configs):
        on_runs = results[2 * i * n : (2 * i + 1) * n]
        off_runs = results[(2 * i + 1) * n : (2 * i + 2) * n]
        for name in OUTPUTS:
            on = np.array([r[name] for r in on_runs])
            off = np.array([r[name] for r in off_runs])
            print(
                f"| {CONFIGS[c][0]} | {name} | {on.mean():,.0f} | {off.mean():,.0f} | "
                f"{interval(on, off)} |"
            )


if __name__ == "__main__":
    main()
