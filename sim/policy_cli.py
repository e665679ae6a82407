"""Command-line subcommands for policy teams: ``dashboard`` and ``optimise``.

``sim.cli`` calls :func:`register` with its subparsers; each subcommand sets ``func(args) -> int``.
Bad input raises ``ScenarioError`` (one line naming the option and what is allowed), which
``sim.cli`` prints with exit status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.params import ScenarioError, spec

__all__ = ["VIZ_MODULES", "dashboard_command", "register"]

#: Modules the dashboard needs (the optional extra ``viz``).
VIZ_MODULES = ("solara", "altair", "networkx", "ipyvuetify")

#: Environment for the dashboard's server: no usage statistics sent to Solara's developers.
DASHBOARD_ENV = {"SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}


def register(subparsers: Any) -> None:
    """Add the ``dashboard`` and ``optimise`` subcommands.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.
    """
    p = subparsers.add_parser(
        "dashboard", help="live dashboard in the browser (needs the extra 'viz')"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free port)")
    p.set_defaults(func=cmd_dashboard)

    p = subparsers.add_parser(
        "optimise", help="best mix of levers for an annual budget (Pareto front + recommendation)"
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
        "liaison officers, local meetings, database, protocol, software)",
    )
    p.add_argument("--scenario", default=None, help="scenario whose setting to search in")
    p.add_argument("--outcome", default="ocg_members", help="summary metric to minimise")
    p.add_argument("--scale", type=float, default=0.02, help="model scale (default 0.02)")
    p.add_argument("--years", type=int, default=4, help="years per run (default 4)")
    p.add_argument("--replicates", type=int, default=8, help="most replicates a mix gets (8)")
    p.add_argument("--candidates", type=int, default=32, help="mixes in the design (32)")
    p.add_argument("--confirm", type=int, default=None, help="fresh replicates for the interval")
    p.add_argument("--seed", type=int, default=20240601, help="root seed")
    p.add_argument("--out", default=None, help="output folder (must not exist)")
    p.add_argument("--results", default="results", help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=cmd_optimise)


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
        "sim.dashboard",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
    ]


def _check_port(host: str, port: int) -> None:
    if not 0 <= port <= 65535:
        raise ScenarioError(f"--port {port}: allowed: a whole number in [0, 65535]")
    if not host:
        raise ScenarioError("--host '': allowed: an address such as 127.0.0.1")
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
            s.bind((host, port))
    except OSError as exc:
        raise ScenarioError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror}); allowed: a local "
            "address and a free port (0 picks one)"
        ) from None


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Serve the dashboard until interrupted."""
    _check_port(args.host, args.port)
    missing = missing_viz()
    if missing:
        print(
            f"ocgsim: error: dashboard: the optional extra 'viz' is not installed (missing "
            f"{', '.join(missing)}); install it with: pip install -e '.[viz]'",
            file=sys.stderr,
        )
        return 1
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
    """The summary metrics the model returns (a two-week run at a tiny scale)."""
    from sim.api import simulate

    return sorted(simulate({"run.scale": 0.005, "run.years": 1, "run.intervention_week": 0}, 1))


def _validate(args: argparse.Namespace):
    from sim.budget import AnnualCost, lever_space, parse_levers
    from sim.optimise import SearchSettings
    from sim.scenario import load_scenario

    if not (math.isfinite(args.budget) and args.budget >= 0):
        raise ScenarioError(
            f"--budget {args.budget:g}: allowed: a number >= 0 (GBP million a year above today's "
            "spending, full scale)"
        )
    spec("run.scale").check(args.scale, "--scale")
    spec("run.years").check(args.years, "--years")
    checks = (
        ("--replicates", args.replicates, 2, "a whole number >= 2"),
        ("--candidates", args.candidates, 1, "a whole number >= 1"),
        ("--seed", args.seed, 0, "a whole number >= 0"),
    )
    for option, value, low, allowed in checks:
        if value < low:
            raise ScenarioError(f"{option} {value}: allowed: {allowed}")
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
    out_dir = Path(args.out) if args.out else None
    if out_dir is not None and out_dir.exists():
        raise ScenarioError(
            f"--out {out_dir}: already exists; allowed: a folder that does not exist"
        )
    settings = SearchSettings(
        candidates=args.candidates,
        min_replicates=2,
        max_replicates=args.replicates,
        zoom_candidates=max(4, args.candidates // 2),
        confirm=confirm,
        seed=args.seed,
    )
    return scenario, lever_space(ranges, scenario), AnnualCost(scenario), settings, out_dir


def cmd_optimise(args: argparse.Namespace) -> int:
    """Search the lever mixes within the budget on the model; write the front and the choice."""
    from tqdm import tqdm

    from sim.api import SCENARIO_KEY, simulate
    from sim.files import git_commit, versions
    from sim.optimise import SerialBatch, optimise, write_result

    scenario, space, cost, settings, out_dir = _validate(args)
    if out_dir is None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        out_dir = Path(args.results) / f"optimise-budget{args.budget:g}-scale{args.scale:g}-{stamp}"
    fixed = {"run.scale": args.scale, "run.years": args.years}
    if scenario.path is not None:
        fixed[SCENARIO_KEY] = str(scenario.path)
    start = time.perf_counter()
    with tqdm(
        total=settings.planned_runs(),
        unit="run",
        desc=f"optimise (budget {args.budget:g})",
        disable=args.quiet,
        file=sys.stderr,
        mininterval=0.5,
    ) as bar:
        batch = SerialBatch(simulate, fixed=fixed, progress=bar.update)
        result = optimise(space, None, cost, args.budget, args.outcome, settings, batch=batch)
        bar.total = bar.n
        bar.refresh()
    wall = time.perf_counter() - start
    manifest = {
        "command": "ocgsim " + " ".join(sys.argv[1:]) if sys.argv else "ocgsim optimise",
        "scenario": scenario.name,
        "scale": args.scale,
        "years": args.years,
        "outcome_units": f"model units at scale {args.scale:g} (summary metric {args.outcome})",
        "costs": cost.assumptions(),
        "versions": versions(),
        "git_commit": git_commit(),
        "wall_seconds": round(wall, 3),
        "evaluator": "sim.api:simulate, serial",
    }
    write_result(result, out_dir, manifest=manifest, unit="GBP million a year, full scale")
    if not args.quiet:
        print(result.text())
        print(
            f"costs: GBP million a year above today's, full scale; {args.outcome}: model units "
            f"at scale {args.scale:g}"
        )
        print(f"\nresults written to {out_dir}/")
    return 0
