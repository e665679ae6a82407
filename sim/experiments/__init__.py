"""The experiment engine: designs, seeds, executors, streaming storage, resume.

Python API::

    from sim.experiments import load_experiment, plan_experiment, run_experiment, resume, status

    experiment = load_experiment("experiments/compare_recommendations.toml")
    print(plan_experiment(experiment).text())
    report = run_experiment(experiment, executor="processes", workers=2)

Results are read with :class:`sim.experiments.store.ResultsStore` or analysed with
:func:`sim.analysis.analyse`.
"""

from sim.experiments.design import Design, Run, build_design, parse_shard
from sim.experiments.engine import (
    Plan,
    RunReport,
    plan_experiment,
    resume,
    run_experiment,
    status,
)
from sim.experiments.seeds import replicate_seeds
from sim.experiments.spec import Experiment, ExperimentError, load_experiment, parse_experiment
from sim.experiments.store import ResultsStore

__all__ = [
    "Design",
    "Experiment",
    "ExperimentError",
    "Plan",
    "ResultsStore",
    "Run",
    "RunReport",
    "build_design",
    "load_experiment",
    "parse_experiment",
    "parse_shard",
    "plan_experiment",
    "replicate_seeds",
    "resume",
    "run_experiment",
    "status",
]
