"""What a search found (:class:`OptimisationResult`) and how its ranking holds up."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.policy.optimise.settings import SearchSettings
from sim.policy.optimise.space import LeverSpace
from sim.policy.report.words import money

#: The ``parameter`` of a robustness condition that is a plausible world (its ``value`` is the
#: world's number).
WORLD = "world"

__all__ = ["OptimisationResult", "OutcomeFormat", "Robustness", "amount"]


def amount(x: float, *, signed: bool = False) -> str:
    """A number as a reader reads it: 4 significant figures, thousands separators, a real minus.

    ``-148234.7`` gives ``−148,200``; ``0.01234`` gives ``0.01234``; ``signed`` adds ``+`` to
    positive numbers. Not a number gives ``n/a``.
    """
    x = float(x)
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    digits = 4 - int(math.floor(math.log10(abs(x)))) - 1
    rounded = round(x, digits)
    text = f"{abs(rounded):,.{max(digits, 0)}f}"
    if digits > 0:
        text = text.rstrip("0").rstrip(".")
    return ("−" if rounded < 0 else "+" if signed else "") + text


@dataclass(frozen=True)
class OutcomeFormat:
    """How the optimiser writes an outcome's values: converted by ``per``, with their unit.

    Money (a unit in GBP) takes the report's one format (``£38,970m a year (full-scale
    equivalent)``); anything else is a plain amount with its unit (``1,234 harm-days/year``).

    Attributes:
        unit: The outcome's unit as shown (e.g. ``"GBP/year, full-scale equivalent"``).
        per: Factor from the outcome's values to those shown (e.g. ``1 / run.scale``).
    """

    unit: str = ""
    per: float = 1.0

    @property
    def in_pounds(self) -> bool:
        """Whether the outcome is money."""
        return self.unit.startswith("GBP")

    def number(self, x: float, *, signed: bool = False) -> str:
        """A value converted by ``per``, without its unit."""
        value = float(x) * self.per
        return money(value, sign=signed) if self.in_pounds else amount(value, signed=signed)

    @property
    def unit_words(self) -> str:
        """The unit as it follows a number (with its leading space; empty if none)."""
        if self.in_pounds:
            rest = self.unit.removeprefix("GBP").removeprefix("/year").strip(", ")
            return " a year" + (f" ({rest})" if rest else "")
        return f" {self.unit}" if self.unit else ""


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
        runs: Model runs made (the search, the confirmation and the robustness check; a batch
            evaluator that stores runs may set it to the distinct runs it holds).
        robustness: The robustness check, if one was made (:func:`robustness`).
        outcome_label: What a reader calls the outcome (``""``: its name), for the text.
        outcome_unit: Unit of the outcome as the text shows it (``""``: none).
        outcome_per: Factor from the evaluator's outcome to the values the text and figure show
            (``1 / run.scale`` to show a count at a model scale as a full-scale equivalent).
        cost_unit: Unit of the cost and the budget (``""``: none).
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
    outcome_label: str = ""
    outcome_unit: str = ""
    outcome_per: float = 1.0
    cost_unit: str = ""

    def change(self) -> tuple[float, float, float, float]:
        """The recommended mix's change from the status quo, as the evaluator gives it.

        Returns:
            ``(difference, low, high, percent)``: the paired mean difference with its 95%
            interval, from the confirmation on fresh seeds if there is one, else from the
            search's seeds (percent NaN there).
        """
        c = self.confirmation
        if c.get("seeds"):
            return c["diff"], c["diff_ci"][0], c["diff_ci"][1], c["diff_pct"]
        row = self.table[self.table["recommended"]].iloc[0]
        return row["diff"], row["diff_low"], row["diff_high"], math.nan

    @property
    def detectably_better(self) -> bool:
        """Whether the recommended mix detectably lowers the outcome (its interval is below 0)."""
        high = float(self.change()[2])
        return math.isfinite(high) and high < 0

    def finding(self) -> str:
        """The finding in one sentence: a better mix, or none detectably better than today's."""
        if self.detectably_better:
            return "the recommended mix is detectably better than today's (the status quo)"
        return "no mix is detectably better than today's (the status quo)"

    @property
    def outcome_format(self) -> OutcomeFormat:
        """How the outcome's values are written (converted by ``outcome_per``, with the unit)."""
        return OutcomeFormat(self.outcome_unit, self.outcome_per)

    def shown(self, x: float, *, signed: bool = False) -> str:
        """An outcome value as the text shows it: converted by ``outcome_per``, with its unit."""
        fmt = self.outcome_format
        return fmt.number(x, signed=signed) + fmt.unit_words

    def mix_lines(self, mix: dict[str, Any], indent: str = "  ") -> list[str]:
        """One line per lever of ``mix``: label, value to the lever's step, unit."""
        return [indent + lever.describe(mix[lever.name]) for lever in self.space.levers]

    def text(self) -> str:
        """A short plain-text account of the result, in the outcome's and the cost's units."""
        name = self.outcome_label or self.outcome
        cost_unit = f" ({self.cost_unit})" if self.cost_unit else ""
        cost = float(self.table.loc[self.table["recommended"], "cost"].iloc[0])
        budget = f"a budget of {amount(self.budget)}{cost_unit}"
        if self.detectably_better:
            lines = [f"recommended mix for {budget}:"]
        else:
            lines = [
                f"no mix is detectably better than today's (the status quo) for {budget}.",
                "the best mix the search found (not a recommendation):",
            ]
        lines += self.mix_lines(self.recommended)
        lines.append(f"  cost {amount(cost)}{cost_unit} above today's")
        diff, low, high, pct = self.change()
        c = self.confirmation
        if c.get("seeds"):
            lo, hi = c["ci"]
            level = self.outcome_format.number  # (a bound below zero keeps its minus sign)
            lines.append(
                f"  {name}: {self.shown(c['mean'])} (95% interval {level(lo, signed=lo < 0)} "
                f"to {level(hi, signed=hi < 0)}) on {len(c['seeds'])} fresh seeds; today's "
                f"{self.shown(c['status_quo_mean'])}"
            )
        where = "on fresh seeds" if c.get("seeds") else "on the search's seeds"
        share = f"; {pct:+.1f}%".replace("-", "−") if math.isfinite(pct) else ""
        lines.append(
            f"  change from today's {where}: {self.shown(diff, signed=True)} (95% interval "
            f"{self.outcome_format.number(low, signed=True)} to "
            f"{self.outcome_format.number(high, signed=True)}{share})"
            + ("" if self.detectably_better else ": the interval includes no change or worse")
        )
        if self.robustness is not None:
            lines += self.robustness.text(
                label=name,
                unit=self.outcome_unit,
                per=self.outcome_per,
                lead="recommended mix" if self.detectably_better else "best mix found",
            ).splitlines()
            lines += self.robustness_mixes()
        lines.append(
            f"{len(self.table)} mixes evaluated, {len(self.front)} on the cost-outcome front; "
            f"{self.runs:,} model runs"
            + (" (search, confirmation and robustness check)" if self.robustness else "")
        )
        return "\n".join(lines)

    def robustness_mixes(self) -> list[str]:
        """The mixes the robustness check numbers 2, 3, ... (1 is the recommended or best mix)."""
        t = self.robustness.table
        first = t[t["condition"] == self.robustness.conditions[0]].sort_values("mix")
        lines = []
        for _, row in first[first["mix"] > 1].iterrows():
            values = [lever.describe(row[lever.name]) for lever in self.space.levers]
            lines.append(f"  mix {int(row['mix'])}: " + "; ".join(values))
        return lines


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

    def worlds_lines(self, lead: str = "recommended mix") -> list[str]:
        """How often the lead ranks first, and beats the status quo, over the plausible worlds.

        Each share comes with its exact 95% interval and the yardstick's words
        (:func:`sim.policy.worlds.share_words`); no lines when the check has no worlds.
        """
        from sim.policy.worlds import share_words

        if "parameter" not in self.table:
            return []
        t = self.table[(self.table["parameter"] == WORLD) & (self.table["mix"] == 1)]
        n = len(t)
        if n == 0:
            return []
        lines = []
        for k, what in (
            (int((t["rank"] == 1).sum()), f"the {lead} ranks first"),
            (int((t["diff"] < 0).sum()), f"the {lead} does better than the status quo"),
        ):
            low, high, words = share_words(k, n)
            lines.append(
                f"  in {k} of {n} plausible worlds ({k / n:.0%}, 95% {low:.0%}-{high:.0%}: "
                f"{words}) {what}"
            )
        return lines

    def text(
        self, *, label: str = "", unit: str = "", per: float = 1.0, lead: str = "recommended mix"
    ) -> str:
        """The check in words.

        Args:
            label: What a reader calls the outcome (default: its name).
            unit: The outcome's unit as shown.
            per: Factor from the outcome's values to those shown (e.g. ``1 / run.scale``).
            lead: What mix 1 is called (``"best mix found"`` when it is not a recommendation).
        """
        n = len(self.conditions)
        name = label or self.outcome
        shown = OutcomeFormat(unit, per)
        unit = shown.unit_words
        k = int(self.table["mix"].max())
        lines = [
            f"robustness ({self.source}; {len(self.seeds)} seeds per mix and condition):",
            f"  the {lead} ranks first of the best {k} under {self.first_count} of {n} "
            f"conditions; the order of the {k} is unchanged under {self.same_order_count} of "
            f"{n - 1} changed conditions; another mix is detectably better under "
            f"{self.beaten_count} of {n} (95% intervals, Holm-corrected over the {self.family} "
            f"comparisons with the {lead})",
        ]
        lines += self.worlds_lines(lead)
        t = self.table
        for cond in self.conditions:
            best = t[(t["condition"] == cond) & (t["rank"] == 1)].iloc[0]
            if int(best["mix"]) != 1:
                sure = "detectable" if best["vs_high"] < 0 else "not detectable"
                lines.append(
                    f"  under {cond}: mix {int(best['mix'])} ranks first, with "
                    f"{shown.number(-best['vs_recommended'])}{unit} less {name} than the "
                    f"{lead} (its {name} minus that of the {lead}: Holm-corrected 95% "
                    f"interval {shown.number(best['vs_low'], signed=True)} to "
                    f"{shown.number(best['vs_high'], signed=True)}{unit}; {sure})"
                )
        return "\n".join(lines)
