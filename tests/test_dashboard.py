"""The live dashboard: the policy-against-baseline model, the page's state, and the browser test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from browser_support import (  # noqa: F401 - fixtures
    WAIT_SECONDS,
    browser,
    console_errors,
    require_modules,
    screenshot,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dash():
    require_modules("solara", "altair", "networkx", "ipyvuetify", extra="viz")
    import sim.policy.dashboard

    return sim.policy.dashboard


@pytest.fixture(scope="module")
def runs(dash):
    import sim.policy.dashboard_model

    return sim.policy.dashboard_model


@pytest.fixture(scope="module")
def charts(dash):
    import sim.policy.dashboard_charts

    return sim.policy.dashboard_charts


SMALL = {"scale": 0.01, "years": 1, "intervention_week": 10}


def _run(model, weeks):
    for _ in range(weeks):
        model.step()
    return model.frame()


def test_policy_and_baseline_share_the_weeks_before_the_levers(dash):
    model = dash.PolicyComparison("more_pios", **SMALL)
    frame = _run(model, 20)
    before = frame[frame["week"] < 10]
    after = frame[frame["week"] >= 10]
    for m in dash.charted_metrics():
        assert np.array_equal(before[m.column], before[f"{m.column}_baseline"]), m.column
    # more PIOs cost more from the intervention week on
    assert after["cost"].sum() > after["cost_baseline"].sum()  # weekly case costs vary
    assert model.levers["pios_per_1000"] == 3.0
    assert "PIOs per 1,000 places 3 (baseline 2)" in dash.lever_changes(model)


def test_police_capacity_and_separation_places_are_levers(dash):
    model = dash.PolicyComparison(
        police_actions_per_region=8.0, separation_places_per_1000=10.0, **SMALL
    )
    frame = _run(model, 20)
    before = frame[frame["week"] < 10]
    after = frame[frame["week"] >= 10]
    for m in dash.charted_metrics():  # identical until the levers switch on
        assert np.array_equal(before[m.column], before[f"{m.column}_baseline"]), m.column
    assert after["cost"].sum() > after["cost_baseline"].sum()
    changes = dash.lever_changes(model)
    assert "Police operations a week per region 8 (baseline 4)" in changes
    assert "Separation places per 1,000 places 10 (baseline 5)" in changes
    assert "not a lever" not in (dash.__doc__ or "")


def test_same_seed_same_weeks(dash):
    a = _run(dash.PolicyComparison("shared_database", seed=4, **SMALL), 15)
    b = _run(dash.PolicyComparison("shared_database", seed=4, **SMALL), 15)
    assert a.equals(b)


def test_levers_override_the_scenario_and_unknown_levers_are_refused(dash):
    model = dash.PolicyComparison(
        "more_pios", pios_per_1000=5.0, transfer_policy="disperse", **SMALL
    )
    assert model.policy.scenario_params["intelligence.pios_per_1000"] == 5.0
    assert model.policy.scenario_params["disruption.transfer_policy"] == "disperse"
    assert model.baseline.scenario_params["intelligence.pios_per_1000"] == 2.0
    with pytest.raises(TypeError, match="unknown lever"):
        dash.PolicyComparison("more_pios", pio=5.0, **SMALL)


def test_baseline_keeps_the_scenario_setting_with_levers_at_default(dash):
    model = dash.PolicyComparison("brazil_factions", **SMALL)
    base = model.baseline.scenario_params
    assert base["estate.overcrowding"] == 1.4  # the setting (not a lever) is kept
    assert base["regime.faction_control"] == 0.0  # levers at their defaults
    assert model.policy.scenario_params["regime.faction_control"] == 0.6


def test_a_metric_the_model_does_not_record_is_skipped(dash, runs, monkeypatch):
    extra = dash.Metric("oc_harm_not_yet", "OC harm", "harm/week", 4)
    monkeypatch.setattr(runs, "METRICS", (*dash.METRICS, extra))
    columns = [m.column for m in dash.charted_metrics()]
    assert "oc_harm_not_yet" not in columns and "ocg_members" in columns
    model = dash.PolicyComparison(**SMALL)
    frame = _run(model, 2)
    assert "oc_harm_not_yet" not in frame
    assert len(dash.chart_pngs(model)) == len(columns)


def test_scale_range_follows_the_scenario_places(dash):
    from sim.scenario import load_scenario

    assert dash.scale_range(load_scenario(None)) == (0.01, 0.05, 0.02)
    assert dash.scale_range(load_scenario("humberside")) == (0.45, 1.0, 0.9)


def test_model_params_describe_every_control(dash):
    params = dash.model_params(dash.PolicyComparison("more_pios", **SMALL))
    assert params["scenario"] == "more_pios"
    for c in dash.CONTROLS:
        assert c.name in params, c.name
    assert params["pios_per_1000"]["value"] == 3.0
    assert params["transfer_policy"]["values"] == ["none", "disperse", "concentrate"]
    assert params["common_database"]["type"] == "Checkbox"


def test_sliders_are_built_from_the_lever_registry(dash):
    from sim.levers import LEVERS

    params = dash.model_params(dash.PolicyComparison(**SMALL))
    assert [c.param for c in dash.CONTROLS] == [e.param for e in LEVERS]
    for entry in LEVERS:
        control = params[entry.name]
        assert control["label"] == entry.label
        if entry.kind in ("int", "float"):
            slider = "SliderInt" if entry.kind == "int" else "SliderFloat"
            assert control["type"] == slider, entry.param
            assert (control["min"], control["max"], control["step"]) == (
                entry.low,
                entry.high,
                entry.step,
            )
    # the registry's fixes: half liaison officers, national meetings at today's 0.5 a year
    assert params["liaison_officers"]["step"] == 0.5
    national = params["meetings_national"]
    assert national["value"] == 0.5
    assert ((national["value"] - national["min"]) / national["step"]).is_integer()
    # a value outside the registry's range is shown at its nearer end
    far = dash.control_params(dash.CONTROLS[0], 99.0)
    assert far["value"] == dash.CONTROLS[0].high


def test_figure_and_table_render(dash):
    model = dash.PolicyComparison("more_pios", **SMALL)
    for weeks in (0, 12):
        _run(model, weeks)
        pngs = dash.chart_pngs(model)
        assert len(pngs) == len(dash.charted_metrics())
        assert all(png.startswith(b"\x89PNG") and len(png) > 1000 for png in pngs)
    html = dash.effects_html(model)
    assert "ocgsim-effects" in html and "OCG members" in html and "%" in html
    assert "<td>£/week</td>" in html and "<td>people</td>" in html  # each row says its unit


def test_reset_after_choosing_a_scenario_keeps_it(dash, monkeypatch):
    """The page rebuilds the runs on Reset: the chosen scenario and its lever week survive."""
    import ipyvuetify as v
    import solara
    from solara.components.applayout import AppLayout

    made = []
    original = dash.PolicyComparison.__init__

    def spy(self, scenario=dash.DEFAULT_SCENARIO, **kwargs):
        made.append((scenario, kwargs.get("intervention_week")))
        original(self, scenario, **kwargs)

    monkeypatch.setattr(dash.PolicyComparison, "__init__", spy)

    @solara.component
    def Root():  # noqa: N802
        with AppLayout():
            dash.Page()

    _, rc = solara.render(Root(), handle_error=False)
    rc.find(v.Select, label="Scenario").widget.v_model = "double_pios"
    assert made[-1] == ("double_pios", 104)
    made.clear()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert made == [("double_pios", 104)]
    rc.close()


def test_the_levers_switch_on_at_the_clis_intervention_week(dash):
    """The page's default lever week is the one ``ocgsim run`` and ``compare`` use (104)."""
    from sim.params import spec
    from sim.policy.compare import DEFAULTS

    model = dash.PolicyComparison("more_pios", scale=0.01, years=1)
    assert model.intervention_week == spec("run.intervention_week").default
    assert model.intervention_week == DEFAULTS["intervention_week"]
    assert model.settings["intervention_week"] == model.intervention_week
    description = dash.load("more_pios").description
    assert f"week {model.intervention_week}" in description, description
    params = dash.model_params(model)
    assert params["intervention_week"]["value"] == model.intervention_week
    assert params["intervention_week"]["max"] >= model.intervention_week


def test_every_control_says_its_value_and_unit(dash, runs):
    params = dash.model_params(dash.PolicyComparison("more_police", **SMALL))
    police = params["police_actions_per_region"]
    assert runs.show_value(police["value"], police["unit"]) == "8 operations/week per region"
    assert params["scale"]["unit"] == "of the full estate"
    assert params["years"]["unit"] == "years"
    for c in dash.CONTROLS:
        control = params[c.name]
        if control["type"].startswith("Slider") and c.unit not in ("-", ""):
            assert control["unit"], c.name
    assert params["software_complexity"]["unit"] == "x today's"
    assert runs.show_value(True) == "on" and runs.show_value(0.5, "meetings/year") == (
        "0.5 meetings/year"
    )


def _chart(charts, model, column):
    from sim.policy.dashboard_model import charted_metrics

    metric = next(m for m in charted_metrics() if m.column == column)
    fig = charts.figure(model, metric)
    fig.canvas.draw()  # ticks and offset text exist once drawn
    return fig.axes[0]


def test_axes_start_where_a_reader_expects_and_say_their_units(dash, charts):
    model = dash.PolicyComparison("more_pios", **SMALL)
    _run(model, 30)
    trust = _chart(charts, model, "trust_local")
    assert trust.get_ylim() == (0.0, 1.0)
    assert "0-1" in trust.get_ylabel()
    for column in ("ocg_members", "oc_harm_gbp", "cost", "recruits_prison"):
        ax = _chart(charts, model, column)
        low, high = ax.get_ylim()
        assert low == 0.0 and high > 0.0, column
        assert ax.get_ylabel() and ax.get_xlabel() == "week", column
        assert ax.yaxis.get_offset_text().get_text() == "", column  # no "1e6" above the axis
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert not any("e+" in t for t in labels), labels
    members = _chart(charts, model, "ocg_members")
    assert "people" in members.get_ylabel() and "full scale" in members.get_ylabel()
    # tens of millions are said once, in the label ("million £/week")
    assert charts.magnitude(2.5e7) == (1e6, "million ") and charts.magnitude(9e6)[0] == 1.0
    assert charts.plain_number(2500.0) == "2,500" and charts.plain_number(0.25) == "0.25"


def test_baseline_and_policy_are_both_visible(dash, charts):
    model = dash.PolicyComparison("more_pios", **SMALL)
    _run(model, 20)
    ax = _chart(charts, model, "ocg_members")
    base, policy = ax.get_lines()[:2]
    assert base.get_label() == "baseline" and policy.get_label() == "policy"
    assert min(base.get_xdata()) == 1  # the baseline from the start
    assert min(policy.get_xdata()) == model.intervention_week  # the policy from the lever week
    assert policy.get_linewidth() < base.get_linewidth()  # where they agree, the grey shows
    assert policy.get_zorder() > base.get_zorder()


def test_a_player_stops_when_its_page_goes_away(runs):
    """A session whose page closed stops stepping: its week counter no longer advances."""
    import threading

    model = runs.PolicyComparison(**SMALL)
    open_page = threading.Event()
    open_page.set()
    said, redraws = [], []
    player = runs.Player(model, page_open=open_page.is_set, say=said.append)
    thread = threading.Thread(
        target=player.play, args=(lambda: True, lambda: redraws.append(model.week))
    )
    thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while model.week < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert player in runs.PLAYING
    open_page.clear()  # the tab closes
    thread.join(timeout=WAIT_SECONDS)
    assert not thread.is_alive()
    stopped = model.week
    assert 3 <= stopped < model.policy.weeks_total
    assert player.stopped_because == "page closed"
    assert player not in runs.PLAYING
    assert said == [f"stopped england_wales at week {stopped}: its page went away"]
    assert player.weeks_stepped == stopped
    time.sleep(0.3)
    assert model.week == stopped  # nothing steps it any more


def test_a_page_that_closes_while_drawing_stops_the_player(runs):
    """Drawing on a page that has just gone may fail: the player stops and says why."""
    model = runs.PolicyComparison(**SMALL)
    state = {"open": True}
    said = []

    def redraw():
        state["open"] = False  # the tab closes while the charts are drawn
        raise RuntimeError("the page's widgets are closed")

    player = runs.Player(model, page_open=lambda: state["open"], say=said.append)
    assert player.play(lambda: True, redraw) == "page closed"
    assert said and "its page went away" in said[0]
    # an error while the page is open is the page's error, not a closed page
    player = runs.Player(model, page_open=lambda: True, say=said.append)
    with pytest.raises(ZeroDivisionError):
        player.play(lambda: True, lambda: 1 / 0)


def test_the_page_can_draw_between_the_two_runs_steps(dash):
    """A click renders the page while the play loop may have stepped the policy run only."""
    model = dash.PolicyComparison(**SMALL)
    _run(model, 3)
    model.policy.step()  # the baseline's step of week 4 has not happened yet
    frame = model.frame()
    assert list(frame["week"]) == [1, 2, 3]
    assert "ocgsim-status" in dash.effects_html(model)
    assert len(dash.chart_pngs(model)) == len(dash.charted_metrics())


def test_a_player_pauses_and_stops_at_the_end(runs):
    model = runs.PolicyComparison(**SMALL)
    redraws = []
    player = runs.Player(model, page_open=lambda: True, say=pytest.fail)
    assert player.play(lambda: model.week < 5, lambda: redraws.append(model.week)) == "paused"
    assert model.week == 5 and redraws[-1] == 5  # the last week is drawn
    assert player.play(lambda: True, lambda: redraws.append(model.week)) == "run ended"
    assert model.week == model.policy.weeks_total == 52 and redraws[-1] == 52
    assert not model.running
    # the charts move at least every half year of weeks, however fast the machine
    assert max(b - a for a, b in zip(redraws, redraws[1:], strict=False)) <= runs.MAX_BATCH_WEEKS


def test_page_is_open_follows_the_pages_connections(dash):
    import threading
    from types import SimpleNamespace

    from solara.server.kernel_context import PageStatus

    def context(*statuses, closed=False):
        event = threading.Event()
        if closed:
            event.set()
        return SimpleNamespace(
            closed_event=event, page_status={str(i): s for i, s in enumerate(statuses)}
        )

    assert dash.page_is_open(None)
    assert dash.page_is_open(context())  # no page has connected yet
    assert dash.page_is_open(context(PageStatus.CONNECTED))
    assert dash.page_is_open(context(PageStatus.CLOSED, PageStatus.CONNECTED))
    assert not dash.page_is_open(context(PageStatus.DISCONNECTED))
    assert not dash.page_is_open(context(PageStatus.CLOSED))
    assert not dash.page_is_open(context(PageStatus.CONNECTED, closed=True))


@pytest.mark.parametrize(
    ("host", "warned"),
    [("127.0.0.1", False), ("localhost", False), ("::1", False), ("0.0.0.0", True)],
)
def test_serving_beyond_loopback_warns_of_no_authentication(host, warned, monkeypatch, capsys):
    import argparse

    import sim.cli.policy as cli

    started = []
    monkeypatch.setattr(cli, "check_port", lambda h, p: None)
    monkeypatch.setattr(cli, "missing_viz", lambda: [])
    monkeypatch.setattr(cli.os, "execve", lambda exe, argv, env: started.append((argv, env)))
    cli.cmd_dashboard(argparse.Namespace(host=host, port=8765))
    err = capsys.readouterr().err
    assert ("no authentication" in err) is warned, err
    assert len(started) == 1
    argv, env = started[0]
    assert argv[argv.index("--host") + 1] == host
    assert env["SOLARA_THEME_SHOW_BANNER"] == "false"  # no banner over a chart
    assert not cli.is_loopback("example.org") and cli.is_loopback("127.0.0.2")


# --------------------------------------------------------------------------------------------
# the browser tests
# --------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard_url(dash, tmp_path):
    """``ocgsim dashboard`` on 127.0.0.1 at a free port: (url, log, server); stopped afterwards."""
    port = _free_port()
    log = tmp_path / "dashboard.log"
    env = {
        **os.environ,
        # a front-end file missing from solara-assets would be fetched from this loopback
        # address (nothing listens): the request fails at once and never leaves the machine
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/npm/",
    }
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sim.cli.main",
                "dashboard",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dashboard did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.5)
        yield url, log, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _text(driver, element_id: str) -> str:
    return driver.execute_script(
        "const e = document.getElementById(arguments[0]); return e ? e.innerText : ''", element_id
    )


def _week(driver) -> int:
    """The week the page shows ("Week 12 of 260"), or -1 before it shows one."""
    text = _text(driver, "ocgsim-week")
    return int(text.split()[1]) if text.startswith("Week ") else -1


def _caption(driver, name: str) -> str:
    """A control's caption: its label, its value and unit ("Seed: 1")."""
    return driver.execute_script(
        "const e = document.getElementById(arguments[0]);return e ? e.parentElement.innerText : ''",
        f"ocgsim-value-{name}",
    )


def _slider(driver, label: str) -> str:
    return driver.execute_script(
        "const e = document.querySelector(`[role=slider][aria-label='${arguments[0]}']`);"
        "return e ? e.getAttribute('aria-valuenow') : null",
        label,
    )


def _slider_width(driver, label: str) -> float:
    return driver.execute_script(
        "const e = document.querySelector(`[role=slider][aria-label='${arguments[0]}']`);"
        "const t = e && e.closest('.v-slider');"
        "return t ? t.getBoundingClientRect().width : 0",
        label,
    )


def _press(wait, label: str, key: str) -> None:
    """Send a key to a slider, finding it afresh (the page re-renders)."""
    from selenium.webdriver.common.by import By

    wait.until(
        lambda d: d.find_element(By.CSS_SELECTOR, f"[role=slider][aria-label='{label}']")
    ).send_keys(key)


def _click(wait, xpath: str) -> None:
    from selenium.webdriver.common.by import By

    wait.until(lambda d: d.find_element(By.XPATH, xpath)).click()


def _reset_until(driver, shown, tries: int = 4) -> None:
    """Press Reset until the page shows ``shown(driver)``, waiting for it after each press.

    A slider's change reaches the server over the websocket after the key press; a Reset the
    server handles before it builds the model without it. So press once and wait for the new
    model; press again only if it has not come within a quarter of ``WAIT_SECONDS``.
    """
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(
        driver, WAIT_SECONDS / tries, ignored_exceptions=(StaleElementReferenceException,)
    )
    for _ in range(tries):
        _click(wait, "//button[normalize-space()='Reset']")
        try:
            wait.until(shown)
            return
        except TimeoutException:
            continue
    pytest.fail(f"after {tries} presses of Reset the page does not show the new levers")


CHARTS = "return Array.from(document.querySelectorAll('.ocgsim-charts img')).map(i => i.src)"


class _Settled:
    """A wait condition: paused, every chart redrawn and loaded, the week the same as last poll.

    ``seen`` keeps the last poll's checks, for the message if the page never settles.
    """

    def __init__(self, before: list[str]):
        self.before = before
        self.last: tuple = ()
        self.seen: dict = {}

    def __call__(self, driver) -> bool:
        srcs = driver.execute_script(CHARTS)
        loaded = driver.execute_script(
            "return Array.from(document.querySelectorAll('.ocgsim-charts img'))"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        paused = "▶" in driver.execute_script("return document.body.innerText")
        state = (_week(driver), srcs)
        steady = self.last == state
        self.last = state
        redrawn = len(srcs) == len(self.before) and all(
            a != b for a, b in zip(srcs, self.before, strict=True)
        )
        self.seen = {
            "week": state[0],
            "steady": steady,
            "loaded": loaded,
            "paused": paused,
            "redrawn": redrawn,
            "charts": len(srcs),
        }
        return steady and loaded and paused and redrawn


def _wait(driver):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,))


def test_dashboard_in_a_browser(dashboard_url, browser):  # noqa: F811
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.keys import Keys

    url, log, _ = dashboard_url
    wait = _wait(browser)
    browser.get(url)
    wait.until(lambda d: _week(d) == 0 and _text(d, "ocgsim-status"))
    status = _text(browser, "ocgsim-status")
    assert status.startswith("england_wales") and "levers on at week 104" in status, status

    # only what a policy reader needs: none of Mesa's controls, no page tabs, no banner
    text = browser.execute_script("return document.body.innerText")
    for internal in ("Render Interval", "Play Interval", "Use Threads", "PAGE 0", "Page 0"):
        assert internal not in text, internal
    assert "runs on Solara" not in text
    # every slider says its value and unit, and its track has the sidebar's width
    assert _caption(browser, "scale") == "Scale: 0.02 of the full estate"
    assert _caption(browser, "years") == "Run length: 5 years"
    police = _caption(browser, "police_actions_per_region")
    assert police == "Police operations a week per region: 4 operations/week per region", police
    widths = [_slider_width(browser, label) for label in ("Seed", "PIOs per 1,000 places")]
    assert all(w > 200 for w in widths), widths

    # choose a scenario: its lever week is the CLI's (104), as its description says
    _click(wait, "//label[text()='Scenario']/ancestor::div[contains(@class,'v-input__slot')]")
    _click(
        wait,
        "//div[contains(@class,'menuable__content__active')]"
        "//div[contains(@class,'v-list-item__title') and normalize-space()='more_pios']",
    )
    wait.until(lambda d: _text(d, "ocgsim-status").startswith("more_pios"))
    assert "week 104" in browser.execute_script("return document.body.innerText")

    # move a lever (PIOs 3 -> 3.5): the caption shows the new value at once; bring the
    # intervention forward (week 104 -> 91); then Reset until the new model shows both
    wait.until(lambda d: _slider(d, "PIOs per 1,000 places") == "3")
    assert _caption(browser, "pios_per_1000") == "PIOs per 1,000 places: 3"
    _press(wait, "PIOs per 1,000 places", Keys.ARROW_RIGHT)
    wait.until(lambda d: _caption(d, "pios_per_1000") == "PIOs per 1,000 places: 3.5")
    wait.until(
        lambda d: (
            "take effect when you press Reset" in d.execute_script("return document.body.innerText")
        )
    )
    _press(wait, "Levers switch on at week", Keys.ARROW_LEFT)
    wait.until(lambda d: _caption(d, "intervention_week") == "Levers switch on at week: 91")
    # the longest run (10 years), so that play cannot reach the end before the pause below
    _press(wait, "Run length", Keys.END)
    wait.until(lambda d: _caption(d, "years") == "Run length: 10 years")
    _reset_until(
        browser,
        lambda d: (
            "3.5" in _text(d, "ocgsim-levers")
            and "levers on at week 91" in _text(d, "ocgsim-status")
            and _text(d, "ocgsim-week") == "Week 0 of 520"
        ),
    )
    assert _caption(browser, "pios_per_1000") == "PIOs per 1,000 places: 3.5"

    # play: measure the rate the page shows (reported, not asserted), pause, charts redrawn
    before = browser.execute_script(CHARTS)
    assert len(before) >= 5, "charts missing"
    _click(wait, "//button[normalize-space()='▶']")
    wait.until(lambda d: _week(d) >= 1)
    first, started = _week(browser), time.monotonic()
    wait.until(lambda d: _week(d) >= 100)
    rate = (_week(browser) - first) / (time.monotonic() - started)
    print(f"\ndashboard in the browser: {rate:.1f} simulated weeks a second (scale 0.02)")
    _click(wait, "//button[normalize-space()='❚❚']")
    settled = _Settled(before)
    try:
        wait.until(settled)
    except TimeoutException:
        pytest.fail(f"the charts did not settle after the pause: last poll {settled.seen}")
    after = browser.execute_script(CHARTS)
    assert len(after) == len(before)
    assert all(a != b for a, b in zip(after, before, strict=True)), "a chart did not update"
    sizes = browser.execute_script(CHARTS.replace("i.src", "i.naturalWidth"))
    assert all(w > 300 for w in sizes), sizes
    table = _text(browser, "ocgsim-effects")
    assert "OCG members" in table and "%" in table, table
    assert 100 <= _week(browser) < 520, "paused before the end"

    path = screenshot(browser, "dashboard")
    assert path.stat().st_size > 10_000
    browser.execute_script("document.querySelector('.ocgsim-charts').scrollIntoView(false)")
    screenshot(browser, "dashboard-charts")
    errors = console_errors(browser)
    assert errors == [], errors
    text = log.read_text(errors="replace")
    assert "Could not load URL" not in text, "the page asked for files that are not installed"
    assert "Traceback" not in text, text


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_closed_page_stops_computing(dashboard_url, browser):  # noqa: F811
    """Close a playing page's tab: the server says the session stopped, and goes quiet."""
    from selenium.webdriver.common.keys import Keys

    url, log, server = dashboard_url
    wait = _wait(browser)
    browser.get(url)
    wait.until(lambda d: _week(d) == 0)
    dashboard_tab = browser.current_window_handle
    # the longest run (10 years, 520 weeks): play cannot reach its end before the tab closes
    _press(wait, "Run length", Keys.END)
    wait.until(lambda d: _caption(d, "years") == "Run length: 10 years")
    _reset_until(browser, lambda d: _text(d, "ocgsim-week") == "Week 0 of 520")
    _click(wait, "//button[normalize-space()='▶']")
    wait.until(lambda d: _week(d) >= 1)  # playing: the first batch is drawn
    assert "its page went away" not in log.read_text(errors="replace")

    browser.switch_to.new_window("tab")  # keep the browser, close the dashboard's tab
    other = browser.current_window_handle
    browser.switch_to.window(dashboard_tab)
    browser.close()
    browser.switch_to.window(other)

    deadline = time.monotonic() + WAIT_SECONDS
    while "its page went away" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.2)
    line = next(x for x in log.read_text().splitlines() if "its page went away" in x)
    stopped_at = int(line.split(" at week ")[1].split(":")[0])
    assert 1 <= stopped_at < 520, line
    # the server goes quiet: a playing session keeps a core busy, a stopped one uses next to none
    used = _cpu_seconds(server.pid)
    time.sleep(3)
    assert _cpu_seconds(server.pid) - used < 1.0
