"""Numbers and outcomes in words: the report's names, units and number formats.

Money has one format everywhere in the report and in ``ocgsim compare``'s sentences
(:func:`money`): pounds with ``m`` for millions (``£3.3m``), whole pounds below a million
(``£450,000``, ``£1.08`` under £10). An interval that includes zero is said in what it rules out
(:func:`rules_out`), never as "no effect".
"""

from __future__ import annotations

import math
import re
from typing import Any

from sim.analysis import units
from sim.analysis.comparison import ALPHA  # the family-wise error rate of each family
from sim.policy.outcomes import PRIMARY_OUTCOME

__all__ = [
    "ALPHA",
    "COST",
    "FEW_REPLICATES",
    "HARM",
    "PLAIN",
    "SERIES",
    "finite",
    "money",
    "money_unit",
    "pct",
    "pounds_per_unit",
    "range_text",
    "rules_out",
    "sig",
    "value_text",
]

#: The primary outcome (:data:`sim.policy.outcomes.PRIMARY_OUTCOME`): the harm whose averted
#: amount is weighed against the cost.
HARM = PRIMARY_OUTCOME
#: The cost outcome (£ million a year).
COST = "cost_million_per_year"
#: Fewer replicates than this get a warning in the report's "In short" box: with 4 pairs the t
#: quantile alone makes a Holm interval of two comparisons 1.9 times as wide as with many
#: replicates (2.8 times with 3 pairs; 1.6 with 5), and the standard deviation behind it is
#: itself uncertain (its 95% upper bound is 3.7 times the estimate with 4 pairs, 2.9 with 5).
FEW_REPLICATES = 5

#: Plain names of the headline outcomes: (name in tables, name in sentences, unit for readers).
PLAIN: dict[str, tuple[str, str, str]] = {
    "oc_harm_per_year": ("OC harm in harm-days", "OC harm in harm-days", "harm-days a year"),
    "oc_harm_gbp_per_year": ("OC harm", "OC harm", "£ a year, 2015/16 prices"),
    "ocg_members": ("OCG members", "OCG membership", "people"),
    "recruits_prison_per_member_year": (
        "Recruitment in prison, per member inside",
        "recruitment in prison (per member inside)",
        "recruits a year per member inside",
    ),
    "recruits_prison_per_1000_py": (
        "Recruitment in prison, per 1,000 prisoner-years",
        "recruitment in prison (per 1,000 prisoner-years)",
        "recruits per 1,000 prisoner-years",
    ),
    "recruits_community_per_week": (
        "Recruitment in the community",
        "recruitment in the community",
        "recruits a week",
    ),
    "cost_million_per_year": ("Cost", "cost", "£m a year"),
}

#: Series drawn over time (when the results kept weekly series).
SERIES = ("oc_harm_gbp", "ocg_members")


def finite(x: Any) -> bool:
    """Whether ``x`` is a finite number (False for None, text and NaN)."""
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def sig(x: float, digits: int = 3) -> str:
    """A number with ``digits`` significant figures and thousands separators."""
    if not finite(x):
        return "–"
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude < -3 or magnitude >= 15:
        return f"{x:.{digits - 1}e}"
    decimals = max(0, digits - 1 - magnitude)
    return f"{x:,.{decimals}f}"


def pct(x: float, sign: bool = True) -> str:
    """A percentage with one decimal (signed by default, with a true minus sign)."""
    if not finite(x):
        return "–"
    text = f"{x:+.1f}%" if sign else f"{abs(x):.1f}%"
    return text.replace("-", "−")


def money(pounds: float, sign: bool = False) -> str:
    """Pounds in the report's one format: ``£3.3m``, ``£58.0m``, ``£450,000``, ``£1.08``.

    From £1m up, millions with ``m`` (one decimal; none from £100m); below, whole pounds with
    thousands separators (two decimals under £10).
    """
    if not finite(pounds):
        return "–"
    s = ("+" if pounds > 0 else "−" if pounds < 0 else "") if sign else ""
    x = abs(pounds)
    if x >= 1e6:
        m = x / 1e6
        body = f"£{m:,.0f}m" if m >= 100 else f"£{m:.1f}m"
    elif x >= 10:
        body = f"£{x:,.0f}"
    else:
        body = f"£{x:.2f}"
    return s + body


def money_unit(unit: str) -> str | None:
    """The rest of a parameter's money unit in words (``£/place/year`` -> ``a place a year``).

    Returns:
        The words after the amount, or None if the unit is not in pounds.
    """
    if not unit.startswith("£"):
        return None
    return " ".join(f"a {part}" for part in unit[1:].split("/") if part.strip())


def pounds_per_unit(metric: str) -> float | None:
    """How many pounds one unit of ``metric`` is (1e6 for £ million), or None if not money.

    The unit comes from :data:`PLAIN` (the words table) if the metric is there, else from the
    model's declaration (:func:`sim.analysis.units.info`): a unit with ``£`` or ``GBP`` is money,
    in millions when it also says ``million`` or ``£m``.
    """
    entry = PLAIN.get(metric)
    declared = units.info(metric)
    unit = entry[2] if entry else (declared.unit if declared is not None else "")
    if not re.search(r"£|\bGBP\b", unit):
        return None
    return 1e6 if re.search(r"million|£m\b", unit) else 1.0


def rules_out(low: float, high: float, words: str | None = None, fmt=None) -> str:
    """What an interval that includes zero rules out: ``rules out a cut in X larger than ...``.

    Args:
        low: Low end of the interval (a % change, or pounds with ``fmt``).
        high: High end.
        words: The outcome in a sentence (``OC harm``); None when the sentence names it.
        fmt: Formats one bound (default: unsigned % with one decimal).

    Returns:
        E.g. ``rules out a cut in OC harm larger than 1.5% and a rise larger than 0.8%``.
    """
    fmt = fmt or (lambda x: pct(x, sign=False))
    of = f" in {words}" if words else ""
    parts = []
    if finite(low) and low <= 0:
        parts.append(f"a cut{of} larger than {fmt(abs(low))}")
    if finite(high) and high >= 0:
        what = "a rise" if parts else f"a rise{of}"
        parts.append(f"{what} larger than {fmt(high)}")
    if not parts:
        return "no interval"
    return "rules out " + " and ".join(parts)


def range_text(low: float, high: float, fmt) -> str:
    """``low to high``, each formatted by ``fmt``."""
    return f"{fmt(low)} to {fmt(high)}"


def value_text(v: Any) -> str:
    """A parameter value as a scenario file writes it (``true``, ``0.5``, text)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
