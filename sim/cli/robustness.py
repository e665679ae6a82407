"""What ``ocgsim optimise`` checks its best mixes under: assumptions varied, or plausible worlds.

The robustness check re-runs the best mixes and the status quo under changed conditions
(:func:`sim.policy.optimise.robustness`). The conditions come from the command line: the
assumptions of ``--robustness`` at the low and high ends of their plausible ranges, the default
assumptions (the largest Morris mu*, else documented ones; chosen when a search starts and
read back when it continues), or the plausible worlds of ``--ensemble``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sim.params import ScenarioError, spec

__all__ = ["assumptions_to_vary", "default_assumptions", "ensemble_worlds"]


def assumptions_to_vary(
    args: argparse.Namespace, levers: list[str]
) -> tuple[dict[str, tuple], str]:
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


def default_assumptions(
    args: argparse.Namespace, levers: list[str], partial: Path, identity: dict[str, Any]
) -> tuple[dict[str, tuple], str]:
    """The default robustness assumptions: those a stopped run of this search recorded, if any.

    A search stopped and started again with the same command continues with the assumptions it
    chose when it started, even if a Morris screening has finished since (or the command is
    given from another folder with the same ``--out``); a new search chooses them now.
    """
    from sim.experiments.batch import EngineBatch

    record = EngineBatch.recorded(partial, identity) or {}
    stored = record.get("robustness")
    if isinstance(stored, dict) and isinstance(stored.get("assumptions"), list):
        robust = {str(n): (low, high) for n, low, high in stored["assumptions"]}
        return robust, str(stored.get("source", ""))
    return assumptions_to_vary(args, levers)


def ensemble_worlds(
    args: argparse.Namespace, levers: list[str], scenario
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The plausible worlds of ``--ensemble`` (its first ``--worlds``, default 10), checked.

    Returns:
        Each world's parameter values (integers rounded), and the ensemble's file, hash and
        a description for the record (empty without ``--ensemble``).

    Raises:
        ScenarioError: One line: a bad file, ``--worlds`` out of range or without
            ``--ensemble``, ``--ensemble`` with ``--robustness``/``--no-robustness``, or a lever
            or the scenario setting a parameter the worlds set.
    """
    from sim.analysis.history_model import world_values
    from sim.policy.worlds_report import checked_ensemble

    if args.ensemble is None:
        if args.worlds is not None:
            raise ScenarioError("--worlds: allowed only with --ensemble FILE")
        return [], {}
    if args.robustness or args.no_robustness:
        given = "--robustness" if args.robustness else "--no-robustness"
        raise ScenarioError(f"--ensemble {given}: contradict each other; allowed: one of them")
    path = Path(args.ensemble)
    table, meta = checked_ensemble(path, 2 if args.worlds is None else args.worlds)
    table = table.iloc[: min(10, len(table)) if args.worlds is None else args.worlds]
    both = sorted(set(table.columns) & (set(levers) | set(scenario.values)))
    if both:
        raise ScenarioError(
            f"--ensemble {path}: its worlds set {', '.join(both)}, which a lever or the "
            "scenario sets too; allowed: levers and a scenario that leave the ensemble's "
            "parameters alone"
        )
    worlds = world_values(table)
    source = f"{len(worlds)} plausible worlds of {path} (sha256 {meta['sha256'][:12]})"
    return worlds, {"file": str(path), "sha256": meta["sha256"], "source": source}
