"""Numbers and outcomes in words: the report's names, units and number formats."""

from __future__ import annotations

import math
from typing import Any

from sim.analysis.comparison import ALPHA  # the family-wise error rate of the intervals

__all__ = [
    "ALPHA",
    "COST",
    "HARM",
    "PLAIN",
    "SERIES",
    "finite",
    "money",
    "pct",
    "range_text",
    "sig",
    "value_text",
]

#: The outcome whose averted amount is the denominator of cost-effectiveness.
HARM = "oc_harm_per_year"
#: The cost outcome (GBP million a year).
COST = "cost_million_per_year"

#: Plain names of the headline outcomes: (name in tables, name in sentences, unit for readers).
PLAIN: dict[str, tuple[str, str, str]] = {
    "oc_harm_per_year": ("OC harm", "OC harm", "harm-days a year"),
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
    "cost_million_per_year": ("Cost", "cost", "GBP million a year"),
}

#: Series drawn over time (when the results kept weekly series).
SERIES = ("oc_harm", "ocg_members")


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
    """GBP with a sensible unit: £2.1m, £450k, £37."""
    if not finite(pounds):
        return "–"
    s = ("+" if pounds > 0 else "−" if pounds < 0 else "") if sign else ""
    x = abs(pounds)
    if x >= 1e9:
        body = f"£{x / 1e9:.2f}bn"
    elif x >= 1e6:
        body = f"£{x / 1e6:.1f}m" if x >= 1e7 else f"£{x / 1e6:.2f}m"
    elif x >= 1e3:
        body = f"£{x / 1e3:.0f}k"
    elif x >= 10:
        body = f"£{x:.0f}"
    else:
        body = f"£{x:.2f}"
    return s + body if sign else body


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
