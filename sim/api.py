"""The model as a plain function, for the experiment engine and other tools.

``simulate(params, seed) -> dict[str, float]`` is the contract the experiment engine runs: any
callable of that shape can stand in for the model.
"""

from __future__ import annotations

from typing import Any

__all__ = ["simulate"]

#: Keys of ``params`` that are not model parameters.
SCENARIO_KEY = "scenario"


def simulate(params: dict[str, Any], seed: int, *, series: bool = False):
    """Run the model once and return its run summary.

    Args:
        params: Dotted parameter names (``"intelligence.pios_per_1000"``) to values; the optional
            key ``"scenario"`` names a scenario file (path or name in ``scenarios/``) that the
            other values override. Short runs set ``"run.years"`` and ``"run.scale"``.
        seed: The run's seed; the run is a pure function of ``(params, seed)``.
        series: If true, also return the weekly time series.

    Returns:
        The run summary, metric name -> float; with ``series=True`` a tuple
        ``(summary, weekly DataFrame)`` whose first column is ``week``.
    """
    from sim.model import OCGModel
    from sim.scenario import load_scenario

    values = dict(params)
    scenario = load_scenario(values.pop(SCENARIO_KEY, None))
    model = OCGModel(scenario, rng=int(seed), **values)
    model.run()
    summary = model.summary()
    if series:
        return summary, model.timeseries()
    return summary
