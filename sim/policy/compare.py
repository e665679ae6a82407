"""One command from a question to a report: compare interventions with the baseline.

``ocgsim compare more_pios shared_database`` builds a scenario experiment (the England & Wales
baseline and each named scenario, or scenario file, on top of it), prints the engine's plan (runs
and estimated time), runs it on the experiment engine with common random numbers (replicate
``r`` has the same seed in every scenario), analyses it (``ocgsim analyse``) and writes the
report (``ocgsim report``): ``<out>/report.html``.

The experiment is an ordinary results folder: a stopped comparison continues when the same
command is given again (or ``ocgsim resume DIR`` then ``ocgsim report DIR``), runs already
stored are not run again, and ``ocgsim status`` works on it. Its identity is the scenarios
(including the contents of their files: the generated experiment file records each file's
SHA-256, so after an edit the stored runs are not reused and the same command is refused in one
line naming the file) and the settings below; the executor and workers are not part of it, nor
is ``--allow-short-window`` when the window is long enough anyway.

**Defaults** (:data:`DEFAULTS`): scale 0.25, 10 years with the interventions from week 104 (an
eight-year summary window: OC harm and membership move slowly), 12 replicates. In a pilot of
the baseline against ``more_pios``, ``shared_database`` and ``recommendations`` (12 replicates),
the standard deviation of the paired difference in OC harm was 1.1-1.4% of the baseline at
scale 0.25 and 10 years, against 2.0-2.6% at scale 0.05 and 6 years, where the effects were also
further from those at larger scales (``shared_database``: -4.5% at 0.05, -2.8% at 0.1, -2.1% at
0.25). With 12 replicates the 95% interval on the change in OC harm is about +-0.8% of the
baseline, about +-1.2% after the Holm correction of a two-intervention table: enough to see the
2-4% effects of the study's recommendations on harm. A comparison at these settings takes about
a minute per scenario, the baseline included, on two cores: the baseline and two interventions
(36 runs) took about three minutes, measured with the plan's timing runs, the analysis and the
report (``docs/policy-tools.md``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.params import ScenarioError, spec

__all__ = [
    "DEFAULTS",
    "SERIES",
    "CompareResult",
    "comparison_experiment",
    "default_out",
    "run_compare",
]

#: Default settings of a comparison (see the module's docstring for why).
DEFAULTS: dict[str, Any] = {
    "replicates": 12,
    "scale": 0.25,
    "years": 10,
    "intervention_week": 104,
    "seed": 20240601,
}

#: Weekly series kept for the report's figures over time.
SERIES: tuple[str, ...] = (
    "oc_harm",
    "ocg_members",
    "recruits_prison",
    "recruits_community",
    "cost",
)

#: Why the defaults are what they are, printed before a comparison with default settings.
DEFAULTS_NOTE = (
    "defaults chosen so the headline intervals are useful: scale 0.25 (a quarter of England & "
    "Wales), 10 years with the interventions from week 104 (an 8-year window: harm and "
    "membership move slowly), 12 replicates with common random numbers; at these settings the "
    "95% interval on the change in OC harm is about ±0.8% of the baseline (±1.2% after the Holm "
    "correction), enough to see effects of 2-4%; about a minute per scenario (the baseline "
    "included) on 2 cores"
)


#: How the generated experiment file records a scenario file's contents: ``<prefix><label> <sha>``.
SHA_PREFIX = "# sha256 of scenario "


def _check_int(value: Any, option: str, low: int, allowed: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ScenarioError(f"{option} {value}: allowed: {allowed}")
    return value


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "scenario"


def default_out(labels: Sequence[str], settings: dict[str, Any]) -> Path:
    """The default results folder: the same for the same comparison (so it resumes).

    ``results/compare-<scenarios>-scale<S>-y<Y>-r<R>-seed<K>`` (the scenario part is shortened
    with a hash when long).
    """
    names = "+".join(_slug(label) for label in labels)
    if len(names) > 60:
        digest = hashlib.sha256(names.encode()).hexdigest()[:8]
        names = f"{names[:48]}+{digest}"
    s = settings
    tail = f"scale{s['scale']:g}-y{s['years']}-r{s['replicates']}-seed{s['seed']}"
    if s["intervention_week"] != DEFAULTS["intervention_week"]:
        tail += f"-w{s['intervention_week']}"
    return Path("results") / f"compare-{names}-{tail}"


def _toml_str(text: str) -> str:
    return json.dumps(text)


def _scenarios(refs: Sequence[str]) -> list[tuple[str, str, str]]:
    """Check the named scenarios.

    Returns:
        ``(label, reference for the experiment, SHA-256 of the file's contents)`` per scenario.
    """
    from sim.scenario import load_scenario, scenarios_dir

    if not refs:
        raise ScenarioError(
            "SCENARIO: none given; allowed: one or more scenario names or files (ocgsim "
            "scenarios lists the shipped ones)"
        )
    out: list[tuple[str, str]] = []
    for ref in refs:
        scenario = load_scenario(ref)  # one line naming the file and what is allowed
        if scenario.path is None:
            raise ScenarioError(f"{ref}: not a scenario file")
        if scenario.path.resolve().parent == scenarios_dir():
            resolved = scenario.path.stem
        else:
            resolved = str(scenario.path.resolve())
        try:
            digest = hashlib.sha256(scenario.path.read_bytes()).hexdigest()
        except OSError as exc:
            raise ScenarioError(f"{scenario.path}: cannot be read ({exc.strerror})") from None
        label = scenario.name
        if label in ("baseline", *(lab for lab, _, _ in out)):
            raise ScenarioError(
                f"{ref}: scenario name {label!r} is given twice (or is 'baseline', the name of "
                "the comparison's baseline); allowed: each scenario once"
            )
        out.append((label, resolved, digest))
    return out


def comparison_experiment(
    scenarios: Sequence[str],
    *,
    replicates: int = DEFAULTS["replicates"],
    scale: float = DEFAULTS["scale"],
    years: int = DEFAULTS["years"],
    intervention_week: int = DEFAULTS["intervention_week"],
    seed: int = DEFAULTS["seed"],
    allow_short_window: bool = False,
    out: str | Path | None = None,
):
    """The experiment of a comparison: the baseline and each scenario, checked.

    Args:
        scenarios: Scenario names (shipped or in ``./scenarios/``) or files.
        replicates: Runs per scenario (at least 2: paired intervals need two).
        scale: ``run.scale`` of every run.
        years: ``run.years``.
        intervention_week: Week the interventions switch on (``run.intervention_week``; the
            summary window starts there).
        seed: Root seed (replicate seeds derive from it).
        allow_short_window: Accept a summary window under 52 weeks.
        out: Results folder (default :func:`default_out`).

    Returns:
        The validated :class:`sim.experiments.Experiment`.

    Raises:
        ScenarioError: One line naming the scenario or option and what is allowed.
    """
    from sim.experiments.spec import parse_experiment
    from sim.io.guards import window_problem

    _check_int(replicates, "--replicates", 2, "a whole number >= 2 (paired intervals need two)")
    _check_int(seed, "--seed", 0, "a whole number >= 0")
    scale = spec("run.scale").check(scale, "--scale")
    years = spec("run.years").check(years, "--years")
    intervention_week = spec("run.intervention_week").check(
        intervention_week, "--intervention-week"
    )
    problem = window_problem(years, intervention_week, names=("--years", "--intervention-week"))
    if problem and not allow_short_window:
        raise ScenarioError(f"--years/--intervention-week: {problem}")
    # the flag changes nothing when the window is long enough: it is recorded only when it is
    # needed, so giving it or not names the same comparison (and the same folder)
    short_window = bool(problem) and allow_short_window
    chosen = _scenarios(scenarios)
    settings = {
        "replicates": replicates,
        "scale": scale,
        "years": years,
        "intervention_week": intervention_week,
        "seed": seed,
    }
    labels = [label for label, _, _ in chosen]
    if out is not None and not str(out).strip():
        raise ScenarioError("--out '': an empty path; allowed: a folder path")
    out_dir = Path(out) if out is not None else default_out(labels, settings)
    name = "compare-" + "-".join(_slug(label) for label in labels)
    if len(name) > 80:
        name = name[:70] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    listed = ", ".join(_toml_str(ref) for _, ref, _ in chosen)
    series = ", ".join(_toml_str(s) for s in SERIES)
    digests = "".join(f"\n{SHA_PREFIX}{label} {digest}" for label, _, digest in chosen)
    text = f"""# Written by ocgsim compare: the baseline against {", ".join(labels)}.
# Replicate r has the same seed in every scenario (common random numbers).
# The contents of the scenario files (SHA-256) are part of the comparison: after an edit the
# stored runs are not reused.{digests}

[experiment]
name = {_toml_str(name)}
description = {_toml_str("Baseline (England & Wales) against " + ", ".join(labels) + ".")}
seed = {seed}
replicates = {replicates}
years = {years}
burn_in_weeks = {intervention_week}
scale = {scale!r}
allow_short_window = {"true" if short_window else "false"}

[design]
type = "scenarios"
baseline = "baseline"
scenarios = [{listed}]

[output]
series = true
series_metrics = [{series}]
"""
    return parse_experiment(
        text,
        path=out_dir / "experiment.toml",
        overrides={"out": str(out_dir)},
        source_dir=Path.cwd(),
    )


@dataclass
class CompareResult:
    """What :func:`run_compare` did.

    Attributes:
        out_dir: The results folder.
        run: The engine's report (runs done, failed, remaining).
        report: The HTML report written (None if runs remain).
        comparison: The comparison behind the report's headline table.
        exit_code: 0 every run succeeded and the report is written; 3 some runs failed (the
            report says so); 4 runs remain (no report).
    """

    out_dir: Path
    run: Any
    report: Path | None
    comparison: Any
    exit_code: int


def run_compare(
    scenarios: Sequence[str],
    *,
    replicates: int = DEFAULTS["replicates"],
    scale: float = DEFAULTS["scale"],
    years: int = DEFAULTS["years"],
    intervention_week: int = DEFAULTS["intervention_week"],
    seed: int = DEFAULTS["seed"],
    allow_short_window: bool = False,
    out: str | Path | None = None,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    estimate: bool = True,
    echo: Callable[[str], Any] | None = print,
) -> CompareResult:
    """Run a comparison end to end: plan, run (or resume), analyse, write the report.

    Args:
        scenarios: Scenario names or files.
        replicates: Runs per scenario.
        scale: ``run.scale``.
        years: ``run.years``.
        intervention_week: Week the interventions switch on.
        seed: Root seed.
        allow_short_window: Accept a summary window under 52 weeks.
        out: Results folder (default :func:`default_out`).
        executor: ``serial``, ``processes`` (default) or ``dask``.
        workers: Worker processes (0 or None: one per CPU).
        scheduler: Dask scheduler address (implies ``dask``).
        progress: Progress bar on stderr (None: on a terminal).
        estimate: Time a few runs first and print the estimate (the engine's plan).
        echo: Where to print what is happening (None: nowhere).

    Returns:
        What was done.

    Raises:
        ScenarioError: One line for bad input, before anything is written.
    """
    from sim.analysis import analyse
    from sim.experiments.engine import plan_experiment, run_experiment
    from sim.experiments.folder import check_folder
    from sim.experiments.spec import check_count, check_scheduler
    from sim.experiments.store import ResultsStore
    from sim.io.guards import check_destination
    from sim.policy.report import compare_table, write_report

    say = echo or (lambda text: None)
    if workers is not None:
        check_count(workers, "--workers")
    if scheduler is not None:
        check_scheduler(scheduler)
    experiment = comparison_experiment(
        scenarios,
        replicates=replicates,
        scale=scale,
        years=years,
        intervention_week=intervention_week,
        seed=seed,
        allow_short_window=allow_short_window,
        out=out,
    )
    store = ResultsStore(experiment.out_dir)
    check_destination(store.path, "--out", new=False, need_bytes=10_000_000)
    _check_scenario_files(experiment, store)
    check_folder(experiment, store)
    stored = sum(1 for s in store.finished().values() if s == "ok") if store.exists() else 0
    if estimate:
        total = len(experiment.scenarios) * experiment.replicates
        # nothing left to run: no timing runs either (they take seconds at the default scale)
        plan = plan_experiment(experiment, calibrate=2 if stored < total else 0)
        if workers is not None or scheduler or executor == "serial":
            n = 1 if executor == "serial" else (workers or plan.workers)
            plan = dataclasses.replace(plan, workers=n)
        left = max(plan.runs - stored, 0)
        plan = dataclasses.replace(plan, runs=left)
        lines = plan.text().splitlines()
        if stored:
            lines.insert(3, f"resuming: {stored} runs already stored, {left} to go")
        say("\n".join(lines))
    out_dir = store.path
    run = run_experiment(
        experiment,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        out_dir=out_dir,
    )
    if run.remaining:
        say(
            f"{out_dir}: {run.remaining} runs remain; give the same command again (or "
            f"ocgsim resume {out_dir}, then ocgsim report {out_dir})"
        )
        return CompareResult(out_dir, run, None, None, 4)
    analyse(out_dir)
    path = write_report(out_dir)
    comparison = compare_table(_load(out_dir))
    code = 3 if run.failed else 0
    return CompareResult(out_dir, run, path, comparison, code)


def _recorded_digests(text: str) -> dict[str, str]:
    """Scenario label -> SHA-256 of its file, from a generated experiment file's text."""
    out = {}
    for line in text.splitlines():
        if line.startswith(SHA_PREFIX):
            label, _, digest = line[len(SHA_PREFIX) :].rpartition(" ")
            out[label] = digest
    return out


def _check_scenario_files(experiment: Any, store: Any) -> None:
    """Refuse, in one line naming the file, a folder whose runs used another version of it.

    The contents of the scenario files are part of the comparison (their SHA-256 is in its
    experiment file, so in its digest): after an edit the folder holds a different comparison,
    which the engine refuses; this says which file changed. A folder of an earlier ocgsim, which
    recorded no contents, is refused too: whether its files changed cannot be told.

    Raises:
        ScenarioError: If the folder holds this comparison made with other file contents.
    """
    if not store.exists():
        return
    try:
        if store.manifest().get("experiment_sha256") == experiment.digest():
            return
        stored = (store.path / "experiment.toml").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return  # not this comparison's folder: the engine's check says so

    def settings(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    if settings(stored) != settings(experiment.text):
        return  # another comparison (other files or settings): the engine's check says so
    theirs = _recorded_digests(stored)
    if not theirs:
        raise ScenarioError(
            f"--out {store.path}: holds this comparison made by an earlier ocgsim, which did not "
            "record the contents of its scenario files, so whether they changed since cannot be "
            f"told; allowed: another --out, or delete {store.path} to run it again"
        )
    refs = {label: ref for label, ref, _ in experiment.scenarios}
    for label, digest in _recorded_digests(experiment.text).items():
        if label in theirs and theirs[label] != digest:
            raise ScenarioError(
                f"{refs.get(label, label)}: the scenario file has changed since the runs in "
                f"{store.path} were made (its SHA-256 differs from the one recorded there); "
                "allowed: the file as it was, to continue that comparison, or another --out "
                f"(or delete {store.path}) to start again"
            )


def _load(out_dir: Path):
    from sim.analysis import load_results

    return load_results(out_dir)


def summary_lines(result: CompareResult) -> list[str]:
    """What ``ocgsim compare`` prints after the runs: one sentence per intervention."""
    comp = result.comparison
    lines = []
    if comp is not None:
        lines.append(
            f"against {comp.baseline} (95% intervals, Holm-corrected over {comp.family} "
            "comparisons; counts and costs at full scale):"
        )
        for name in comp.interventions:
            lines.append(f"  {name}: {comp.sentences[name]}")
    if result.run.failed:
        lines.append(f"{result.run.failed} run(s) failed; see ocgsim status {result.out_dir}")
    lines.append(f"report: {result.report}")
    lines.append(f"tables and figures: {result.out_dir / 'analysis'}/")
    return lines


def main_compare(args: Any) -> int:
    """``ocgsim compare``: the command line's entry (see :mod:`sim.cli.policy`)."""
    from sim.io.guards import TerminatedError

    given = {
        k: getattr(args, k)
        for k in ("replicates", "scale", "years", "intervention_week", "seed")
        if getattr(args, k) is not None
    }
    settings = {**DEFAULTS, **given}
    if not given.keys() & {"replicates", "scale", "years"}:
        print(DEFAULTS_NOTE)
    out = args.out
    try:
        result = run_compare(
            args.scenarios,
            **settings,
            allow_short_window=args.allow_short_window,
            out=out,
            executor=args.executor,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=False if args.no_progress else None,
        )
    except KeyboardInterrupt:
        print("interrupted; give the same command again to continue", file=sys.stderr)
        return 130
    except TerminatedError:
        print(
            "terminated (SIGTERM); results flushed; give the same command again to continue",
            file=sys.stderr,
        )
        return 143
    except OSError as exc:
        print(
            f"ocgsim: error: could not write the results ({exc.strerror or exc}); the runs "
            "stored so far are kept; give the same command again to continue",
            file=sys.stderr,
        )
        return 1
    if result.report is not None:
        print("\n".join(summary_lines(result)))
    return result.exit_code
