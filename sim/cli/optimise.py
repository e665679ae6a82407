"""Command-line subcommand ``optimise``: the best mix of levers for an annual budget.

:func:`sim.cli.policy.register` adds its parser with :func:`add_optimise_parser`; the
subcommand sets ``func(args) -> int`` to :func:`cmd_optimise`.
Bad input raises ``ScenarioError`` (one line naming the option and what is allowed), which
``sim.cli.main`` prints with exit status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from sim.cli.checks import check_optimise_options, check_optimise_size
from sim.cli.robustness import assumptions_to_vary, default_assumptions, ensemble_worlds
from sim.experiments.cli import add_executor_options
from sim.io.guards import TerminatedError, check_destination, sigterm_raises
from sim.params import ScenarioError, spec
from sim.policy.outcomes import PRIMARY_OUTCOME
from sim.scenario import load_scenario

__all__ = [
    "add_optimise_parser",
    "cmd_optimise",
    "on_registry_steps",
    "outcome_names",
    "outcome_shown",
]


def add_optimise_parser(subparsers: Any) -> None:
    """Add the ``optimise`` subcommand.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.
    """
    p = subparsers.add_parser(
        "optimise",
        help="best mix of levers for an annual budget (Pareto front, recommendation, robustness)",
    )
    p.add_argument(
        "--budget",
        type=float,
        required=True,
        help="annual budget above today's spending, GBP million at full scale",
    )
    p.add_argument(
        "--levers",
        action="append",
        metavar="NAME[=LOW:HIGH]",
        help="lever to search (repeatable or comma-separated; default: PIOs, police capacity, "
        "separation places, liaison officers, local meetings, database, protocol, software)",
    )
    p.add_argument("--scenario", default=None, help="scenario whose setting to search in")
    p.add_argument(
        "--outcome",
        default=PRIMARY_OUTCOME,
        help=f"summary metric to minimise (default: the primary outcome, {PRIMARY_OUTCOME})",
    )
    p.add_argument("--scale", type=float, default=0.02, help="model scale (default 0.02)")
    p.add_argument("--years", type=int, default=4, help="years per run (default 4)")
    p.add_argument("--replicates", type=int, default=8, help="most replicates a mix gets (8)")
    p.add_argument("--candidates", type=int, default=32, help="mixes in the design (32)")
    p.add_argument("--confirm", type=int, default=None, help="fresh replicates for the interval")
    p.add_argument("--seed", type=int, default=20240601, help="root seed")
    p.add_argument(
        "--robustness",
        nargs="+",
        metavar="PARAM",
        help="assumptions to re-vary (low and high of their plausible range) for the best mixes "
        "(default: the largest Morris mu* in results/morris_screening/ if it exists, else "
        "justice.conviction_exit_probability, community.market_recovery_rate, "
        "harm.recording_ratio; chosen when the search starts, and kept when the same "
        "command continues it)",
    )
    p.add_argument(
        "--no-robustness", action="store_true", help="skip the robustness check of the ranking"
    )
    p.add_argument("--top", type=int, default=3, help="mixes in the robustness check (3)")
    p.add_argument(
        "--ensemble",
        metavar="FILE",
        help="check the best mixes in each plausible world of FILE (ocgsim calibrate --ensemble) "
        "instead of at low and high values of a few assumptions",
    )
    p.add_argument(
        "--worlds",
        type=int,
        default=None,
        help="with --ensemble: how many of its worlds, the first ones (default 10, or all)",
    )
    p.add_argument(
        "--out",
        default=None,
        help="output folder (must not exist; default results/optimise-budget<B>-scale<S>-<id>/, "
        "the same for the same search, whose runs are kept in <out>.partial/ until it ends)",
    )
    add_executor_options(p, workers=0, scheduler="")
    p.add_argument("--results", default="results", help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=cmd_optimise)


def outcome_names() -> list[str]:
    """The summary metrics the model returns (``ocgsim metrics`` lists them)."""
    from sim.analysis import units

    return units.summary_names()


def on_registry_steps(space):
    """The space with each lever's step, unit and label from the lever registry.

    A float lever is searched and shown on the registry's step (what a user can set it to: the
    dashboard's slider); a lever the registry does not hold keeps any value.
    """
    from sim.levers import lever
    from sim.policy.optimise import LeverSpace

    levers = []
    for lv in space.levers:
        try:
            entry = lever(lv.name)
        except KeyError:
            levers.append(lv)
            continue
        step = float(entry.step) if lv.kind == "float" and entry.step else None
        unit = "" if entry.unit in ("-", "") else entry.unit
        levers.append(dataclasses.replace(lv, step=step, unit=unit, label=entry.label))
    return LeverSpace(tuple(levers))


def outcome_shown(outcome: str, scale: float) -> tuple[str, str, float]:
    """How the outcome is shown: its plain name, its unit and the factor to full scale.

    A count (an extensive metric) run at ``scale`` is shown as its full-scale equivalent
    (divided by ``scale``), as ``ocgsim compare`` shows it; a rate or a share as it is.

    Returns:
        ``(label, unit, factor)``.
    """
    from sim.analysis import units
    from sim.policy.report.words import PLAIN

    m = units.info(outcome)
    label = PLAIN[outcome][0] if outcome in PLAIN else outcome.replace("_", " ")
    if m is None:
        return label, "", 1.0
    unit = m.unit if m.unit != "1" else ""
    if m.extensive:
        where = "full scale" if scale == 1 else "full-scale equivalent"
        return label, f"{unit}, {where}" if unit else where, 1.0 / scale
    return label, unit, 1.0


def _validate(args: argparse.Namespace):
    from sim.experiments.spec import check_count, check_scheduler
    from sim.policy.budget import AnnualCost, lever_space, parse_levers
    from sim.policy.optimise import SearchSettings

    if not (math.isfinite(args.budget) and args.budget >= 0):
        raise ScenarioError(
            f"--budget {args.budget:g}: allowed: a number >= 0 (GBP million a year above today's "
            "spending, full scale)"
        )
    check_optimise_options(args)
    spec("run.scale").check(args.scale, "--scale")
    spec("run.years").check(args.years, "--years")
    checks = (
        ("--replicates", args.replicates, 2, "a whole number >= 2"),
        ("--candidates", args.candidates, 1, "a whole number >= 1"),
        ("--seed", args.seed, 0, "a whole number >= 0"),
        ("--top", args.top, 1, "a whole number >= 1"),
    )
    for option, value, low, allowed in checks:
        if value < low:
            raise ScenarioError(f"{option} {value}: allowed: {allowed}")
    check_count(args.workers, "--workers")
    if args.scheduler:
        check_scheduler(args.scheduler)
    confirm = args.replicates if args.confirm is None else args.confirm
    if confirm < 0 or confirm == 1:
        raise ScenarioError(f"--confirm {confirm}: allowed: 0 (none) or a whole number >= 2")
    scenario = load_scenario(args.scenario)
    if args.years * 52 <= scenario.parameters()["run.intervention_week"]:
        raise ScenarioError(
            f"--years {args.years}: the levers switch on at week "
            f"{scenario.parameters()['run.intervention_week']}; allowed: more years than that"
        )
    ranges = parse_levers(args.levers)
    names = outcome_names()
    if args.outcome not in names:
        raise ScenarioError(f"--outcome {args.outcome!r}: allowed: one of {', '.join(names)}")
    # assumptions given on the command line are part of the search's identity; the default ones
    # depend on what results/morris_screening/ holds when the search starts, so they are chosen
    # once, recorded in the runs folder, and reused by the same command (see below)
    worlds, ensemble = ensemble_worlds(args, list(ranges), scenario)
    chosen = bool(args.robustness) or args.no_robustness or bool(worlds)
    if worlds:  # the worlds replace the assumptions varied one at a time
        robust, source = {}, ensemble["source"]
    else:
        robust, source = assumptions_to_vary(args, list(ranges)) if chosen else ({}, "")
    settings = SearchSettings(
        candidates=args.candidates,
        min_replicates=2,
        max_replicates=args.replicates,
        zoom_candidates=max(4, args.candidates // 2),
        confirm=confirm,
        seed=args.seed,
    )
    check_optimise_size(args, settings.planned_runs())
    space = on_registry_steps(lever_space(ranges, scenario))
    identity = {
        "budget": args.budget,
        "levers": [list(map(str, (n, *r))) for n, r in ranges.items()],
        "scenario": str(scenario.path) if scenario.path else scenario.name,
        "outcome": args.outcome,
        "scale": args.scale,
        "years": args.years,
        "settings": dataclasses.asdict(settings),
        "robustness": [[n, *r] for n, r in robust.items()] if chosen else "default",
        "top": args.top,
    }
    if worlds:
        identity["ensemble"] = [ensemble["sha256"], len(worlds)]
    out_dir = _output_folder(args, identity)
    if not chosen:
        robust, source = default_assumptions(args, list(ranges), _partial(out_dir), identity)
    check = {"assumptions": robust, "source": source, "worlds": worlds, "ensemble": ensemble}
    return scenario, space, AnnualCost(scenario), settings, out_dir, identity, check


def _output_folder(args: argparse.Namespace, identity: dict[str, Any]) -> Path:
    """The search's output folder (``--out``, else named by the search's identity), checked new."""
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:10]
    if args.out is not None:
        if not args.out.strip():
            raise ScenarioError("--out '': an empty path; allowed: a folder path")
        out_dir = Path(args.out)
    else:
        name = f"optimise-budget{args.budget:g}-scale{args.scale:g}-{digest}"
        out_dir = Path(args.results) / name
    if out_dir.exists():
        raise ScenarioError(
            f"--out {out_dir}: already exists; allowed: a folder that does not exist"
        )
    check_destination(out_dir, "--out", new=True, need_bytes=20_000_000)
    return out_dir


def _partial(out_dir: Path) -> Path:
    """The folder of a search's runs until it ends (then moved into ``<out>/runs``)."""
    return out_dir.parent / f"{out_dir.name}.partial"


def _planned_runs(args: argparse.Namespace, settings, check: dict[str, Any]) -> int:
    """The runs the search plans: the design and its zoom, plus the robustness check's."""
    planned = settings.planned_runs()
    conditions = 2 * len(check["assumptions"]) + len(check["worlds"])
    if conditions:
        seeds = settings.confirm if settings.confirm >= 2 else settings.max_replicates
        planned += (args.top + 1) * (conditions + 1) * seeds
    return planned


def _engine_batch(
    args: argparse.Namespace,
    scenario,
    space,
    out_dir: Path,
    identity: dict[str, Any],
    check: dict[str, Any],
):
    """The experiment engine's batch that runs the search, its runs kept in ``<out>.partial/``."""
    from sim.api import SCENARIO_KEY
    from sim.experiments.batch import EngineBatch

    fixed = {"run.scale": args.scale, "run.years": args.years}
    if scenario.path is not None:
        fixed[SCENARIO_KEY] = str(scenario.path)
    return EngineBatch(
        _partial(out_dir),
        identity,
        fixed,
        space.names,
        executor="dask" if args.scheduler else (args.executor or "processes"),
        workers=args.workers,
        scheduler=args.scheduler,
        record={
            "robustness": {
                "assumptions": [[n, *r] for n, r in check["assumptions"].items()],
                "source": check["source"],
            }
        },
    )


def _search(args: argparse.Namespace, batch, planned: int, space, cost, settings, check):
    """Run the search (and the robustness check) through ``batch`` under a progress bar."""
    from tqdm import tqdm

    from sim.policy.optimise import optimise, robustness

    with (
        tqdm(
            total=planned,
            unit="run",
            desc=f"optimise (budget {args.budget:g})",
            disable=args.quiet,
            file=sys.stderr,
            mininterval=0.5,
        ) as bar,
        sigterm_raises(),
        batch,
    ):
        batch.progress = bar.update
        result = optimise(space, None, cost, args.budget, args.outcome, settings, batch=batch)
        if check["assumptions"] or check["worlds"]:
            result.robustness = robustness(
                result,
                batch,
                check["assumptions"],
                top=args.top,
                source=check["source"],
                worlds=check["worlds"],
            )
        bar.total = bar.n
        bar.refresh()
    return result


def _manifest(
    args: argparse.Namespace,
    scenario,
    cost,
    check: dict[str, Any],
    wall: float,
    engine: dict[str, Any],
) -> dict[str, Any]:
    """The manifest of a finished search: the command, its settings, costs and versions."""
    from sim.io.files import command_line, git_commit, versions

    return {
        "command": " ".join(command_line() or ["ocgsim", "optimise"]),
        "scenario": scenario.name,
        "scale": args.scale,
        "years": args.years,
        "outcome_units": (
            f"mixes.csv, front.csv and robustness.csv: model units at scale {args.scale:g} "
            f"(summary metric {args.outcome}); printed, front.png and recommendation.json's "
            "change_shown: " + (outcome_shown(args.outcome, args.scale)[1] or "as in the model")
        ),
        "costs": cost.assumptions(),
        "robustness": {
            "assumptions": {k: list(v) for k, v in check["assumptions"].items()},
            "source": check["source"],
            "ensemble": check["ensemble"] or None,
            "top": args.top,
        },
        "versions": versions(),
        "git_commit": git_commit(),
        "wall_seconds": round(wall, 3),
        "evaluator": {"engine": engine, "model": "sim.api:simulate"},
    }


def cmd_optimise(args: argparse.Namespace) -> int:
    """Search the lever mixes within the budget on the model; write the front and the choice.

    The runs go through the experiment engine (:class:`sim.experiments.batch.EngineBatch`):
    in parallel, stored in ``<out>.partial/`` as they finish, and read back when the same
    command is given again after an interruption; the folder moves into ``<out>/runs/`` at the
    end.
    """
    from sim.experiments.batch import RunFailedError
    from sim.policy.optimise import write_result
    from sim.policy.optimise.result import OutcomeFormat

    scenario, space, cost, settings, out_dir, identity, check = _validate(args)
    partial = _partial(out_dir)
    planned = _planned_runs(args, settings, check)
    batch = _engine_batch(args, scenario, space, out_dir, identity, check)
    batch.check()
    start = time.perf_counter()
    try:
        result = _search(args, batch, planned, space, cost, settings, check)
    except RunFailedError as exc:
        print(f"ocgsim: error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(
            f"ocgsim: interrupted; the runs so far are kept in {partial}/; give the same command "
            "again to continue",
            file=sys.stderr,
        )
        return 130
    except TerminatedError:
        print(
            f"ocgsim: terminated (SIGTERM); the runs so far are kept in {partial}/; give the same "
            "command again to continue",
            file=sys.stderr,
        )
        return 143
    wall = time.perf_counter() - start
    engine = batch.session(out_dir / "runs")
    # the distinct runs the search used, as the manifest counts them (a robustness run that
    # repeats a confirmation run is read back, not run twice)
    result.runs = engine["runs_made"] + engine["runs_read_back"]
    label, unit, per = outcome_shown(args.outcome, args.scale)
    result.outcome_label, result.outcome_unit, result.outcome_per = label, unit, per
    result.cost_unit = "GBP million a year, full scale"
    manifest = _manifest(args, scenario, cost, check, wall, engine)
    write_result(
        result, out_dir, manifest=manifest, unit="GBP million a year, full scale", runs=partial
    )
    if not args.quiet:
        print(result.text())
        if engine["runs_read_back"]:
            print(
                f"({engine['runs_made']:,} runs made now, {engine['runs_read_back']:,} read back "
                "from an earlier start of the same search)"
            )
        print(
            f"costs: GBP million a year above today's spending, full scale; {label}: "
            + (OutcomeFormat(unit, per).unit_words.strip() or "as the model gives it")
            + (
                f" (runs at scale {args.scale:g}, counts divided by {args.scale:g})"
                if per != 1
                else ""
            )
        )
        print(f"\nresults written to {out_dir}/")
    return 0
