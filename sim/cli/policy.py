"""Command-line subcommands for policy teams: ``compare``, ``report``, ``dashboard``, ``optimise``.

``sim.cli.main`` calls :func:`register` with its subparsers; each subcommand sets
``func(args) -> int``. ``optimise`` lives in :mod:`sim.cli.optimise`.
Bad input raises ``ScenarioError`` (one line naming the option and what is allowed), which
``sim.cli.main`` prints with exit status 2 before anything is written.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import os
import sys
from pathlib import Path
from typing import Any

from sim.cli.checks import check_compare, check_port
from sim.cli.optimise import add_optimise_parser
from sim.experiments.cli import add_executor_options
from sim.params import ScenarioError

__all__ = ["VIZ_MODULES", "dashboard_command", "is_loopback", "register"]

#: Modules the dashboard needs (the optional extra ``viz``).
VIZ_MODULES = ("solara", "altair", "networkx", "ipyvuetify")

#: Environment for the dashboard's server: no usage statistics sent to Solara's developers, and
#: no "This website runs on Solara" banner over the page's corner (it covered a chart).
DASHBOARD_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    "SOLARA_THEME_SHOW_BANNER": "false",
}


def register(subparsers: Any) -> None:
    """Add the ``compare``, ``report``, ``dashboard`` and ``optimise`` subcommands.

    Args:
        subparsers: The object returned by ``ArgumentParser.add_subparsers()``.
    """
    _add_compare_parser(subparsers)
    _add_report_parser(subparsers)
    _add_dashboard_parser(subparsers)
    add_optimise_parser(subparsers)


def _add_compare_parser(subparsers: Any) -> None:
    """Add ``compare``: baseline against scenarios, run, analysed and reported in one command."""
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
    p.add_argument(
        "--ensemble",
        metavar="FILE",
        help="run every scenario in each plausible world of FILE (ocgsim calibrate --ensemble) "
        "and report the effects across worlds (defaults then: 30 worlds x 4 seeds, scale 0.1, "
        "6 years, both police taskings)",
    )
    p.add_argument("--worlds", type=int, help="with --ensemble: how many worlds (default 30)")
    p.set_defaults(func=cmd_compare)


def _add_report_parser(subparsers: Any) -> None:
    """Add ``report``: the HTML report of an experiment's results folder."""
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


def _add_dashboard_parser(subparsers: Any) -> None:
    """Add ``dashboard``: the live dashboard in the browser."""
    p = subparsers.add_parser(
        "dashboard", help="live dashboard in the browser (needs the extra 'viz')"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: any free port)")
    p.set_defaults(func=cmd_dashboard)


# --------------------------------------------------------------------------------------------
# compare and report
# --------------------------------------------------------------------------------------------
def cmd_compare(args: argparse.Namespace) -> int:
    """Run the baseline and the scenarios, analyse them and write the report.

    Before anything runs, :func:`sim.cli.checks.check_compare` refuses what cannot be meant.
    """
    from sim.policy.compare import DEFAULTS, comparison_experiment, main_compare

    if args.ensemble is not None:
        from sim.policy.worlds_report import main_worlds

        return main_worlds(args)
    if args.worlds is not None:
        raise ScenarioError("--worlds: allowed only with --ensemble FILE")
    check_compare(args, DEFAULTS, comparison_experiment)
    return main_compare(args)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the HTML report of a results folder."""
    from sim.experiments.ensemble import ensemble_record
    from sim.experiments.store import require_runs
    from sim.policy.report import write_report
    from sim.policy.worlds_report import is_worlds_folder, write_tables

    if is_worlds_folder(Path(args.results)):  # a comparison over plausible worlds
        if args.out is not None or args.baseline is not None:
            raise ScenarioError(
                f"report {args.results}: a comparison over plausible worlds; allowed: no --out "
                "or --baseline (its report is DIR/report.html, against England & Wales)"
            )
        write_tables(Path(args.results))
        print(f"report written to {Path(args.results) / 'report.html'}")
        return 0
    store = require_runs(args.results)
    if ensemble_record(store.manifest()) is not None:  # over worlds: the analysis's report
        from sim.analysis.pipeline import analyse

        if args.out is not None:
            raise ScenarioError(
                f"report {args.results}: an experiment over plausible worlds; allowed: no --out "
                f"(its report is {Path(args.results) / 'analysis' / 'report.html'})"
            )
        found = analyse(args.results, baseline=args.baseline, plots=False, strict=True)
        print(f"report written to {found.path / 'report.html'}")
        return 0
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


def is_loopback(host: str) -> bool:
    """True if ``host`` is reachable from this machine only (127.x, ::1, ``localhost``)."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any address
        return False


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
    if not is_loopback(args.host):
        print(
            f"ocgsim dashboard: warning: serving on {args.host}, beyond this machine; the "
            "dashboard has no authentication: anyone who can reach this address can use it and "
            "keep its cores busy (use --host 127.0.0.1 unless that is meant)",
            file=sys.stderr,
        )
    sys.stderr.flush()
    # become the server: signals (Ctrl-C, a service manager's SIGTERM) reach it directly
    os.execve(sys.executable, dashboard_command(args.host, args.port), env)
    return 0  # pragma: no cover - execve does not return
