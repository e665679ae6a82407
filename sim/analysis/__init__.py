"""Analysis of experiment results: summaries, paired differences, sensitivity indices, figures.

Python API::

    from sim.analysis import analyse, load_results
    report = analyse("results/compare_recommendations")   # writes tables + figures
    report.tables["differences"]                          # pandas DataFrames
    runs = load_results("results/compare_recommendations").runs

Everything is written to ``<results>/analysis/`` as CSV (and Parquet for the summary), built in
a temporary folder that replaces the previous analysis only when complete. Tables carry the
unit, the run scale and full-scale equivalents of every metric (see :mod:`sim.analysis.units`).
The paired differences are :func:`sim.analysis.comparison.comparison_table`, the same table the
report shows.

Modules: :mod:`~sim.analysis.results` (loading), :mod:`~sim.analysis.pipeline`
(:func:`analyse`), :mod:`~sim.analysis.comparison` (the comparison table),
:mod:`~sim.analysis.scenarios` and :mod:`~sim.analysis.indices` (what is written per design),
:mod:`~sim.analysis.summary` (:class:`AnalysisReport`), :mod:`~sim.analysis.stats`,
:mod:`~sim.analysis.sensitivity`, :mod:`~sim.analysis.plots`, :mod:`~sim.analysis.units`.
History matching (imported on its own, as it loads scikit-learn): :mod:`~sim.analysis.history`,
:mod:`~sim.analysis.emulator` and :mod:`~sim.analysis.history_model`.
"""

from __future__ import annotations

from sim.analysis import units
from sim.analysis.comparison import baseline_point, comparison_table, default_point
from sim.analysis.pipeline import analyse
from sim.analysis.results import SIM_MODEL, Results, load_results
from sim.analysis.sensitivity import (
    morris_convergence,
    morris_indices,
    point_means,
    sobol_convergence,
    sobol_indices,
)
from sim.analysis.stats import (
    holm,
    mean_ci,
    metric_columns,
    paired_differences,
    precision_check,
    summarise,
)
from sim.analysis.summary import MAX_PRINTED, AnalysisReport

__all__ = [
    "MAX_PRINTED",
    "SIM_MODEL",
    "AnalysisReport",
    "Results",
    "analyse",
    "baseline_point",
    "comparison_table",
    "default_point",
    "holm",
    "load_results",
    "mean_ci",
    "metric_columns",
    "morris_convergence",
    "morris_indices",
    "paired_differences",
    "point_means",
    "precision_check",
    "sobol_convergence",
    "sobol_indices",
    "summarise",
    "units",
]
