"""The live dashboard: a policy run against its baseline, week by week, in the browser.

``ocgsim dashboard`` serves :func:`Page` with Solara (``app.py`` at the top of the project imports
it too, so ``solara run app.py`` works). The user picks a shipped scenario, moves the levers (each
shows its value and unit), the run settings, presses *Reset* to build the runs with them, and
steps or plays them. Each chart shows the policy run (red, from the week the levers switch on)
and the baseline run with the same seed (grey). The runs, the charts and the play loop are in
:mod:`sim.policy.dashboard_model` and :mod:`sim.policy.dashboard_charts`; this module is the page.

The page is the project's own (not Mesa's ``SolaraViz``): it shows only what a policy reader
needs (no play or render intervals, threads or page tabs), draws the charts after each batch of
weeks rather than after every week (at least five simulated weeks a second at the default scale,
see ``benchmarks/dashboard_rate.py``), and stops computing when its page goes away. Needs the
optional extra ``viz`` (``pip install -e '.[viz]'``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from html import escape
from typing import Any

import solara
import solara.lab
from solara.server import kernel_context

from sim.policy.dashboard_charts import effects_html, figure
from sim.policy.dashboard_model import (
    CONTROLS,
    DEFAULT_SCENARIO,
    METRICS,
    Metric,
    Player,
    PolicyComparison,
    charted_metrics,
    control_params,
    lever_changes,
    load,
    model_params,
    scale_range,
    scenario_names,
    show_value,
)

__all__ = [
    "CONTROLS",
    "DEFAULT_SCENARIO",
    "METRICS",
    "Metric",
    "Page",
    "Control",
    "Controls",
    "PlayCard",
    "PolicyComparison",
    "build",
    "chart_pngs",
    "charted_metrics",
    "control_params",
    "effects_html",
    "lever_changes",
    "load",
    "model_params",
    "page_is_open",
    "scale_range",
    "scenario_names",
]

#: The run settings on the page (the other controls are levers).
SETTINGS = ("scale", "seed", "years", "intervention_week")

#: Page styles: slider tracks the width of the sidebar (their label is the line above them) and
#: room below the last chart.
CSS = """
.ocgsim-control { margin: 6px 0 2px 0; }
.ocgsim-control .ocgsim-caption { font-size: 13px; line-height: 1.3; }
.ocgsim-slider .v-input__slot > .v-label { display: none; }
.ocgsim-slider .v-input { margin-top: 0; padding-top: 0; }
.ocgsim-slider .v-messages { display: none; }
.ocgsim-charts { padding-bottom: 64px; }
"""


def page_is_open(context: Any) -> bool:
    """True while a Solara page of ``context`` (a virtual kernel) is connected.

    No context (a test that renders the page without a server) or a context no page has
    connected to yet counts as open.
    """
    if context is None:
        return True
    if context.closed_event.is_set():
        return False
    try:
        statuses = [s.value for s in tuple(context.page_status.values())]
    except RuntimeError:  # the dict changed while being read: ask again next week
        return True
    return not statuses or "connected" in statuses


def build(scenario: str, values: dict[str, Any]) -> PolicyComparison:
    """A comparison of ``scenario`` with the page's control ``values`` (settings and levers)."""
    return PolicyComparison(scenario, **values)


def chart_pngs(model: PolicyComparison) -> list[bytes]:
    """The charts of ``model`` as PNG images, in the order of :func:`charted_metrics`."""
    out = []
    for metric in charted_metrics():
        buf = io.BytesIO()
        # light compression: a third of the encoding time, images a little larger
        figure(model, metric).savefig(buf, format="png", pil_kwargs={"compress_level": 1})
        out.append(buf.getvalue())
    return out


def _values(model: PolicyComparison) -> dict[str, Any]:
    params = model_params(model)
    return {k: v["value"] for k, v in params.items() if isinstance(v, dict)}


@solara.component
def Control(name: str, control: dict[str, Any], on_value: Callable[[Any], None]):  # noqa: N802
    """One control: its label with its value and unit on a line, then a full-width widget."""
    kind, label, value = control["type"], control["label"], control["value"]
    with solara.Div(classes=["ocgsim-control"]):
        if kind == "Checkbox":
            solara.Checkbox(label=label, value=value, on_value=on_value)
            return
        if kind == "Select":
            solara.Select(label, values=control["values"], value=value, on_value=on_value)
            return
        unit = control.get("unit", "")
        shown = show_value(value, "" if unit in label else unit)
        solara.HTML(
            tag="div",
            classes=["ocgsim-caption"],
            unsafe_innerHTML=f"{escape(label)}: <b id='ocgsim-value-{name}'>{escape(shown)}</b>",
        )
        slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
        with solara.Div(classes=["ocgsim-slider"]):
            slider(
                label,
                value=value,
                min=control["min"],
                max=control["max"],
                step=control.get("step", 1),
                on_value=on_value,
            )


@solara.component
def Controls(params: dict[str, Any], chosen: solara.Reactive[dict[str, Any]]):  # noqa: N802
    """The run settings and the levers, at the values ``chosen`` (applied on Reset)."""
    shown = {**params}
    for name, value in chosen.value.items():
        shown[name] = {**shown[name], "value": value}

    def setter(name: str) -> Callable[[Any], None]:
        return lambda v: chosen.set({**chosen.value, name: v})

    with solara.Card("Run"):
        for name in SETTINGS:
            Control(name, shown[name], setter(name))
    with solara.Card("Levers"):
        for c in CONTROLS:
            Control(c.name, shown[c.name], setter(c.name))


@solara.component
def PlayCard(  # noqa: N802
    model: PolicyComparison,
    playing: solara.Reactive[bool],
    on_reset: Callable[[], None],
    on_step: Callable[[], None],
    changed: bool,
    week: int,
):
    """Reset, play or pause, one week; the week reached; a note when settings wait for Reset.

    ``week`` is ``model.week``, passed on its own: the model is the same object from week to
    week, so without it the card would look unchanged and not be drawn again.
    """
    with solara.Card("Play"):
        with solara.Row(justify="space-between"):
            solara.Button("Reset", color="primary", on_click=on_reset)
            solara.Button(
                "❚❚" if playing.value else "▶",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not model.running,
            )
            solara.Button(
                "Step",
                color="primary",
                on_click=on_step,
                disabled=playing.value or not model.running,
            )
        solara.HTML(
            tag="p",
            unsafe_innerHTML=f"<span id='ocgsim-week'>Week {week} of "
            f"{model.policy.weeks_total}</span>",
        )
        if changed:
            solara.Warning("Changed settings take effect when you press Reset.", dense=True)


@solara.component
def Page():  # noqa: N802 - the name solara run looks for
    """The page: scenario, run buttons, settings and levers on the left; effects and charts."""
    context = kernel_context.get_current_context() if kernel_context.has_current_context() else None
    initial = solara.use_memo(lambda: PolicyComparison(DEFAULT_SCENARIO), [])
    model = solara.use_reactive(initial)
    chosen = solara.use_reactive(solara.use_memo(lambda: _values(initial), []))
    playing = solara.use_reactive(False)
    drawn = solara.use_reactive(0)
    names = solara.use_memo(scenario_names, [])
    player = solara.use_memo(
        lambda: Player(model.value, lambda: page_is_open(context)), [model.value]
    )

    def redraw() -> None:
        drawn.set(drawn.value + 1)  # renders the page in this thread, before it returns

    def loop() -> None:
        if not playing.value:
            return
        reason = player.play(lambda: playing.value and task.is_current(), redraw)
        if reason == "run ended":
            playing.set(False)

    task = solara.lab.use_task(loop, dependencies=[playing.value, player], prefer_threaded=True)

    def start(comparison: PolicyComparison) -> None:
        playing.set(False)
        model.set(comparison)
        chosen.set(_values(comparison))

    def choose(name: str) -> None:
        values = dict(chosen.value)
        low, high, default = scale_range(load(name))
        if not low <= values["scale"] <= high:
            values["scale"] = default
        scenario = load(name).parameters()
        values["intervention_week"] = int(scenario["run.intervention_week"])
        values.update({c.name: scenario[c.param] for c in CONTROLS})
        start(build(name, values))

    def step() -> None:
        with player.lock:  # not while a play loop that was just paused finishes its week
            model.value.step()
        redraw()

    current = model.value
    pngs = solara.use_memo(lambda: chart_pngs(current), [current, drawn.value])
    params = model_params(current)

    solara.Title("ocgsim dashboard")
    solara.Style(CSS)
    with solara.Sidebar():
        with solara.Card("Scenario"):
            solara.Select("Scenario", values=names, value=current.scenario_name, on_value=choose)
            solara.HTML(tag="p", unsafe_innerHTML=escape(load(current.scenario_name).description))
        PlayCard(
            current,
            playing,
            on_reset=lambda: start(build(current.scenario_name, chosen.value)),
            on_step=step,
            changed=chosen.value != _values(current),
            week=current.week,
        )
        Controls(params, chosen)
    with solara.Card():
        solara.HTML(tag="div", unsafe_innerHTML=effects_html(current))
    with solara.Div(classes=["ocgsim-charts"]):
        with solara.ColumnsResponsive(12, large=6, xlarge=4):
            for png in pngs:
                solara.Image(png)
