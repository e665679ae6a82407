"""What each metric means: unit, definition, whether it scales with ``run.scale``, headline.

Everything that labels a table or a figure, converts counts to full-scale equivalents, lists the
metrics or checks metric names asks this module, which reads the model's own declarations
(``sim.metrics.catalogue`` for the run summary, ``sim.metrics.series_catalogue`` for the
weekly records). A summary entry has the attributes ``name`` (the summary key), ``unit``,
``doc``, ``extensive`` (a count that scales with ``run.scale``: divide by the scale for a
full-scale equivalent), ``headline`` and ``process`` (the process that declares it: the metric's
group in tables and figures).
"""

from __future__ import annotations

import functools
import math
from typing import Any

__all__ = [
    "catalogue",
    "full_scale",
    "group_of",
    "groups",
    "headline_names",
    "info",
    "series_for",
    "series_info",
    "series_names",
    "summary_names",
]


@functools.cache
def _catalogue() -> tuple[Any, ...]:
    from sim.metrics import catalogue as declared
    from sim.model.core import PROCESSES

    return tuple(declared(PROCESSES))


@functools.cache
def _series() -> dict[str, Any]:
    from sim.metrics import series_catalogue
    from sim.model.core import PROCESSES

    return {m.name: m for m in series_catalogue(PROCESSES)}


@functools.cache
def _by_name() -> dict[str, Any]:
    return {m.name: m for m in _catalogue()}


def catalogue() -> list[Any]:
    """The summary metrics as the model declares them, in step order."""
    return list(_catalogue())


def info(name: str) -> Any | None:
    """The description of summary metric ``name``, or None if the model has no such metric."""
    return _by_name().get(name)


def summary_names() -> list[str]:
    """Every summary key, in catalogue order."""
    return [m.name for m in _catalogue()]


def headline_names() -> list[str]:
    """The headline summary keys, by rank (OC harm first)."""
    return [m.name for m in sorted(_catalogue(), key=lambda m: m.headline) if m.headline]


def series_names() -> list[str]:
    """Every weekly series (the columns of ``timeseries.parquet`` after ``week``)."""
    return list(_series())


def series_info(name: str) -> tuple[str, bool | None]:
    """Unit of one weekly value of a series and whether it scales with ``run.scale``.

    Returns:
        ``(unit, extensive)``; ``("", None)`` for a series the model does not declare.
    """
    m = _series().get(name)
    if m is None:
        return "", None
    unit = f"{m.unit}/week" if m.kind == "flow" else m.unit
    return unit, bool(m.extensive)


def series_for(metric: str) -> str | None:
    """The weekly series behind summary metric ``metric`` (None if there is none)."""
    m = info(metric)
    if m is not None and getattr(m, "series", None):
        return m.series
    for suffix in ("_per_1000_py", "_per_week", "_million_per_year"):
        stem = metric.removesuffix(suffix)
        if stem != metric and stem in _series():
            return stem
    return None


def full_scale(value: float, name: str, scale: float | None) -> float:
    """``value`` of summary metric ``name`` as a full-scale equivalent (NaN if unknown)."""
    m = info(name)
    if m is None or scale is None or not scale or not math.isfinite(scale):
        return math.nan
    return value / scale if m.extensive else value


def groups() -> list[str]:
    """The metric groups (the declaring processes), in step order."""
    return list(dict.fromkeys(getattr(m, "process", "other") for m in _catalogue()))


def group_of(name: str) -> str:
    """The group of a summary metric: the process that declares it (``other`` if unknown)."""
    m = info(name)
    return getattr(m, "process", "other") if m is not None else "other"
