"""What was run: the design, the scenarios as recorded, seeds, software and times."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime
from html import escape
from typing import Any

from sim.analysis.results import Results
from sim.policy.report.markup import html_table
from sim.policy.report.table import design_labels
from sim.policy.report.words import sig, value_text

__all__ = [
    "baseline_text",
    "changed_parameters",
    "dated_change",
    "descriptions",
    "design_row",
    "design_rows",
    "non_lever_settings",
    "record_rows",
    "recorded_scenarios",
    "what_was_run",
]


def recorded_scenarios(res: Results) -> dict[str, Any] | None:
    """The scenarios as recorded when the runs were made (``manifest.json``), if recorded."""
    record = res.manifest.get("scenarios")
    return record if isinstance(record, dict) else None


def changed_parameters(res: Results) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Per intervention, the parameters it sets that differ from the baseline; and the baseline.

    The scenarios' values are those recorded in the manifest when the runs were made; only for
    a results folder of an earlier ocgsim, which recorded none, are the scenario files read.

    Returns:
        ``({label: {name: value}}, baseline values that differ from the defaults)``.
    """
    from sim.params import Parameters, defaults

    base = dict(res.manifest["design"].get("base_parameters") or {})
    scenario_ref = base.pop("scenario", None)
    record = recorded_scenarios(res) if res.is_sim else None
    base_values: dict[str, Any] = {}
    if scenario_ref and res.is_sim:
        if record is not None:
            base_values.update((record.get("base") or {}).get("values") or {})
        else:
            with contextlib.suppress(Exception):
                from sim.scenario import load_scenario

                base_values.update(load_scenario(scenario_ref).values)
    base_values.update({k: v for k, v in base.items() if not k.startswith("run.")})
    changed: dict[str, dict[str, Any]] = {}
    if res.kind == "scenarios" and res.is_sim:
        entries: list[tuple[str, dict[str, Any]]] = []
        if record is not None:
            entries = [(e["label"], e.get("values") or {}) for e in record["design"][1:]]
        else:
            with contextlib.suppress(Exception):
                from sim.experiments.folder import experiment_from_results

                experiment = experiment_from_results(res.path)
                entries = [(label, values) for label, _, values in experiment.scenarios[1:]]
        with contextlib.suppress(Exception):
            resolved = Parameters(base_values).as_dict()
            for label, values in entries:
                changed[label] = {k: v for k, v in values.items() if resolved.get(k, None) != v}
    else:
        for p in res.manifest["design"]["points"]:
            changed[design_labels(res)[2][p["point_id"]]] = dict(p["factors"])
    default = defaults() if res.is_sim else {}
    return changed, {k: v for k, v in base_values.items() if default.get(k) != v}


def non_lever_settings(res: Results) -> list[str]:
    """Scenarios that change parameters that are not levers, each with those parameters."""
    from sim.params import known, spec

    changed, _ = changed_parameters(res)
    out = []
    for label, values in changed.items():
        names = [k for k in values if known(k) and not spec(k).lever and k.split(".")[0] != "run"]
        if names:
            out.append(f"{label} ({', '.join(names)})")
    return out


DESIGN_KINDS = {
    "scenarios": "scenarios against a baseline",
    "grid": "full-factorial grid",
    "lhs": "Latin hypercube",
    "sobol": "Sobol (Saltelli) sample",
    "morris": "Morris trajectories",
    "single": "a single scenario",
}
"""Design type -> how the "What was run" section names it."""


def what_was_run(res: Results, now: datetime) -> str:
    """The "What was run" section: design, settings, scenarios, seeds, software, times."""
    changed, base_changed = changed_parameters(res)
    rows = design_rows(res, changed)
    rows.append(row("baseline", baseline_text(res, base_changed)))
    rows += record_rows(res, now)
    return (
        "<section id='what-was-run'><h2>What was run</h2>"
        + html_table(["", ""], rows, "run-table", "kv")
        + "<p class='note'>Repeat it with the same ocgsim version and commit, the same "
        "scenarios, seeds, scale, years and replicates (<code>experiment.toml</code> and "
        "<code>manifest.json</code> in the results folder hold everything).</p></section>"
    )


def row(key: str, value: str) -> list[str]:
    """One row of the "What was run" table: the key escaped, the value as given (HTML)."""
    return [escape(key), value]


def design_rows(res: Results, changed: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The rows of the experiment, results folder, design, run settings and scenarios/factors.

    Args:
        res: Loaded results.
        changed: Scenario label -> parameters it changes from the baseline.

    Returns:
        The rows, in the order the section shows them.
    """
    m = res.manifest
    design = m["design"]
    description = m.get("description") or ""
    rows = [
        row(
            "experiment",
            escape(str(m.get("experiment"))) + (f": {escape(description)}" if description else ""),
        ),
        row("results folder", f"<code>{escape(res.path.resolve().name)}</code>"),
        row(
            "design",
            f"{escape(DESIGN_KINDS.get(res.kind, res.kind))}: {design['n_points']} design points "
            f"× {design['replicates']} replicates = {design['n_runs']} runs "
            f"({int((res.runs['status'] == 'ok').sum())} succeeded)",
        ),
    ]
    if res.is_sim:
        years, week = res.point_settings(0)
        scales = sorted({s for s in res.point_scales().values() if s is not None})
        rows.append(
            row(
                "run settings",
                f"scale {', '.join(f'{s:g}' for s in scales)}; {years} years; interventions "
                f"switch on at week {week}",
            )
        )
    entry = design_row(res, changed)
    if entry is not None:
        rows.append(row(*entry))
    return rows


def baseline_text(res: Results, base_changed: dict[str, Any]) -> str:
    """The "baseline" row: its scenario, if any, and the parameters set away from the defaults."""
    base = res.manifest["design"].get("base_parameters") or {}
    base_shown = ", ".join(
        f"<code>{escape(k)}</code> = {escape(value_text(v))}" for k, v in base_changed.items()
    )
    scenario_ref = base.get("scenario")
    return (f"scenario {escape(str(scenario_ref))}; " if scenario_ref else "") + (
        base_shown
        or (
            "every parameter at its documented default (docs/parameters.md)"
            if res.is_sim
            else "the model's own defaults"
        )
    )


def record_rows(res: Results, now: datetime) -> list[list[str]]:
    """The rows of the seeds, software, git commit and times (of the runs and of the report)."""
    from sim import __version__

    m = res.manifest
    seeds = m["design"].get("seeds") or []
    versions = m.get("versions") or {}
    return [
        row(
            "seeds",
            f"root seed {m.get('root_seed')}; replicate r has the same seed in every scenario "
            f"(common random numbers): <small>{escape(', '.join(str(s) for s in seeds))}</small>",
        ),
        row(
            "software",
            f"ocgsim {escape(str(versions.get('ocgsim', '?')))} (report written by ocgsim "
            f"{escape(__version__)}); Python {escape(str(versions.get('python', '?')))}, Mesa "
            f"{escape(str(versions.get('mesa', '?')))}",
        ),
        row("git commit", f"<code>{escape(str(m.get('git_commit', 'unknown')))}</code>"),
        row(
            "when",
            f"runs {escape(str(m.get('start_time') or m.get('created') or '?'))} to "
            f"{escape(str(m.get('end_time') or '?'))}; report written "
            f"{escape(now.isoformat(timespec='seconds'))}",
        ),
    ]


def design_row(res: Results, changed: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """The "What was run" row of the scenarios (what each changes) or the factors (their values).

    Args:
        res: Loaded results.
        changed: :func:`changed_parameters`' first value.

    Returns:
        ``(key, HTML)``, or None for a single scenario.
    """
    design = res.manifest["design"]
    if res.kind == "scenarios":
        items = []
        for label, values in changed.items():
            shown = ", ".join(
                f"<code>{escape(k)}</code> = {escape(value_text(v))}" for k, v in values.items()
            )
            shown = shown or "nothing (as the baseline)"
            items.append(f"<li><b>{escape(label)}</b>: {shown}</li>")
        return (
            "scenarios (parameters that differ from the baseline)",
            f"<ul>{''.join(items)}</ul>" + descriptions(res),
        )
    if res.kind in ("grid", "lhs", "sobol", "morris"):
        if design.get("problem"):
            bounds = design["problem"]["bounds"]
            shown = ", ".join(
                f"<code>{escape(n)}</code> {sig(b[0])} to {sig(b[1])}"
                for n, b in zip(design["problem"]["names"], bounds, strict=True)
            )
        else:
            values: dict[str, list] = {}
            for p in design["points"]:
                for k, v in p["factors"].items():
                    values.setdefault(k, [])
                    if v not in values[k]:
                        values[k].append(v)
            shown = "; ".join(
                f"<code>{escape(k)}</code> ∈ {{{', '.join(escape(value_text(v)) for v in vs)}}}"
                for k, vs in values.items()
            )
        return f"factors ({len(res.factors)})", shown
    return None


def descriptions(res: Results) -> str:
    """What each scenario represents, as recorded when the runs were made."""
    record = recorded_scenarios(res)
    entries: list[tuple[str, str, list[dict[str, Any]]]] = []
    note = ""
    if record is not None:
        entries = [
            (e["label"], e.get("description") or "", e.get("schedule") or [])
            for e in record["design"][1:]
        ]
    elif res.is_sim:
        note = (
            " <small>(read from the scenario files when this report was written: this results "
            "folder, made by an earlier ocgsim, does not record them)</small>"
        )
        with contextlib.suppress(Exception):
            from sim.experiments.folder import experiment_from_results
            from sim.scenario import load_scenario

            experiment = experiment_from_results(res.path)
            for label, ref, _ in experiment.scenarios[1:]:
                if ref:
                    scenario = load_scenario(ref)
                    dated = [dataclasses.asdict(e) for e in scenario.schedule]
                    entries.append((label, scenario.description, dated))
    items = []
    for label, description, schedule in entries:
        text = description
        if schedule:
            dated = "; ".join(dated_change(e) for e in schedule)
            text = f"{text} Dated changes ([[schedule]]): {dated}.".strip()
        if text:
            items.append(f"<li><b>{escape(label)}</b>: {escape(text)}</li>")
    if items:
        return f"<p>What each scenario represents{note}:</p><ul>" + "".join(items) + "</ul>"
    return ""


def dated_change(entry: dict[str, Any]) -> str:
    """One ``[[schedule]]`` entry (``sim.scenario.ScheduleEntry``'s fields) in words."""
    parts = [f"{k} = {value_text(v)}" for k, v in (entry.get("levers") or {}).items()]
    if entry.get("operation"):
        where = f" in {entry['region']}" if entry.get("region") else ""
        parts.append(f"{entry['operation']} (share {float(entry.get('share', 0.0)):g}){where}")
    return f"week {entry['week']}: " + ", ".join(parts)
