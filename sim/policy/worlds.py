"""Comparisons over plausible worlds: each scenario in each world, with paired seeds.

``ocgsim compare A B --ensemble FILE`` runs the baseline and each scenario in each plausible
world of an ensemble (``ocgsim calibrate --ensemble``: parameter sets the calibration targets
cannot rule out) with the same seeds, under the default police tasking and under the structural
variant ``disruption.tasking = "prison_only"``. For each intervention it reports the effect on
the primary outcome (OC harm in pounds) across worlds and seeds: the median, an interval that
holds both (the 2.5th and 97.5th percentiles of the paired effects of every world and seed),
and the share of worlds in which it reduces harm (its mean over the world's seeds below zero);
and, for each pair of interventions, the share of worlds in which one cuts harm more than the
other. Each share is also said in the words of the UK intelligence probability yardstick
(:data:`YARDSTICK`).

Sharing a seed across worlds and arms makes the differences paired; the spread across worlds is
the parameter uncertainty the intervals over seeds alone leave out.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.history_model import world_values
from sim.policy.outcomes import PRIMARY_OUTCOME

__all__ = [
    "TASKINGS",
    "YARDSTICK",
    "beats_table",
    "effects_table",
    "main_tasking",
    "paired_effects",
    "share_words",
    "world_tasks",
    "yardstick",
]

#: The police tasking of each column: the default and the structural variant.
TASKINGS: tuple[str, ...] = ("several_sources", "prison_only")

#: The UK Professional Head of Intelligence Assessment's probability yardstick: each term's
#: band, and the upper end of the shares said with it here (a share in a gap between two bands
#: is said with the nearer band: the cut is the gap's middle). Bands: remote <= 5%, highly
#: unlikely 10-20%, unlikely 25-35%, realistic possibility 40-50%, likely 55-75%, highly likely
#: 80-90%, almost certain >= 95%.
YARDSTICK: tuple[tuple[float, str], ...] = (
    (0.075, "remote"),
    (0.225, "highly unlikely"),
    (0.375, "unlikely"),
    (0.525, "a realistic possibility"),
    (0.775, "likely"),
    (0.925, "highly likely"),
    (1.0, "almost certain"),
)


def yardstick(share: float) -> str:
    """The yardstick's words for a probability (a share of plausible worlds) in [0, 1]."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share {share}: must be a probability in [0, 1]")
    for upper, words in YARDSTICK:
        if share < upper:
            return words
    return YARDSTICK[-1][1]


def share_words(k: int, n: int) -> tuple[float, float, str]:
    """The 95% exact (Clopper-Pearson) interval of a share of ``k`` worlds in ``n``, and its words.

    The words are the yardstick's for the interval's end nearer one half (the cautious reading:
    30 worlds of 30 have a lower bound of 0.88, "highly likely", not "almost certain"), and "no
    evidence either way" when the interval holds one half. The worlds are a uniform sample of
    the parameter sets not ruled out, not a probability distribution over the truth: the share
    is of that sample.
    """
    low = float(stats.beta.ppf(0.025, k, n - k + 1)) if k > 0 else 0.0
    high = float(stats.beta.ppf(0.975, k + 1, n - k)) if k < n else 1.0
    if low <= 0.5 <= high:
        return low, high, "no evidence either way"
    return low, high, yardstick(low if low > 0.5 else high)


def world_tasks(
    worlds: pd.DataFrame,
    scenarios: Sequence[tuple[str, dict[str, Any]]],
    seeds: Sequence[int],
    settings: dict[str, Any],
    taskings: Sequence[str] = TASKINGS,
) -> tuple[list[tuple[int, dict[str, Any], int]], pd.DataFrame]:
    """The runs: every (tasking, world, scenario, seed), and a table saying which is which.

    A run's parameters are the scenario's values, then the world's (integer parameters rounded:
    :func:`sim.analysis.history_model.parameter_values`), then the run settings and the tasking.
    (A scenario that sets a parameter of the worlds is refused before this:
    ``sim.policy.worlds_report``.)

    Args:
        worlds: One row per world, one column per parameter.
        scenarios: (label, parameter values) of the baseline first, then each intervention.
        seeds: The seeds, the same in every world and arm (paired).
        settings: ``run.*`` values of every run.
        taskings: The values of ``disruption.tasking`` to run.

    Returns:
        ``(run_id, params, seed)`` tasks, and a table (run_id, tasking, world, scenario, seed).
    """
    values_of = world_values(worlds)
    tasks, rows = [], []
    combos = itertools.product(taskings, range(len(worlds)), scenarios, seeds)
    for run_id, (tasking, w, (label, values), seed) in enumerate(combos):
        params = {**values, **values_of[w], **settings, "disruption.tasking": tasking}
        tasks.append((run_id, params, int(seed)))
        rows.append((run_id, tasking, w, label, int(seed)))
    return tasks, pd.DataFrame(rows, columns=["run_id", "tasking", "world", "scenario", "seed"])


def paired_effects(runs: pd.DataFrame, baseline: str, outcome: str = PRIMARY_OUTCOME):
    """Each arm's paired effect on ``outcome``, % of the baseline's mean in its world.

    Args:
        runs: One row per run: tasking, world, scenario, seed and the outcome.
        baseline: The baseline's label.
        outcome: The outcome compared.

    Returns:
        One row per (tasking, world, scenario, seed) of the interventions, with ``effect_pct``:
        100 x (arm - baseline at the same seed) / the baseline's mean over seeds in the world.
        An arm's run without a baseline run at its world and seed (an experiment's failed run)
        has no pair and no row.
    """
    keys = ["tasking", "world", "seed"]
    base = runs[runs["scenario"] == baseline].set_index(keys)[outcome]
    mean = base.groupby(level=["tasking", "world"]).mean()
    arms = runs[runs["scenario"] != baseline].copy()
    index = pd.MultiIndex.from_frame(arms[keys])
    pair = base.reindex(index).to_numpy()
    scale = mean.reindex(pd.MultiIndex.from_frame(arms[["tasking", "world"]])).to_numpy()
    arms["effect_pct"] = 100.0 * (arms[outcome].to_numpy() - pair) / scale
    arms = arms[np.isfinite(pair)]  # unpaired: never compared with another seed's baseline
    return arms[[*keys[:2], "scenario", "seed", "effect_pct"]].reset_index(drop=True)


def effects_table(effects: pd.DataFrame) -> pd.DataFrame:
    """Per tasking and intervention: the effect across worlds and seeds.

    Returns:
        Columns tasking, scenario, worlds, median (of every single run's effect), low and high
        (their 2.5th and 97.5th percentiles: where 95% of single runs fall, parameter and seed
        uncertainty together), mean (over worlds and seeds) with mean_low and mean_high (its 95%
        t-interval with the seed as the unit: the seeds are shared by every world),
        share_reducing (share of worlds whose mean effect is below zero) with share_low and
        share_high (its exact 95% interval) and words (:func:`share_words`).
    """
    rows = []
    for (tasking, scenario), part in effects.groupby(["tasking", "scenario"], sort=False):
        per_world = part.groupby("world")["effect_pct"].mean()
        n, k = int(per_world.size), int((per_world < 0).sum())
        low, median, high = np.percentile(part["effect_pct"], [2.5, 50, 97.5])
        # the seeds are common to every world, so the seed is the independent unit of the mean
        per_seed = part.groupby("seed")["effect_pct"].mean()
        r = int(per_seed.size)
        half = float(stats.t.ppf(0.975, r - 1) * per_seed.std(ddof=1) / np.sqrt(r))
        share_low, share_high, words = share_words(k, n)
        rows.append(
            {
                "tasking": tasking,
                "scenario": scenario,
                "worlds": n,
                "median": float(median),
                "low": float(low),
                "high": float(high),
                "mean": float(per_seed.mean()),
                "mean_low": float(per_seed.mean()) - half,
                "mean_high": float(per_seed.mean()) + half,
                "share_reducing": k / n,
                "share_low": share_low,
                "share_high": share_high,
                "words": words,
            }
        )
    return pd.DataFrame(rows)


def main_tasking(frame: pd.DataFrame) -> str:
    """The tasking of a frame's main column: the default if it was run, else the first run.

    ``compare --ensemble`` runs both; an experiment over plausible worlds runs the one it sets.
    """
    taskings = list(dict.fromkeys(frame["tasking"]))
    return TASKINGS[0] if TASKINGS[0] in taskings or not taskings else str(taskings[0])


def beats_table(effects: pd.DataFrame, tasking: str | None = None) -> pd.DataFrame:
    """For each ordered pair (A, B): the share of worlds where A cuts harm more than B.

    A world's effect is its mean over seeds (paired: the same seeds in both), under ``tasking``
    (default :func:`main_tasking`).

    Returns:
        Columns a, b, share (of worlds where A's effect is below B's), share_low and share_high
        (its exact 95% interval) and words (:func:`share_words`).
    """
    part = effects[effects["tasking"] == (tasking or main_tasking(effects))]
    per_world = part.groupby(["scenario", "world"])["effect_pct"].mean().unstack("world")
    rows = []
    for a, b in itertools.permutations(per_world.index, 2):
        below = per_world.loc[a] < per_world.loc[b]
        k, n = int(below.sum()), int(below.size)
        low, high, words = share_words(k, n)
        rows.append(
            {"a": a, "b": b, "share": k / n, "share_low": low, "share_high": high, "words": words}
        )
    return pd.DataFrame(rows, columns=["a", "b", "share", "share_low", "share_high", "words"])
