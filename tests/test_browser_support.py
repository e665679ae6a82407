"""The browser fixture for HTML pages (used by the report tests): console errors and screenshots."""

from __future__ import annotations

import base64
import io

from browser_support import browser, local_page  # noqa: F401 - fixtures

GOOD = """<!doctype html>
<html><head><meta charset="utf-8"><title>fixture page</title></head>
<body><h1>Headline</h1>
<table id="headline"><tr><th>scenario</th><th>change</th></tr>
<tr><td>more_pios</td><td>-4% to -9%</td></tr></table>
<img id="figure" alt="figure" src="data:image/png;base64,{png}">
</body></html>
"""

BAD = """<!doctype html>
<html><head><meta charset="utf-8"><title>broken page</title></head>
<body><p>text</p><script>throw new Error("boom in the page");</script></body></html>
"""


def _png() -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1), dpi=50)
    fig.subplots().plot([0, 1], [1, 0])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return base64.b64encode(buf.getvalue()).decode()


def test_local_page_loads_offline_without_console_errors(tmp_path, local_page):  # noqa: F811
    page_file = tmp_path / "report.html"
    page_file.write_text(GOOD.format(png=_png()), encoding="utf-8")
    page = local_page(page_file, "fixture-good-page")
    assert page.errors == []
    assert "Headline" in page.text and "more_pios" in page.text
    width = page.driver.execute_script("return document.getElementById('figure').naturalWidth")
    assert width > 0, "embedded figure did not render"
    assert page.screenshot.is_file() and page.screenshot.stat().st_size > 1000


def test_local_page_reports_script_errors(tmp_path, local_page):  # noqa: F811
    page_file = tmp_path / "broken.html"
    page_file.write_text(BAD, encoding="utf-8")
    page = local_page(page_file, "fixture-broken-page")
    assert any("boom in the page" in e for e in page.errors), page.errors
