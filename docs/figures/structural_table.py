"""Print the structural table: the paired effect of switching sharing off, by police tasking.

Usage: ``python docs/figures/structural_table.py results/structural_police`` after
``ocgsim experiment experiments/structural_police.toml``. For each tasking (several sources with
the prison share of capacity at 1.0, 0.5 and 0.2; prison only), the paired effect of
``sharing.enabled = false`` on OC harm in £ (% of the same replicate's harm with sharing), its 95%
t-interval, and the share of police capacity used; then a one-sided paired test that the effect is
larger under the prison-only funnel than with several sources at a prison share of 0.5.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats


def load(folder: Path) -> pd.DataFrame:
    """The ok runs of an experiment folder, one row per run."""
    runs = pd.concat(pd.read_parquet(f) for f in sorted((folder / "runs").glob("*.parquet")))
    return runs[runs["status"] == "ok"]


def effects(runs: pd.DataFrame) -> dict[str, pd.Series]:
    """Per tasking setting, the per-replicate % change in harm with sharing off."""
    out = {}
    for (tasking, share), part in runs.groupby(
        ["disruption.tasking", "disruption.prison_tasking_share"]
    ):
        label = "prison only" if tasking == "prison_only" else f"several sources, share {share:g}"
        if label in out:
            continue
        by = part.pivot_table(
            index="replicate", columns="sharing.enabled", values="oc_harm_gbp_per_year"
        )
        out[label] = 100.0 * (by[False] / by[True] - 1.0)
    return out


def main(folder: str) -> None:
    """Print the table and the test."""
    runs = load(Path(folder))
    used = runs.groupby(
        ["disruption.tasking", "disruption.prison_tasking_share", "sharing.enabled"]
    )
    capacity = used.apply(
        lambda g: g["operations_per_year"].sum() / g["police_capacity_per_year"].sum()
    )
    print(
        "| police tasking | harm with sharing off, % (95% CI) | capacity used, sharing on / off |"
    )
    print("|---|---|---|")
    eff = effects(runs)
    for label, e in eff.items():
        half = stats.t.ppf(0.975, e.size - 1) * e.std(ddof=1) / np.sqrt(e.size)
        key = (
            ("prison_only", 1.0)
            if label == "prison only"
            else ("several_sources", float(label.split()[-1]))
        )
        on, off = capacity[(*key, True)], capacity[(*key, False)]
        interval = f"{e.mean():+.1f} ({e.mean() - half:+.1f} to {e.mean() + half:+.1f})"
        print(f"| {label} | {interval} | {on:.1%} / {off:.1%} |")
    diff = eff["prison only"] - eff["several sources, share 0.5"]
    test = stats.ttest_1samp(diff, 0.0, alternative="greater")
    print(
        f"\nprison-only minus several sources (share 0.5), paired over {diff.size} replicates: "
        f"{diff.mean():+.1f} points, one-sided p = {test.pvalue:.2g}"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/structural_police")
