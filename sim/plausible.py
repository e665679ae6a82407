"""Plausible worlds: the model's uncertain parameters history-matched to the calibration targets.

``ocgsim calibrate --ensemble FILE`` runs the statistical core (:mod:`sim.analysis.history`) on
the England & Wales baseline: a Latin hypercube over the plausible ranges of the parameters in
:data:`UNCERTAIN`, each point run with a few seeds at a small scale, a Gaussian-process emulator
per calibration target, and waves that rule out the parameter sets whose implausibility exceeds
3. What is left is a sample of **plausible worlds**: parameter sets the targets cannot tell apart
from the defaults. The sample is written as a JSON file with its SHA-256
(:func:`sim.analysis.history.save_ensemble`), which later commands can take.

Which parameters: the behavioural assumptions and the rates set from calibration that the
targets respond to (turnover of membership, recruitment inside and at large, offending, custody,
searches and intelligence). Parameters the targets cannot see (the levers, the police's use of
intelligence, harm's valuation) are left at their defaults: history matching cannot constrain
them, and their uncertainty belongs to the sensitivity analysis (``docs/sensitivity.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sim.analysis.history import HistoryMatchResult, history_match
from sim.analysis.history_model import calibration_targets, model_simulator, plausible_ranges

__all__ = ["UNCERTAIN", "match_baseline"]

#: The parameters history matching varies, over their plausible ranges (``ParamSpec``).
UNCERTAIN: tuple[str, ...] = (
    "community.member_exit_hazard",
    "community.vacancy_fill_rate",
    "community.tie_recruit_rate",
    "community.desistance_hazard",
    "community.market_recovery_rate",
    "prison_life.recruit_probability",
    "justice.offence_hazard",
    "justice.custody_probability",
    "intelligence.signal_rate",
    "market.searches_per_1000",
)


def match_baseline(
    executor: Any,
    *,
    scale: float = 0.1,
    years: int = 6,
    waves: int = 3,
    points_per_wave: int = 40,
    replicates: int = 2,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
) -> HistoryMatchResult:
    """History-match the baseline's :data:`UNCERTAIN` parameters to the calibration targets.

    The targets are :func:`sim.analysis.history_model.calibration_targets` (every calibration
    band read as +-2 sd, without the one-sided occupancy bound).

    Args:
        executor: Where the runs are carried out (``sim.experiments.executors.make_executor``).
        scale: ``run.scale`` of every run (counts are compared as full-scale equivalents).
        years: ``run.years`` of every run (the window starts at week 104).
        waves: Waves of runs.
        points_per_wave: Parameter sets per wave.
        replicates: Seeds per parameter set.
        seed: Seeds the designs and the runs' seeds.
        progress: Called with the number of runs just finished.
    """
    targets = calibration_targets()
    simulator = model_simulator(
        UNCERTAIN,
        [t.name for t in targets],
        scale=scale,
        years=years,
        executor=executor,
        progress=progress,
    )
    return history_match(
        simulator,
        plausible_ranges(UNCERTAIN),
        targets,
        waves=waves,
        points_per_wave=points_per_wave,
        replicates=replicates,
        seed=seed,
    )
