"""Print the tables of docs/scenario-results.md from an analysed all_scenarios experiment.

    ocgsim experiment all_scenarios --scale 0.25
    ocgsim analyse results/all_scenarios
    ocgsim experiment recommendations_more_police --scale 0.25    # the interaction check
    ocgsim experiment pio_trust_grid && ocgsim analyse results/pio_trust_grid
    python docs/figures/make_scenario_table.py [results/all_scenarios ...]

Several results folders (the same seeds and settings) are read together. Significance is Holm's
step-down correction over the family of every scenario x headline metric in the tables (the
analysis's own Holm column corrects over every metric it analysed); the intervals printed are the
uncorrected 95% t-intervals, and Bonferroni-corrected ones (the same family) are given for OC harm.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

#: The pre-specified primary outcome (sim.policy.outcomes.PRIMARY_OUTCOME).
PRIMARY = "oc_harm_gbp_per_year"
HEADLINE = (
    PRIMARY,
    "oc_harm_per_year",
    "ocg_members",
    "recruits_prison_per_member_year",
    "recruits_prison_per_1000_py",
    "recruits_community_per_week",
    "cost_million_per_year",
)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values."""
    order = np.argsort(p)
    m = p.size
    adjusted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adjusted
    return out


def main() -> int:
    """Print the headline table, the cost table and the supporting metrics."""
    folders = [Path(f) for f in sys.argv[1:]] or [Path("results/all_scenarios")]
    diffs = pd.concat(
        [pd.read_csv(f / "analysis" / "differences.csv") for f in folders], ignore_index=True
    )
    head = diffs[diffs["metric"].isin(HEADLINE)].copy()
    head = head[head["p_value"].notna()]
    # two families, as the report's (issue 26): the primary outcome across the scenarios, and
    # the secondary outcomes together, each Holm-corrected on its own
    primary = (head["metric"] == PRIMARY).to_numpy()
    head["p_family"] = np.nan
    head.loc[primary, "p_family"] = holm(head.loc[primary, "p_value"].to_numpy())
    head.loc[~primary, "p_family"] = holm(head.loc[~primary, "p_value"].to_numpy())
    m = int(primary.sum())
    n = int(head["n_pairs"].iloc[0])
    widen = stats.t.ppf(1 - 0.05 / (2 * m), n - 1) / stats.t.ppf(0.975, n - 1)
    print(
        f"primary family: {m} tests ({PRIMARY}), secondary: {int((~primary).sum())} tests, "
        f"{n} pairs; Bonferroni widening of the primary x{widen:.2f}\n"
    )
    print("| scenario | " + " | ".join(HEADLINE) + " |")
    for scenario in dict.fromkeys(head["scenario"]):
        rows = head[head["scenario"] == scenario].set_index("metric")
        cells = []
        for metric in HEADLINE:
            r = rows.loc[metric]
            mark = "**" if r["p_family"] < 0.05 else ""
            ci = f"[{r['pct_ci_low']:+.1f}, {r['pct_ci_high']:+.1f}]"
            cells.append(f"{mark}{r['pct_change']:+.1f}%{mark} {ci}")
        print(f"| `{scenario}` | " + " | ".join(cells) + " |")
    print("\nharm averted in £, benefit-cost ratio (full scale), Bonferroni-corrected interval")
    for scenario in dict.fromkeys(head["scenario"]):
        rows = head[head["scenario"] == scenario].set_index("metric")
        harm, cost = rows.loc["oc_harm_gbp_per_year"], rows.loc["cost_million_per_year"]
        half = (harm["pct_ci_high"] - harm["pct_ci_low"]) / 2 * widen
        averted = -harm["diff_full_scale"]
        extra = cost["diff_full_scale"] * 1e6
        if extra > 1e5:
            ratio = f"{averted / extra:.0f}"
        else:
            ratio = "none: it saves money" if extra < -1e5 else "none: no change in cost"
        print(
            f"{scenario:24s} harm {harm['pct_change']:+.1f}% [{harm['pct_change'] - half:+.1f}, "
            f"{harm['pct_change'] + half:+.1f}]  averted £{averted / 1e6:+,.0f}m/yr  "
            f"extra £{extra / 1e6:.1f}m/yr  benefit-cost ratio {ratio}"
        )
    interaction(folders[0], Path("results/recommendations_more_police"))
    grid(Path("results/pio_trust_grid"))
    return 0


def interaction(scenarios: Path, with_police: Path) -> None:
    """The recommendations' effect with and without police capacity x2, and the difference.

    Both experiments use the same root seed, so replicate r has the same seed in each; the
    interaction is (recommendations with x2 - x2) - (recommendations - baseline), as a share of
    the baseline, paired by replicate.
    """
    if not (with_police / "manifest.json").exists():
        print(f"\n(no {with_police}: interaction not computed)")
        return
    from sim.analysis import load_results

    def arms(folder: Path) -> pd.DataFrame:
        runs = load_results(folder).runs
        return runs.pivot_table(index="replicate", columns="scenario", values=METRIC_COLUMNS)

    a, b = arms(scenarios), arms(with_police)
    t = stats.t.ppf(0.975, len(a) - 1)
    print("\nrecommendations with and without police capacity x2 (paired, 95% CI)")
    for metric in ("oc_harm_gbp_per_year", "ocg_members"):
        base = a[(metric, "baseline")]
        alone = 100.0 * (a[(metric, "recommendations")] / base - 1.0)
        police = 100.0 * (b[(metric, "baseline")] / base - 1.0)
        on_top = 100.0 * (b[(metric, "recommendations")] / b[(metric, "baseline")] - 1.0)
        inter = (
            100.0
            * (
                (b[(metric, "recommendations")] - b[(metric, "baseline")])
                - (a[(metric, "recommendations")] - base)
            )
            / base
        )
        cells = []
        for label, x in (("alone", alone), ("police x2", police), ("on top of x2", on_top),
                         ("interaction", inter)):  # fmt: skip
            half = t * x.std(ddof=1) / np.sqrt(len(x))
            cells.append(
                f"{label} {x.mean():+.1f}% [{x.mean() - half:+.1f}, {x.mean() + half:+.1f}]"
            )
        print(f"  {metric}: " + "; ".join(cells))


METRIC_COLUMNS = ["oc_harm_gbp_per_year", "ocg_members"]
GRID_METRICS = (
    "oc_harm_gbp_per_year",
    "oc_harm_per_year",
    "ocg_members",
    "recruits_prison_per_member_year",
    "items_acted_per_year",
    "mean_trust",
    "cost_million_per_year",
)


def grid(folder: Path) -> None:
    """The PIO x meetings grid: % change from the default point, * where Holm-significant."""
    path = folder / "analysis" / "differences.csv"
    if not path.exists():
        print(f"\n(no {path}: grid not printed)")
        return
    d = pd.read_csv(path)
    rows, cols = "intelligence.pios_per_1000", "trust.meetings_local"
    print(f"\nPIOs x local meetings ({folder}; % change from 2 PIOs and 2 meetings, "
          "* significant after the analysis's Holm correction)")  # fmt: skip
    for metric in GRID_METRICS:
        t = d[d["metric"] == metric]
        if t.empty:
            continue
        marks = zip(t["pct_change"], t["significant"], strict=True)
        cells = [f"{p:+.1f}{'*' if s else ''}" for p, s in marks]
        table = t.assign(cell=cells).pivot(index=rows, columns=cols, values="cell").fillna("0")
        print(f"\n{metric} (rows: PIOs per 1,000 places; columns: local meetings a year)")
        print(table.to_string())


if __name__ == "__main__":
    sys.exit(main())
