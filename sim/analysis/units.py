"""What each metric means: unit, definition, whether it scales with ``run.scale``, headline.

Everything that labels a table or a figure, converts counts to full-scale equivalents, lists the
metrics or checks metric names asks :func:`catalogue`. It returns ``sim.metrics.catalogue()``
(the model's own declarations) when the model provides it, and otherwise a local table derived
from ``sim.metrics.reporters()`` and the run summary's rules (``sim.metrics.summarise``) with the
headline set of ``sim.cli.SUMMARY_ROWS``. Each description has the attributes ``name`` (the
summary key), ``unit``, ``doc``, ``extensive`` (a count that scales with ``run.scale``: divide by
the scale for a full-scale equivalent) and ``headline``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "GROUPS",
    "MetricInfo",
    "catalogue",
    "full_scale",
    "group_of",
    "headline_names",
    "info",
    "series_info",
    "series_names",
    "summary_names",
]


@dataclass(frozen=True)
class MetricInfo:
    """One summary metric.

    Attributes:
        name: The summary key (e.g. ``receptions_per_year``).
        unit: Unit of the value in a run summary.
        doc: Definition.
        extensive: Whether the value scales with ``run.scale`` (divide by it for full scale).
        headline: Whether it is one of the main outcomes (analysed by default).
    """

    name: str
    unit: str
    doc: str
    extensive: bool
    headline: bool = False


def catalogue() -> list[Any]:
    """The summary metrics: the model's declarations if it has them, else the local table."""
    return list(_catalogue())


@functools.cache
def _catalogue() -> tuple[Any, ...]:
    try:
        from sim.metrics import catalogue as declared  # the model's declarations, once landed
    except ImportError:
        return tuple(_local_catalogue())
    return tuple(declared())


def info(name: str) -> Any | None:
    """The description of summary metric ``name``, or None if the model has no such metric."""
    return _by_name().get(name)


@functools.cache
def _by_name() -> dict[str, Any]:
    return {m.name: m for m in _catalogue()}


def summary_names() -> list[str]:
    """Every summary key, in catalogue order."""
    return [m.name for m in _catalogue()]


def headline_names() -> list[str]:
    """The headline summary keys, in catalogue order."""
    return [m.name for m in _catalogue() if m.headline]


@functools.cache
def series_names() -> tuple[str, ...]:
    """Every weekly series (the columns of ``timeseries.parquet`` after ``week``)."""
    from sim.metrics import reporters

    return tuple(reporters())


#: Series without a summary key of the same stem: (unit, extensive).
_SERIES_ONLY = {
    "capacity": ("places", True),
    "delay_sum": ("weeks (sum over acted items)", True),
    "shared_back": ("people/week", True),
    "prisons_seeded": ("prisons", True),
    "arrests_intel": ("people/week", True),
    "meetings": ("meetings/week", True),
    "cost": ("GBP/week", True),
    "desisted": ("people/week", True),
    "entrants": ("people/week", True),
}


def series_info(name: str) -> tuple[str, bool | None]:
    """Unit and extensivity of a weekly series.

    A stock has a summary key of the same name; a flow ``x`` has the summary key
    ``x_per_year`` (its weekly unit is the yearly one per week).

    Returns:
        ``(unit, extensive)``; ``("", None)`` for a series the model does not describe.
    """
    m = info(name)
    if m is not None:
        return m.unit, bool(m.extensive)
    m = info(f"{name}_per_year")
    if m is not None:
        return m.unit.replace("/year", "/week"), bool(m.extensive)
    return _SERIES_ONLY.get(name, ("", None))


def series_for(metric: str) -> str | None:
    """The weekly series behind summary metric ``metric`` (None if there is none)."""
    names = set(series_names())
    for candidate in (
        metric,
        metric.removesuffix("_per_year"),
        metric.removesuffix("_per_week"),
        metric.removesuffix("_per_1000_py"),
        metric.removesuffix("_million_per_year"),
    ):
        if candidate in names:
            return candidate
    return None


def full_scale(value: float, name: str, scale: float | None) -> float:
    """``value`` of summary metric ``name`` as a full-scale equivalent (NaN if unknown)."""
    m = info(name)
    if m is None or scale is None or not scale or not math.isfinite(scale):
        return math.nan
    return value / scale if m.extensive else value


#: Thematic groups of metrics, in display order (a forest plot is drawn per group).
GROUPS = (
    "run",
    "prisons",
    "ocgs",
    "recruitment",
    "market",
    "intelligence",
    "trust",
    "disruption",
    "cost",
    "other",
)

_RUN_KEYS = ("weeks", "window_weeks", "window_start_week")

_GROUP_RULES = (
    ("cost", ("cost",)),
    ("trust", ("trust", "meetings")),
    ("recruitment", ("recruit",)),
    (
        "intelligence",
        ("items_", "share_rate", "acted", "delay", "deliveries", "pios", "graded", "shared_back"),
    ),
    ("market", ("market_volume", "finds_", "debt")),
    ("disruption", ("separation", "transfer", "arrest", "removal", "seeded")),
    (
        "ocgs",
        ("ocg", "venture", "market_entries", "splits", "dissolutions", "formations", "leaders"),
    ),
    (
        "prisons",
        (
            "prison",
            "remand",
            "receptions",
            "recalls",
            "releases",
            "diverted",
            "offenders",
            "occupancy",
            "reoffending",
            "capacity",
            "desisted",
            "entrants",
        ),
    ),
)


def group_of(name: str) -> str:
    """The thematic group of a metric or series (``"other"`` for names the model lacks)."""
    if info(name) is None and name not in series_names():
        return "other"
    if name in _RUN_KEYS:
        return "run"
    for group, keys in _GROUP_RULES:
        if any(k in name for k in keys):
            return group
    return "other"


# --- the local table, until the model declares its metrics ------------------------------------

_STOCKS = {
    "prison_population": ("people", "people in prison (mean over the window)", True),
    "remand_population": ("people", "people in prison on remand (mean)", True),
    "offenders_at_large": ("people", "active offenders in the community (mean)", True),
    "ocg_members": ("people", "OCG members (mean)", True),
    "ocg_members_in_prison": ("people", "OCG members in prison (mean)", True),
    "ocg_members_at_large": ("people", "OCG members at large (mean)", True),
    "prisoners_ocg_share": ("share", "OCG members in prison / prison population (mean)", False),
    "prisons_with_ocg_presence": ("prisons", "prisons holding at least one OCG member", True),
    "active_ocgs": ("groups", "OCGs that exist (mean)", True),
    "joint_ventures": ("pairs", "current joint ventures between OCGs (mean)", True),
    "cross_region_ventures": ("pairs", "joint ventures between OCGs of different regions", True),
    "ocgs_multi_region": ("groups", "OCGs with members from more than one region (mean)", True),
    "market_volume": ("units/week", "illicit supply left after seizures, all prisons", True),
    "prisoners_in_debt": ("people", "prisoners in drug debt (mean)", True),
    "trust_local": ("0-1", "mean trust between prisons and local police (SOCU)", False),
    "trust_regional": ("0-1", "mean trust between prisons and regional police (ROCU)", False),
    "trust_national": ("0-1", "mean trust between prisons and national police", False),
    "high_risk_correctly_graded": (
        "share",
        "share of truly high-risk members whom police grade high risk",
        False,
    ),
    "leaders_in_prison": ("people", "OCG leaders in prison (mean)", True),
    "pios": ("officers", "prison intelligence officers in post (mean)", True),
}

_FLOWS = {
    "receptions": ("people", "entries to custody from court"),
    "recalls": ("people", "recalls to prison on licence"),
    "releases": ("people", "releases from prison"),
    "diverted": ("people", "custodial sentences served in the community for want of a place"),
    "recruits_prison": ("people", "unaffiliated prisoners recruited in their wing"),
    "recruits_community": ("people", "recruits at large"),
    "recruits_via_ties": ("people", "recruits at large through a tie made in prison"),
    "cross_region_recruits": ("people", "recruits to an OCG based in another region"),
    "new_joint_ventures": ("ventures", "joint ventures formed"),
    "market_entries": ("entries", "OCGs entering a partner's crime type"),
    "finds_phones": ("finds", "phones found in searches"),
    "finds_drugs": ("finds", "drugs found in searches"),
    "items_created": ("items", "intelligence items created by PIOs"),
    "items_shared": ("items", "items that reach at least one police tier"),
    "items_shared_local": ("items", "items sent to local police"),
    "items_shared_regional": ("items", "items sent to regional police"),
    "items_shared_national": ("items", "items sent to national police"),
    "items_acted": ("items", "items acted on by police"),
    "deliveries_ignored": ("deliveries", "usable deliveries the police had no capacity for"),
    "separations": ("actions", "separations of OCG members in prison"),
    "transfers": ("actions", "transfers of known members between prisons"),
    "transfers_seeded": ("actions", "transfers into a prison where the OCG had no member"),
    "police_arrests": ("actions", "OCG members arrested by police"),
    "leader_removals": ("actions", "OCG leaders taken into custody"),
    "splits": ("events", "OCG splits"),
    "dissolutions": ("events", "OCGs dissolved (under 2 members)"),
    "formations": ("events", "new OCGs formed"),
}

_OTHERS = (
    ("weeks", "weeks", "run length", False),
    ("window_weeks", "weeks", "length of the summary window", False),
    ("window_start_week", "week", "first week of the summary window", False),
    ("mean_trust", "0-1", "mean of the local, regional and national trust", False),
    (
        "max_occupancy_rate",
        "share",
        "highest weekly prison population / capacity over the whole run",
        False,
    ),
    (
        "recruits_prison_per_1000_py",
        "recruits/1,000 prisoner-years",
        "in-prison recruits per 1,000 prisoner-years (does not depend on scale)",
        False,
    ),
    ("recruits_community_per_week", "people/week", "mean recruits at large per week", True),
    ("share_rate", "share", "items shared / items created", False),
    ("acted_rate", "share", "items acted on / items created", False),
    (
        "mean_delay_weeks",
        "weeks",
        "mean weeks from creation to action of acted items (NaN if none)",
        False,
    ),
    (
        "cost_million_per_year",
        "GBP million/year",
        "staff and system cost (cost.* assumptions)",
        True,
    ),
    (
        "ocg_members_drift",
        "ratio - 1",
        "OCG membership of the last 52 weeks / the first 52 weeks - 1 (whole run)",
        False,
    ),
    (
        "proven_reoffending",
        "share",
        "share of people released in the window caught for a new offence within 52 weeks",
        False,
    ),
)


def _local_catalogue() -> list[MetricInfo]:
    """The summary keys of ``sim.metrics.summarise`` with units (until the model declares them)."""
    try:
        from sim.cli import SUMMARY_ROWS

        headline = {row[0] for row in SUMMARY_ROWS}
    except ImportError:  # pragma: no cover
        headline = set()
    rows = [
        *_OTHERS[:3],
        *((name, *spec) for name, spec in _STOCKS.items()),
        *((f"{n}_per_year", f"{u}/year", f"{d} per year", True) for n, (u, d) in _FLOWS.items()),
        *_OTHERS[3:],
    ]
    return [MetricInfo(n, u, d, e, n in headline) for n, u, d, e in rows]
