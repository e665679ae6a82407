"""The dashboard's runs: a policy run against its baseline, the charts' data and the play loop.

The page (:mod:`sim.policy.dashboard`) shows what this module computes; nothing here imports
Solara, so the runs, the charts and the play loop are tested without a browser.

**The baseline** is the chosen scenario's setting (every non-lever value it sets, such as the
Humberside world or Brazil's overcrowding) with every lever at its default: what the levers do in
that setting. Every lever of the model, police capacity (``disruption.police_actions_per_region``)
and separation places (``disruption.separation_places_per_1000``) included, switches on at the
intervention week, so the two runs are identical until then. The intervention week is the
scenario's ``run.intervention_week`` (the parameter table's default, 104, unless the scenario
sets it), the same week ``ocgsim run`` and ``ocgsim compare`` use.

**The play loop** (:class:`Player`) steps both runs in batches and redraws after each batch
(:meth:`Player.play` says how long a batch is), and stops when its page goes away (the tab
closed, the connection lost): a session nobody watches keeps no core busy. :data:`PLAYING`
holds the loops that are stepping now.

The charts are the rows of :data:`METRICS` (a column the model does not record is skipped).
"""

from __future__ import annotations

import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import metrics
from sim.levers import LEVERS, LeverSpec
from sim.model.core import PROCESSES, OCGModel
from sim.params import spec
from sim.scenario import Scenario, load_scenario, scenarios_dir

__all__ = [
    "CONTROLS",
    "DEFAULT_SCENARIO",
    "METRICS",
    "MAX_BATCH_SECONDS",
    "MAX_BATCH_WEEKS",
    "MIN_BATCH_SECONDS",
    "PLAYING",
    "Metric",
    "Player",
    "PolicyComparison",
    "charted_metrics",
    "control_params",
    "lever_changes",
    "load",
    "model_params",
    "scale_range",
    "scenario_names",
    "show_value",
]

DEFAULT_SCENARIO = "england_wales"


@dataclass(frozen=True)
class Metric:
    """One charted time-series column.

    Attributes:
        column: The column of the weekly time series (``OCGModel.timeseries()``).
        title: Chart title.
        unit: Unit shown on the y axis.
        smooth: Rolling mean over this many weeks (1: the raw weekly values).
        extensive: True for counts, shown as full-scale equivalents (divided by the scale).
    """

    column: str
    title: str
    unit: str
    smooth: int = 1
    extensive: bool = True


#: The charts, in order. A column the model does not record is skipped quietly.
METRICS: tuple[Metric, ...] = (
    Metric("oc_harm_gbp", "OC harm (8-week mean)", "£/week", 8),
    Metric("ocg_members", "OCG members", "people"),
    Metric("recruits_prison", "Recruits in prison (8-week mean)", "people/week", 8),
    Metric("recruits_community", "Recruits at large (8-week mean)", "people/week", 8),
    Metric("items_shared", "Intelligence items shared (8-week mean)", "items/week", 8),
    Metric("trust_local", "Trust, prisons and local police", "0-1", 1, extensive=False),
    Metric("cost", "Cost of staff and systems", "£/week", 1),
)


#: The levers on the page, in order: the lever registry (:data:`sim.levers.LEVERS`), whose
#: ranges and steps are what a policy team would try (the model accepts wider ones, see
#: ``docs/parameters.md``).
CONTROLS: tuple[LeverSpec, ...] = LEVERS

#: The latest intervention week the page offers (five years).
INTERVENTION_WEEK_MAX = 260

#: Prison places that keep the set-up well under a second and the counts readable.
PLACES_RANGE = (900, 4500)
DEFAULT_PLACES = 1800


def scenario_names() -> list[str]:
    """The shipped scenarios, the England & Wales baseline first."""
    names = sorted(p.stem for p in scenarios_dir().glob("*.toml"))
    if DEFAULT_SCENARIO in names:
        names.remove(DEFAULT_SCENARIO)
    return [DEFAULT_SCENARIO, *names]


def _capacity(scenario: Scenario) -> float:
    return float(scenario.values.get("estate.capacity", spec("estate.capacity").default))


def _round_scale(x: float) -> float:
    return float(f"{min(1.0, max(0.001, x)):.2g}")


def scale_range(scenario: Scenario) -> tuple[float, float, float]:
    """Slider range of the scale for a scenario: (low, high, default).

    Chosen so the model holds about 900-4,500 prison places (0.01-0.05 for England & Wales,
    default 0.02): set-up well under a second, steps of a few milliseconds.
    """
    places = _capacity(scenario)
    low = _round_scale(PLACES_RANGE[0] / places)
    high = _round_scale(PLACES_RANGE[1] / places)
    default = _round_scale(DEFAULT_PLACES / places)
    return low, max(low, high), min(max(low, default), high)


def load(name: str) -> Scenario:
    """The shipped scenario ``name`` (``"england_wales"``: the baseline world)."""
    return load_scenario(None if name == DEFAULT_SCENARIO else name)


class PolicyComparison(mesa.Model):
    """A policy run and its baseline, built with the same seed and stepped together.

    Args:
        scenario: A shipped scenario's name (``"more_pios"``); ``"england_wales"`` is the
            baseline world with default parameters.
        seed: Seed of both runs (common random numbers).
        scale: Population and capacity scale of both runs.
        years: Run length.
        intervention_week: Week at which the levers switch on (default: the scenario's
            ``run.intervention_week``, as in ``ocgsim run`` and ``ocgsim compare``).
        **kwargs: Values of the levers in :data:`CONTROLS`, by short name; a lever not given
            takes the scenario's value.

    Attributes:
        policy: The run with the scenario and the levers.
        baseline: The run in the scenario's setting with every lever at its default.
        settings: The run settings (seed, scale, years, intervention week).
        levers: The lever values of the policy run, by control name.
    """

    def __init__(
        self,
        scenario: str = DEFAULT_SCENARIO,
        *,
        seed: int = 1,
        scale: float | None = None,
        years: int = 5,
        intervention_week: int | None = None,
        **kwargs: Any,
    ):
        super().__init__(rng=int(seed))
        by_name = {c.name: c for c in CONTROLS}
        levers = kwargs
        unknown = sorted(set(levers) - set(by_name))
        if unknown:
            raise TypeError(f"unknown lever(s) {unknown}; allowed: {sorted(by_name)}")
        chosen = load(scenario)
        resolved = chosen.parameters()
        if scale is None:
            scale = scale_range(chosen)[2]
        if intervention_week is None:
            intervention_week = int(resolved["run.intervention_week"])
        self.scenario_name = scenario
        self.settings = {
            "seed": int(seed),
            "scale": float(scale),
            "years": int(years),
            "intervention_week": int(intervention_week),
        }
        run = {
            "run.scale": float(scale),
            "run.years": int(years),
            "run.intervention_week": int(intervention_week),
        }
        self.levers = {c.name: levers.get(c.name, resolved[c.param]) for c in CONTROLS}
        policy_values = {by_name[n].param: v for n, v in self.levers.items()}
        self.policy = OCGModel(chosen, rng=int(seed), **policy_values, **run)
        setting = {n: v for n, v in chosen.values.items() if not spec(n).lever}
        self.baseline = OCGModel(
            Scenario(name=f"{chosen.name} baseline", values=setting, path=chosen.path),
            rng=int(seed),
            **run,
        )
        self.intervention_week = self.policy.intervention_week
        self.columns = [m.column for m in charted_metrics()]
        self.running = self.policy.running

    def step(self) -> None:
        """Advance both runs by one week."""
        self.policy.step()
        self.baseline.step()
        self.running = self.policy.running

    @property
    def week(self) -> int:
        """Weeks simulated so far."""
        return self.policy.week

    def frame(self) -> pd.DataFrame:
        """The charted metrics so far: ``week``, then ``<column>`` and ``<column>_baseline``.

        The weeks both runs have recorded: the page may draw while the play loop is between the
        policy run's step and the baseline's (a click renders it in another thread).
        """
        policy = self.policy.datacollector.model_vars
        baseline = self.baseline.datacollector.model_vars
        series = {}
        for column in self.columns:
            series[column] = list(policy[column])
            series[f"{column}_baseline"] = list(baseline[column])
        weeks = min([self.week, *(len(v) for v in series.values())])
        out = {"week": np.arange(1, weeks + 1, dtype=np.int64)}
        out.update({name: values[:weeks] for name, values in series.items()})
        return pd.DataFrame(out)

    def effects(self) -> pd.DataFrame:
        """Mean of each charted metric from the intervention week on, policy against baseline.

        Returns:
            One row per metric: ``metric``, ``unit`` (the chart's), ``policy``, ``baseline``,
            ``change_pct`` (NaN before the intervention week or when the baseline mean is 0);
            extensive metrics as full-scale equivalents.
        """
        df = self.frame()
        window = df[df["week"] >= max(1, self.intervention_week)]
        rows = []
        for m in charted_metrics():
            factor = 1.0 / self.settings["scale"] if m.extensive else 1.0
            policy = float(window[m.column].mean()) * factor  # NaN before the levers' week
            base = float(window[f"{m.column}_baseline"].mean()) * factor
            change = 100.0 * (policy - base) / base if base else float("nan")
            rows.append((m.title, m.unit, policy, base, change))
        return pd.DataFrame(rows, columns=["metric", "unit", "policy", "baseline", "change_pct"])


def charted_metrics() -> list[Metric]:
    """The rows of :data:`METRICS` whose column the model records (others are skipped)."""
    recorded = {m.name for m in metrics.series_catalogue(PROCESSES)}
    return [m for m in METRICS if m.column in recorded]


def model_params(model: PolicyComparison) -> dict[str, Any]:
    """The page's controls for a comparison, at its values: the run settings, then the levers.

    Each control is a dict: ``type`` (``SliderInt``, ``SliderFloat``, ``Checkbox`` or
    ``Select``), ``label``, ``unit``, ``value`` and for sliders ``min``, ``max``, ``step`` (for a
    select ``values``). ``scenario`` is the scenario's name (chosen above the controls); the
    scale's range depends on the scenario's prison places.
    """
    params: dict[str, Any] = {"scenario": model.scenario_name}
    low, high, _ = scale_range(load(model.scenario_name))
    s = model.settings
    params["scale"] = {
        "type": "SliderFloat",
        "label": "Scale",
        "unit": "of the full estate",
        "value": min(max(s["scale"], low), high),
        "min": low,
        "max": high,
        "step": low if low < 0.1 else 0.05,
    }
    params["seed"] = {
        "type": "SliderInt",
        "label": "Seed",
        "unit": "",
        "value": s["seed"],
        "min": 1,
        "max": 50,
    }
    params["years"] = {
        "type": "SliderInt",
        "label": "Run length",
        "unit": "years",
        "value": s["years"],
        "min": 1,
        "max": 10,
    }
    params["intervention_week"] = {
        "type": "SliderInt",
        "label": "Levers switch on at week",
        "unit": "",
        "value": s["intervention_week"],
        "min": 0,
        "max": INTERVENTION_WEEK_MAX,
        "step": 13,
    }
    for c in CONTROLS:
        params[c.name] = control_params(c, model.levers[c.name])
    return params


def control_params(lever: LeverSpec, value: Any) -> dict[str, Any]:
    """The control of one lever at ``value``, built from the lever registry.

    A switch is a checkbox, a choice a select of the parameter's choices, whole numbers an
    integer slider and other numbers a float slider, over the registry's range and step (a
    value outside the range is shown at its nearer end).
    """
    if lever.kind == "bool":
        return {"type": "Checkbox", "label": lever.label, "unit": "", "value": bool(value)}
    if lever.kind == "choice":
        choices = list(spec(lever.param).choices or ())
        return {
            "type": "Select",
            "label": lever.label,
            "unit": "",
            "value": value,
            "values": choices,
        }
    shown = min(max(value, lever.low), lever.high)
    if lever.kind == "int":
        kind, number = "SliderInt", int
        shown = round(shown)
    else:
        kind, number = "SliderFloat", float
    return {
        "type": kind,
        "label": lever.label,
        "unit": lever_unit(lever),
        "value": number(shown),
        "min": number(lever.low),
        "max": number(lever.high),
        "step": number(lever.step),
    }


def lever_unit(lever: LeverSpec) -> str:
    """The unit shown beside a lever's value (none for a switch or a choice)."""
    if lever.unit in ("-", ""):
        return ""
    return "x today's" if lever.unit == "1" else lever.unit


def show_value(value: Any, unit: str = "") -> str:
    """A control's value as a reader sees it: ``"3.5 PIOs per 1,000 places"``, ``"on"``."""
    if isinstance(value, bool):
        text = "on" if value else "off"
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def lever_changes(model: PolicyComparison) -> str:
    """The levers of the policy run that differ from the baseline's, as text."""
    base = model.baseline.scenario_params
    changed = []
    for c in CONTROLS:
        value = model.levers[c.name]
        if value != base[c.param]:
            changed.append(f"{c.label} {show_value(value)} (baseline {show_value(base[c.param])})")
    return "; ".join(changed) or "none (the policy run is the baseline)"


# --------------------------------------------------------------------------------------------
# the play loop
# --------------------------------------------------------------------------------------------
#: The shortest batch of weeks between two redraws, in seconds of stepping.
MIN_BATCH_SECONDS = 0.2

#: The longest batch, in seconds of stepping: the charts move at least this often.
MAX_BATCH_SECONDS = 0.5

#: The most weeks in a batch (half a year): on a fast machine the charts still move in steps a
#: reader can follow, about ten frames for a five-year run.
MAX_BATCH_WEEKS = 26

#: The play loops stepping now (a loop leaves when it stops).
PLAYING: weakref.WeakSet[Player] = weakref.WeakSet()


def _say(message: str) -> None:
    print(f"ocgsim dashboard: {message}", file=sys.stderr, flush=True)


class Player:
    """Plays a comparison: steps it in batches and redraws between them, while its page is open.

    Args:
        model: The comparison to step.
        page_open: True while the page that shows it is connected; checked every week.
        say: Where the loop reports why it stopped when its page went away (standard error).

    Attributes:
        weeks_stepped: Weeks this player has stepped (both runs step together).
        stopped_because: Why the last :meth:`play` returned (``"paused"``, ``"run ended"`` or
            ``"page closed"``).
    """

    def __init__(
        self,
        model: PolicyComparison,
        page_open: Callable[[], bool],
        say: Callable[[str], None] = _say,
    ):
        self.model = model
        self.page_open = page_open
        self.say = say
        self.weeks_stepped = 0
        self.stopped_because = ""
        self.lock = threading.Lock()

    def play(self, keep_playing: Callable[[], bool], redraw: Callable[[], None]) -> str:
        """Step and redraw until ``keep_playing()`` is false, the run ends or the page goes away.

        A batch of weeks lasts as long as the last redraw took, within :data:`MIN_BATCH_SECONDS`
        and :data:`MAX_BATCH_SECONDS`, and has at most :data:`MAX_BATCH_WEEKS` weeks: drawing
        takes about half the time or less, and the charts move at least every half second of
        stepping and every half year of weeks.

        Returns:
            Why it stopped (also :attr:`stopped_because`).
        """
        budget = MIN_BATCH_SECONDS
        with self.lock:
            PLAYING.add(self)
            try:
                while True:
                    reason = self._batch(keep_playing, budget)
                    if reason:
                        break
                    started = time.perf_counter()
                    if not self._redraw(redraw):
                        reason = "page closed"
                        break
                    took = time.perf_counter() - started
                    budget = min(MAX_BATCH_SECONDS, max(MIN_BATCH_SECONDS, took))
            finally:
                PLAYING.discard(self)
        if reason == "paused" and not self.page_open():  # the page closed as it paused
            reason = "page closed"
        if reason == "page closed":
            self.say(
                f"stopped {self.model.scenario_name} at week {self.model.week}: its page went away"
            )
        else:  # paused or at the end: show the last week
            self._redraw(redraw)
        self.stopped_because = reason
        return reason

    def _redraw(self, redraw: Callable[[], None]) -> bool:
        """Redraw; False if the page went away meanwhile (drawing on a closed page may fail)."""
        try:
            redraw()
        except Exception:
            if self.page_open():
                raise
            return False
        return self.page_open()

    def _batch(self, keep_playing: Callable[[], bool], seconds: float) -> str:
        """Step for ``seconds`` (at most :data:`MAX_BATCH_WEEKS` weeks); why it stopped early.

        Returns:
            The reason to stop playing if one came up, else an empty string.
        """
        end = time.perf_counter() + seconds
        for _ in range(MAX_BATCH_WEEKS):
            if time.perf_counter() >= end:
                break
            if not self.page_open():
                return "page closed"
            if not keep_playing():
                return "paused"
            if not self.model.running:
                return "run ended"
            self.model.step()
            self.weeks_stepped += 1
        return ""
