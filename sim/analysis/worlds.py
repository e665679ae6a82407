"""``ocgsim analyse`` of an experiment run over plausible worlds (``[design] ensemble``).

The runs of such an experiment are (scenario, world, replicate) with the same seed for a
replicate in every world and scenario (:mod:`sim.experiments.ensemble`). A comparison pooled
over worlds would pair a run with the baseline of another world, so the single-world analysis
(summary by scenario, paired differences, forest plots) is replaced by the analysis of
``ocgsim compare --ensemble``: the analysis folder gets that command's ``runs.csv`` and
``worlds.json`` (every run's metrics with its tasking, world, scenario and seed; what was run),
and :func:`sim.policy.worlds_report.write_tables` computes from them each intervention's paired
effect on the primary outcome across worlds and seeds, "A beats B", the seed noise against the
worlds and the assumptions' shares, and ``report.html`` with its assurance appendix. ``ocgsim
report DIR/analysis`` rebuilds them from the stored runs. The tasking column holds the
experiment's ``disruption.tasking`` (one structure: an experiment runs the structure it sets).
"""

from __future__ import annotations

from typing import Any

from sim.analysis.results import Results
from sim.analysis.summary import AnalysisReport

__all__ = ["analyse_worlds", "experiment_tasking", "is_worlds_experiment"]

#: The structural switch of police tasking (the ``tasking`` column of the runs).
TASKING = "disruption.tasking"


def is_worlds_experiment(res: Results) -> bool:
    """Whether the results are of an experiment run over plausible worlds."""
    from sim.experiments.ensemble import ensemble_record

    return ensemble_record(res.manifest) is not None


def experiment_tasking(manifest: dict[str, Any], report: AnalysisReport) -> str:
    """The police tasking the experiment's baseline ran under (the ``tasking`` column).

    ``[parameters]`` first, then the base scenario's values as the manifest recorded them, then
    the default. A listed scenario that sets the tasking is paired with the baseline all the same
    (its effect then includes the change of tasking): the report is warned.
    """
    from sim.params.table import spec

    given = manifest["design"].get("base_parameters") or {}
    record = manifest.get("scenarios") or {}
    base_values = (record.get("base") or {}).get("values") or {}
    tasking = given.get(TASKING, base_values.get(TASKING, spec(TASKING).default))
    switched = [
        e["label"] for e in record.get("design", [])[1:] if TASKING in (e.get("values") or {})
    ]
    if switched:
        report.warnings.append(
            f"{', '.join(switched)} set(s) {TASKING}: paired with the baseline under "
            f"{tasking!r}, so the effect includes the change of police tasking"
        )
    return str(tasking)


def analyse_worlds(
    res: Results, metrics: list[str], baseline: str | None, report: AnalysisReport
) -> None:
    """Write the across-worlds tables and report of an experiment over plausible worlds.

    Args:
        res: Loaded results of an experiment with ``[design] ensemble``.
        metrics: The metrics analysed (the across-worlds tables are of the primary outcome;
            ``runs.csv`` keeps every metric, for the held-out scorecard).
        baseline: Scenario label of the baseline (None: the experiment's first scenario).
        report: Where the tables, files and notes go.
    """
    from sim.params.table import spec
    from sim.policy.outcomes import PRIMARY_OUTCOME
    from sim.policy.worlds_report import write_folder

    design = res.manifest["design"]
    record = design["settings"]["ensemble"]
    given = design.get("base_parameters") or {}
    labels = list(dict.fromkeys(p["scenario"] for p in design["points"]))
    base = baseline or (res.manifest.get("analysis") or {}).get("baseline") or labels[0]
    if PRIMARY_OUTCOME not in res.runs:
        report.warnings.append(f"{PRIMARY_OUTCOME} is not in the results: no worlds analysis")
        return
    runs = res.runs[res.runs["status"] == "ok"].copy()  # one block: assign stays cheap
    tasking = experiment_tasking(res.manifest, report)
    keys = ["run_id", "tasking", "world", "scenario", "seed"]
    skipped = {*keys, "point_id", "replicate", "status", "error"}
    frame = runs.assign(tasking=tasking, world=runs["world"].astype(int))
    frame = frame[[*keys, *(c for c in runs.columns if c not in skipped)]]
    frame = frame.sort_values("run_id")
    names = ("run.scale", "run.years", "run.intervention_week")
    context: dict[str, Any] = {
        "scenarios": [label for label in labels if label != base],
        "baseline": base,
        "ensemble": record["file"],
        "sha256": record["sha256"],
        "worlds": len(record["values"]),
        "seeds": [int(s) for s in design["seeds"]],
        "settings": {n: given.get(n, spec(n).default) for n in names},
        "replicates": int(design["replicates"]),
        "parameters": record["parameters"],
        "values": record["values"],
    }
    for name, table in write_folder(report.work, frame, context).items():
        report.tables[f"worlds_{name}"] = table
    # paired_effects leaves out an intervention's run whose baseline run failed
    unpaired = int((frame["scenario"] != base).sum()) - len(report.tables["worlds_effects"])
    if unpaired:
        report.warnings.append(
            f"{unpaired} run(s) of the interventions left out of the effects: the baseline "
            f"{base!r} failed in their world at their seed (an effect is paired within world "
            "and seed)"
        )
    report.files += [report.path / p.name for p in sorted(report.work.iterdir())]
    report.notes.append(
        f"over {context['worlds']} plausible worlds of {record['file']}: each intervention's "
        f"paired effect on {PRIMARY_OUTCOME} (% of the world's mean baseline {base!r}) across "
        "worlds and seeds in effects_by_tasking.csv and report.html (as ocgsim compare "
        "--ensemble); the single-world comparison is not made (it would pair runs of different "
        f"worlds); {', '.join(m for m in metrics if m != PRIMARY_OUTCOME) or 'no other metric'}"
        " in runs.csv"
    )
    by = report.tables["worlds_by_tasking"]
    for row in by.itertuples():
        report.notes.append(
            f"{row.scenario}: {row.mean:+.1f}% [{row.mean_low:+.1f}, {row.mean_high:+.1f}]; "
            f"reduces harm in {row.share_reducing:.0%} of {row.worlds} worlds "
            f"[{row.share_low:.0%}-{row.share_high:.0%}] ({row.words})"
        )
