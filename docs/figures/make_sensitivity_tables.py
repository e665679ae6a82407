"""Print the tables of docs/sensitivity.md and draw its figures from the analysed experiments.

    ocgsim experiment experiments/morris_screening.toml
    ocgsim analyse results/morris_screening
    ocgsim experiment experiments/sobol_harm.toml
    ocgsim analyse results/sobol_harm
    ocgsim experiment experiments/sobol_noise.toml
    python docs/figures/make_sensitivity_tables.py     # writes docs/figures/sensitivity_*.png

Morris mu* is in the metric's units; the tables divide it by the mean of the metric over the
design (so that OC harm and membership can be compared) and give each factor's source kind from
the parameter table: a published figure, derived, an assumption, or a policy lever.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim.analysis import load_results
from sim.params import spec

HERE = Path(__file__).resolve().parent
RESULTS = Path("results")
OUTCOMES = {"oc_harm_per_year": "OC harm", "ocg_members": "OCG members"}
SOBOL_METRICS = {
    "oc_harm_per_year": "OC harm",
    "ocg_members": "OCG members",
    "effect_recommendations_oc_harm_per_year": "effect of the recommendations on OC harm",
    "effect_recommendations_ocg_members": "effect of the recommendations on membership",
    "effect_police_oc_harm_per_year": "effect of police x2 on OC harm",
    "effect_police_ocg_members": "effect of police x2 on membership",
}


def kind(name: str) -> str:
    """What the parameter's value rests on: lever, assumption, derived or published."""
    p = spec(name)
    if p.lever:
        return "lever"
    source = p.source.lower()
    if source.startswith("assumption"):
        return "assumption"
    if source.startswith("derived"):
        return "derived"
    return "published"


def morris(top: int = 15) -> pd.DataFrame:
    """The Morris ranking: relative mu* on each outcome, largest of the two first."""
    folder = RESULTS / "morris_screening"
    res = load_results(folder)
    tables = {}
    for metric in OUTCOMES:
        t = pd.read_csv(folder / "analysis" / f"morris_{metric}.csv").set_index("factor")
        mean = float(res.runs[metric].mean())
        tables[metric] = pd.DataFrame(
            {
                "mu_star": 100.0 * t["mu_star"] / mean,
                "conf": 100.0 * t["mu_star_conf"] / mean,
                "sigma": 100.0 * t["sigma"] / mean,
                "mu": 100.0 * t["mu"] / mean,
            }
        )
    both = pd.concat(tables, axis=1)
    largest = both.xs("mu_star", axis=1, level=1).max(axis=1)
    both = both.loc[largest.sort_values(ascending=False, kind="stable").index]
    print(f"Morris: {len(both)} factors, {len(res.runs)} runs; mu* as % of the design mean\n")
    print(
        "| rank | parameter | kind | OC harm mu* (95% CI) | sign | membership mu* (95% CI) | sign |"
    )
    print("|---|---|---|---|---|---|---|")
    for rank, (name, row) in enumerate(both.head(top).iterrows(), start=1):
        cells = []
        for metric in OUTCOMES:
            r = row[metric]
            # the sign of the effect where it is consistent (|mu| above half of mu*)
            sign = "±"
            if abs(r["mu"]) > 0.5 * r["mu_star"]:
                sign = "+" if r["mu"] > 0 else "−"
            cells.append(f"{r['mu_star']:.1f}% (±{r['conf']:.1f}) | {sign}")
        print(f"| {rank} | `{name}` | {kind(name)} | " + " | ".join(cells) + " |")
    fig, axes = plt.subplots(1, 2, figsize=(14, 6), constrained_layout=True)
    for ax, metric in zip(axes, OUTCOMES, strict=True):
        t = tables[metric].sort_values("mu_star", ascending=False)
        colours = {"assumption": "C3", "published": "C0", "derived": "C2", "lever": "C1"}
        for k, colour in colours.items():
            sel = [kind(n) == k for n in t.index]
            ax.scatter(t["mu_star"][sel], t["sigma"][sel], s=18, color=colour, label=k)
        for name in t.index[:8]:
            ax.annotate(name.split(".", 1)[1], (t.loc[name, "mu_star"], t.loc[name, "sigma"]),
                        fontsize=7, xytext=(3, 2), textcoords="offset points")  # fmt: skip
        ax.set(xlabel="mu* (% of the mean)", ylabel="sigma (% of the mean)",
               title=f"Morris screening: {OUTCOMES[metric]}")  # fmt: skip
        ax.legend(fontsize=8)
    fig.savefig(HERE / "sensitivity_morris.png", dpi=100)
    plt.close(fig)
    return both


def sobol() -> None:
    """Sobol' first-order and total indices with their convergence, per metric."""
    folder = RESULTS / "sobol_harm"
    if not (folder / "analysis").exists():
        print("\n(no analysed results/sobol_harm)")
        return
    res = load_results(folder)
    print(f"\nSobol': {len(res.runs)} samples")
    factors = None
    frames = {}
    for metric, label in SOBOL_METRICS.items():
        path = folder / "analysis" / f"sobol_{metric}.csv"
        if not path.exists():
            print(f"  (no {path.name})")
            continue
        t = pd.read_csv(path).set_index("factor")
        conv = pd.read_csv(folder / "analysis" / f"sobol_convergence_{metric}.csv")
        frames[metric] = t
        factors = list(t.index) if factors is None else factors
        y = res.runs[metric]
        print(f"\n{label} (`{metric}`): mean {y.mean():.4g}, sd {y.std():.3g}; "
              f"sum of S1 {t['S1'].sum():.2f}")  # fmt: skip
        print("| parameter | S1 (95% CI) | ST (95% CI) |")
        print("|---|---|---|")
        for name, r in t.sort_values("ST", ascending=False).iterrows():
            print(f"| `{name}` | {r['S1']:.2f} (±{r['S1_conf']:.2f}) | "
                  f"{r['ST']:.2f} (±{r['ST_conf']:.2f}) |")  # fmt: skip
        flagged = conv[conv["converged"] == False]  # noqa: E712
        if len(flagged):
            print("  not converged: " + ", ".join(sorted(set(flagged["factor"].astype(str)))))
    if not frames:
        return
    effects(res.runs, factors)
    explained(res.runs, factors)
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5), constrained_layout=True, sharey=True)
    for ax, (metric, t) in zip(axes.flat, frames.items(), strict=False):
        t = t.loc[factors]
        y = range(len(factors))
        ax.barh([v + 0.2 for v in y], t["ST"], height=0.4, xerr=t["ST_conf"], label="ST",
                color="C1")  # fmt: skip
        ax.barh([v - 0.2 for v in y], t["S1"], height=0.4, xerr=t["S1_conf"], label="S1",
                color="C0")  # fmt: skip
        ax.set_yticks(list(y), [f.split(".", 1)[1] for f in factors], fontsize=8)
        ax.set_title(SOBOL_METRICS[metric], fontsize=10)
        ax.axvline(0, color="0.5", lw=0.8)
        ax.invert_yaxis()
    axes.flat[0].legend()
    fig.suptitle("Sobol' indices (N = 128, scale 0.1, 6 years)")
    fig.savefig(HERE / "sensitivity_sobol.png", dpi=100)
    plt.close(fig)


def effects(runs: pd.DataFrame, factors: list[str]) -> None:
    """How the policy effects vary over the sample: their spread, and by each factor's quartile.

    Every Saltelli sample is a point of the plausible ranges run on its own seed, so the share
    of samples in which a policy cuts an outcome mixes the assumptions' influence with one
    seed's noise (the paired difference of a single replicate).
    """
    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    effect_metrics = [m for m in SOBOL_METRICS if m.startswith("effect_") and m in ok]
    print(f"\nPolicy effects over the {len(ok)} samples (% change from the paired baseline):")
    print("| effect | mean | sd | 5th–95th percentile | share of samples < 0 |")
    print("|---|---|---|---|---|")
    for m in effect_metrics:
        y = ok[m].dropna()
        spread = f"{y.quantile(0.05):+.1f} to {y.quantile(0.95):+.1f}"
        print(f"| {SOBOL_METRICS[m]} | {y.mean():+.1f}% | {y.std():.1f} | {spread} | "
              f"{(y < 0).mean():.0%} |")  # fmt: skip
    print("\nMean effect in the lowest and the highest quarter of each assumption's range:")
    print("| parameter | " + " | ".join(SOBOL_METRICS[m] for m in effect_metrics) + " |")
    print("|---|" + "---|" * len(effect_metrics))
    for name in factors:
        quarter = pd.qcut(ok[name], 4, labels=False, duplicates="drop")
        cells = []
        for m in effect_metrics:
            low = ok[m][quarter == quarter.min()].mean()
            high = ok[m][quarter == quarter.max()].mean()
            cells.append(f"{low:+.1f}% → {high:+.1f}%")
        print(f"| `{name}` | " + " | ".join(cells) + " |")


def explained(runs: pd.DataFrame, factors: list[str]) -> None:
    """What the assumptions explain of each output, and what is the model's own randomness.

    Two measures that a single common seed cannot inflate: the share of variance a linear
    model in the ten assumptions explains (R², with standardised regression coefficients), and
    the seed-to-seed variance at the default assumptions (``results/sobol_noise``) as a share
    of the output's variance over the sample.
    """
    import numpy as np

    ok = runs[runs["status"] == "ok"] if "status" in runs else runs
    x = (ok[factors] - ok[factors].mean()) / ok[factors].std()
    noise = None
    folder = RESULTS / "sobol_noise"
    if (folder / "manifest.json").exists():
        noise = load_results(folder).runs
    print("\nWhat the ten assumptions explain (linear model over the sample) and the seed noise:")
    print("| output | R² | largest standardised coefficients | seed sd at the defaults "
          "(20 seeds) | seed variance / variance over the sample |")  # fmt: skip
    print("|---|---|---|---|---|")
    for metric, label in SOBOL_METRICS.items():
        if metric not in ok:
            continue
        y = ok[metric]
        keep = y.notna().to_numpy()
        a = np.c_[np.ones(keep.sum()), x[keep].to_numpy()]
        coef, *_ = np.linalg.lstsq(a, y[keep].to_numpy(), rcond=None)
        fitted = a @ coef
        r2 = 1.0 - ((y[keep] - fitted) ** 2).sum() / ((y[keep] - y[keep].mean()) ** 2).sum()
        src = sorted(zip(factors, coef[1:] / y[keep].std(), strict=True), key=lambda t: -abs(t[1]))
        top = ", ".join(f"`{n.split('.', 1)[1]}` {c:+.2f}" for n, c in src[:3])
        sd = share = "—"
        if noise is not None and metric in noise:
            unit = "%" if metric.startswith("effect_") else ""
            sd = f"{noise[metric].std():.3g}{unit}"
            share = f"{noise[metric].var() / y[keep].var():.0%}"
        print(f"| {label} | {r2:.2f} | {top} | {sd} | {share} |")


def main() -> int:
    """Print the tables and draw the figures."""
    morris()
    sobol()
    return 0


if __name__ == "__main__":
    sys.exit(main())
