"""The minimum detectable effect of a comparison, before it runs.

``ocgsim compare`` and ``ocgsim plan`` print, before any run, the smallest change in the primary
outcome (:data:`sim.policy.outcomes.PRIMARY_OUTCOME`) that the design would detect with 80%
power after the correction over the primary family:

    MDE = (t_{1 - alpha / (2 m), n - 1} + t_{power, n - 1}) x sd / sqrt(n)

with ``n`` replicates (pairs), ``m`` interventions (the primary family: the primary outcome
against the baseline for each of them), ``alpha`` the family-wise error rate (0.05) and ``sd``
the standard deviation of the paired difference (intervention minus baseline, same seed), as
a % of the baseline's mean. It is the textbook normal-approximation formula with t quantiles
(``n - 1`` degrees of freedom, as the paired t-test the analysis uses), and the level
``alpha / m`` is the strictest that Holm's step-down procedure applies (the first step, the
same as Bonferroni's): a single real effect among ``m`` is tested at that level when the others
are null, so the figure is conservative when several interventions work.

**Where sd comes from.** :data:`PILOT_SD`, measured by ``benchmarks/paired_sd.py``: the baseline
and ``recommendations``, ``shared_database`` and ``more_pios``, seeds 1-48, interventions from
week 104; the largest of the three standard deviations is stored (the conservative choice).
Between the measured settings the sd is interpolated on log-log axes against ``scale x window
years`` (the window being the years after the intervention week): more people and a longer
window average more noise away, though not smoothly (the sd fell from 4.9% at scale 0.05 to
2.8% at 0.1, and only to 2.7% at 0.25 over twice the window). Outside them the nearest measured
setting's value is used, not extrapolated: the three points give no trend to trust beyond them,
and the printed text says so. The assumptions, stated where the figure is printed: the sd is
the same for every intervention as for the largest of the three measured; 48 seeds give an sd
whose 95% interval is about 0.83 to 1.25 times the estimate; the model is the one measured (a
change to its noise calls for measuring again).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats as sps

from sim.analysis.comparison import ALPHA
from sim.policy.outcomes import PRIMARY_OUTCOME

__all__ = [
    "PILOT_SD",
    "PILOT_SOURCE",
    "POWER",
    "design_mde_text",
    "experiment_mde_text",
    "mde_pct",
    "pilot_sd_pct",
]

#: Power at which the minimum detectable effect is stated.
POWER = 0.8
#: Measured standard deviation of the paired difference in the primary outcome (OC harm in £ a
#: year), % of the baseline's mean, the largest of recommendations, shared_database and more_pios
#: against the baseline: (scale, years) -> sd, interventions from week 104, seeds 1-48.
PILOT_SD: dict[tuple[float, int], float] = {
    (0.05, 6): 4.85,  # recommendations 4.65, shared_database 3.60, more_pios 4.85
    (0.1, 6): 2.83,  # recommendations 2.75, shared_database 2.74, more_pios 2.83
    (0.25, 10): 2.66,  # recommendations 2.35, shared_database 2.66, more_pios 2.38
}
#: Where :data:`PILOT_SD` comes from (measured on 2026-12-05 at commit 93ee00a, whose model is
#: that of 1cc59db; seeds 1-48, interventions from week 104; docs/experiments.md, "Minimum
#: detectable effect").
PILOT_SOURCE = "benchmarks/paired_sd.py; docs/experiments.md"
_PILOT_WEEK = 104


def _window(years: float, week: int) -> float:
    return max(years - week / 52.0, 1.0 / 52.0)


def pilot_sd_pct(
    scale: float, years: float, intervention_week: int = _PILOT_WEEK
) -> tuple[float, str]:
    """The pilot's sd of the paired difference at these settings, % of the baseline's mean.

    A measured setting gives its measured value. Between measured settings the sd is
    interpolated on log-log axes against ``scale x window years``; outside them the nearest
    measured setting's value is used (this module's docstring says why not extrapolated).

    Args:
        scale: ``run.scale``.
        years: ``run.years``.
        intervention_week: ``run.intervention_week`` (the window starts there).

    Returns:
        The sd, and how it was obtained (for the printed text).
    """
    key = (float(scale), int(years))
    if key in PILOT_SD and intervention_week == _PILOT_WEEK:
        return PILOT_SD[key], "measured"
    points = sorted(
        (math.log(s * _window(y, _PILOT_WEEK)), math.log(sd), (s, y))
        for (s, y), sd in PILOT_SD.items()
    )
    xs = np.array([p[0] for p in points])
    ys = np.array([p[1] for p in points])
    x = math.log(float(scale) * _window(float(years), int(intervention_week)))
    if xs[0] <= x <= xs[-1]:
        return float(math.exp(np.interp(x, xs, ys))), "interpolated between the pilot's settings"
    _, y, (s, n) = points[0] if x < xs[0] else points[-1]
    return float(math.exp(y)), (
        f"outside the pilot's settings: the value at the nearest one, scale {s:g} for {n} years"
    )


def mde_pct(
    sd_pct: float, n: int, family: int, alpha: float = ALPHA, power: float = POWER
) -> float:
    """The minimum detectable effect, % of the baseline (this module's formula).

    Args:
        sd_pct: Standard deviation of the paired difference, % of the baseline's mean.
        n: Replicates (pairs); NaN below 2.
        family: Comparisons in the primary family (interventions against the baseline).
        alpha: Family-wise error rate.
        power: Wanted power.
    """
    if n < 2 or family < 1 or not math.isfinite(sd_pct):
        return math.nan
    level = alpha / family
    quantiles = sps.t.ppf(1.0 - level / 2.0, n - 1) + sps.t.ppf(power, n - 1)
    return float(quantiles * sd_pct / math.sqrt(n))


def design_mde_text(
    n: int,
    family: int,
    scale: float,
    years: float,
    intervention_week: int,
    outcome: str = PRIMARY_OUTCOME,
) -> str:
    """The minimum detectable effect of a design, as ``compare`` and ``plan`` print it.

    Args:
        n: Replicates per scenario.
        family: Interventions compared with the baseline (the primary family).
        scale: ``run.scale``.
        years: ``run.years``.
        intervention_week: ``run.intervention_week``.
        outcome: The primary outcome.
    """
    sd, how = pilot_sd_pct(scale, years, intervention_week)
    mde = mde_pct(sd, n, family)
    return (
        f"minimum detectable effect of this design, before it runs: a change in the primary "
        f"outcome ({outcome}) of about {mde:.1f}% of the baseline is found with 80% power "
        f"(95%, Holm over the primary family of {family} comparison{'s' if family != 1 else ''}"
        f", {n} replicates); smaller effects are likely to be missed. From a pilot sd of the "
        f"paired difference of {sd:.2f}% of the baseline ({how}; {PILOT_SOURCE})"
    )


def experiment_mde_text(experiment: Any) -> str | None:
    """:func:`design_mde_text` of an experiment: a scenario design of ocgsim's model.

    Returns:
        The text, or None for other designs or models (no baseline to pair with, or no pilot).
    """
    from sim.experiments.spec import DEFAULT_MODEL
    from sim.params import spec

    if experiment.design_type != "scenarios" or experiment.model != DEFAULT_MODEL:
        return None
    family = len(experiment.scenarios) - 1
    if family < 1:
        return None

    def setting(name: str) -> Any:
        return experiment.fixed.get(name, spec(name).default)

    text = design_mde_text(
        experiment.replicates,
        family,
        setting("run.scale"),
        setting("run.years"),
        setting("run.intervention_week"),
    )
    worlds = experiment.design.get("worlds")
    if text and worlds:  # over plausible worlds the mean pools the worlds of each seed
        text += (
            f". This is for one world; over the {worlds} plausible worlds the mean effect's "
            "interval takes the seed as its unit (the seeds are shared by every world), so it is "
            f"narrower by up to the square root of {worlds} when the worlds share no seed effect"
        )
    return text
