"""The page: build the report of a results folder and write it safely."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from sim.analysis.comparison import baseline_point
from sim.analysis.results import Results, load_results
from sim.policy.report.assurance import assurance_section
from sim.policy.report.caveats import assumptions_section, caveats_section
from sim.policy.report.figures import ce_figure, forest_figure, series_figures
from sim.policy.report.html import (
    effectiveness_section,
    headline_section,
    levels_section,
    means_section,
)
from sim.policy.report.prose import summary_box
from sim.policy.report.provenance import changed_parameters, what_was_run
from sim.policy.report.sensitivity import sensitivity_section
from sim.policy.report.style import CSS
from sim.policy.report.table import Comparison, compare_table

__all__ = [
    "GENERATOR",
    "GENERATOR_TAG",
    "REPORT_NAME",
    "Report",
    "build_report",
    "is_report",
    "sections",
    "write_report",
]

#: File name of the report in a results folder.
REPORT_NAME = "report.html"
#: The page's generator: an existing file with its tag (:data:`GENERATOR_TAG`) in its head is an
#: earlier report (safe to replace).
GENERATOR = "ocgsim report"
GENERATOR_TAG = f"<meta name='generator' content='{GENERATOR}'>"


@dataclass
class Report:
    """A built report.

    Attributes:
        html: The page.
        comparison: The comparison behind the headline table (None without a baseline).
        results: The results it was built from.
    """

    html: str
    comparison: Comparison | None
    results: Results


def build_report(
    results: str | Path | Results,
    *,
    baseline: str | None = None,
    now: datetime | None = None,
    title: str | None = None,
) -> Report:
    """Build the HTML report of an experiment's results.

    Args:
        results: A results folder or loaded results.
        baseline: Scenario label of the baseline (default: the experiment's, else the first).
        now: The time shown as "report written" (default: now, UTC).
        title: Page title (default from the experiment's name).

    Returns:
        The report.

    Raises:
        ScenarioError: One line if the folder is not an experiment's results folder or the
            baseline is not one of its scenarios.
    """
    from sim.experiments.spec import ExperimentError

    res = results if isinstance(results, Results) else load_results(results)
    if baseline is not None:
        if res.kind != "scenarios":
            raise ExperimentError(
                f"--baseline {baseline}: applies to scenario designs only (this is {res.kind})"
            )
        labels = [str(p["scenario"]) for p in res.manifest["design"]["points"]]
        if baseline not in labels:
            raise ExperimentError(
                f"--baseline {baseline}: not a scenario of this experiment; allowed: "
                + ", ".join(labels)
            )
    now = now or datetime.now(UTC)
    name = str(res.manifest.get("experiment", res.path.resolve().name))
    heading = title or (
        f"Policy comparison: {name}" if res.kind == "scenarios" else f"Experiment report: {name}"
    )
    if title is None and res.kind == "scenarios" and name.startswith("compare-"):
        labels = [str(p["scenario"]) for p in res.manifest["design"]["points"][1:]]
        heading = f"Policy comparison: {', '.join(labels)} against the baseline"
    body, comp = sections(res, baseline, now)
    description = res.manifest.get("description") or ""
    html = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"{GENERATOR_TAG}"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "img-src data:; style-src 'unsafe-inline'\">"
        f"<title>{escape(heading)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>{escape(heading)}</h1><p class='subtitle'>{escape(description)}</p>"
        "</header>"
        + "".join(body)
        + "<footer>Written by ocgsim (agent-based model of organised crime groups in prisons and "
        "of police–prison disruption). Numbers are model outputs under the assumptions listed "
        "above, not forecasts.</footer></body></html>\n"
    )
    return Report(html, comp, res)


def sections(
    res: Results, baseline: str | None, now: datetime
) -> tuple[list[str], Comparison | None]:
    """The page's sections in order, and the comparison behind them (None without a baseline).

    Args:
        res: Loaded results.
        baseline: Scenario label of the baseline (checked by :func:`build_report`).
        now: The time shown as "report written".
    """
    body: list[str] = []
    comp: Comparison | None = None
    with tempfile.TemporaryDirectory(prefix="ocgsim-report-") as tmp:
        work = Path(tmp)
        if res.kind in ("sobol", "morris"):
            body.append(sensitivity_section(res, work))
        else:
            comp = compare_table(res, baseline)
            if comp is not None:
                body.append(summary_box(comp, res))
                body.append(headline_section(comp, res))
                body.append(effectiveness_section(comp))
                body.append(levels_section(comp, res))
                figures = series_figures(res, work, comp)
                figures.append(forest_figure(comp, work))
                if len(comp.effectiveness):
                    figures.append(ce_figure(comp, work))
                body.append(
                    "<section id='figures'><h2>Figures</h2>" + "".join(figures) + "</section>"
                )
            else:
                body.append(means_section(res))
                figures = series_figures(res, work, None)
                if figures:
                    body.append(
                        "<section id='figures'><h2>Figures</h2>" + "".join(figures) + "</section>"
                    )
        changed, _ = changed_parameters(res)
        body.append(assumptions_section(res, changed))
        body.append(caveats_section(res, comp))
        if comp is not None and res.is_sim:
            body.append(assurance_section(res, baseline_point(res, baseline)))
        body.append(what_was_run(res, now))
    return body, comp


def write_report(
    results: str | Path | Results,
    out: str | Path | None = None,
    *,
    baseline: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Build the report and write it atomically (default ``<results>/report.html``).

    Everything is checked before anything is written: the results folder, the baseline and the
    destination (a writable folder; an existing file there is replaced only if it is an earlier
    report).

    Returns:
        The file written.

    Raises:
        ScenarioError: One line naming the option or folder and what is allowed.
    """
    from sim.experiments.spec import ExperimentError
    from sim.io.files import atomic_write_bytes
    from sim.io.guards import check_destination

    res = results if isinstance(results, Results) else load_results(results)
    path = Path(out) if out is not None else res.path / REPORT_NAME
    option = "--out" if out is not None else "report"
    if path.suffix.lower() not in (".html", ".htm"):
        raise ExperimentError(f"{option} {path}: allowed: a file name ending in .html")
    if path.is_dir():
        raise ExperimentError(f"{option} {path}: is a folder; allowed: an .html file")
    if path.exists() and not is_report(path):
        raise ExperimentError(
            f"{option} {path}: exists and is not an ocgsim report; allowed: a new file or an "
            "earlier report (which is replaced)"
        )
    check_destination(path.parent, option, new=False)
    report = build_report(res, baseline=baseline, now=now)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, report.html.encode("utf-8"))
    return path


def is_report(path: Path) -> bool:
    """Whether ``path`` is a report written by ocgsim (safe to replace).

    It is when the head of the page (its first 2 KB, before ``<body>``) has the exact generator
    tag the report writes; a page that merely mentions "ocgsim report" is not.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(2048)
    except OSError:
        return False
    head = head.split(b"<body", 1)[0]
    return head.startswith(b"<!DOCTYPE html>") and GENERATOR_TAG.encode() in head
