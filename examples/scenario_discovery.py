"""From a question to a result: scenario discovery (PRIM) on the baseline, with the EMA workbench.

**Question.** With today's policies (the England & Wales baseline), under which plausible
assumptions does recruitment in prison run high, i.e. in the top quarter of what the plausible
assumptions allow?

**Method.** The uncertain assumptions of :data:`sim.policy.ema.DEFAULT_UNCERTAINTIES` are sampled
over their plausible ranges (``ParamSpec.plausible_range()``; a Latin hypercube, the workbench's
default); every experiment is one run of the model with the same seed (common random numbers),
levers at their defaults. Experiments whose
``recruits_prison_per_1000_py`` is at or above its 75% quantile are the cases of interest; PRIM
finds the box of assumptions where they concentrate (coverage: share of the cases in the box;
density: share of the box that is cases).

Run (needs ``pip install -e '.[ema]'``)::

    .venv/bin/python examples/scenario_discovery.py --runs 200 --scale 0.02 --years 4

It prints the box and writes ``experiments.csv`` (assumptions and outcomes of every run),
``box.csv`` (the restricted assumptions), ``discovery.json`` and ``box.png`` (the box
against the plausible ranges) to ``--out`` (default ``results/scenario-discovery``), all at once
(a temporary folder renamed when complete). A tiny version runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from sim.io.files import public_mode

OUTCOME = "recruits_prison_per_1000_py"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[1].replace("**", ""))
    p.add_argument("--runs", type=int, default=200, help="experiments (default 200)")
    p.add_argument("--scale", type=float, default=0.02, help="model scale (default 0.02)")
    p.add_argument("--years", type=int, default=4, help="years per run (default 4)")
    p.add_argument("--seed", type=int, default=1, help="seed of the design and of every run")
    p.add_argument("--quantile", type=float, default=0.75, help="case threshold (default 0.75)")
    p.add_argument("--out", default="results/scenario-discovery", help="output folder (new)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the experiments, find the PRIM box, write and print the result."""
    args = parse_args(argv)
    out = Path(args.out)
    problems = [
        (args.runs < 8, f"--runs {args.runs}: allowed: a whole number >= 8"),
        (not 0.0 < args.quantile < 1.0, f"--quantile {args.quantile}: allowed: between 0 and 1"),
        (out.exists(), f"--out {out}: already exists; allowed: a folder that does not exist"),
    ]
    for bad, message in problems:
        if bad:
            print(f"scenario_discovery: error: {message}", file=sys.stderr)
            return 2

    from sim.policy.ema import build_model, discover, run_experiments

    model = build_model(levers=[], scale=args.scale, years=args.years, seed=args.seed)
    experiments, outcomes = run_experiments(model, args.runs, design_seed=args.seed)
    found = discover(experiments, outcomes, OUTCOME, quantile=args.quantile)

    table = experiments.drop(columns=["scenario", "policy", "model"]).copy()
    for name, values in outcomes.items():
        table[name] = values
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        table.to_csv(tmp / "experiments.csv", index=False, float_format="%.10g")
        found.limits.to_csv(tmp / "box.csv", index=False, float_format="%.10g")
        summary = {
            "question": "Under which plausible assumptions does in-prison recruitment run high "
            "in the baseline?",
            "rule": found.rule,
            "cases": found.cases,
            "experiments": found.experiments,
            "coverage": found.coverage,
            "density": found.density,
            "mass": found.mass,
            "restricted": found.limits.to_dict(orient="records"),
            "settings": {k: v for k, v in vars(args).items() if k != "out"},
        }
        (tmp / "discovery.json").write_text(json.dumps(summary, indent=2) + "\n")
        _plot_box(found, tmp / "box.png")
        public_mode(tmp)  # mkdtemp makes it 0700; every results folder follows the umask
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(found.text())
    print(f"\nresults written to {out}/")
    return 0


def _plot_box(found, path: Path) -> None:
    """The box against the plausible ranges, one bar per restricted assumption."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    lim = found.limits
    fig = Figure(figsize=(7, 0.6 * max(2, len(lim)) + 1.2), dpi=100)
    ax = fig.subplots()
    for i, row in enumerate(lim.itertuples()):
        span = row.range_high - row.range_low or 1.0
        lo, hi = (row.low - row.range_low) / span, (row.high - row.range_low) / span
        ax.barh(i, 1.0, color="0.9", edgecolor="0.6")
        ax.barh(i, hi - lo, left=lo, color="tab:red", alpha=0.7)
    ax.set_yticks(range(len(lim)), lim["parameter"].tolist() if len(lim) else [])
    ax.set_xlim(0, 1)
    ax.set_xlabel("position within the plausible range (0 = low end, 1 = high end)")
    ax.set_title(
        f"PRIM box: coverage {found.coverage:.2f}, density {found.density:.2f}", fontsize=10
    )
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})


if __name__ == "__main__":
    sys.exit(main())
