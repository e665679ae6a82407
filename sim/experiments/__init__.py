"""The experiment engine: designs, seeds, executors, streaming storage, resume.

Python API::

    from sim.experiments import load_experiment, plan_experiment, run_experiment, resume, status

    experiment = load_experiment("experiments/compare_recommendations.toml")
    print(plan_experiment(experiment).text())
    report = run_experiment(experiment, executor="processes", workers=2)

Results are read with :class:`sim.experiments.store.ResultsStore` or analysed with
:func:`sim.analysis.analyse`.
"""

import importlib
from typing import Any

# Imported lazily, so that worker processes that only need ``executors.run_chunk`` start fast.
_EXPORTS = {
    "Design": "design",
    "Run": "design",
    "build_design": "design",
    "parse_shard": "design",
    "Plan": "planning",
    "RunReport": "engine",
    "plan_experiment": "planning",
    "resume": "engine",
    "run_experiment": "engine",
    "status": "engine",
    "replicate_seeds": "seeds",
    "Experiment": "spec",
    "ExperimentError": "spec",
    "load_experiment": "spec",
    "parse_experiment": "spec",
    "ResultsStore": "store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import public names on first use."""
    if name in _EXPORTS:
        module = importlib.import_module(f"sim.experiments.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'sim.experiments' has no attribute {name!r}")
