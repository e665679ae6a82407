"""The ``ocgsim`` command line.

``ocgsim run [SCENARIO] [--years N] [--seed S] [--scale X] [--set k=v ...] [--out DIR]`` runs one
scenario; ``ocgsim docs`` prints the parameter reference; ``ocgsim scenarios`` lists the shipped
scenarios. Experiment commands (``plan``, ``experiment``, ``resume``, ``status``, ``analyse``)
come from ``sim.experiments.cli``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sim.params import ScenarioError, parameters_markdown

__all__ = ["main"]


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and write its results."""
    from tqdm import tqdm

    from sim.model import OCGModel
    from sim.output import manifest_for, write_run
    from sim.scenario import load_scenario, parse_override

    if args.seed < 0:
        raise ScenarioError(f"--seed {args.seed}: allowed: a whole number >= 0")
    scenario = load_scenario(args.scenario)
    overrides = dict(parse_override(text) for text in args.set or [])
    for name, value in (("run.years", args.years), ("run.scale", args.scale)):
        if value is not None:
            overrides[name] = value
    # validate everything before any work or output
    params = scenario.parameters(overrides)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{scenario.name}-seed{args.seed}-scale{params.run.scale:g}-{stamp}"
    out_dir = Path(args.out) if args.out else Path(args.results) / run_id
    if out_dir.exists():
        raise ScenarioError(
            f"--out {out_dir}: already exists; allowed: a folder that does not exist"
        )

    start = time.perf_counter()
    model = OCGModel(scenario, rng=args.seed, **overrides)
    with tqdm(
        total=model.weeks_total,
        unit="wk",
        desc=f"{scenario.name} (scale {model.scale:g})",
        disable=args.quiet,
        file=sys.stderr,
        mininterval=0.5,
    ) as bar:
        while model.running:
            model.step()
            bar.update(1)
    ts = model.timeseries()
    summary = model.summary()
    wall = time.perf_counter() - start
    write_run(out_dir, ts, summary, manifest_for(model, args.seed, wall), figure=not args.no_figure)
    if not args.quiet:
        print(_summary_table(summary, model.scale, scenario.name, args.seed, wall))
        print(f"\nresults written to {out_dir}/")
    return 0


def _summary_table(
    summary: dict[str, float], scale: float, name: str, seed: int, wall: float
) -> str:
    """The table printed after a run: every metric declared with a label, headline ones first.

    Extensive metrics (counts of people, events, money) are shown as full-scale equivalents;
    the target column quotes the calibration targets of ``sim.calibration``.
    """
    from sim.calibration import TARGETS
    from sim.model import PROCESSES

    window = int(summary.get("window_weeks", 0))
    start = int(summary.get("window_start_week", 1))
    note = "" if start > 1 else " (the run ends before the intervention week: whole run)"
    lines = [
        f"\nocgsim run: {name}, seed {seed}, scale {scale:g}, {wall:.1f} s",
        f"summary over weeks {start}-{start + window - 1}{note}; counts are full-scale"
        f" equivalents (divided by scale {scale:g})",
        "",
        f"{'metric':<42} {'model':>12}   target",
        f"{'-' * 42} {'-' * 12}   {'-' * 18}",
    ]
    targets = {t.metric: t.text for t in TARGETS}
    shown = [m for cls in PROCESSES for m in cls.METRICS if m.label]
    shown.sort(key=lambda m: not m.headline)  # stable: headline first, then step order
    for m in shown:
        value = summary.get(m.summary_key, float("nan"))
        if m.extensive and scale > 0:
            value = value / scale
        lines.append(f"{m.label:<42} {m.fmt.format(value):>12}   {targets.get(m.summary_key, '')}")
    return "\n".join(lines)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run the baseline for several seeds and print the calibration table (Markdown)."""
    from tqdm import tqdm

    from sim.calibration import calibration_table, run_baseline

    if args.seeds < 1:
        raise ScenarioError(f"--seeds {args.seeds}: allowed: a whole number >= 1")
    seeds = range(1, args.seeds + 1)
    summaries = [
        run_baseline(seed, scale=args.scale, years=args.years)
        for seed in tqdm(seeds, desc="calibration runs", file=sys.stderr, disable=args.quiet)
    ]
    table, ok = calibration_table(summaries, args.scale)
    print(
        f"England & Wales baseline, {args.seeds} seeds, scale {args.scale:g}, "
        f"{args.years} years; window: week 104 to the end\n"
    )
    print(table)
    return 0 if ok else 1


def cmd_docs(args: argparse.Namespace) -> int:
    """Print the parameter reference (``docs/parameters.md``)."""
    sys.stdout.write(parameters_markdown() + "\n")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios with their descriptions."""
    from sim.scenario import load_scenario, scenarios_dir

    for path in sorted(scenarios_dir().glob("*.toml")):
        scenario = load_scenario(path)
        print(f"{scenario.name:<24} {scenario.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="ocgsim",
        description="Agent-based model of organised crime groups in prisons and of multi-agency "
        "disruption (England & Wales).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run one scenario and write results/<run-id>/")
    run.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario file or name in scenarios/ (default: England & Wales baseline)",
    )
    run.add_argument("--years", type=int, default=None, help="simulated years (default 10)")
    run.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    run.add_argument(
        "--scale",
        type=float,
        default=None,
        help="population/capacity scale, e.g. 0.1 for a quick run (default 1.0)",
    )
    run.add_argument(
        "--set",
        action="append",
        metavar="SECTION.KEY=VALUE",
        help="override a parameter (repeatable)",
    )
    run.add_argument("--out", default=None, help="output folder (default results/<run-id>)")
    run.add_argument("--results", default="results", help=argparse.SUPPRESS)
    run.add_argument("--no-figure", action="store_true", help="skip overview.png")
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    run.set_defaults(func=cmd_run)
    cal = sub.add_parser("calibrate", help="run the baseline over seeds; print target vs model")
    cal.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    cal.add_argument("--scale", type=float, default=1.0, help="scale (default 1.0)")
    cal.add_argument("--years", type=int, default=10, help="years (default 10)")
    cal.add_argument("--quiet", action="store_true", help="no progress bar")
    cal.set_defaults(func=cmd_calibrate)
    docs = sub.add_parser("docs", help="print the parameter reference (docs/parameters.md)")
    docs.set_defaults(func=cmd_docs)
    scen = sub.add_parser("scenarios", help="list the shipped scenarios")
    scen.set_defaults(func=cmd_scenarios)
    try:
        from sim.experiments.cli import register
    except ImportError:  # pragma: no cover - experiment engine not installed
        register = None
    if register is not None:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ocgsim`` command.

    With no command, ``ocgsim`` is ``ocgsim run`` (the England & Wales baseline).
    Invalid input prints one line to stderr and exits with status 2, writing nothing.
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv:
        argv = ["run"]
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ScenarioError as exc:
        print(f"ocgsim: error: {exc}", file=sys.stderr)
        return 2
    except FileExistsError as exc:
        print(f"ocgsim: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
