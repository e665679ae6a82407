"""The ``ocgsim`` command line.

``ocgsim run [SCENARIO] [--years N] [--seed S] [--scale X] [--set k=v ...] [--out DIR]`` runs one
scenario; ``ocgsim docs`` prints the parameter reference; ``ocgsim scenarios`` lists the shipped
scenarios; ``ocgsim metrics`` lists the summary metrics. Experiment commands (``plan``,
``experiment``, ``resume``, ``status``, ``analyse``) come from ``sim.experiments.cli``.

Exit codes: 0 success; 1 calibration targets missed, or finished results could not be written;
2 bad input (one line on stderr, nothing written); 3 and 4 for experiments with failed or
remaining runs; 130 after Ctrl-C; 143 after SIGTERM.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sim.cli.ensemble import add_ensemble_options, check_ensemble_options, cmd_ensemble
from sim.params import ScenarioError, parameters_markdown, spec

__all__ = ["main"]


def _run_overrides(args: argparse.Namespace) -> tuple[dict, dict[str, str]]:
    """``--set``, ``--years`` and ``--scale`` as checked overrides, and where each came from."""
    from sim.scenario import parse_override

    overrides: dict = {}
    origin: dict[str, str] = {}
    typed: dict[str, str] = {}
    for text in args.set or []:
        name, value = parse_override(text)
        if name in overrides and overrides[name] != value:
            raise ScenarioError(
                f"--set {typed[name]} --set {text}: two values for {name}; allowed: one"
            )
        overrides[name], origin[name], typed[name] = value, "--set", text
    for option, name, value in (
        ("--years", "run.years", args.years),
        ("--scale", "run.scale", args.scale),
    ):
        if value is None:
            continue
        if name in overrides:
            raise ScenarioError(
                f"{option} {value} --set {typed[name]}: two values for {name}; allowed: one of "
                f"{option} or --set {name}=..."
            )
        overrides[name], origin[name] = spec(name).check(value, option), option
    return overrides, origin


def _check_window(params, origin: dict[str, str], default_where: str, allow: bool) -> None:
    """Refuse a summary window under ``MIN_WINDOW_WEEKS`` unless ``allow``."""
    from sim.io.guards import window_problem

    problem = window_problem(params.run.years, params.run.intervention_week)
    if problem and not allow:
        given = [origin[k] for k in ("run.years", "run.intervention_week") if k in origin]
        where = "/".join(dict.fromkeys(given)) or default_where
        raise ScenarioError(f"{where}: {problem}")


def _run_bytes(weeks: int) -> int:
    """Roughly the disk space a run folder needs (CSV and Parquet series, figure, JSON)."""
    return 2_000_000 + weeks * 70 * 30


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and write its results.

    Everything is checked before the simulation: the scenario and overrides, the summary window
    and the destination (writable, not in use by another run). Ctrl-C or SIGTERM stop the run
    with one line and exit code 130 or 143, writing nothing.
    """
    from sim.io.guards import TerminatedError, check_destination, small_scale_note

    if args.seed < 0:
        raise ScenarioError(f"--seed {args.seed}: allowed: a whole number >= 0")
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    overrides, origin = _run_overrides(args)
    # validate everything before any work or output
    params = scenario.parameters(overrides)
    _check_window(
        params,
        origin,
        str(scenario.path) if scenario.path else "run.years",
        args.allow_short_window,
    )
    from sim.scenario import schedule_check

    warning = schedule_check(
        scenario.schedule,
        params.run.years,
        params.run.intervention_week,
        str(scenario.path or scenario.name),
        origin.get("run.years", "run.years"),
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    run_id = f"{scenario.name}-seed{args.seed}-scale{params.run.scale:g}-{stamp}"
    out = args.out if args.out is not None else str(Path(args.results) / run_id)
    need = _run_bytes(int(params.run.years * 52))
    out_dir = check_destination(out, "--out", new=True, need_bytes=need)
    if warning:
        print(f"ocgsim: warning: {warning}", file=sys.stderr)
    note = small_scale_note(params.run.scale)
    if note and not args.quiet:  # (a note, like the progress bar: --quiet leaves errors alone)
        print(f"ocgsim: note: {note}", file=sys.stderr)
    try:
        return _simulate_and_write(args, scenario, overrides, out_dir)
    except KeyboardInterrupt:
        print("ocgsim: interrupted (Ctrl-C); nothing written", file=sys.stderr)
        return 130
    except TerminatedError:
        print("ocgsim: terminated (SIGTERM); nothing written", file=sys.stderr)
        return 143


def _simulate_and_write(args: argparse.Namespace, scenario, overrides: dict, out_dir: Path) -> int:
    from tqdm import tqdm

    from sim.io.files import command_line
    from sim.io.guards import WriteError, sigterm_raises
    from sim.io.output import claim_output, manifest_for, write_run
    from sim.model.core import OCGModel

    with claim_output(out_dir, "--out"), sigterm_raises():
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
        manifest = manifest_for(model, args.seed, wall, overrides)
        manifest["command_line"] = command_line()
        try:
            write_run(out_dir, ts, summary, manifest, figure=not args.no_figure)
        except OSError as exc:
            raise WriteError(
                f"--out {out_dir}: could not write the results ({exc.strerror or exc}); "
                "nothing was written"
            ) from None
    if not args.quiet:
        print(_summary_table(summary, model.scale, scenario.name, args.seed, wall))
        print(f"\nresults written to {out_dir}/")
    return 0


def _summary_table(
    summary: dict[str, float], scale: float, name: str, seed: int, wall: float
) -> str:
    """The table printed after a run: every metric declared with a label, headline ones first.

    Extensive metrics (counts of people, events, money) are shown as full-scale equivalents,
    pounds as the report shows them (``£37,782m``); the target column quotes the calibration
    targets of ``sim.calibration``.
    """
    from sim.calibration import TARGETS
    from sim.model.core import PROCESSES
    from sim.policy.report.words import money

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
    targets = {t.metric: t for t in TARGETS}
    shown = [m for cls in PROCESSES for m in cls.METRICS if m.label]
    shown.sort(key=lambda m: (m.headline == 0, m.headline))  # headline by rank, then step order
    outside = 0
    for m in shown:
        value = summary.get(m.summary_key, float("nan"))
        if m.extensive and scale > 0:
            value = value / scale
        target = targets.get(m.summary_key)
        text = target.text if target else ""
        if target and not math.isnan(value) and not target.met(value):
            text += "  <- outside"
            outside += 1
        # pounds in the report's one format (£37,782m): eleven digits do not fit the column
        shown_value = money(value) if m.unit == "GBP" else m.fmt.format(value)
        lines.append(f"{m.label:<42} {shown_value:>12}   {text}")
    if outside:
        lines.append(
            f"{outside} value(s) outside the calibration targets (set for the England & Wales"
            " baseline at full scale; a scenario, a small scale or a short run may well differ)"
        )
    return "\n".join(lines)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Run the baseline for several seeds; print the calibration and held-out tables (Markdown).

    Exit code 1 if a target is missed (below full scale, a count within the small-scale margin
    counts as met; see ``sim.calibration.small_scale_margin``).
    """
    from tqdm import tqdm

    from sim.calibration import calibration_table, run_baseline
    from sim.heldout import heldout_table, load_heldout
    from sim.params import Parameters

    if args.seeds < 1:
        raise ScenarioError(f"--seeds {args.seeds}: allowed: a whole number >= 1")
    check_ensemble_options(args)
    ensemble = args.ensemble is not None
    if args.scale is None:
        args.scale = 0.1 if ensemble else 1.0
    if args.years is None:
        args.years = 6 if ensemble else 10
    scale = spec("run.scale").check(args.scale, "--scale")
    years = spec("run.years").check(args.years, "--years")
    params = Parameters({"run.scale": scale, "run.years": years}, where="--scale/--years")
    _check_window(params, {"run.years": "--years"}, "--years", args.allow_short_window)
    if ensemble:
        return cmd_ensemble(args, scale, years)
    figures = load_heldout(args.heldout)  # a bad file is refused before any run
    seeds = range(1, args.seeds + 1)
    summaries = [
        run_baseline(seed, scale=scale, years=years)
        for seed in tqdm(seeds, desc="calibration runs", file=sys.stderr, disable=args.quiet)
    ]
    table, ok = calibration_table(summaries, scale)
    print(
        f"England & Wales baseline, {args.seeds} seeds, scale {scale:g}, "
        f"{years} years; window: week {params.run.intervention_week} to the end\n"
    )
    print(table)
    print(
        "\nHeld out (never used to set a parameter): published figures frozen in "
        f"{args.heldout or 'sim/data/heldout.toml'}; a figure outside its band does not change "
        "the exit status\n"
    )
    print(heldout_table(summaries, scale, figures))
    return 0 if ok else 1


def cmd_docs(args: argparse.Namespace) -> int:
    """Print the parameter reference (``docs/parameters.md``)."""
    sys.stdout.write(parameters_markdown() + "\n")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios (and those in ``./scenarios/``) with their descriptions."""
    from sim.scenario import load_scenario, scenarios_dir

    shipped = scenarios_dir()
    local = Path("scenarios")
    folders = [shipped]
    if local.is_dir() and local.resolve() != shipped:
        folders.append(local)
    for folder in folders:
        if folder is not shipped:
            print(f"\nin {folder}/ (these win over shipped scenarios of the same name):")
        for path in sorted(folder.glob("*.toml")):
            try:
                scenario = load_scenario(path)
            except ScenarioError as exc:
                print(f"{path.stem:<24} (invalid: {exc})")
                continue
            print(f"{scenario.name:<24} {scenario.description}")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    """List the summary metrics: name, unit, whether it scales with run.scale, definition."""
    from sim.analysis import units

    rows = units.catalogue()
    if args.headline:
        rows = sorted((m for m in rows if m.headline), key=lambda m: m.headline)  # by rank
    print(
        "Summary metrics (summary.json, summary.csv, experiment results), grouped by the process "
        "that declares them. 'count' metrics scale with run.scale: divide by the scale for "
        "full-scale equivalents; 'rate' metrics do not. * marks the headline metrics (analysed "
        "by default)."
    )
    group = None
    for m in rows:
        if m.process != group:
            group = m.process
            print(f"\n[{group}]")
            print(f"  {'metric':<33} {'unit':<28} {'scales':<6} definition")
        mark = "*" if m.headline else " "
        scales = "count" if m.extensive else "rate"
        print(f"{mark} {m.name:<33} {m.unit:<28} {scales:<6} {m.doc}")
    return 0


class UsageError(ScenarioError):
    """A command line argparse cannot parse (reported in one line, exit code 2)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``UsageError``), not usage + message."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        raise UsageError(f"{self.prog}: {message}; see {self.prog} --help")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    from sim import __version__

    parser = _Parser(
        prog="ocgsim",
        description="Agent-based model of organised crime groups in prisons and of multi-agency "
        "disruption (England & Wales). Start with: ocgsim run more_pios --scale 0.1 --years 5",
    )
    parser.add_argument("--version", action="version", version=f"ocgsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="run one scenario and write results/<run-id>/")
    run.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario file, or name in ./scenarios/ or of a shipped scenario "
        "(default: England & Wales baseline)",
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
    run.add_argument(
        "--quiet", action="store_true", help="no progress bar, summary or small-scale note"
    )
    _add_allow_short_window(run)
    run.set_defaults(func=cmd_run)
    cal = sub.add_parser("calibrate", help="run the baseline over seeds; print target vs model")
    cal.add_argument("--seeds", type=int, default=5, help="number of seeds (default 5)")
    cal.add_argument("--scale", type=float, default=None, help="scale (default 1.0)")
    cal.add_argument("--years", type=int, default=None, help="years (default 10)")
    cal.add_argument("--quiet", action="store_true", help="no progress bar")
    cal.add_argument(
        "--heldout",
        default=None,
        metavar="FILE",
        help="file of held-out figures (default: the shipped sim/data/heldout.toml)",
    )
    _add_allow_short_window(cal)
    add_ensemble_options(cal)
    cal.set_defaults(func=cmd_calibrate)
    docs = sub.add_parser("docs", help="print the parameter reference (docs/parameters.md)")
    docs.set_defaults(func=cmd_docs)
    scen = sub.add_parser("scenarios", help="list the shipped scenarios")
    scen.set_defaults(func=cmd_scenarios)
    met = sub.add_parser("metrics", help="list the summary metrics: name, unit, definition")
    met.add_argument("--headline", action="store_true", help="only the headline metrics")
    met.set_defaults(func=cmd_metrics)
    try:
        from sim.experiments.cli import register
    except ImportError:  # pragma: no cover - experiment engine not installed
        register = None
    if register is not None:
        register(sub)
    from sim.cli.policy import register as register_policy  # dashboard, optimise

    register_policy(sub)
    return parser


def _add_allow_short_window(p: argparse.ArgumentParser) -> None:
    from sim.io.guards import MIN_WINDOW_WEEKS

    p.add_argument(
        "--allow-short-window",
        action="store_true",
        help=f"accept a summary window under {MIN_WINDOW_WEEKS} weeks (from the intervention "
        "week to the end of the run)",
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``ocgsim`` command.

    With no command, ``ocgsim`` prints its help. Invalid input prints one line to stderr and
    exits with status 2, writing nothing; a failure to write finished results exits with 1;
    Ctrl-C exits with 130 and SIGTERM with 143.
    """
    from sim.io.files import LockHeldError, set_command_line
    from sim.io.guards import TerminatedError, WriteError

    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    set_command_line(argv)  # recorded in manifests as typed
    if not argv:
        parser.print_help()
        return 0
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except SystemExit as exc:  # argparse after --help or --version
        return int(exc.code or 0)
    except (ScenarioError, FileExistsError, LockHeldError) as exc:
        print(f"ocgsim: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except WriteError as exc:
        print(f"ocgsim: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ocgsim: interrupted (Ctrl-C)", file=sys.stderr)
        return 130
    except TerminatedError:
        print("ocgsim: terminated (SIGTERM)", file=sys.stderr)
        return 143
    except BrokenPipeError:  # e.g. ocgsim metrics | head
        sys.stderr.close()
        return 0
    finally:
        set_command_line([])  # a later call of the Python API records no command line


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split("\n"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
