"""Writing a run's results: time series, summary, manifest and an overview figure.

Everything is written into a temporary folder beside the destination, which is renamed into
place only when complete, so a failed or interrupted run leaves no partial output. The folder
and its files get the permissions the umask allows (0755/0644 under umask 022). While a run
works towards a destination it holds a lock file beside it (:func:`claim_output`), so a second
run with the same ``--out`` is refused at once instead of losing its work at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io.files import LockHeldError, finite_json, git_commit, pid_lock, public_mode, versions
from sim.params import ScenarioError

__all__ = ["claim_output", "json_bytes", "plot_overview", "summary_table", "write_run"]


def json_bytes(obj: Any) -> bytes:
    """Strict JSON (NaN and infinities written as null), indented, keys sorted."""
    text = json.dumps(finite_json(obj), indent=2, sort_keys=True, default=str, allow_nan=False)
    return (text + "\n").encode()


@contextlib.contextmanager
def claim_output(out_dir: Path, option: str = "--out") -> Iterator[Path]:
    """Claim a run's destination for the duration of the block.

    Creates the missing parent folders and a lock file ``.<name>.lock`` beside the destination
    (holding this process's pid); refuses if another live process holds it or the destination
    appeared meanwhile. On leaving, the lock is removed, and if the destination was not written
    the parent folders created here are removed again: a failed run leaves nothing behind.

    Raises:
        ScenarioError: If another run holds the destination or it exists.
    """
    out_dir = Path(out_dir)
    created: list[Path] = []
    parent = out_dir.parent
    missing = []
    while not parent.exists():
        missing.append(parent)
        parent = parent.parent
    try:
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
        try:
            with pid_lock(out_dir.parent / f".{out_dir.name}.lock"):
                if out_dir.exists():
                    raise ScenarioError(
                        f"{option} {out_dir}: already exists; allowed: a folder that does not exist"
                    )
                yield out_dir
        except LockHeldError as exc:
            raise ScenarioError(
                f"{option} {out_dir}: another run (process {exc.owner.get('pid')} on "
                f"{exc.owner.get('host')}) is writing it; allowed: a folder no other run is using"
            ) from None
    finally:
        if not out_dir.exists():
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def summary_table(summary: dict[str, float], scale: float) -> pd.DataFrame:
    """The run summary as a table: metric, value, unit, scale, full-scale equivalent, definition.

    Args:
        summary: The run summary (model units).
        scale: The run's ``run.scale``.
    """
    from sim.analysis import units

    rows = []
    for name, value in summary.items():
        m = units.info(name)
        rows.append(
            {
                "metric": name,
                "value": value,
                "unit": m.unit if m else "",
                "scale": scale,
                "extensive": bool(m.extensive) if m else None,
                "full_scale_value": units.full_scale(value, name, scale),
                "definition": m.doc if m else "",
            }
        )
    return pd.DataFrame(rows)


def write_run(
    out_dir: Path,
    timeseries: pd.DataFrame,
    summary: dict[str, float],
    manifest: dict[str, Any],
    *,
    figure: bool = True,
) -> Path:
    """Write a run folder atomically: everything goes to a temporary folder, then one rename.

    The folder holds ``timeseries.parquet`` and ``timeseries.csv`` (model units),
    ``summary.json`` (model units; NaN as null), ``summary.csv`` (with units, scale and
    full-scale equivalents), ``manifest.json`` and ``overview.png``.

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
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}.{os.getpid()}."))
    params = manifest.get("parameters", {})
    scale = float(params.get("run.scale", 1.0))
    try:
        timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
        timeseries.to_csv(tmp / "timeseries.csv", index=False)
        (tmp / "summary.json").write_bytes(json_bytes(summary))
        summary_table(summary, scale).to_csv(tmp / "summary.csv", index=False)
        (tmp / "manifest.json").write_bytes(json_bytes(manifest))
        if figure:
            plot_overview(
                timeseries,
                tmp / "overview.png",
                title=manifest.get("title", ""),
                scale=scale,
                intervention_week=params.get("run.intervention_week")
                if changes_levers(params)
                else None,
            )
        for path in tmp.iterdir():
            public_mode(path)
        public_mode(tmp)
        os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


#: The overview figure's six panels, row by row: heading, y label (``{counts}`` says whether
#: counts are full scale), how the columns are drawn ("count": full-scale equivalent, "mean": its
#: 13-week rolling mean, "as is": the column itself) and the columns by legend label.
OVERVIEW_PANELS: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    (
        "Prison population",
        "people ({counts})",
        "count",
        {
            "prisoners": "prison_population",
            "capacity": "capacity",
            "on remand": "remand_population",
        },
    ),
    (
        "OCG members",
        "people ({counts})",
        "count",
        {
            "all members": "ocg_members",
            "in prison": "ocg_members_in_prison",
            "at large": "ocg_members_at_large",
        },
    ),
    (
        "Recruits per week (13-week mean)",
        "recruits / week ({counts})",
        "mean",
        {
            "in prison": "recruits_prison",
            "in the community": "recruits_community",
            "via prison ties": "recruits_via_ties",
        },
    ),
    (
        "OC harm in pounds per week (13-week mean)",
        "GBP / week ({counts})",
        "mean",
        {
            "all OC harm": "oc_harm_gbp",
            "drugs": "oc_harm_gbp_drugs",
            "fraud": "oc_harm_gbp_fraud",
            "debt violence in prison": "oc_harm_gbp_prison_violence",
        },
    ),
    (
        "Intelligence items per week (13-week mean)",
        "items / week ({counts})",
        "mean",
        {"created": "items_created", "shared": "items_shared", "acted on": "items_acted"},
    ),
    (
        "Trust between prisons and police",
        "trust (0-1)",
        "as is",
        {
            "local (SOCU)": "trust_local",
            "regional (ROCU)": "trust_regional",
            "national (MARSOC)": "trust_national",
        },
    ),
)


def plot_overview(
    ts: pd.DataFrame,
    path: Path,
    title: str = "",
    *,
    scale: float = 1.0,
    intervention_week: int | None = None,
) -> None:
    """A six-panel figure of a run: prisons, OCG members, recruitment, OC harm, intelligence, trust.

    Counts are drawn as full-scale equivalents (divided by ``scale``), as in the printed summary,
    with plain tick labels (1.2M, 35k: no offset); a dashed line marks the intervention week of a
    run that changes a lever. The panels are :data:`OVERVIEW_PANELS`.

    Args:
        ts: The weekly time series (model units).
        path: Where to write the PNG.
        title: Figure title.
        scale: The run's ``run.scale``.
        intervention_week: Week the levers switch on (marked), if any.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    per = 1.0 / scale if scale > 0 else 1.0
    fig, axes = plt.subplots(2, 3, figsize=(16, 8.5), constrained_layout=True)
    counts = "full-scale equivalent" if scale != 1 else "full scale"
    marked = intervention_week if intervention_week and 0 < intervention_week <= len(ts) else None
    years = ts["week"] / 52.0
    for ax, (heading, ylabel, drawn, columns) in zip(axes.flat, OVERVIEW_PANELS, strict=True):
        series = {label: _panel_series(ts, column, drawn, per) for label, column in columns.items()}
        _draw_panel(ax, years, series, heading, ylabel.format(counts=counts), marked)
    axes[1, 2].set_ylim(0, 1)
    heading = _overview_heading(title, scale, marked)
    if heading:
        fig.suptitle(heading, fontsize=13)
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def changes_levers(params: dict[str, Any]) -> bool:
    """Whether a run's parameters set any policy lever away from its baseline default.

    A run that changes no lever (the baseline) has no intervention to mark on its figure.
    """
    from sim.params import PARAMETERS

    return any(s.lever and s.name in params and params[s.name] != s.default for s in PARAMETERS)


def readable_number(value: float, _position: Any = None) -> str:
    """A tick label without offset notation: 1.2M, 35k, 850, 0.5."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.0f}" if size >= 10 else f"{value:.2g}"


def _panel_series(ts: pd.DataFrame, column: str, drawn: str, per: float) -> pd.Series:
    """One line of a panel: the column as is, times ``per`` ("count"), or its 13-week mean."""
    if drawn == "as is":
        return ts[column]
    full = ts[column] * per
    return full.rolling(13, min_periods=1).mean() if drawn == "mean" else full


def _draw_panel(
    ax,
    years: pd.Series,
    series: dict[str, pd.Series],
    heading: str,
    ylabel: str,
    marked: int | None,
) -> None:
    """Draw one panel's lines against the year, with the intervention week dashed if ``marked``."""
    import seaborn as sns
    from matplotlib.ticker import FuncFormatter

    frame = pd.DataFrame({"year": years, **series}).melt("year", var_name="", value_name="v")
    sns.lineplot(frame, x="year", y="v", hue="", ax=ax, linewidth=1.6)
    ax.set(title=heading, xlabel="year", ylabel=ylabel)
    ax.yaxis.set_major_formatter(FuncFormatter(readable_number))  # no "1e6" offset
    if marked:
        ax.axvline(marked / 52.0, color="black", linestyle="--", linewidth=1)
    ax.legend(fontsize=8, loc="best")


def _overview_heading(title: str, scale: float, marked: int | None) -> str:
    """The figure's title, then a line of notes on the scale and the dashed week."""
    notes = []
    if scale != 1:
        notes.append(f"counts are full-scale equivalents (model counts / scale {scale:g})")
    if marked:
        notes.append(f"dashed line: intervention week {marked}")
    return "\n".join(t for t in (title, "; ".join(notes)) if t)


def manifest_for(
    model, seed: int, wall_seconds: float, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The manifest of a model run: what ran, with what, where and how long.

    Args:
        model: The finished model.
        seed: Its seed.
        wall_seconds: Wall time of the run.
        overrides: Values set on the command line (``--set``, ``--years``, ``--scale``), shown in
            the figure's title.
    """
    shown = ", ".join(f"{k}={v}" for k, v in (overrides or {}).items())
    title = f"ocgsim — {model.scenario.name} (seed {seed}, scale {model.scale:g})"
    if shown:
        title += f"\nwith {shown}"
    return {
        "title": title,
        "scenario": model.scenario.name,
        "scenario_file": str(model.scenario.path) if model.scenario.path else None,
        "description": model.scenario.description,
        "seed": seed,
        "overrides": dict(overrides or {}),
        "parameters": model.scenario_params.as_dict(),
        "weeks": model.week,
        "versions": versions(),
        "git_commit": git_commit(),
        "command": sys.argv,
        "host": platform.node(),
        "wall_seconds": round(wall_seconds, 3),
    }
