"""Writing a run's results: time series, summary, manifest and an overview figure.

Everything is written into a temporary folder beside the destination, which is renamed into
place only when complete, so a failed or interrupted run leaves no partial output.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from sim.files import git_commit, versions

__all__ = ["plot_overview", "write_run"]


def _json(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n").encode()


def write_run(
    out_dir: Path,
    timeseries: pd.DataFrame,
    summary: dict[str, float],
    manifest: dict[str, Any],
    *,
    figure: bool = True,
) -> Path:
    """Write a run folder atomically: everything goes to a temporary folder, then one rename.

    Args:
        out_dir: The folder to create (must not exist yet).
        timeseries: Weekly metrics.
        summary: Run summary.
        manifest: Resolved parameters, seed, versions, commit, wall time.
        figure: Whether to draw ``overview.png``.

    Returns:
        The folder written.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir}: already exists; choose another --out")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    try:
        timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        (tmp / "summary.json").write_bytes(_json(summary))
        (tmp / "manifest.json").write_bytes(_json(manifest))
        if figure:
            plot_overview(timeseries, tmp / "overview.png", title=manifest.get("title", ""))
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def plot_overview(ts: pd.DataFrame, path: Path, title: str = "") -> None:
    """A six-panel figure of a run: prisons, OCG members, recruitment, groups, intelligence, trust.

    Args:
        ts: The weekly time series.
        path: Where to write the PNG.
        title: Figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    years = ts["week"] / 52.0
    roll = lambda col: ts[col].rolling(13, min_periods=1).mean()  # noqa: E731
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5), constrained_layout=True)

    def panel(ax, series: dict[str, pd.Series], heading: str, ylabel: str) -> None:
        frame = pd.DataFrame({"year": years, **series}).melt("year", var_name="", value_name="v")
        sns.lineplot(frame, x="year", y="v", hue="", ax=ax, linewidth=1.6)
        ax.set(title=heading, xlabel="year", ylabel=ylabel)
        ax.legend(fontsize=8, loc="best")

    panel(
        axes[0, 0],
        {
            "prisoners": ts["prison_population"],
            "capacity": ts["capacity"],
            "on remand": ts["remand_population"],
        },
        "Prison population",
        "people",
    )
    panel(
        axes[0, 1],
        {"in prison": ts["ocg_members_in_prison"], "at large": ts["ocg_members_at_large"]},
        "OCG members",
        "people",
    )
    panel(
        axes[0, 2],
        {
            "in prison": roll("recruits_prison"),
            "in the community": roll("recruits_community"),
            "via prison ties": roll("recruits_via_ties"),
        },
        "Recruits per week (13-week mean)",
        "recruits / week",
    )
    panel(
        axes[1, 0],
        {
            "active OCGs": ts["active_ocgs"],
            "joint ventures": ts["joint_ventures"],
            "cross-region ventures": ts["cross_region_ventures"],
        },
        "Groups and joint ventures",
        "count",
    )
    panel(
        axes[1, 1],
        {
            "created": roll("items_created"),
            "shared": roll("items_shared"),
            "acted on": roll("items_acted"),
        },
        "Intelligence items per week (13-week mean)",
        "items / week",
    )
    panel(
        axes[1, 2],
        {
            "local (SOCU)": ts["trust_local"],
            "regional (ROCU)": ts["trust_regional"],
            "national (MARSOC)": ts["trust_national"],
        },
        "Trust between prisons and police",
        "trust (0-1)",
    )
    axes[1, 2].set_ylim(0, 1)
    if title:
        fig.suptitle(title, fontsize=14)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def manifest_for(model, seed: int, wall_seconds: float) -> dict[str, Any]:
    """The manifest of a model run: what ran, with what, where and how long."""
    return {
        "title": f"ocgsim — {model.scenario.name} (seed {seed}, scale {model.scale:g})",
        "scenario": model.scenario.name,
        "scenario_file": str(model.scenario.path) if model.scenario.path else None,
        "description": model.scenario.description,
        "seed": seed,
        "parameters": model.scenario_params.as_dict(),
        "weeks": model.week,
        "versions": versions(),
        "git_commit": git_commit(),
        "command": sys.argv,
        "host": platform.node(),
        "wall_seconds": round(wall_seconds, 3),
    }
