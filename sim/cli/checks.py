"""Checks the policy commands (``compare``, ``optimise``, ``dashboard``) make before they run.

Each raises ``ScenarioError`` (one line naming the option and what is allowed; ``sim.cli.main``
prints it with exit status 2) or prints one-line warnings on stderr. They stay apart from the
policy modules (``sim.policy.compare``, ``sim.policy.optimise``) so those keep the model's logic.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import Any

from sim.experiments.cli import check_executor_options, set_aside_damaged_files
from sim.io.guards import check_work_size, schedule_warnings
from sim.params import ScenarioError, spec
from sim.scenario import Scenario, load_scenario

__all__ = ["check_compare", "check_optimise_options", "check_optimise_size", "check_port"]


def _slots(args: argparse.Namespace) -> int:
    """Runs at a time for the size estimate."""
    return 1 if args.executor == "serial" else (args.workers or os.cpu_count() or 1)


def check_compare(args: argparse.Namespace, defaults: dict, comparison: Any) -> None:
    """Checks of ``ocgsim compare`` before it runs.

    Refuses contradictory executor options, a comparison of the baseline with itself (every
    scenario sets what the defaults set: the result is +0.0% by construction), work that would
    not finish and dated interventions after the run; warns of interventions in the burn-in.
    A stopped comparison's folder (the same comparison only) has its damaged part files set
    aside (they run again).

    Args:
        args: The parsed options of ``compare``.
        defaults: The comparison's default settings (``sim.policy.compare.DEFAULTS``).
        comparison: The function making the comparison's experiment from the scenarios and
            settings (``sim.policy.compare.comparison_experiment``).

    Raises:
        ScenarioError: One line naming the option or scenario and what is allowed.
    """
    check_executor_options(args.executor, args.workers, args.scheduler)
    scenarios = [load_scenario(ref) for ref in args.scenarios]
    baseline = Scenario().parameters().as_dict()
    if all(not s.schedule and s.parameters().as_dict() == baseline for s in scenarios):
        raise ScenarioError(
            f"SCENARIO {' '.join(args.scenarios)}: every scenario given sets what the baseline "
            "(England & Wales defaults) sets, so the comparison would find +0.0% by "
            "construction; allowed: at least one scenario that changes something (ocgsim "
            "scenarios lists them)"
        )
    given = {k: v for k, v in vars(args).items() if k in defaults and v is not None}
    settings = {**defaults, **given}
    years = spec("run.years").check(settings["years"], "--years")
    week = spec("run.intervention_week").check(settings["intervention_week"], "--intervention-week")
    replicates = settings["replicates"]
    if isinstance(replicates, int) and replicates >= 1:
        runs = (1 + len(scenarios)) * replicates
        check_work_size(runs, int(years * 52), _slots(args), f"--replicates {replicates}")
    fixed = {"run.years": years, "run.intervention_week": week}
    for line in schedule_warnings(args.scenarios, fixed, "--years"):
        print(f"ocgsim: warning: {line}", file=sys.stderr)
    experiment = comparison(
        args.scenarios, **settings, allow_short_window=args.allow_short_window, out=args.out
    )
    set_aside_damaged_files(experiment.out_dir, experiment.digest())


def check_optimise_options(args: argparse.Namespace) -> None:
    """Refuse ``optimise`` options that contradict each other (one line, exit status 2)."""
    if args.robustness and args.no_robustness:
        raise ScenarioError(
            f"--robustness {' '.join(args.robustness)} --no-robustness: contradict each other; "
            "allowed: one of them"
        )
    check_executor_options(args.executor, args.workers, args.scheduler)


def check_optimise_size(args: argparse.Namespace, planned: int) -> None:
    """Refuse a search that would not finish; warn of a scenario's interventions in the burn-in.

    Args:
        args: The parsed options of ``optimise``.
        planned: The most runs the search makes (``SearchSettings.planned_runs``).
    """
    what = f"--candidates {args.candidates} --replicates {args.replicates}"
    check_work_size(planned, args.years * 52, _slots(args), what)
    for line in schedule_warnings([args.scenario], {"run.years": args.years}, "--years"):
        print(f"ocgsim: warning: {line}", file=sys.stderr)


def check_port(host: str, port: int) -> None:
    """Refuse a ``dashboard`` address that cannot be listened on (one line, exit status 2)."""
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
