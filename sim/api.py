"""The model as a plain function, for the experiment engine and other tools.

``simulate(params, seed) -> dict[str, float]`` is the contract the experiment engine runs: any
callable of that shape can stand in for the model. ``policy_effects`` is one: the effect of the
research's recommendations and of more police capacity under one set of assumptions, for
sensitivity analyses of the conclusions rather than of levels.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sim.policy.outcomes import PRIMARY_OUTCOME

__all__ = ["EFFECT_SCENARIOS", "policy_effects", "simulate"]

#: Keys of ``params`` that are not model parameters: a scenario file to start from, and a
#: scenario file whose ``[[schedule]]`` to run (its parameter values come as ordinary keys).
SCENARIO_KEY = "scenario"
SCHEDULE_KEY = "schedule_from"


def simulate(params: dict[str, Any], seed: int, *, series: bool = False):
    """Run the model once and return its run summary.

    Args:
        params: Dotted parameter names (``"intelligence.pios_per_1000"``) to values; the optional
            key ``"scenario"`` names a scenario file (path or name in ``scenarios/``) that the
            other values override, and ``"schedule_from"`` a scenario file whose ``[[schedule]]``
            the run follows. Short runs set ``"run.years"`` and ``"run.scale"``.
        seed: The run's seed; the run is a pure function of ``(params, seed)``.
        series: If true, also return the weekly time series.

    Returns:
        The run summary, metric name -> float; with ``series=True`` a tuple
        ``(summary, weekly DataFrame)`` whose first column is ``week``.
    """
    from sim.model.core import OCGModel
    from sim.scenario import load_scenario

    values = dict(params)
    scenario = load_scenario(values.pop(SCENARIO_KEY, None))
    schedule_from = values.pop(SCHEDULE_KEY, None)
    if schedule_from is not None:
        scenario = replace(scenario, schedule=load_scenario(schedule_from).schedule)
    model = OCGModel(scenario, rng=int(seed), **values)
    model.run()
    summary = model.summary()
    ts = model.timeseries() if series else None
    model.close()  # free it: an experiment worker runs many models
    if series:
        return summary, ts
    return summary


#: Scenarios whose effect ``policy_effects`` measures: name in the output -> scenario file.
EFFECT_SCENARIOS = {"recommendations": "recommendations", "police": "more_police"}
#: The outcomes whose effects it measures: the primary outcome first, OC harm in harm-days kept
#: (its names, e.g. ``effect_recommendations_oc_harm_per_year``, are read by docs/figures).
_EFFECT_METRICS = tuple(
    dict.fromkeys(
        (PRIMARY_OUTCOME, "oc_harm_per_year", "ocg_members", "recruits_prison_per_member_year")
    )
)


def policy_effects(params: dict[str, Any], seed: int) -> dict[str, float]:
    """The baseline's headline levels and the effects of policies, under the same assumptions.

    Runs the baseline with ``params`` and, with the same seed (common random numbers), each
    scenario of :data:`EFFECT_SCENARIOS` on top of the same ``params``.

    Returns:
        The baseline's primary outcome (:data:`sim.policy.outcomes.PRIMARY_OUTCOME`),
        ``oc_harm_per_year``, ``ocg_members`` and ``recruits_prison_per_member_year``, and for
        each scenario ``effect_<name>_<metric>``: the change against the baseline in percent.
    """
    from sim.params import spec
    from sim.scenario import load_scenario

    base = simulate(params, seed)
    out = {m: base[m] for m in _EFFECT_METRICS}
    for name, scenario in EFFECT_SCENARIOS.items():
        # the scenario's levers on top of these assumptions (a sampled lever is overridden)
        levers = {k: v for k, v in load_scenario(scenario).values.items() if spec(k).lever}
        run = simulate({**params, **levers}, seed)
        for m in _EFFECT_METRICS:
            out[f"effect_{name}_{m}"] = (
                100.0 * (run[m] / base[m] - 1.0) if base[m] else float("nan")
            )
    return out


policy_effects.metrics = list(_EFFECT_METRICS) + [
    f"effect_{name}_{m}" for name in EFFECT_SCENARIOS for m in _EFFECT_METRICS
]
policy_effects.series_metrics = []
