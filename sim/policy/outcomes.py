"""The pre-specified primary outcome of every comparison, defined here only.

``ocgsim compare``, the report, ``ocgsim analyse``'s comparison table, the default of ``ocgsim
optimise --outcome`` and :func:`sim.api.policy_effects` all read :data:`PRIMARY_OUTCOME`. Its
correction family is the primary outcome across the compared interventions, corrected on its
own (:func:`sim.analysis.comparison.comparison_table`); every other outcome is secondary. Its
unit (the report's words table, else the model's declaration) decides how the report speaks of
it: a unit in pounds gives harm averted in £ and a benefit-cost ratio.

This module imports nothing, so that light modules (the model function of every experiment
worker, the command line's parsers) can read the constant.
"""

from __future__ import annotations

__all__ = ["PRIMARY_OUTCOME"]

#: The pre-specified primary outcome: OC harm in pounds (£ a year at 2015/16 prices, full scale
#: in reports; issue 25: the Home Office unit costs of crime). The harm-days reading
#: (``oc_harm_per_year``, CCHI or CSS) is a secondary outcome.
PRIMARY_OUTCOME = "oc_harm_gbp_per_year"
