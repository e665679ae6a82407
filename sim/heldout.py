"""Held-out figures: published figures no parameter was set from, and the model against them.

The figures are frozen in ``sim/data/heldout.toml`` (issue 25, point 6): each names the summary
metric it is compared with, the band, its source and why no parameter was set from it.
``ocgsim calibrate`` prints :func:`heldout_table` beside the calibration targets, as a separate
table; a figure outside its band never makes calibrate fail (these are checks, never targets).
An entry whose metric the model does not report yet is marked ``awaiting = true`` and printed as
"awaiting metric". ``docs/validation.md`` quotes the table and says how each figure was chosen.

Python use::

    from sim.calibration import run_baseline
    from sim.heldout import heldout_table

    print(heldout_table([run_baseline(seed, scale=0.1) for seed in (1, 2)], 0.1))
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis import units
from sim.params import ScenarioError

__all__ = [
    "HeldOut",
    "heldout_note",
    "heldout_rows",
    "heldout_table",
    "load_heldout",
    "resolve_metric",
    "shipped_path",
]

#: Keys every figure must have, with what each allows.
REQUIRED = {
    "label": "text",
    "published": "text",
    "value": "a non-empty list of numbers",
    "low": "a number",
    "high": "a number >= low",
    "unit": "text",
    "source": "text",
    "status": "V or D",
    "metric": "a metric name (letters, digits, _)",
    "how": "text",
    "why": "text",
}
#: Keys a figure may have.
OPTIONAL = {"denominator": "a metric name (letters, digits, _)", "awaiting": "true or false"}
STATUSES = ("V", "D")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class HeldOut:
    """One held-out published figure.

    Attributes:
        name: Key of the entry (``[figure.<name>]``).
        label: What it is.
        published: The figure as published.
        value: The published numbers behind the band.
        low: Lowest value inside the band (the metric's unit; full-scale equivalent).
        high: Highest value inside the band.
        unit: Unit of the band.
        source: Full citation, year and table.
        status: ``V`` (read in the official source) or ``D`` (derived from such figures).
        metric: The summary metric compared (summary key, or a flow's name without
            ``_per_year``).
        how: How the model's value is formed.
        why: Why no parameter was set from it.
        denominator: A second metric: the model's value is ``metric / denominator``.
        awaiting: Whether the model does not report the metric yet.
    """

    name: str
    label: str
    published: str
    value: tuple[float, ...]
    low: float
    high: float
    unit: str
    source: str
    status: str
    metric: str
    how: str
    why: str
    denominator: str = ""
    awaiting: bool = False

    def inside(self, value: float) -> bool:
        """Whether ``value`` lies in the band."""
        return bool(self.low <= value <= self.high)


def shipped_path() -> Path:
    """The shipped file of held-out figures (``sim/data/heldout.toml``)."""
    return Path(str(resources.files("sim") / "data" / "heldout.toml"))


def resolve_metric(metric: str, names: Iterable[str]) -> str | None:
    """The summary key of ``metric`` among ``names``: itself or, for a flow, ``<metric>_per_year``.

    Returns:
        The key, or None if neither is there.
    """
    names = set(names)
    for key in (metric, f"{metric}_per_year"):
        if key in names:
            return key
    return None


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _check_value(key: str, x: Any) -> bool:
    """Whether ``x`` is allowed for ``key`` (the band's order is checked by the caller)."""
    if key in ("low", "high"):
        return _number(x)
    if key == "value":
        return isinstance(x, list) and bool(x) and all(_number(v) for v in x)
    if key == "status":
        return x in STATUSES
    if key in ("metric", "denominator"):
        return isinstance(x, str) and bool(_NAME.match(x))
    if key == "awaiting":
        return isinstance(x, bool)
    return isinstance(x, str) and bool(x.strip())


def _figure(where: str, name: str, entry: Any, known: set[str] | None) -> HeldOut:
    """One validated figure; ``known`` (the model's summary keys) checks the metric names."""
    at = f"{where}: figure.{name}"
    if not _NAME.match(name):
        raise ScenarioError(f"{at}: bad name; allowed: lower-case letters, digits and _")
    if not isinstance(entry, dict):
        raise ScenarioError(f"{at}: not a table; allowed: a [figure.{name}] table")
    allowed = {**REQUIRED, **OPTIONAL}
    for key in entry:
        if key not in allowed:
            raise ScenarioError(f"{at}.{key}: unknown key; allowed: {', '.join(allowed)}")
    for key in REQUIRED:
        if key not in entry:
            raise ScenarioError(f"{at}.{key}: missing; allowed: {REQUIRED[key]}")
    for key, x in entry.items():
        if not _check_value(key, x):
            raise ScenarioError(f"{at}.{key}: {x!r} is not allowed; allowed: {allowed[key]}")
    if entry["low"] > entry["high"]:
        raise ScenarioError(f"{at}.high: {entry['high']!r} is below low; allowed: a number >= low")
    figure = HeldOut(name=name, **{**entry, "value": tuple(float(v) for v in entry["value"])})
    if known is not None and not figure.awaiting:
        for key in ("metric", "denominator"):
            metric = getattr(figure, key)
            if metric and resolve_metric(metric, known) is None:
                raise ScenarioError(
                    f"{at}.{key}: {metric!r} is no metric the model reports; allowed: a summary "
                    "metric (ocgsim metrics), or awaiting = true until the model reports it"
                )
    return figure


def load_heldout(path: str | Path | None = None, *, check_metrics: bool = True) -> list[HeldOut]:
    """Read and validate a file of held-out figures.

    Args:
        path: The file (default: the shipped ``sim/data/heldout.toml``).
        check_metrics: Whether every figure not marked ``awaiting`` must name metrics the model
            reports (this imports the model's catalogue).

    Returns:
        The figures, in file order.

    Raises:
        ScenarioError: One line naming the file, the key and what is allowed.
    """
    path = Path(path) if path is not None else shipped_path()
    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(
            f"{where}: no such file; allowed: a TOML file of held-out figures"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{where}: malformed TOML: {exc}") from None
    for key in data:
        if key not in ("frozen", "figure"):
            raise ScenarioError(f"{where}: {key}: unknown key; allowed: frozen, figure")
    if not isinstance(data.get("frozen"), str):
        raise ScenarioError(f"{where}: frozen: missing or not text; allowed: the date of freezing")
    figures = data.get("figure")
    if not isinstance(figures, dict) or not figures:
        raise ScenarioError(f"{where}: figure: missing; allowed: one [figure.<name>] table or more")
    known = set(units.summary_names()) if check_metrics else None
    return [_figure(where, name, entry, known) for name, entry in figures.items()]


def _values(figure: HeldOut, rows: list[dict[str, float]], scale: float) -> np.ndarray | None:
    """The model's value of ``figure`` in each run, or None if a run lacks a metric."""
    names = set.intersection(*(set(r) for r in rows)) if rows else set()
    key = resolve_metric(figure.metric, names)
    den = resolve_metric(figure.denominator, names) if figure.denominator else None
    if key is None or (figure.denominator and den is None):
        return None
    values = np.array([units.full_scale(r[key], key, scale) for r in rows], dtype=float)
    if den is not None:
        values = values / np.array([units.full_scale(r[den], den, scale) for r in rows], float)
    return values


def heldout_rows(
    summaries: Iterable[dict[str, float]],
    scale: float,
    figures: list[HeldOut] | None = None,
    *,
    fmt: Callable[[float], str] | None = None,
) -> list[dict[str, str]]:
    """One row of text per held-out figure: the model (mean and range of the runs) against it.

    Args:
        summaries: One run summary per seed (or per world).
        scale: The runs' ``run.scale`` (extensive metrics are divided by it).
        figures: The figures (default: the shipped file).
        fmt: Number formatter.

    Returns:
        Per figure: ``figure``, ``published``, ``band``, ``mean``, ``range``, ``inside`` (``yes``,
        ``NO``, ``awaiting metric`` or ``n/a``) and ``metric``.
    """
    rows = list(summaries)
    figures = load_heldout() if figures is None else figures
    fmt = fmt or (lambda v: f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3f}")
    out = []
    for f in figures:
        values = _values(f, rows, scale)
        row = {
            "figure": f.label,
            "published": f.published,
            "band": f"<= {fmt(f.high)}" if f.low == 0 else f"{fmt(f.low)}-{fmt(f.high)}",
            "mean": "-",
            "range": "-",
            "metric": f"`{f.metric}`" + (f" / `{f.denominator}`" if f.denominator else ""),
        }
        if values is None or not np.isfinite(values).any():
            row["inside"] = "awaiting metric" if values is None else "n/a"
        else:
            mean = float(np.nanmean(values))
            row["mean"] = fmt(mean)
            row["range"] = f"{fmt(float(np.nanmin(values)))}-{fmt(float(np.nanmax(values)))}"
            row["inside"] = "yes" if f.inside(mean) else "NO"
        out.append(row)
    return out


def heldout_note(rows: list[dict[str, str]]) -> str:
    """The note under a held-out table when figures await a metric ('' when none does)."""
    waiting = sum(r["inside"] == "awaiting metric" for r in rows)
    if not waiting:
        return ""
    return (
        f"{waiting} of {len(rows)} figures await a metric the model does not report yet; they "
        "are compared as soon as it does. A figure outside its band is reported, never tuned to "
        "(sim/data/heldout.toml)."
    )


def heldout_table(
    summaries: Iterable[dict[str, float]],
    scale: float,
    figures: list[HeldOut] | None = None,
    *,
    fmt: Callable[[float], str] | None = None,
    over: str = "seeds",
) -> str:
    """Markdown table of the model (mean and range over seeds) against each held-out figure.

    Args:
        summaries: One run summary per seed.
        scale: The runs' ``run.scale`` (extensive metrics are divided by it).
        figures: The figures (default: the shipped file).
        fmt: Number formatter.
        over: What the rows are (``seeds``, or ``worlds`` for one row per plausible world).

    Returns:
        The table (:func:`heldout_rows`), with a note on what "awaiting metric" means if any
        figure awaits one (:func:`heldout_note`).
    """
    rows = heldout_rows(summaries, scale, figures, fmt=fmt)
    lines = [
        f"| figure | published | band | model mean | model range ({over}) | inside | metric |",
        "|---|---|---|---|---|---|---|",
    ]
    keys = ("figure", "published", "band", "mean", "range", "inside", "metric")
    lines += ["| " + " | ".join(r[k] for k in keys) + " |" for r in rows]
    note = heldout_note(rows)
    return "\n".join(lines + (["", note] if note else []))
