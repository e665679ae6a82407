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

#: Summary lines printed after a run: (metric, label, format, calibration target or "").
SUMMARY_ROWS = (
    ("prison_population", "prison population (mean)", "{:,.0f}", "85,000-90,000"),
    ("max_occupancy_rate", "highest occupancy / capacity", "{:.3f}", "<= 1"),
    ("receptions_per_year", "first receptions per year", "{:,.0f}", "~74,000 (+-15%)"),
    ("ocg_members", "OCG members (mean)", "{:,.0f}", "~37,000 (+-15%)"),
    ("active_ocgs", "active OCGs (mean)", "{:,.0f}", "~4,500 (+-20%)"),
    ("prisoners_ocg_share", "share of prisoners in OCGs", "{:.3f}", "0.06-0.10"),
    ("proven_reoffending", "proven reoffending within a year", "{:.3f}", "0.30-0.40"),
    ("ocg_members_drift", "OCG membership drift (yr 1 to last)", "{:+.3f}", "|drift| < 0.10"),
    ("recruits_prison_per_1000_py", "in-prison recruits / 1,000 prisoner-yrs", "{:.1f}", ""),
    ("recruits_community_per_week", "community recruits / week", "{:.1f}", ""),
    ("joint_ventures", "joint ventures (mean)", "{:,.0f}", ""),
    ("items_created_per_year", "intelligence items per year", "{:,.0f}", ""),
    ("share_rate", "share rate", "{:.3f}", ""),
    ("mean_delay_weeks", "mean delay to action (weeks)", "{:.1f}", ""),
    ("mean_trust", "mean trust", "{:.3f}", ""),
    ("cost_million_per_year", "cost (GBP million / year)", "{:.2f}", ""),
)


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
    extensive = {
        "prison_population",
        "receptions_per_year",
        "ocg_members",
        "active_ocgs",
        "recruits_community_per_week",
        "joint_ventures",
        "items_created_per_year",
        "cost_million_per_year",
    }
    for key, label, fmt, target in SUMMARY_ROWS:
        value = summary.get(key, float("nan"))
        if key in extensive and scale > 0:
            value = value / scale
        lines.append(f"{label:<42} {fmt.format(value):>12}   {target}")
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
    from sim.policy_cli import register as register_policy  # dashboard, optimise

    register_policy(sub)
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
