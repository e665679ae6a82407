"""Command-line subcommands for policy teams: ``compare``, ``report``, ``dashboard``, ``optimise``.

``sim.cli.main`` calls :func:`register` with its subparsers; each subcommand sets
``func(args) -> int``.
Bad input raises ``ScenarioError`` (one line naming the option and what is allowed), which
``sim.cli.main`` prints with exit status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import importlib.util
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from sim.cli.checks import (
    check_compare,
    check_optimise_options,
    check_optimise_size,
    check_port,
)
from sim.experiments.cli import add_executor_options
from sim.io.guards import TerminatedError, check_destination, sigterm_raises
from sim.params import ScenarioError, spec
from sim.scenario import load_scenario

__all__ = ["VIZ_MODULES", "dashboard_command", "register"]

#: Modules the dashboard needs (the optional extra ``viz``).
VIZ_MODULES = ("solara", "altair", "networkx", "ipyvuetify")

#: Environment for the dashboard's server: no usage statistics sent to Solara's developers.
DASHBOARD_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}


def register(subparsers: Any) -> None:
    """Add the ``compare``, ``report``, ``dashboard`` and ``optimise`` subcommands.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.
    """
    from sim.policy.compare import DEFAULTS

    p = subparsers.add_parser(
        "compare",
        help="baseline against scenarios: run, analyse and write an HTML report (one command)",
    )
    p.add_argument(
        "scenarios",
        nargs="+",
        metavar="SCENARIO",
        help="scenario names (ocgsim scenarios lists them) or scenario files",
    )
    p.add_argument(
        "--replicates",
        type=int,
        help=f"runs per scenario, same seeds in every scenario (default {DEFAULTS['replicates']})",
    )
    p.add_argument(
        "--scale", type=float, help=f"share of England & Wales (default {DEFAULTS['scale']})"
    )
    p.add_argument("--years", type=int, help=f"years per run (default {DEFAULTS['years']})")
    p.add_argument(
        "--intervention-week",
        type=int,
        help="week the interventions switch on; the summary window starts there (default "
        f"{DEFAULTS['intervention_week']})",
    )
    p.add_argument("--seed", type=int, help=f"root seed (default {DEFAULTS['seed']})")
    p.add_argument(
        "--out",
        help="results folder (default results/compare-<scenarios>-<settings>/; the same command "
        "continues a stopped comparison)",
    )
    add_executor_options(p)
    p.add_argument(
        "--allow-short-window",
        action="store_true",
        help="accept a summary window (intervention week to the end) under 52 weeks",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_compare)

    p = subparsers.add_parser(
        "report", help="one self-contained HTML report of an experiment's results folder"
    )
    p.add_argument("results", help="results folder (of ocgsim compare or ocgsim experiment)")
    p.add_argument(
        "--baseline",
        help="scenario to compare against (default: the experiment's baseline, else its first "
        "scenario)",
    )
    p.add_argument("--out", help="the HTML file to write (default RESULTS/report.html)")
    p.set_defaults(func=cmd_report)
    p = subparsers.add_parser(
        "dashboard", help="live dashboard in the browser (needs the extra 'viz')"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free port)")
    p.set_defaults(func=cmd_dashboard)

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
        "--outcome", default="oc_harm_per_year", help="summary metric to minimise (OC harm)"
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
        "harm.offences_per_member_week; chosen when the search starts, and kept when the same "
        "command continues it)",
    )
    p.add_argument(
        "--no-robustness", action="store_true", help="skip the robustness check of the ranking"
    )
    p.add_argument("--top", type=int, default=3, help="mixes in the robustness check (3)")
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


# --------------------------------------------------------------------------------------------
# compare and report
# --------------------------------------------------------------------------------------------
def cmd_compare(args: argparse.Namespace) -> int:
    """Run the baseline and the scenarios, analyse them and write the report.

    Before anything runs, :func:`sim.cli.checks.check_compare` refuses what cannot be meant.
    """
    from sim.policy.compare import DEFAULTS, comparison_experiment, main_compare

    check_compare(args, DEFAULTS, comparison_experiment)
    return main_compare(args)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report of a results folder."""
    from sim.experiments.store import require_runs
    from sim.policy.report import write_report

    require_runs(args.results)
    try:
        path = write_report(args.results, args.out, baseline=args.baseline)
    except OSError as exc:
        where = args.out or f"{args.results}/report.html"
        print(
            f"ocgsim: error: report {where}: could not write it ({exc.strerror or exc}); nothing "
            "was written",
            file=sys.stderr,
        )
        return 1
    print(f"report written to {path}")
    return 0


# --------------------------------------------------------------------------------------------
# dashboard
# --------------------------------------------------------------------------------------------
def missing_viz() -> list[str]:
    """Modules of the ``viz`` extra that are not installed."""
    return [m for m in VIZ_MODULES if importlib.util.find_spec(m) is None]


def dashboard_command(host: str, port: int) -> list[str]:
    """The command that serves the dashboard (Solara's server, production mode)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.policy.dashboard",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard until interrupted."""
    check_port(args.host, args.port)
    missing = missing_viz()
    if missing:
        print(
            f"ocgsim: error: dashboard: the optional extra 'viz' is not installed (missing "
            f"{', '.join(missing)}); install it with: pip install -e '.[viz]'",
            file=sys.stderr,
        )
        return 2
    env = {**os.environ, **DASHBOARD_ENV}
    shown = f"[{args.host}]" if ":" in args.host else args.host
    where = f"http://{shown}:{args.port}/" if args.port else f"{shown}, a free port (see below)"
    print(f"ocgsim dashboard: {where} (Ctrl-C stops it)", file=sys.stderr)
    sys.stderr.flush()
    # become the server: signals (Ctrl-C, a service manager's SIGTERM) reach it directly
    os.execve(sys.executable, dashboard_command(args.host, args.port), env)
    return 0  # pragma: no cover - execve does not return


# --------------------------------------------------------------------------------------------
# optimise
# --------------------------------------------------------------------------------------------
def outcome_names() -> list[str]:
    """The summary metrics the model returns (``ocgsim metrics`` lists them)."""
    from sim.analysis import units

    return units.summary_names()


def _robustness(args: argparse.Namespace, levers: list[str]) -> tuple[dict[str, tuple], str]:
    """The assumptions to re-vary, their low and high values, and where they came from.

    Without ``--robustness`` or ``--no-robustness``: the largest Morris mu* in
    ``<results>/morris_screening/`` if it holds a finished screening, else the documented
    defaults (:func:`sim.policy.assumptions.influential`).
    """
    from sim.params import known
    from sim.policy.assumptions import influential

    if args.no_robustness:
        return {}, "none (--no-robustness)"
    if args.robustness:
        names, source = list(args.robustness), "--robustness"
        for name in names:
            if not known(name):
                raise ScenarioError(
                    f"--robustness {name}: unknown parameter; allowed: a numeric parameter "
                    "(docs/parameters.md), e.g. community.market_recovery_rate"
                )
            p = spec(name)
            if p.plausible_range() is None or p.section == "run" or name in levers:
                raise ScenarioError(
                    f"--robustness {name}: allowed: a numeric model parameter that is not a run "
                    "setting or a lever being searched"
                )
        if len(set(names)) != len(names):
            raise ScenarioError("--robustness: a parameter is given twice; allowed: each once")
    else:
        morris = Path(args.results) / "morris_screening"
        names, source = influential(3, outcome=args.outcome, exclude=levers, results=morris)
    return {n: tuple(spec(n).plausible_range()) for n in names}, source


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
    chosen = bool(args.robustness) or args.no_robustness
    robust, source = _robustness(args, list(ranges)) if chosen else ({}, "")
    settings = SearchSettings(
        candidates=args.candidates,
        min_replicates=2,
        max_replicates=args.replicates,
        zoom_candidates=max(4, args.candidates // 2),
        confirm=confirm,
        seed=args.seed,
    )
    check_optimise_size(args, settings.planned_runs())
    space = lever_space(ranges, scenario)
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
    if not chosen:
        robust, source = _default_robustness(args, list(ranges), out_dir, identity)
    return scenario, space, AnnualCost(scenario), settings, out_dir, identity, robust, source


def _partial(out_dir: Path) -> Path:
    """The folder of a search's runs until it ends (then moved into ``<out>/runs``)."""
    return out_dir.parent / f"{out_dir.name}.partial"


def _default_robustness(
    args: argparse.Namespace, levers: list[str], out_dir: Path, identity: dict[str, Any]
) -> tuple[dict[str, tuple], str]:
    """The default robustness assumptions: those a stopped run of this search recorded, if any.

    A search stopped and started again with the same command continues with the assumptions it
    chose when it started, even if a Morris screening has finished since (or the command is
    given from another folder with the same ``--out``); a new search chooses them now.
    """
    from sim.experiments.batch import EngineBatch

    record = EngineBatch.recorded(_partial(out_dir), identity) or {}
    stored = record.get("robustness")
    if isinstance(stored, dict) and isinstance(stored.get("assumptions"), list):
        robust = {str(n): (low, high) for n, low, high in stored["assumptions"]}
        return robust, str(stored.get("source", ""))
    return _robustness(args, levers)


def cmd_optimise(args: argparse.Namespace) -> int:
    """Search the lever mixes within the budget on the model; write the front and the choice.

    The runs go through the experiment engine (:class:`sim.experiments.batch.EngineBatch`):
    in parallel, stored in ``<out>.partial/`` as they finish, and read back when the same
    command is given again after an interruption; the folder moves into ``<out>/runs/`` at the
    end.
    """
    from tqdm import tqdm

    from sim.api import SCENARIO_KEY
    from sim.experiments.batch import EngineBatch, RunFailedError
    from sim.io.files import command_line, git_commit, versions
    from sim.policy.optimise import optimise, robustness, write_result

    scenario, space, cost, settings, out_dir, identity, robust, source = _validate(args)
    partial = _partial(out_dir)
    fixed = {"run.scale": args.scale, "run.years": args.years}
    if scenario.path is not None:
        fixed[SCENARIO_KEY] = str(scenario.path)
    planned = settings.planned_runs()
    if robust:
        seeds = settings.confirm if settings.confirm >= 2 else settings.max_replicates
        planned += (args.top + 1) * (2 * len(robust) + 1) * seeds
    batch = EngineBatch(
        partial,
        identity,
        fixed,
        space.names,
        executor="dask" if args.scheduler else (args.executor or "processes"),
        workers=args.workers,
        scheduler=args.scheduler,
        record={
            "robustness": {
                "assumptions": [[n, *r] for n, r in robust.items()],
                "source": source,
            }
        },
    )
    batch.check()
    start = time.perf_counter()
    try:
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
            if robust:
                result.robustness = robustness(result, batch, robust, top=args.top, source=source)
            bar.total = bar.n
            bar.refresh()
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
    manifest = {
        "command": " ".join(command_line() or ["ocgsim", "optimise"]),
        "scenario": scenario.name,
        "scale": args.scale,
        "years": args.years,
        "outcome_units": f"model units at scale {args.scale:g} (summary metric {args.outcome})",
        "costs": cost.assumptions(),
        "robustness": {
            "assumptions": {k: list(v) for k, v in robust.items()},
            "source": source,
            "top": args.top,
        },
        "versions": versions(),
        "git_commit": git_commit(),
        "wall_seconds": round(wall, 3),
        "evaluator": {"engine": batch.session(out_dir / "runs"), "model": "sim.api:simulate"},
    }
    write_result(
        result, out_dir, manifest=manifest, unit="GBP million a year, full scale", runs=partial
    )
    if not args.quiet:
        print(result.text())
        print(
            f"costs: GBP million a year above today's, full scale; {args.outcome}: model units "
            f"at scale {args.scale:g}"
        )
        print(f"\nresults written to {out_dir}/")
    return 0
