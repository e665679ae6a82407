"""Label each scenario's finding by whether it holds under the police-tasking variants.

Usage, after running the three experiments::

    ocgsim experiment experiments/tasking_share_1.toml
    ocgsim experiment experiments/tasking_share_05.toml
    ocgsim experiment experiments/tasking_share_02.toml
    python docs/figures/tasking_labels.py [METRIC]

The three differ only in ``disruption.prison_tasking_share`` (1.0, 0.5, 0.2) and share their
seeds, so each scenario's paired effect (scenario minus baseline on the same replicate, as a % of
the baseline) is read at three shares. The label, from the 95% t-intervals:

- **holds**: the same sign and an interval that excludes zero at every share, and every effect
  within a factor of two of the effect at the default share (0.5);
- **sign holds, size varies**: the same sign and detectable at every share, but the size differs
  by more than a factor of two;
- **depends on tasking**: detectable at some shares but not all, or with different signs;
- **none detectable**: no share's interval excludes zero.

METRIC defaults to ``oc_harm_gbp_per_year`` when the runs have it, else ``oc_harm_per_year``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis import load_results

SHARES = {"1": 1.0, "05": 0.5, "02": 0.2}


def load(folder: Path) -> pd.DataFrame:
    """The ok runs of an experiment folder, one row per run."""
    runs = load_results(folder).runs
    return runs[runs["status"] == "ok"]


def effects(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per scenario: mean paired effect (% of baseline) and its 95% t-interval."""
    by = runs.pivot_table(index="replicate", columns="scenario", values=metric)
    base = by["baseline"]
    rows = []
    for scenario in by.columns.drop("baseline"):
        d = 100.0 * (by[scenario] - base) / base.mean()
        half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
        rows.append((scenario, d.mean(), d.mean() - half, d.mean() + half))
    return pd.DataFrame(rows, columns=["scenario", "mean", "low", "high"]).set_index("scenario")


def label(cells: list[tuple[float, float, float]]) -> str:
    """The label of one scenario from its (mean, low, high) at shares 1, 0.5 and 0.2."""
    detectable = [low > 0 or high < 0 for _, low, high in cells]
    signs = {np.sign(mean) for mean, _, _ in cells}
    if not any(detectable):
        return "none detectable"
    if not all(detectable) or len(signs) > 1:
        return "depends on tasking"
    default = cells[1][0]
    ratios = [mean / default for mean, _, _ in cells]
    return "holds" if all(0.5 <= r <= 2.0 for r in ratios) else "sign holds, size varies"


def main(argv: list[str]) -> int:
    """Print the markdown table."""
    tables = {tag: load(Path(f"results/tasking_share_{tag}")) for tag in SHARES}
    first = next(iter(tables.values()))
    metric = argv[0] if argv else None
    if metric is None:
        metric = "oc_harm_gbp_per_year" if "oc_harm_gbp_per_year" in first else "oc_harm_per_year"
    eff = {tag: effects(runs, metric) for tag, runs in tables.items()}
    n = first["replicate"].nunique()
    print(f"{metric}: paired effect, % of baseline (95% CI), {n} replicates\n")
    heads = " | ".join(f"prison share {share:g}" for share in SHARES.values())
    print(f"| scenario | {heads} | finding |")
    print("|---|" + "---|" * len(SHARES) + "---|")
    for scenario in eff["05"].index:
        cells = [tuple(eff[tag].loc[scenario]) for tag in SHARES]
        text = " | ".join(f"{m:+.1f}% [{lo:+.1f}, {hi:+.1f}]" for m, lo, hi in cells)
        print(f"| `{scenario}` | {text} | {label(cells)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
