"""What a search found (:class:`OptimisationResult`) and how its ranking holds up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.policy.optimise.settings import SearchSettings
from sim.policy.optimise.space import LeverSpace

__all__ = ["OptimisationResult", "Robustness"]


@dataclass
class OptimisationResult:
    """What the search found.

    Attributes:
        table: One row per mix evaluated: the levers, ``cost``, ``stage`` (``design``, ``zoom``,
            ``status quo``), ``replicates``, ``mean``, ``ci_low``, ``ci_high``, ``diff`` (paired
            mean difference from the status quo on the same seeds), ``diff_low``, ``diff_high``,
            ``front`` (on the Pareto front), ``recommended``.
        front: The rows of ``table`` on the cost-outcome Pareto front (cost against ``diff``,
            the paired difference, comparable across replicate counts), by cost.
        recommended: The recommended mix.
        confirmation: The winner and the status quo on fresh seeds: ``seeds``, ``mean``,
            ``ci``, ``status_quo_mean``, ``diff``, ``diff_ci`` (95%), ``diff_pct``.
        settings: The search settings.
        budget: The budget.
        outcome: The outcome minimised.
        space: The lever space searched (ranges narrowed to the budget).
        runs: Model runs made.
        robustness: The robustness check, if one was made (:func:`robustness`).
    """

    table: pd.DataFrame
    front: pd.DataFrame
    recommended: dict[str, Any]
    confirmation: dict[str, Any]
    settings: SearchSettings
    budget: float
    outcome: str
    space: LeverSpace
    runs: int
    robustness: Robustness | None = None

    def text(self) -> str:
        """A short plain-text account of the result."""
        c = self.confirmation
        mix = ", ".join(f"{k} = {v}" for k, v in self.recommended.items())
        lines = [
            f"recommended mix (budget {self.budget:g}): {mix}",
            f"  cost {self.table.loc[self.table['recommended'], 'cost'].iloc[0]:.4g}",
        ]
        if c.get("seeds"):
            lo, hi = c["ci"]
            dlo, dhi = c["diff_ci"]
            lines += [
                f"  {self.outcome}: {c['mean']:.4g} (95% CI {lo:.4g} to {hi:.4g}) on "
                f"{len(c['seeds'])} fresh seeds; status quo {c['status_quo_mean']:.4g}",
                f"  difference from the status quo: {c['diff']:+.4g} "
                f"(95% CI {dlo:+.4g} to {dhi:+.4g}; {c['diff_pct']:+.1f}%)",
            ]
        if self.robustness is not None:
            lines += self.robustness.text().splitlines()
        lines.append(
            f"{len(self.table)} mixes evaluated, {len(self.front)} on the cost-outcome front, "
            f"{self.runs} runs"
        )
        return "\n".join(lines)


@dataclass
class Robustness:
    """How the ranking of the best mixes holds up when assumptions change.

    Attributes:
        table: One row per condition and mix: ``condition``, ``parameter``, ``value``
            (``""`` and NaN for the model as assumed), ``mix`` (1 = the recommendation, then the
            next best by the search), the lever values, ``diff`` (paired mean difference of the
            outcome from the status quo under that condition), ``diff_low``, ``diff_high`` (95%,
            unadjusted: a description of each mix), ``vs_recommended`` (paired mean difference
            from the recommended mix under that condition) with its standard deviation
            ``vs_sd`` and paired t-test p-value ``vs_p``, ``vs_level`` (the level Holm's
            correction over all the comparisons with the recommendation applies to it,
            :func:`sim.analysis.stats.holm_levels`), ``vs_low``, ``vs_high`` (the interval at
            that level; 0 for the recommendation itself), and ``rank`` within the condition
            (1 = best).
        conditions: The conditions, the model as assumed first.
        seeds: The seeds every mix and the status quo were run on.
        source: Where the assumptions came from.
        outcome: The outcome.
    """

    table: pd.DataFrame
    conditions: list[str]
    seeds: list[int]
    source: str
    outcome: str

    @property
    def first_count(self) -> int:
        """Conditions under which the recommended mix ranks first."""
        t = self.table
        return int(((t["mix"] == 1) & (t["rank"] == 1)).sum())

    @property
    def family(self) -> int:
        """Comparisons with the recommendation that Holm's correction is over."""
        return int(np.isfinite(self.table["vs_p"]).sum())

    @property
    def beaten_count(self) -> int:
        """Conditions under which another mix is detectably better than the recommendation.

        Detectably: its interval of the difference from the recommendation (95%, corrected by
        Holm's method over all :attr:`family` comparisons with the recommendation) is below zero.
        """
        t = self.table
        return int(t[t["vs_high"] < 0]["condition"].nunique())

    @property
    def same_order_count(self) -> int:
        """Changed conditions (all but the first) under which the mixes rank as in the first."""
        t = self.table
        base = t[t["condition"] == self.conditions[0]].sort_values("mix")["rank"].tolist()
        same = 0
        for cond in self.conditions[1:]:
            ranks = t[t["condition"] == cond].sort_values("mix")["rank"].tolist()
            same += ranks == base
        return same

    def text(self) -> str:
        """The check in words."""
        n = len(self.conditions)
        k = int(self.table["mix"].max())
        lines = [
            f"robustness ({self.source}; {len(self.seeds)} seeds per mix and condition):",
            f"  the recommended mix ranks first of the best {k} under {self.first_count} of {n} "
            f"conditions; the order of the {k} is unchanged under {self.same_order_count} of "
            f"{n - 1} changed conditions; another mix is detectably better under "
            f"{self.beaten_count} of {n} (95% intervals, Holm-corrected over the {self.family} "
            "comparisons with the recommendation)",
        ]
        t = self.table
        for cond in self.conditions:
            best = t[(t["condition"] == cond) & (t["rank"] == 1)].iloc[0]
            if int(best["mix"]) != 1:
                sure = "detectable" if best["vs_high"] < 0 else "not detectable"
                lines.append(
                    f"  under {cond}: mix {int(best['mix'])} does better by "
                    f"{best['vs_recommended']:+.4g} (Holm-corrected 95% interval "
                    f"{best['vs_low']:+.4g} to {best['vs_high']:+.4g}; {sure})"
                )
        return "\n".join(lines)
