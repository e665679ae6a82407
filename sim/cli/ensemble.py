"""``ocgsim calibrate --ensemble FILE``: history-match the baseline and write its plausible worlds.

Waves of runs over the plausible ranges of :data:`sim.plausible.UNCERTAIN` (each point with a
few seeds, at a small scale), an emulator per calibration target, and implausibility cut-offs
(:mod:`sim.analysis.history`); then ``--worlds`` parameter sets drawn from what is left are run
again and kept if their simulated means pass too. Prints each wave (runs, the share of the
parameter box not ruled out, the emulators' leave-one-out coverage), which parameters the
targets constrain, the defaults' implausibility and the held-out scorecard over the kept worlds;
writes the worlds as a JSON file with its SHA-256.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sim.params.schema import ScenarioError

__all__ = ["OPTIONS", "add_ensemble_options", "check_ensemble_options", "cmd_ensemble"]


def add_ensemble_options(parser: argparse.ArgumentParser) -> None:
    """The options of ``ocgsim calibrate`` that build a plausible-worlds ensemble."""
    group = parser.add_argument_group(
        "plausible worlds (history matching; with --ensemble, --scale defaults to 0.1 and "
        "--years to 6)"
    )
    group.add_argument(
        "--ensemble",
        metavar="FILE",
        default=None,
        help="history-match the uncertain parameters and write the plausible worlds (JSON)",
    )
    for option, kind, default, text in OPTIONS:
        group.add_argument(f"--{option}", type=kind, default=None, help=f"{text} ({default})")


#: The ensemble's options: name, type, default and help (default None: given or not is known).
OPTIONS: tuple[tuple[str, type, int, str], ...] = (
    ("waves", int, 3, "waves of runs"),
    ("points", int, 40, "parameter sets a wave"),
    ("replicates", int, 2, "seeds a parameter set"),
    ("worlds", int, 30, "worlds to confirm and keep"),
    ("workers", int, 2, "worker processes"),
    ("seed", int, 1, "seed of the designs"),
)


def check_ensemble_options(args: argparse.Namespace) -> None:
    """Refuse an ensemble option without ``--ensemble``; fill in the defaults of the others."""
    for option, _, default, _ in OPTIONS:
        if getattr(args, option) is None:
            setattr(args, option, default)
        elif args.ensemble is None:
            raise ScenarioError(f"--{option}: allowed only with --ensemble FILE")


def _check(args: argparse.Namespace) -> Path:
    """The output path; ScenarioError (one line) on a bad option, before any run."""
    for option, value, least in (
        ("--waves", args.waves, 1),
        ("--points", args.points, 4),
        ("--replicates", args.replicates, 2),
        ("--worlds", args.worlds, 1),
        ("--workers", args.workers, 1),
        ("--seed", args.seed, 0),
    ):
        if value < least:
            raise ScenarioError(f"{option} {value}: allowed: a whole number >= {least}")
    out = Path(args.ensemble)
    if out.suffix.lower() != ".json":
        raise ScenarioError(f"--ensemble {out}: allowed: a file name ending in .json")
    if not out.parent.is_dir():
        raise ScenarioError(f"--ensemble {out}: the folder {out.parent} does not exist")
    return out


def cmd_ensemble(args: argparse.Namespace, scale: float, years: int) -> int:
    """Build and write the plausible worlds; print what the targets constrain. Exit 0.

    Args:
        args: The parsed options of ``ocgsim calibrate``.
        scale: ``run.scale`` of the runs (checked).
        years: ``run.years`` of the runs (checked).
    """
    from tqdm import tqdm

    from sim.analysis.history_model import run_points, target_values
    from sim.experiments.executors import local_executor
    from sim.heldout import heldout_table, load_heldout
    from sim.plausible import UNCERTAIN, match_baseline

    out = _check(args)
    figures = load_heldout(args.heldout)
    planned = args.waves * args.points * args.replicates + args.worlds * args.replicates
    executor = local_executor(args.workers)
    bar = tqdm(total=planned, desc="plausible-worlds runs", file=sys.stderr, disable=args.quiet)
    try:
        result = match_baseline(
            executor,
            scale=scale,
            years=years,
            waves=args.waves,
            points_per_wave=args.points,
            replicates=args.replicates,
            seed=args.seed,
            progress=bar.update,
        )
        worlds = result.plausible[: args.worlds]
        seeds = list(range(1, args.replicates + 1))
        fixed = {"run.scale": scale, "run.years": years}
        summaries = run_points(
            UNCERTAIN, worlds, seeds, fixed, executor=executor, progress=bar.update
        )
    finally:
        bar.close()
        executor.close()
    names = [t.name for t in result.targets]
    values = target_values(summaries, scale, names)
    keep = result.passes_on_means(values) if len(worlds) else np.zeros(0, bool)
    kept = worlds[keep]
    meta: dict[str, Any] = {
        "scale": scale,
        "years": years,
        "seed": args.seed,
        "replicates": args.replicates,
        "targets": names,
        "cutoff": result.cutoff,
        "nroy": result.nroy_fractions,
        "confirmed": f"{int(keep.sum())} of {len(worlds)}",
    }
    from sim.analysis.history import save_ensemble

    digest = save_ensemble(out, list(UNCERTAIN), kept, meta) if len(kept) else None
    _print(result, scale, years, worlds, keep)
    if len(kept):
        means = [_mean_summary(runs) for runs, ok in zip(summaries, keep, strict=True) if ok]
        print(
            f"\nHeld out, over the {len(kept)} plausible worlds (model mean and range over "
            "worlds, each world the mean of its seeds)\n"
        )
        print(heldout_table(means, scale, figures, over="worlds"))
        print(f"\n{len(kept)} plausible worlds written to {out} (sha256 {digest[:12]})")
    else:
        print("\nno world passed: nothing written (widen the ranges or check the targets)")
    return 0


def _mean_summary(runs: list[dict[str, float]]) -> dict[str, float]:
    names = set.intersection(*(set(r) for r in runs))
    return {k: float(np.mean([r[k] for r in runs])) for k in names}


def _print(result: Any, scale: float, years: int, worlds: np.ndarray, keep: np.ndarray) -> None:
    """The waves, the constraint table and the defaults' implausibility."""
    from sim.analysis.history_model import CONSTRAINTS
    from sim.params.table import spec
    from sim.plausible import UNCERTAIN

    print(
        f"History matching of the England & Wales baseline: {len(UNCERTAIN)} parameters over "
        f"their plausible ranges, {len(result.targets)} calibration targets (not "
        f"{', '.join(CONSTRAINTS)}: one-sided), scale {scale:g}, {years} years, "
        f"cut-off {result.cutoff:g}\n"
    )
    print("| wave | runs | emulators fitted on | not ruled out | worst LOO coverage (target) |")
    print("|---|---|---|---|---|")
    for k, wave in enumerate(result.waves, 1):
        worst = min(wave.diagnostics.items(), key=lambda kv: kv[1]["coverage95"])
        print(
            f"| {k} | {wave.outputs[result.targets[0].name].size} | {wave.n_train} | "
            f"{wave.nroy_fraction:.1%} | {worst[1]['coverage95']:.2f} ({worst[0]}) |"
        )
    print("\n| parameter | plausible range | sample sd / prior sd | verdict |")
    print("|---|---|---|---|")
    for row in result.constraint.itertuples():
        print(
            f"| `{row.parameter}` | {row.low:g}-{row.high:g} | {row.sd_ratio:.2f} | {row.verdict} |"
        )
    defaults = np.array([[float(spec(n).default) for n in UNCERTAIN]])
    print(
        f"\nThe defaults' implausibility: {float(result.implausibility(defaults)[0]):.2f} "
        f"(ruled out above {result.cutoff:g}). Confirmed by simulation: {int(keep.sum())} of "
        f"{len(worlds)} worlds drawn from the space not ruled out."
    )
