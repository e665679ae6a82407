"""The best mix of measures for a budget: a search over a mixed lever space.

The problem: choose values for a few levers (integers, floats, booleans) that minimise an outcome
of a stochastic model, subject to an annual cost no larger than a budget. The model is any
evaluator ``f(params: dict, seed: int) -> dict[str, float]`` (``sim.api.simulate`` is one), the
cost any ``cost(mix: dict) -> float``.

**The search** (documented in ``docs/policy-tools.md``):

0. *Ranges within the budget* (:meth:`LeverSpace.affordable`). Each lever's range is cut back
   to what the budget allows it with every other lever at its cheapest, so the design does not
   waste its points on mixes it would drop.
1. *Space-filling design under the budget.* Points of a scrambled Sobol' sequence
   (``scipy.stats.qmc.Sobol``) in the unit cube are mapped to lever mixes (floats linearly,
   integers by equal-width bins, booleans at 0.5); mixes over the budget are dropped and
   duplicates (integer and boolean levers make them) removed, until ``candidates`` feasible mixes
   are found. The status quo (every lever at its ``baseline``) is always evaluated as well.
2. *Successive halving.* Every candidate is run with ``min_replicates`` replicates; the best
   ``1/eta`` by mean outcome survive and get ``eta`` times as many replicates (runs already made
   are kept), until one candidate is left or ``max_replicates`` is reached. Replicate ``r`` has
   the same seed for every mix (common random numbers), so mixes are compared under the same
   random draws and rankings need fewer runs.
3. *Zoom* (``zoom_rounds``, default one). A second space-filling design in a box around the
   leader (a quarter of each numeric lever's range; booleans free), filtered by the budget,
   races against the leader by successive halving; this finds optima on the budget's edge, which
   a uniform design rarely samples closely.
4. *Confirmation.* The winner and the status quo are run again on ``confirm`` fresh seeds
   (not used in the search), so the reported interval is not biased by the selection.

5. *Robustness* (:func:`robustness`, optional). The best few mixes and the status quo are run
   again under low and high values of the most influential assumptions, or in each of a set of
   plausible worlds (``ocgsim optimise --ensemble``), and their paired differences from the
   status quo ranked under each: does the recommendation still come first when an assumption
   is wrong? Whether another mix is *detectably* better is decided by paired
   t-tests against the recommendation, corrected by Holm's method over all of them (every other
   mix under every condition), as the report corrects its headline table.

**Output:** a table of every mix evaluated (cost, replicates, mean and 95% interval of the
outcome, paired difference from the status quo), the cost-outcome Pareto front (mixes that no
cheaper-or-equal mix beats), the recommended mix with 95% intervals and the robustness table;
:func:`write_result` writes them (CSV, JSON and figures) atomically.

Runs go through one function, a *batch evaluator* ``(jobs) -> results``: :class:`SerialBatch`
runs them one after another in this process; :class:`sim.experiments.batch.EngineBatch` runs
them on the experiment engine (in parallel, on Dask, stored and resumable), which is what
``ocgsim optimise`` uses.

The package's modules: :mod:`.space` (levers and the space), :mod:`.settings` (search settings
and batch evaluators), :mod:`.search` (the search), :mod:`.result` (what it found),
:mod:`.robust` (the robustness check) and :mod:`.output` (files and the figure).
"""

from __future__ import annotations

from sim.policy.optimise.output import plot_front, write_result
from sim.policy.optimise.result import OptimisationResult, Robustness
from sim.policy.optimise.robust import holm_against_recommendation, robustness
from sim.policy.optimise.search import mean_ci, optimise, pareto_front
from sim.policy.optimise.settings import BatchEvaluator, Job, SearchSettings, SerialBatch
from sim.policy.optimise.space import Lever, LeverSpace

__all__ = [
    "BatchEvaluator",
    "Job",
    "Lever",
    "LeverSpace",
    "OptimisationResult",
    "Robustness",
    "SearchSettings",
    "SerialBatch",
    "holm_against_recommendation",
    "mean_ci",
    "optimise",
    "pareto_front",
    "plot_front",
    "robustness",
    "write_result",
]
