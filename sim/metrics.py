"""Metrics: how processes declare their outputs, and the records and summary built from them.

A process lists its metrics in ``METRICS`` next to the code that counts them (see
``sim.process``). There are three kinds:

- a **flow** counts the week's events (``self.count.receptions += n``); it is recorded every week
  and summarised as a rate per year over the summary window (``receptions_per_year``);
- a **stock** is read at the end of the week (``prison_population``); it is summarised as its mean
  over the window;
- a **derived** entry exists only in the summary, computed from the window's records (a ratio of
  two flows, a rate per 1,000 prisoner-years).

Adding a metric is a one-file change: declare it in the process that counts it, and count it.
A flow that is declared is always recorded, and a counter that is not declared does not exist
(``self.count.x += 1`` raises ``AttributeError``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = [
    "Metric",
    "SummaryEntry",
    "Tally",
    "catalogue",
    "derived",
    "flow",
    "stock",
    "summarise",
]

FLOW, STOCK, DERIVED = "flow", "stock", "derived"


@dataclass(frozen=True)
class Metric:
    """One output of the model, declared by the process that produces it.

    Attributes:
        name: Column of the weekly records (flows, stocks) or key of the summary (derived).
        unit: Unit of one weekly value (flows: events in a week, e.g. ``people``).
        doc: Definition, one sentence.
        kind: ``flow``, ``stock`` or ``derived``.
        extensive: Whether the value scales with ``run.scale`` (counts of people, events or money);
            divide by the scale for full-scale equivalents.
        summarise: Whether the run summary has an entry for it.
        headline: Rank among the headline metrics (1 first; shown first and the default of
            analyses), or 0 for the others.
        label: Label in the ``ocgsim run`` table; empty for metrics not in the table.
        fmt: Format of the value in that table.
        read: For a stock, ``read(process) -> value`` at the end of the week; for a derived
            entry, ``read(window, records, model) -> value`` where ``window`` holds the weekly
            records of the summary window and ``records`` those of the whole run.
    """

    name: str
    unit: str
    doc: str
    kind: str
    extensive: bool = True
    summarise: bool = True
    headline: int = 0
    label: str = ""
    fmt: str = "{:,.0f}"
    read: Callable[..., Any] | None = None

    @property
    def summary_key(self) -> str:
        """The key of this metric in the run summary."""
        return f"{self.name}_per_year" if self.kind == FLOW else self.name

    @property
    def summary_unit(self) -> str:
        """The unit of the summary entry (flows are per year)."""
        return f"{self.unit}/year" if self.kind == FLOW else self.unit


def flow(name: str, unit: str, doc: str, **options: Any) -> Metric:
    """Declare a count of the week's events (summarised per year)."""
    return Metric(name, unit, doc, FLOW, **options)


def stock(name: str, unit: str, doc: str, read: Callable[[Any], Any], **options: Any) -> Metric:
    """Declare a level read at the end of the week by ``read(process)`` (summarised as a mean)."""
    return Metric(name, unit, doc, STOCK, read=read, **options)


def derived(name: str, unit: str, doc: str, read: Callable[..., float], **options: Any) -> Metric:
    """Declare a summary entry computed by ``read(window, records, model)``."""
    return Metric(name, unit, doc, DERIVED, read=read, **options)


class Tally:
    """The week's event counts of one process: one attribute per declared flow.

    Args:
        names: The declared flows.
    """

    def __init__(self, names: Iterable[str]):
        self._names = tuple(names)
        self.reset()

    def reset(self) -> None:
        """Zero every count (at the start of every week)."""
        for name in self._names:
            setattr(self, name, 0)


#: Entries of every summary that belong to the run, not to a process.
_WINDOW = (
    derived(
        "weeks",
        "weeks",
        "Weeks simulated.",
        lambda win, df, model: float(len(df)),
        extensive=False,
    ),
    derived(
        "window_weeks",
        "weeks",
        "Weeks in the summary window (from run.intervention_week, at least week 1, to the end).",
        lambda win, df, model: float(len(win)),
        extensive=False,
    ),
    derived(
        "window_start_week",
        "week",
        "First week of the summary window.",
        lambda win, df, model: float(win["week"].iloc[0]),
        extensive=False,
    ),
)


def declared(processes: Iterable[Any]) -> list[tuple[Any, Metric]]:
    """Every (process, metric) pair, in step order and declaration order."""
    return [(p, m) for p in processes for m in p.METRICS]


def reporters(processes: Iterable[Any]) -> dict[str, Callable[[OCGModel], Any]]:
    """Model reporters for Mesa's DataCollector, built from the processes' declarations."""
    out: dict[str, Callable[[OCGModel], Any]] = {}
    for process, metric in declared(processes):
        if metric.name in out:
            raise ValueError(f"metric {metric.name!r} is declared twice")
        if metric.kind == FLOW:
            out[metric.name] = _flow_reader(process.count, metric.name)
        elif metric.kind == STOCK:
            out[metric.name] = _stock_reader(process, metric.read)
    return out


def _flow_reader(tally: Tally, name: str) -> Callable[[OCGModel], Any]:
    return lambda model: getattr(tally, name)


def _stock_reader(process: Any, read: Callable[[Any], Any]) -> Callable[[OCGModel], Any]:
    return lambda model: read(process)


def summary_window(model: OCGModel, records: pd.DataFrame) -> pd.DataFrame:
    """The weekly records of the summary window: from the intervention week (at least week 1).

    A run that ends before the intervention week is summarised over the whole run.
    """
    start = max(1, model.intervention_week)
    win = records[records["week"] >= start]
    return records if win.empty else win


def summarise(model: OCGModel) -> dict[str, float]:
    """Run summary over the window from the intervention week (at least week 1) to the end."""
    records = model.timeseries()
    if records.empty:
        return {}
    win = summary_window(model, records)
    years = len(win) / 52.0
    out: dict[str, float] = {}
    for metric in _WINDOW:
        out[metric.name] = metric.read(win, records, model)
    for _, metric in declared(model.processes):
        if not metric.summarise:
            continue
        if metric.kind == FLOW:
            out[metric.summary_key] = float(win[metric.name].sum() / years)
        elif metric.kind == STOCK:
            out[metric.name] = float(win[metric.name].mean())
        else:
            out[metric.name] = float(metric.read(win, records, model))
    return out


@dataclass(frozen=True)
class SummaryEntry:
    """One entry of the run summary, as listed by :func:`catalogue`.

    Attributes:
        name: The summary key (``receptions_per_year``).
        unit: Its unit (``people/year``).
        doc: Definition.
        extensive: Whether it scales with ``run.scale`` (divide by it for full-scale values).
        headline: Rank among the headline metrics (1 first), or 0.
        process: The process that declares it (``run`` for the window entries).
        series: The weekly column it summarises, or None for derived entries.
    """

    name: str
    unit: str
    doc: str
    extensive: bool
    headline: int
    process: str
    series: str | None


def catalogue(processes: Iterable[type]) -> list[SummaryEntry]:
    """Every entry of the run summary, in step order, without building a model.

    Args:
        processes: The process classes in step order (``sim.model.core.PROCESSES``).
    """
    out = [
        SummaryEntry(m.name, m.unit, m.doc, m.extensive, m.headline, "run", None) for m in _WINDOW
    ]
    for cls in processes:
        for m in cls.METRICS:
            if m.summarise:
                series = None if m.kind == DERIVED else m.name
                out.append(
                    SummaryEntry(
                        m.summary_key,
                        m.summary_unit,
                        m.doc,
                        m.extensive,
                        m.headline,
                        cls.name,
                        series,
                    )
                )
    return out


def series_catalogue(processes: Iterable[type]) -> list[Metric]:
    """Every weekly column of the records (flows and stocks), in step order.

    Args:
        processes: The process classes in step order (``sim.model.core.PROCESSES``).
    """
    return [m for cls in processes for m in cls.METRICS if m.kind in (FLOW, STOCK)]
