"""Headless Chromium for the browser tests (selenium with Debian's chromium and chromedriver).

Import the fixtures into a test module (``from browser_support import browser, local_page``).
Nothing is downloaded: selenium drives the system browser ``/usr/bin/chromium`` through the
system driver ``/usr/bin/chromedriver`` (Debian packages ``chromium`` and ``chromium-driver``),
with a fresh profile, no network services and no GPU.

A test that needs the browser (or an optional extra) is *skipped with its reason* when it is
missing; with ``OCGSIM_REQUIRE_OPTIONAL=1`` (set by ``.ci/run``) it fails instead, so CI never
passes without running it.

Screenshots go to ``tests/artifacts/`` (git-ignored).

Tests wait on conditions of the page (``WebDriverWait`` on an element, a text or a state), never
for a fixed time. ``WAIT_SECONDS`` bounds each wait: it is long because a wait ends as soon as
its condition holds, and a loaded machine (the suite on two workers beside other work) can take
many times longer than a quiet one; only a page that never gets there waits that long.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("OCGSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("OCGSIM_CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

#: Chromium's switches: headless, no sandbox (root in CI), no GPU, and nothing that talks to
#: the network on its own (the machine's network is closed).
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)

#: The longest a test waits for a condition of the page (or a page load) before it fails.
WAIT_SECONDS = 240

#: Console messages that are not errors of the page under test.
IGNORED_CONSOLE = ("favicon.ico",)


def require(available: bool, reason: str) -> None:
    """Skip the test with ``reason`` if something it needs is missing (fail in CI)."""
    if available:
        return
    if os.environ.get("OCGSIM_REQUIRE_OPTIONAL"):
        pytest.fail(f"required for this run (OCGSIM_REQUIRE_OPTIONAL=1): {reason}")
    pytest.skip(reason)


def require_modules(*modules: str, extra: str) -> None:
    """Skip (or fail in CI) unless ``modules`` are importable."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    require(
        not missing,
        f"optional extra '{extra}' not installed (missing {', '.join(missing)}): "
        f"pip install -e '.[{extra}]' (make test installs it)",
    )


def require_browser() -> None:
    """Skip (or fail in CI) unless selenium, Chromium and ChromeDriver are present."""
    require_modules("selenium", extra="test")
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    require(
        not missing,
        f"browser tests need Debian's chromium and chromium-driver (missing {', '.join(missing)})"
        ": apt-get install -y chromium chromium-driver (.ci/run installs them)",
    )


@pytest.fixture
def browser() -> Iterator:
    """A headless Chromium (selenium WebDriver) with a fresh profile; quits afterwards."""
    require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="ocgsim-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (*CHROMIUM_ARGS, f"--user-data-dir={profile}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def console_errors(driver, ignore: tuple[str, ...] = IGNORED_CONSOLE) -> list[str]:
    """The page's console errors (level SEVERE) since the last call, minus ``ignore``."""
    entries = driver.get_log("browser")
    return [
        e["message"]
        for e in entries
        if e["level"] == "SEVERE" and not any(word in e["message"] for word in ignore)
    ]


def screenshot(driver, name: str) -> Path:
    """Save a screenshot of the window to ``tests/artifacts/<name>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


@dataclass
class LoadedPage:
    """A local file loaded in the browser.

    Attributes:
        driver: The WebDriver, on the page.
        errors: Console errors while loading (SEVERE), e.g. failed requests or script errors.
        screenshot: Where the screenshot was saved.
        text: The page's visible text.
    """

    driver: object
    errors: list[str]
    screenshot: Path
    text: str


@pytest.fixture
def local_page(browser) -> Callable[[Path, str], LoadedPage]:
    """Load a local HTML file, collect console errors and take a screenshot.

    For the HTML-report tests: ``page = local_page(path, "report")`` then assert on
    ``page.errors`` (no console errors), ``page.text`` and ``page.driver`` (find elements); the
    screenshot is ``tests/artifacts/report.png``. It returns once the document and all its images
    have loaded.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    loaded = (
        "return document.readyState === 'complete'"
        " && Array.from(document.images).every(i => i.complete)"
    )

    def load(path: Path, name: str) -> LoadedPage:
        browser.get(Path(path).resolve().as_uri())
        WebDriverWait(browser, WAIT_SECONDS).until(
            lambda d: d.execute_script(loaded), f"{path} did not finish loading"
        )
        errors = console_errors(browser)
        shot = screenshot(browser, name)
        text = browser.execute_script("return document.body ? document.body.innerText : ''")
        return LoadedPage(browser, errors, shot, text)

    return load
