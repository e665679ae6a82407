"""An adapter for the EMA workbench (exploratory modelling and analysis).

Builds an ``ema_workbench.Model`` of ocgsim: its **uncertainties** (assumptions sampled over their
*plausible* ranges), its **levers** (the policy levers, over the optimiser's search ranges in
the lever registry :mod:`sim.levers`) and its **outcomes** (run summary metrics), so the
workbench's samplers, evaluators, optimisers and scenario discovery (PRIM) work on the model.
:func:`discover` runs PRIM on a set of experiments.

Parameter names are written with ``__`` for the dot (``trust__culture_gap``), as in Mesa's
batch runner, because the workbench passes them as keyword arguments.

**Plausible ranges.** A parameter's allowed range (``low``/``high`` in ``sim/params/``)
is a validation bound, far wider than what is believable. Uncertainties are sampled over the
parameter table's *plausible* range instead, :meth:`sim.params.ParamSpec.plausible_range`: the
declared ``plausible`` range, else the default +-50% within the allowed range (the range of the
Morris screening too). This module keeps no ranges of its own.

Needs the optional extra ``ema`` (``pip install -e '.[ema]'``, ``ema_workbench<3``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.levers import DEFAULT_SEARCH, searchable
from sim.params import spec

with warnings.catch_warnings():  # the workbench warns at import about optional evaluators
    warnings.simplefilter("ignore", UserWarning)
    from ema_workbench import (
        BooleanParameter,
        Constant,
        IntegerParameter,
        Model,
        RealParameter,
        ScalarOutcome,
        SequentialEvaluator,
    )
    from ema_workbench.analysis import prim

__all__ = [
    "DEFAULT_OUTCOMES",
    "DEFAULT_UNCERTAINTIES",
    "Discovery",
    "build_model",
    "discover",
    "dotted_name",
    "ema_name",
    "plausible_range",
    "run_experiments",
    "run_ocgsim",
]

#: Uncertain assumptions sampled by default: the in-prison and community recruitment rates,
#: intelligence and trust, disruption, and the three assumptions :mod:`sim.policy.assumptions`
#: expects OC harm to depend on most.
DEFAULT_UNCERTAINTIES: tuple[str, ...] = (
    "prison_life.recruit_probability",
    "prison_life.contacts_per_week",
    "community.vacancy_fill_rate",
    "community.tie_recruit_rate",
    "intelligence.detection_probability",
    "intelligence.definition_mismatch",
    "trust.culture_gap",
    "trust.meeting_gain",
    "disruption.arrest_multiplier",
    "disruption.leader_removal_probability",
    "justice.conviction_exit_probability",
    "community.market_recovery_rate",
    "harm.recording_ratio",
)

#: Outcomes recorded by default (run summary metrics, see ``docs/user-guide.md``).
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "oc_harm_per_year",
    "ocg_members",
    "recruits_prison_per_member_year",
    "recruits_prison_per_1000_py",
    "recruits_community_per_week",
    "share_rate",
    "mean_trust",
    "cost_million_per_year",
)

#: Run settings passed to :func:`run_ocgsim` as workbench constants.
_SETTINGS = ("seed", "scale", "years", "intervention_week", "scenario")


def ema_name(name: str) -> str:
    """The workbench's name of a parameter (``trust.culture_gap`` -> ``trust__culture_gap``)."""
    return name.replace(".", "__", 1)


def dotted_name(name: str) -> str:
    """The model's name of a workbench parameter (``trust__culture_gap``: ``trust.culture_gap``)."""
    return name.replace("__", ".", 1)


def plausible_range(name: str) -> tuple[float, float]:
    """The plausible range of a parameter (``ParamSpec.plausible_range()``).

    Raises:
        KeyError: If the parameter is unknown or not numeric (no range to sample).
    """
    rng = spec(name).plausible_range()
    if rng is None:
        raise KeyError(f"{name}: no plausible range (only numeric parameters have one)")
    return rng


def _coerce(name: str, value: Any) -> Any:
    kind = spec(name).kind
    if kind is bool:
        return bool(value)
    if kind is int:
        return int(round(float(value)))
    if kind is float:
        return float(value)
    return str(value)


def run_ocgsim(
    seed: int = 1,
    scale: float = 0.02,
    years: int = 3,
    intervention_week: int = 0,
    scenario: str = "",
    **params: Any,
) -> dict[str, float]:
    """The workbench's model function: one run of ocgsim, returning its run summary.

    Args:
        seed: The run's seed (a constant by default: common random numbers for every
            experiment).
        scale: Model scale.
        years: Run length.
        intervention_week: Week at which the levers switch on (0: from the start).
        scenario: A scenario name or file ("" for the England & Wales baseline).
        **params: Parameters by workbench name (``trust__culture_gap``).

    Returns:
        The run summary (metric -> float).
    """
    from sim.api import SCENARIO_KEY, simulate

    values = {dotted_name(k): _coerce(dotted_name(k), v) for k, v in params.items()}
    values.update(
        {
            "run.scale": float(scale),
            "run.years": int(years),
            "run.intervention_week": int(intervention_week),
        }
    )
    if scenario:
        values[SCENARIO_KEY] = scenario
    return simulate(values, int(seed))


def build_model(
    *,
    uncertainties: Sequence[str] | None = None,
    levers: Sequence[str] | None = None,
    outcomes: Sequence[str] = DEFAULT_OUTCOMES,
    scale: float = 0.02,
    years: int = 3,
    intervention_week: int = 0,
    seed: int = 1,
    scenario: str = "",
    name: str = "ocgsim",
) -> Model:
    """An ``ema_workbench.Model`` of ocgsim.

    Args:
        uncertainties: Dotted names of uncertain parameters (default:
            :data:`DEFAULT_UNCERTAINTIES`), sampled over their plausible ranges.
        levers: Dotted names of levers (default: :data:`sim.levers.DEFAULT_SEARCH`), over their
            search ranges in the lever registry (:data:`sim.levers.LEVERS`); ``[]`` for none.
        outcomes: Run summary metrics to record.
        scale: Model scale of every run.
        years: Run length.
        intervention_week: Week the levers switch on (default 0: from the start).
        seed: The seed of every run (common random numbers across experiments).
        scenario: Scenario name or file ("" for the baseline).
        name: The model's name in the workbench (an identifier).

    Returns:
        The workbench model; run it with ``ema_workbench.perform_experiments`` or an evaluator.
    """
    model = Model(name, function=run_ocgsim)
    unc = list(DEFAULT_UNCERTAINTIES) if uncertainties is None else list(uncertainties)
    model.uncertainties = [_real_or_int(n, *plausible_range(n)) for n in unc]
    chosen = list(DEFAULT_SEARCH) if levers is None else list(levers)
    model.levers = [_lever(n) for n in chosen]
    model.outcomes = [ScalarOutcome(o) for o in outcomes]
    model.constants = [
        Constant("seed", int(seed)),
        Constant("scale", float(scale)),
        Constant("years", int(years)),
        Constant("intervention_week", int(intervention_week)),
        Constant("scenario", str(scenario)),
    ]
    return model


def run_experiments(
    model: Model, scenarios: int, *, policies: int = 0, design_seed: int = 1, evaluator=None
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Run the workbench's experiments with a reproducible design.

    The workbench's Latin hypercube sampler draws from NumPy's global random state; this seeds
    it with ``design_seed`` for the call and restores it afterwards, so the same call gives the
    same experiments.

    Args:
        model: The workbench model (:func:`build_model`).
        scenarios: Number of scenarios (samples of the uncertainties).
        policies: Number of policies (samples of the levers; 0: levers at their defaults).
        design_seed: Seed of the sample.
        evaluator: A workbench evaluator entered with ``with``; default: a sequential one.

    Returns:
        The workbench's ``(experiments, outcomes)``.
    """
    state = np.random.get_state()
    np.random.seed(design_seed)
    try:
        if evaluator is not None:
            return evaluator.perform_experiments(scenarios=scenarios, policies=policies)
        with SequentialEvaluator(model) as ev:
            return ev.perform_experiments(scenarios=scenarios, policies=policies)
    finally:
        np.random.set_state(state)


def _real_or_int(name: str, low: float, high: float):
    if spec(name).kind is int:
        return IntegerParameter(ema_name(name), int(low), int(high))
    return RealParameter(ema_name(name), float(low), float(high))


def _lever(name: str):
    ranges = {entry.param: entry for entry in searchable()}
    if name not in ranges:
        raise KeyError(f"{name}: not a lever; allowed: {', '.join(ranges)}")
    kind = ranges[name].kind
    low, high = ranges[name].search
    if kind == "bool":
        return BooleanParameter(ema_name(name))
    if kind == "int":
        return IntegerParameter(ema_name(name), int(low), int(high))
    return RealParameter(ema_name(name), float(low), float(high))


@dataclass
class Discovery:
    """A PRIM box: where in the uncertainty space the cases of interest concentrate.

    Attributes:
        outcome: The outcome the cases are defined on.
        rule: The definition of a case, e.g. ``recruits_prison_per_1000_py >= 14.2``.
        cases: Number of cases of interest.
        experiments: Number of experiments.
        coverage: Share of all cases that fall in the box.
        density: Share of the experiments in the box that are cases.
        mass: Share of all experiments in the box.
        limits: The restricted parameters (dotted names): ``low``, ``high`` of the box and the
            plausible range ``range_low``, ``range_high`` searched.
    """

    outcome: str
    rule: str
    cases: int
    experiments: int
    coverage: float
    density: float
    mass: float
    limits: pd.DataFrame

    def text(self) -> str:
        """The box in words."""
        lines = [
            f"cases of interest: {self.rule} ({self.cases} of {self.experiments} experiments)",
            f"box: coverage {self.coverage:.2f}, density {self.density:.2f}, mass {self.mass:.2f}",
        ]
        if self.limits.empty:
            lines.append("no parameter restricted: the cases are spread over the whole space")
        for row in self.limits.itertuples():
            lines.append(
                f"  {row.parameter}: {row.low:.4g} to {row.high:.4g} "
                f"(plausible range {row.range_low:.4g} to {row.range_high:.4g})"
            )
        return "\n".join(lines)


def discover(
    experiments: pd.DataFrame,
    outcomes: dict[str, np.ndarray],
    outcome: str,
    *,
    quantile: float = 0.75,
    cut: float | None = None,
    above: bool = True,
    uncertainties: Sequence[str] | None = None,
    threshold: float = 0.5,
    peel_alpha: float = 0.1,
) -> Discovery:
    """Scenario discovery with PRIM: which plausible assumptions lead to the cases of interest.

    A case of interest is an experiment whose ``outcome`` is at or above its ``quantile``, or
    a given ``cut`` (at or below, with ``above=False``). PRIM peels the uncertainty space down
    to the box with the best coverage that keeps the density of cases at least ``threshold``.

    Args:
        experiments: The experiments (as returned by the workbench).
        outcomes: Outcome name -> values (as returned by the workbench).
        outcome: The outcome that defines the cases.
        quantile: Quantile of the outcome that separates cases from the rest.
        cut: A value of the outcome to use instead of the quantile.
        above: Cases are at or above the quantile (else at or below).
        uncertainties: Workbench names of the columns to search (default: every column that is
            a parameter, i.e. not ``scenario``, ``policy`` or ``model``).
        threshold: Least density of the box (PRIM's ``threshold``).
        peel_alpha: Share of the experiments PRIM peels at each step.

    Returns:
        The box, with its coverage and density.
    """
    y_values = np.asarray(outcomes[outcome], dtype=float)
    where = f"the {quantile:.0%} quantile" if cut is None else "given"
    cut = float(np.quantile(y_values, quantile)) if cut is None else float(cut)
    y = y_values >= cut if above else y_values <= cut
    cols = (
        list(uncertainties)
        if uncertainties is not None
        else [c for c in experiments.columns if c not in ("scenario", "policy", "model")]
    )
    x = experiments[cols].reset_index(drop=True)
    x = x.loc[:, x.nunique() > 1]  # constant columns (fixed levers) carry no information
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        box = prim.Prim(x, y, threshold=threshold, peel_alpha=peel_alpha).find_box()
    stats = box.peeling_trajectory.iloc[box._cur_box]
    lim = box.box_lim
    rows = []
    for col in lim.columns:
        low, high = float(lim[col].iloc[0]), float(lim[col].iloc[1])
        full_low, full_high = float(x[col].min()), float(x[col].max())
        if low > full_low or high < full_high:
            name = dotted_name(col)
            try:
                r_low, r_high = plausible_range(name)
            except KeyError:
                r_low, r_high = full_low, full_high
            rows.append(
                {
                    "parameter": name,
                    "low": low,
                    "high": high,
                    "range_low": r_low,
                    "range_high": r_high,
                }
            )
    sign = ">=" if above else "<="
    return Discovery(
        outcome=outcome,
        rule=f"{outcome} {sign} {cut:.4g} ({where})",
        cases=int(y.sum()),
        experiments=int(y.size),
        coverage=float(stats["coverage"]),
        density=float(stats["density"]),
        mass=float(stats["mass"]),
        limits=pd.DataFrame(rows, columns=["parameter", "low", "high", "range_low", "range_high"]),
    )
