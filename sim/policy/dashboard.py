"""The live dashboard: a policy run against its baseline, week by week, in the browser.

Mesa's convention (``SolaraViz`` on a page that ``solara run`` serves): the page is
:func:`Page`; ``app.py`` at the top of the project imports it, so ``solara run app.py`` works,
and ``ocgsim dashboard`` starts the same page. The user picks a shipped scenario, moves the
levers (prison intelligence officers, police capacity, separation places, one database, the
common protocol, liaison officers, meetings, transfer policy, software complexity), the scale
and the seed,
presses *Reset* to build the runs (Mesa's convention: new parameters take effect on Reset), and
steps or plays them. Each chart shows the policy run and a baseline run with the same seed.

**The baseline** is the chosen scenario's setting (every non-lever value it sets, such as the
Humberside world or Brazil's overcrowding) with every lever at its default: what the levers do in
that setting. Every control below is a lever of the model, police capacity
(``disruption.police_actions_per_region``) and separation places
(``disruption.separation_places_per_1000``) included: it switches on at the intervention week (a
dotted line), so the two runs are identical until then.

The charted metrics are the rows of :data:`METRICS`, OC harm first; a metric the model does not
record is skipped quietly, so a new chart is one line. Needs the optional extra ``viz``
(``pip install -e '.[viz]'``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from html import escape
from typing import Any

import mesa
import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure

from sim import metrics
from sim.levers import LEVERS, LeverSpec
from sim.model.core import PROCESSES, OCGModel
from sim.params import spec
from sim.scenario import Scenario, load_scenario, scenarios_dir

# Mesa 3.3's ComponentsView trips Solara's rules-of-hooks check at import; the warning is about
# Mesa's code, not this module's, and says nothing a user of the page can act on.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*found despite early return", category=UserWarning)
    from mesa.visualization import SolaraViz

__all__ = [
    "CONTROLS",
    "METRICS",
    "Metric",
    "Page",
    "PolicyComparison",
    "effects_html",
    "lever_changes",
    "charted_metrics",
    "comparison_for",
    "control_params",
    "model_params",
    "scale_range",
    "scenario_names",
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
    Metric("oc_harm", "OC harm (8-week mean)", "harm-days/week", 8),
    Metric("ocg_members", "OCG members", "people"),
    Metric("recruits_prison", "Recruits in prison (8-week mean)", "people/week", 8),
    Metric("recruits_community", "Recruits at large (8-week mean)", "people/week", 8),
    Metric("items_shared", "Intelligence items shared (8-week mean)", "items/week", 8),
    Metric("trust_local", "Trust, prisons and local police", "0-1", 1, extensive=False),
    Metric("cost", "Cost of staff and systems", "GBP/week", 1),
)


#: The levers on the page, in order: the lever registry (:data:`sim.levers.LEVERS`), whose
#: ranges and steps are what a policy team would try (the model accepts wider ones, see
#: ``docs/parameters.md``).
CONTROLS: tuple[LeverSpec, ...] = LEVERS

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


def _load(name: str) -> Scenario:
    return load_scenario(None if name == DEFAULT_SCENARIO else name)


class PolicyComparison(mesa.Model):
    """A policy run and its baseline, built with the same seed and stepped together.

    Args:
        scenario: A shipped scenario's name (``"more_pios"``); ``"england_wales"`` is the
            baseline world with default parameters.
        seed: Seed of both runs (common random numbers).
        scale: Population and capacity scale of both runs.
        years: Run length.
        intervention_week: Week at which the levers switch on.
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
        intervention_week: int = 52,
        **kwargs: Any,
    ):
        super().__init__(rng=int(seed))
        by_name = {c.name: c for c in CONTROLS}
        levers = kwargs  # Mesa's SolaraViz checks for a var-keyword parameter named kwargs
        unknown = sorted(set(levers) - set(by_name))
        if unknown:
            raise TypeError(f"unknown lever(s) {unknown}; allowed: {sorted(by_name)}")
        chosen = _load(scenario)
        if scale is None:
            scale = scale_range(chosen)[2]
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
        resolved = chosen.parameters()
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
        """The charted metrics so far: ``week``, then ``<column>`` and ``<column>_baseline``."""
        out = {"week": np.arange(1, self.week + 1, dtype=np.int64)}
        for column in self.columns:
            out[column] = self.policy.datacollector.model_vars[column]
            out[f"{column}_baseline"] = self.baseline.datacollector.model_vars[column]
        return pd.DataFrame(out)

    def effects(self) -> pd.DataFrame:
        """Mean of each charted metric from the intervention week on, policy against baseline.

        Returns:
            One row per metric: ``metric``, ``policy``, ``baseline``, ``change_pct`` (NaN before
            the intervention week or when the baseline mean is 0); extensive metrics as
            full-scale equivalents.
        """
        df = self.frame()
        window = df[df["week"] >= max(1, self.intervention_week)]
        rows = []
        for m in charted_metrics():
            factor = 1.0 / self.settings["scale"] if m.extensive else 1.0
            policy = float(window[m.column].mean()) * factor if len(window) else float("nan")
            base = (
                float(window[f"{m.column}_baseline"].mean()) * factor
                if len(window)
                else float("nan")
            )
            change = 100.0 * (policy - base) / base if base else float("nan")
            rows.append(
                {"metric": m.title, "policy": policy, "baseline": base, "change_pct": change}
            )
        return pd.DataFrame(rows)


def comparison_for(scenario: str, **settings: Any) -> PolicyComparison:
    """A comparison whose class remembers the scenario and settings it was built with.

    SolaraViz's *Reset* rebuilds the model as ``type(model)(**controls)`` with the controls it
    has seen (possibly none); the class returned here fills in the rest (the scenario, the run
    settings and the scenario's lever values), so *Reset* never falls back to another scenario.

    Args:
        scenario: A shipped scenario's name.
        **settings: ``seed``, ``scale``, ``years``, ``intervention_week`` and lever values.
    """
    defaults = {"scenario": scenario, **settings}

    class ScenarioComparison(PolicyComparison):
        def __init__(self, **kwargs: Any):  # SolaraViz accepts a var-keyword named kwargs
            super().__init__(**{**defaults, **kwargs})

    ScenarioComparison.__name__ = ScenarioComparison.__qualname__ = "PolicyComparison"
    return ScenarioComparison()


def charted_metrics() -> list[Metric]:
    """The rows of :data:`METRICS` whose column the model records (others are skipped)."""
    recorded = {m.name for m in metrics.series_catalogue(PROCESSES)}
    return [m for m in METRICS if m.column in recorded]


def model_params(model: PolicyComparison) -> dict[str, Any]:
    """SolaraViz ``model_params`` for a comparison: its values as the controls' positions.

    The scenario is a fixed parameter (it is chosen above the controls); the scale's range
    depends on the scenario's prison places.
    """
    params: dict[str, Any] = {"scenario": model.scenario_name}
    low, high, _ = scale_range(_load(model.scenario_name))
    s = model.settings
    params["scale"] = {
        "type": "SliderFloat",
        "label": "Scale (1 = the full estate)",
        "value": min(max(s["scale"], low), high),
        "min": low,
        "max": high,
        "step": low if low < 0.1 else 0.05,
    }
    params["seed"] = {"type": "SliderInt", "label": "Seed", "value": s["seed"], "min": 1, "max": 50}
    params["years"] = {
        "type": "SliderInt",
        "label": "Years",
        "value": s["years"],
        "min": 1,
        "max": 10,
    }
    params["intervention_week"] = {
        "type": "SliderInt",
        "label": "Levers switch on at week",
        "value": s["intervention_week"],
        "min": 0,
        "max": 156,
        "step": 13,
    }
    for c in CONTROLS:
        params[c.name] = control_params(c, model.levers[c.name])
    return params


def control_params(lever: LeverSpec, value: Any) -> dict[str, Any]:
    """The SolaraViz control of one lever at ``value``, built from the lever registry.

    A switch is a checkbox, a choice a select of the parameter's choices, whole numbers an
    integer slider and other numbers a float slider, over the registry's range and step (a
    value outside the range is shown at its nearer end).
    """
    if lever.kind == "bool":
        return {"type": "Checkbox", "label": lever.label, "value": bool(value)}
    if lever.kind == "choice":
        choices = list(spec(lever.param).choices or ())
        return {"type": "Select", "label": lever.label, "value": value, "values": choices}
    shown = min(max(value, lever.low), lever.high)
    if lever.kind == "int":
        kind, number = "SliderInt", int
        shown = round(shown)
    else:
        kind, number = "SliderFloat", float
    return {
        "type": kind,
        "label": lever.label,
        "value": number(shown),
        "min": number(lever.low),
        "max": number(lever.high),
        "step": number(lever.step),
    }


# --------------------------------------------------------------------------------------------
# the page
# --------------------------------------------------------------------------------------------
def _figure(model: PolicyComparison, metric: Metric) -> Figure:
    fig = Figure(figsize=(5.6, 3.9), dpi=80)
    fig.subplots_adjust(left=0.15, right=0.97, bottom=0.13, top=0.92)
    ax = fig.subplots()
    df = model.frame()
    factor = 1.0 / model.settings["scale"] if metric.extensive else 1.0
    for column, label, colour in (
        (f"{metric.column}_baseline", "baseline", "0.55"),
        (metric.column, "policy", "tab:red"),
    ):
        y = df[column].astype(float) * factor
        if metric.smooth > 1:
            y = y.rolling(metric.smooth, min_periods=1).mean()
        ax.plot(df["week"], y, color=colour, lw=1.4, label=label)
    if model.intervention_week > 0:
        ax.axvline(model.intervention_week, color="0.3", ls=":", lw=1)
    ax.set_xlim(0, max(52, model.policy.weeks_total))
    ax.set_title(metric.title, fontsize=10)
    unit = f"{metric.unit}, full-scale equivalent" if metric.extensive else metric.unit
    ax.set_ylabel(unit, fontsize=8)
    ax.set_xlabel("week", fontsize=8)
    ax.tick_params(labelsize=8)
    if len(df):
        ax.legend(fontsize=8, loc="best", frameon=False)
    else:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "press STEP or ▶", transform=ax.transAxes, ha="center", color="0.4")
    return fig


def _chart(metric: Metric):
    """A SolaraViz component (function of the model) drawing one metric, policy and baseline."""

    def chart(model: PolicyComparison):
        return solara.FigureMatplotlib(_figure(model, metric), format="png")

    chart.__name__ = f"chart_{metric.column}"
    return chart


def lever_changes(model: PolicyComparison) -> str:
    """The levers of the policy run that differ from the baseline's, as text."""
    base = model.baseline.scenario_params
    changed = []
    for c in CONTROLS:
        value = model.levers[c.name]
        if value != base[c.param]:
            changed.append(f"{c.label} {_show(value)} (baseline {_show(base[c.param])})")
    return "; ".join(changed) or "none (the policy run is the baseline)"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _number(x: float) -> str:
    if x != x:
        return "&ndash;"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def effects_html(model: PolicyComparison) -> str:
    """The state of the runs and the table of effects, as HTML (no Markdown: it loads KaTeX)."""
    s = model.settings
    parts = [
        f"<p id='ocgsim-status'><b>{escape(model.scenario_name)}</b>, week {model.week} of "
        f"{model.policy.weeks_total}; seed {s['seed']}, scale {s['scale']:g}; levers on at week "
        f"{model.intervention_week}.</p>",
        f"<p id='ocgsim-levers'>Levers against the baseline: {escape(lever_changes(model))}.</p>",
    ]
    if model.week < max(1, model.intervention_week):
        parts.append("<p>Means since the levers switched on appear once they have.</p>")
    else:
        rows = [
            "<tr><th style='text-align:left'>mean since the levers switched on</th>"
            "<th>policy</th><th>baseline</th><th>change</th></tr>"
        ]
        for row in model.effects().itertuples():
            change = "&ndash;" if row.change_pct != row.change_pct else f"{row.change_pct:+.1f}%"
            cells = [_number(row.policy), _number(row.baseline), change]
            rows.append(
                f"<tr><td>{escape(row.metric)}</td>"
                + "".join(f"<td align='right'>{c}</td>" for c in cells)
                + "</tr>"
            )
        parts.append("<table id='ocgsim-effects' cellpadding='4'>" + "".join(rows) + "</table>")
        parts.append(
            "<p><small>Counts are full-scale equivalents (divided by the scale).</small></p>"
        )
    return "".join(parts)


def _effects_card(model: PolicyComparison):
    return solara.HTML(tag="div", unsafe_innerHTML=effects_html(model))


def components() -> list:
    """The SolaraViz components: the table of effects, then one chart per charted metric."""
    return [_effects_card] + [_chart(m) for m in charted_metrics()]


@solara.component
def Page():  # noqa: N802 - the name solara run looks for
    """The page: a scenario picker above SolaraViz's controls, and the charts."""
    initial = solara.use_memo(lambda: comparison_for(DEFAULT_SCENARIO), [])
    model = solara.use_reactive(initial)
    names = solara.use_memo(scenario_names, [])

    def choose(name: str) -> None:
        s = dict(model.value.settings)
        low, high, default = scale_range(_load(name))
        if not low <= s["scale"] <= high:
            s["scale"] = default
        model.value = comparison_for(name, **s)

    solara.Title("ocgsim dashboard")
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select(
                "Scenario", values=names, value=model.value.scenario_name, on_value=choose
            )
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f"<p>{escape(_load(model.value.scenario_name).description)}</p>"
                "<p>Move the levers, press RESET, then STEP or ▶. Every lever, police capacity "
                "and separation places included, switches on at the week set below.</p>",
            )
    # keyed by scenario: a new scenario rebuilds the controls (and their state) at its values
    SolaraViz(
        model,
        components=components(),
        model_params=model_params(model.value),
        name="ocgsim: policy against baseline",
        play_interval=50,
    ).key(f"viz-{model.value.scenario_name}")
