"""Draw the figures of docs/validation.md from the experiments' results.

Run the two experiments first, then this script::

    ocgsim experiment experiments/disruption_intensity.toml
    ocgsim experiment experiments/pulse_recovery.toml
    python docs/figures/make_validation_figures.py     # writes docs/figures/*.png, prints tables

The figures are documentation, regenerated from the results folders (which are not committed).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.analysis import load_results

HERE = Path(__file__).resolve().parent
RESULTS = Path("results")
POLICE = "disruption.police_actions_per_region"
RECOVERY = "community.market_recovery_rate"


def _paired(runs: pd.DataFrame, factor: str, metric: str, base: float) -> pd.DataFrame:
    """Mean and 95% interval over replicates of the % change against the factor's base value."""
    wide = runs.pivot_table(index="replicate", columns=factor, values=metric)
    change = 100.0 * (wide.div(wide[base], axis=0) - 1.0)
    n = change.shape[0]
    se = change.std(ddof=1) / np.sqrt(n)
    t = 2.776 if n == 5 else 1.96  # t(0.975, 4) for five replicates
    return pd.DataFrame({"mean": change.mean(), "low": change.mean() - t * se,
                         "high": change.mean() + t * se})  # fmt: skip


def disruption_intensity() -> None:
    """Figure 1: OC harm and membership against police capacity (x1, x2, x5, x10)."""
    res = load_results(RESULTS / "disruption_intensity")
    runs = res.runs
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), constrained_layout=True)
    print("\nDisruption intensity (paired % change against x1, mean [95% CI], 5 replicates)")
    for ax, metric, label in zip(
        axes[:2],
        ("oc_harm_per_year", "ocg_members"),
        ("OC harm (harm-days a year)", "OCG members"),
        strict=True,
    ):
        table = _paired(runs, POLICE, metric, 4.0)
        x = table.index.to_numpy() / 4.0
        ax.errorbar(x, table["mean"], yerr=[table["mean"] - table["low"], table["high"] -
                    table["mean"]], marker="o", capsize=4)  # fmt: skip
        ax.axhline(0, color="0.5", lw=0.8)
        ax.set(xscale="log", xticks=x, xticklabels=[f"x{v:g}" for v in x],
               xlabel="police capacity (operations a week, x the baseline 4 a region)",
               ylabel="% change against x1", title=label)  # fmt: skip
        print(f"  {metric}: " + "; ".join(
            f"x{i / 4:g} {r['mean']:+.1f}% [{r['low']:+.1f}, {r['high']:+.1f}]"
            for i, r in table.iterrows()))  # fmt: skip
    ops = runs.groupby(POLICE)["operations_per_year"].mean() / 0.1  # the scale of the experiment
    axes[2].plot(ops.index / 4.0, ops.values, marker="o")
    axes[2].set(xscale="log", xticks=ops.index / 4.0,
                xticklabels=[f"x{v:g}" for v in ops.index / 4.0],
                xlabel="police capacity", ylabel="operations a year (full-scale equivalent)",
                title="Operations actually mounted")  # fmt: skip
    print("  operations a year (full scale): " + ", ".join(f"{v:,.0f}" for v in ops.values))
    fig.suptitle("MADTOR pattern: harder disruption, diminishing returns (scale 0.1, 10 years)")
    fig.savefig(HERE / "disruption_intensity.png", dpi=100)
    plt.close(fig)


def pulse_recovery() -> None:
    """Figure 2: members and roles after a 30% removal at week 156, by market recovery rate."""
    res = load_results(RESULTS / "pulse_recovery")
    series = res.series(["ocg_members", "ocg_roles"])
    design = res.runs[["run_id", RECOVERY]]
    data = series.merge(design, on="run_id")
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5), constrained_layout=True)
    print("\nPulse recovery (members as % of weeks 130-155, mean over 5 replicates)")
    for ax, metric, label in zip(
        axes, ("ocg_members", "ocg_roles"), ("OCG members", "roles held by OCGs"), strict=True
    ):
        for rate, group in data[data["metric"] == metric].groupby(RECOVERY):
            wide = group.pivot_table(index="week", columns="run_id", values="value")
            before = wide.loc[130:155].mean()
            rel = 100.0 * wide.div(before, axis=1).mean(axis=1)
            smooth = rel.rolling(4, min_periods=1).mean()
            ax.plot(smooth.index / 52.0, smooth.values, label=f"recovery rate {rate:g}/week")
            if metric == "ocg_members":
                at = {w: float(rel.loc[w - 3 : w].mean()) for w in (158, 208, 260, 312)}
                print(f"  rate {rate:g}: " + ", ".join(f"week {w} {v:.0f}%" for w, v in at.items()))
        ax.axvline(156 / 52.0, color="black", ls="--", lw=1)
        ax.set(xlabel="year", ylabel="% of the level before the removal", title=label)
        ax.legend(fontsize=8)
    fig.suptitle("Duijn et al. pattern: recovery after removing 30% of members (scale 0.1)")
    fig.savefig(HERE / "pulse_recovery.png", dpi=100)
    plt.close(fig)


def main() -> int:
    """Draw both figures."""
    disruption_intensity()
    pulse_recovery()
    return 0


if __name__ == "__main__":
    sys.exit(main())
