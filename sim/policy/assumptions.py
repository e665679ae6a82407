"""The assumptions a result rests on, and which of them matter most.

Three sources, in order of preference:

1. ``docs/sensitivity.md`` (the project's sensitivity analysis, written from the Morris screening
   and the Sobol' study): its first Markdown table with a parameter (or factor) column is its
   ranking;
2. the results of the Morris screening (``experiments/morris_screening.toml``, by default in
   ``results/morris_screening/``): the parameters with the largest mu* for an outcome;
3. :data:`DEFAULT_ROBUSTNESS`, the three assumptions the model's harm is expected to depend on
   most (the conviction exit, the recovery of markets after disruption, and the offending rate
   of a member).

It also lists what the costs of the levers rest on (:data:`LEVER_COSTS`) and the assumptions of
the model's sections that a set of parameter changes acts through, for reports.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.levers import cost_parameters
from sim.params import PARAMETERS, ParamSpec, known, spec

__all__ = [
    "DEFAULT_ROBUSTNESS",
    "LEVER_COSTS",
    "MORRIS_RESULTS",
    "Ranking",
    "cost_assumptions",
    "doc_ranking",
    "influential",
    "is_assumption",
    "mechanism_assumptions",
    "morris_ranking",
    "sensitivity_doc",
]

#: The assumptions re-varied by default when nothing better is known (``ocgsim optimise``'s
#: ``--robustness``): how often a custodial sentence ends membership, how fast rivals take up a
#: disrupted group's market, and the share of OC offences the police record (which sets the
#: offence rates).
DEFAULT_ROBUSTNESS: tuple[str, ...] = (
    "justice.conviction_exit_probability",
    "community.market_recovery_rate",
    "harm.recording_ratio",
)

#: Where ``ocgsim experiment experiments/morris_screening.toml`` writes by default.
MORRIS_RESULTS = Path("results") / "morris_screening"

#: The ``cost.*`` parameters behind each lever's cost (the lever registry's, :mod:`sim.levers`;
#: priced by :func:`sim.levers.capacity_cost` for ``sim.processes.costs`` and
#: ``sim.policy.budget``).
LEVER_COSTS: dict[str, tuple[str, ...]] = cost_parameters()


def is_assumption(p: ParamSpec) -> bool:
    """Whether a parameter's value has no published source (its source says ``assumption``)."""
    return "assumption" in p.source.lower()


def _project_root() -> Path:
    return Path(__file__).resolve().parents[2]


def sensitivity_doc() -> Path | None:
    """``docs/sensitivity.md`` of the current folder, else of the project, if it exists."""
    for folder in (Path.cwd(), _project_root()):
        path = folder / "docs" / "sensitivity.md"
        if path.is_file():
            return path
    return None


@dataclass
class Ranking:
    """A ranking of parameters by influence.

    Attributes:
        source: Where it came from (a file or results folder).
        caption: What it ranks (the heading above the table, or the outcome).
        header: Column names.
        rows: Table rows (strings), most influential first.
        parameters: The parameter names found in the rows, in order.
    """

    source: str
    caption: str
    header: list[str]
    rows: list[list[str]]
    parameters: list[str]


_CELL_MARKUP = re.compile(r"`|\*\*")
_NAME = re.compile(r"\b([a-z_]+\.[a-z0-9_]+)\b")


def _cells(line: str) -> list[str]:
    return [_CELL_MARKUP.sub("", c).strip() for c in line.strip().strip("|").split("|")]


def doc_ranking(path: Path | None = None, limit: int = 12) -> Ranking | None:
    """The ranking table of ``docs/sensitivity.md``, if it has one.

    The first Markdown table whose header has a column naming parameters (``parameter``,
    ``factor`` or ``assumption``) is taken as the ranking, its rows in the file's order.

    Args:
        path: The file (default: :func:`sensitivity_doc`).
        limit: Most rows returned.

    Returns:
        The ranking, or None if there is no such file or table.
    """
    path = path or sensitivity_doc()
    if path is None:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    heading = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        is_table = (
            line.strip().startswith("|")
            and i + 1 < len(lines)
            and re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", lines[i + 1] or "x") is not None
        )
        if not is_table:
            i += 1
            continue
        header = _cells(line)
        body = []
        j = i + 2
        while j < len(lines) and lines[j].strip().startswith("|"):
            body.append(_cells(lines[j]))
            j += 1
        if any(re.search(r"param|factor|assumption", h, re.I) for h in header):
            names = []
            for row in body:
                for cell in row:
                    hit = next((n for n in _NAME.findall(cell) if known(n)), None)
                    if hit:
                        names.append(hit)
                        break
            return Ranking(str(path), heading, header, body[:limit], names)
        i = j
    return None


def morris_ranking(
    results: str | Path | None = None, outcome: str = "oc_harm_per_year", limit: int = 12
) -> Ranking | None:
    """The parameters with the largest Morris mu* for ``outcome``, from screening results.

    Args:
        results: The results folder of a Morris experiment (default: :data:`MORRIS_RESULTS`).
        outcome: The summary metric.
        limit: Most rows returned.

    Returns:
        The ranking, or None if the folder is missing, not a finished Morris design, or lacks
        the outcome.
    """
    import pandas as pd

    folder = Path(results) if results is not None else MORRIS_RESULTS
    if not (folder / "manifest.json").is_file():
        return None
    try:
        from sim.analysis import load_results
        from sim.analysis.sensitivity import morris_indices, point_means

        res = load_results(folder)
        if res.kind != "morris" or outcome not in res.runs:
            return None
        design = res.manifest["design"]
        if (res.runs["status"] == "ok").sum() < design["n_runs"]:
            return None
        y = point_means(res.runs, outcome, design["n_points"])
        names = design["problem"]["names"]
        x = res.design[[f"sample:{f}" for f in names]].to_numpy(dtype=float)
        table = morris_indices(
            design["problem"],
            x,
            y,
            levels=design["settings"].get("levels", 4),
            resamples=100,
            seed=0,
        )
    except Exception:  # noqa: BLE001 - an unreadable folder is no ranking, not a crash
        return None
    table = pd.DataFrame(table).sort_values("mu_star", ascending=False, kind="stable")
    rows = [[str(r.factor), f"{r.mu_star:.4g}", f"{r.sigma:.4g}"] for r in table.itertuples()]
    return Ranking(
        str(folder),
        f"Morris mu* of {outcome} (model units at the screening's scale)",
        ["parameter", "mu*", "sigma"],
        rows[:limit],
        [r[0] for r in rows],
    )


def influential(
    k: int = 3,
    *,
    outcome: str = "oc_harm_per_year",
    exclude: tuple[str, ...] | list[str] = (),
    results: str | Path | None = None,
) -> tuple[list[str], str]:
    """The ``k`` most influential assumptions to re-vary in a robustness check.

    Taken from the Morris screening results if they exist (the largest mu* for ``outcome``
    among parameters that are assumptions, not levers or run settings, and not excluded), else
    :data:`DEFAULT_ROBUSTNESS`.

    Returns:
        ``(names, where they came from)``.
    """
    ranking = morris_ranking(results, outcome, limit=10_000)
    if ranking is not None:
        chosen = []
        for name in ranking.parameters:
            p = spec(name) if known(name) else None
            if p is None or p.lever or p.section == "run" or name in exclude:
                continue
            if not is_assumption(p) or p.plausible_range() is None:
                continue
            chosen.append(name)
            if len(chosen) == k:
                break
        if chosen:
            return chosen, f"largest Morris mu* of {outcome} in {ranking.source}"
    chosen = [n for n in DEFAULT_ROBUSTNESS if n not in exclude][:k]
    return chosen, "documented defaults (no Morris screening results found)"


def cost_assumptions(changed: dict[str, Any] | list[str]) -> list[ParamSpec]:
    """The ``cost.*`` parameters behind the costs of the levers in ``changed``."""
    names: dict[str, None] = {}
    for lever in changed:
        for name in LEVER_COSTS.get(lever, ()):
            names[name] = None
    return [spec(n) for n in names]


def mechanism_assumptions(changed: dict[str, Any] | list[str]) -> list[ParamSpec]:
    """The assumptions a comparison of the changed parameters rests on.

    First the :data:`DEFAULT_ROBUSTNESS` ones, then every parameter marked ``assumption`` in
    ``harm`` (how OC harm is measured), then in the sections of the changed parameters (other
    than ``cost`` and ``run``, and other than the changed parameters themselves).
    """
    sections = []
    for name in changed:
        section = name.split(".", 1)[0]
        if section not in ("cost", "run", "harm") and section not in sections:
            sections.append(section)
    out: dict[str, ParamSpec] = {}
    for name in DEFAULT_ROBUSTNESS:
        with contextlib.suppress(KeyError):
            out.setdefault(name, spec(name))
    for section in ("harm", *sections):
        for p in PARAMETERS:
            if p.section == section and is_assumption(p) and p.name not in changed:
                out.setdefault(p.name, p)
    return list(out.values())
