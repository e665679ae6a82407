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


def test_a_metric_the_model_does_not_record_is_skipped(dash, monkeypatch):
    extra = dash.Metric("oc_harm_not_yet", "OC harm", "harm/week", 4)
    monkeypatch.setattr(dash, "METRICS", (*dash.METRICS, extra))
    columns = [m.column for m in dash.charted_metrics()]
    assert "oc_harm_not_yet" not in columns and "ocg_members" in columns
    model = dash.PolicyComparison(**SMALL)
    frame = _run(model, 2)
    assert "oc_harm_not_yet" not in frame
    assert len(dash.components()) == len(columns) + 1


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
    import io

    model = dash.PolicyComparison("more_pios", **SMALL)
    for weeks in (0, 12):
        _run(model, weeks)
        for m in dash.charted_metrics():
            buf = io.BytesIO()
            dash._figure(model, m).savefig(buf, format="png")
            assert buf.tell() > 1000
    html = dash.effects_html(model)
    assert "ocgsim-effects" in html and "OCG members" in html and "%" in html


def test_reset_after_choosing_a_scenario_keeps_it(dash, monkeypatch):
    """SolaraViz rebuilds the model from its class on Reset: the chosen scenario must survive."""
    import ipyvuetify as v
    import solara
    from solara.components.applayout import AppLayout

    made = []
    original = dash.PolicyComparison.__init__

    def spy(self, scenario=dash.DEFAULT_SCENARIO, **kwargs):
        made.append(scenario)
        original(self, scenario, **kwargs)

    spy.__signature__ = __import__("inspect").signature(original)
    monkeypatch.setattr(dash.PolicyComparison, "__init__", spy)

    @solara.component
    def Root():  # noqa: N802
        with AppLayout():
            dash.Page()

    _, rc = solara.render(Root(), handle_error=False)
    rc.find(v.Select, label="Scenario").widget.v_model = "double_pios"
    assert made[-1] == "double_pios"
    made.clear()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert made == ["double_pios"]
    rc.close()


# --------------------------------------------------------------------------------------------
# the browser test
# --------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dashboard_url(dash, tmp_path):
    """``ocgsim dashboard`` on 127.0.0.1 at a free port; stopped afterwards."""
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
        yield url, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _step(driver) -> int:
    text = driver.execute_script("return document.body.innerText")
    return int(text.split("Step: ")[1].split()[0]) if "Step: " in text else -1


def _text(driver, element_id: str) -> str:
    return driver.execute_script(
        "const e = document.getElementById(arguments[0]); return e ? e.innerText : ''", element_id
    )


def _slider(driver, label: str) -> str:
    return driver.execute_script(
        "const e = document.querySelector(`[role=slider][aria-label='${arguments[0]}']`);"
        "return e ? e.getAttribute('aria-valuenow') : null",
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


def _settled(charts: str, before: list[str]):
    """A wait condition: paused, every chart redrawn and loaded, the week the same as last poll."""
    last = []

    def condition(driver) -> bool:
        srcs = driver.execute_script(charts)
        loaded = driver.execute_script(
            "return Array.from(document.querySelectorAll('.vue-grid-item img'))"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        paused = "▶" in driver.execute_script("return document.body.innerText")
        state = (_step(driver), srcs)
        steady = last == [state]
        last[:] = [state]
        redrawn = len(srcs) == len(before)
        redrawn = redrawn and all(a != b for a, b in zip(srcs, before, strict=True))
        return steady and loaded and paused and redrawn

    return condition


def test_dashboard_in_a_browser(dashboard_url, browser):  # noqa: F811
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    url, log = dashboard_url
    wait = WebDriverWait(
        browser, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,)
    )
    browser.get(url)
    wait.until(lambda d: _step(d) == 0 and _text(d, "ocgsim-status"))
    assert _text(browser, "ocgsim-status").startswith("england_wales")

    # choose a scenario
    _click(wait, "//label[text()='Scenario']/ancestor::div[contains(@class,'v-input__slot')]")
    _click(
        wait,
        "//div[contains(@class,'menuable__content__active')]"
        "//div[contains(@class,'v-list-item__title') and normalize-space()='more_pios']",
    )
    wait.until(lambda d: _text(d, "ocgsim-status").startswith("more_pios"))

    # move a lever (PIOs 3 -> 3.5) and bring the intervention forward (week 52 -> 39); one key
    # press each, then Reset until the new model shows both
    wait.until(lambda d: _slider(d, "PIOs per 1,000 places") == "3")
    _press(wait, "PIOs per 1,000 places", Keys.ARROW_RIGHT)
    wait.until(lambda d: _slider(d, "PIOs per 1,000 places") == "3.5")
    _press(wait, "Levers switch on at week", Keys.ARROW_LEFT)
    wait.until(lambda d: _slider(d, "Levers switch on at week") == "39")
    _reset_until(
        browser,
        lambda d: (
            "3.5" in _text(d, "ocgsim-levers")
            and "levers on at week 39" in _text(d, "ocgsim-status")
        ),
    )
    status = _text(browser, "ocgsim-status")
    assert status.startswith("more_pios") and "levers on at week 39" in status, status

    # run some weeks and watch the charts change
    charts = "return Array.from(document.querySelectorAll('.vue-grid-item img')).map(i => i.src)"
    before = browser.execute_script(charts)
    assert len(before) >= 5, "charts missing"
    _press(wait, "Render Interval (steps)", Keys.ARROW_RIGHT)  # draw every 3rd week
    wait.until(lambda d: _slider(d, "Render Interval (steps)") == "3")
    _click(wait, "//button[normalize-space()='▶']")
    wait.until(lambda d: _step(d) >= 45)
    _click(wait, "//button[normalize-space()='❚❚']")
    wait.until(_settled(charts, before), "the charts did not settle after the pause")
    after = browser.execute_script(charts)
    assert len(after) == len(before)
    assert all(a != b for a, b in zip(after, before, strict=True)), "a chart did not update"
    sizes = browser.execute_script(charts.replace("i.src", "i.naturalWidth"))
    assert all(w > 100 for w in sizes), sizes
    table = _text(browser, "ocgsim-effects")
    assert "OCG members" in table and "%" in table, table
    assert int(_text(browser, "ocgsim-status").split("week ")[1].split()[0]) >= 45

    path = screenshot(browser, "dashboard")
    assert path.stat().st_size > 10_000
    errors = console_errors(browser)
    assert errors == [], errors
    text = log.read_text(errors="replace")
    assert "Could not load URL" not in text, "the page asked for files that are not installed"
    assert "Traceback" not in text, text
