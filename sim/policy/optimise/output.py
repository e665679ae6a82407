"""A search's result on disk: tables, recommendation, manifest and figure, written atomically."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sim.policy.optimise.result import OptimisationResult, Robustness, amount

__all__ = ["plot_front", "write_result"]


def _json(obj: Any) -> bytes:
    from sim.io.files import finite_json

    return (json.dumps(finite_json(obj), indent=2, sort_keys=True) + "\n").encode()


def plot_front(result: OptimisationResult, path: Path, *, unit: str = "", title: str = "") -> None:
    """The cost-outcome figure: every mix, the front, the budget and the recommendation.

    Args:
        result: The search result.
        path: Where to write the PNG.
        unit: Unit of the cost axis (e.g. ``"GBP million a year"``).
        title: Figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    per = result.outcome_per
    t = result.table.assign(diff=result.table["diff"] * per)
    fig = Figure(figsize=(7.5, 5), dpi=110)
    ax = fig.subplots()
    for k, (reps, group) in enumerate(t.groupby("replicates")):
        ax.scatter(
            group["cost"],
            group["diff"],
            s=14 + 6 * k,
            alpha=0.75,
            color=f"C{k % 10}",
            zorder=2,
            label=f"{reps} replicates",
        )
    front = result.front.assign(diff=result.front["diff"] * per)
    ax.step(front["cost"], front["diff"], where="post", color="tab:red", lw=1.5, zorder=3)
    ax.scatter(
        front["cost"],
        front["diff"],
        facecolor="none",
        edgecolor="tab:red",
        s=60,
        zorder=4,
        label="cost-outcome front",
    )
    rec = t[t["recommended"]].iloc[0]
    c = result.confirmation
    y, lo, hi = (float(v) * per for v in result.change()[:3])
    ax.errorbar(
        rec["cost"],
        y,
        yerr=[[y - lo], [hi - y]],
        fmt="*",
        ms=14,
        color="black",
        zorder=5,
        label=("recommended" if result.detectably_better else "best found, not detectably better")
        + " (95% CI"
        + (", fresh seeds)" if c else ")"),
    )
    ax.axhline(0.0, color="0.3", lw=0.8)
    ax.scatter([0.0], [0.0], marker="s", color="0.3", s=40, zorder=5, label="status quo")
    ax.axvline(result.budget, color="0.4", ls="--", lw=1, label="budget")
    ax.set_xlabel(f"cost ({unit})" if unit else "cost")
    name = result.outcome_label or result.outcome
    shown = f"\n({result.outcome_unit})" if result.outcome_unit else ""
    ax.set_ylabel(f"change in {name} from today's{shown}")
    ax.set_title(title or f"Cost against {name}: paired mean change from today's (lower is better)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: amount(v, signed=True)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: amount(v)))
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})


def write_result(
    result: OptimisationResult,
    out_dir: Path,
    *,
    manifest: dict[str, Any] | None = None,
    unit: str = "",
    runs: Path | None = None,
) -> Path:
    """Write a result folder atomically (a temporary folder, then one rename).

    Files: ``mixes.csv`` (every mix evaluated), ``front.csv``, ``recommendation.json`` (the mix,
    its cost, the confirmation interval, the robustness summary), ``front.png``,
    ``robustness.csv`` (with a robustness check) and ``manifest.json`` (``manifest`` plus the
    search settings and lever space); ``runs/`` is the folder ``runs`` moved in (the engine's
    stored runs).

    Args:
        result: The search result.
        out_dir: The folder to create (must not exist).
        manifest: Provenance to record (command, versions, commit, wall time, ...).
        unit: Unit of the cost, for the figure and the recommendation.
        runs: A folder of stored runs to move into the result as ``runs/`` (left where it was
            if writing fails).

    Returns:
        The folder written.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(
            f"--out {out_dir}: already exists; allowed: a folder that does not exist"
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
    try:
        _write_files(result, tmp, manifest=manifest, unit=unit)
        _move_into_place(tmp, out_dir, runs)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    from sim.io.files import public_mode

    public_mode(out_dir)
    return out_dir


def _write_files(
    result: OptimisationResult, folder: Path, *, manifest: dict[str, Any] | None, unit: str
) -> None:
    """Write the result's files (all but ``runs/``) into ``folder`` (see :func:`write_result`)."""
    result.table.to_csv(folder / "mixes.csv", index=False, float_format="%.10g")
    result.front.to_csv(folder / "front.csv", index=False, float_format="%.10g")
    recommendation = _recommendation(result, unit)
    rob = result.robustness
    if rob is not None:
        rob.table.to_csv(folder / "robustness.csv", index=False, float_format="%.10g")
        recommendation["robustness"] = _robustness_summary(rob, result)
    (folder / "recommendation.json").write_bytes(_json(recommendation))
    info = {
        **(manifest or {}),
        "budget": result.budget,
        "outcome": result.outcome,
        "runs": result.runs,
        "settings": asdict(result.settings),
        "levers": [asdict(lever) for lever in result.space.levers],
    }
    (folder / "manifest.json").write_bytes(_json(info))
    plot_front(result, folder / "front.png", unit=unit)


def _recommendation(result: OptimisationResult, unit: str) -> dict[str, Any]:
    """``recommendation.json`` without its robustness summary: the mix, its cost and intervals."""
    rec_row = result.table[result.table["recommended"]].iloc[0]
    diff, low, high, pct = result.change()
    per = result.outcome_per
    return {
        "budget": result.budget,
        "cost_unit": unit,
        "outcome": result.outcome,
        "finding": result.finding(),
        "detectably_better": result.detectably_better,
        "mix": result.recommended,
        "mix_shown": [line.strip() for line in result.mix_lines(result.recommended)],
        "change_shown": {
            "unit": result.outcome_unit,
            "factor_from_model_units": per,
            "diff": diff * per,
            "ci": [low * per, high * per],
            "pct": pct,
        },
        "cost": float(rec_row["cost"]),
        "search": {
            "replicates": int(rec_row["replicates"]),
            "mean": float(rec_row["mean"]),
            "ci": [float(rec_row["ci_low"]), float(rec_row["ci_high"])],
            "diff_from_status_quo": float(rec_row["diff"]),
            "diff_ci": [float(rec_row["diff_low"]), float(rec_row["diff_high"])],
        },
        "confirmation": result.confirmation,
    }


def _robustness_summary(rob: Robustness, result: OptimisationResult) -> dict[str, Any]:
    """The robustness check's summary, as ``recommendation.json`` records it."""
    return {
        "source": rob.source,
        "conditions": rob.conditions,
        "seeds": rob.seeds,
        "recommended_first": rob.first_count,
        "order_unchanged": rob.same_order_count,
        "order_unchanged_of": len(rob.conditions) - 1,
        "another_detectably_better": rob.beaten_count,
        "holm_family": rob.family,
        "text": rob.text(
            label=result.outcome_label,
            unit=result.outcome_unit,
            per=result.outcome_per,
            lead="recommended mix" if result.detectably_better else "best mix found",
        ),
    }


def _move_into_place(tmp: Path, out_dir: Path, runs: Path | None) -> None:
    """Move ``runs`` (if a folder) into ``tmp``, then ``tmp`` to ``out_dir`` in one rename.

    If the rename fails, ``runs`` is moved back to where it was.
    """
    moved = False
    if runs is not None and Path(runs).is_dir():
        os.replace(runs, tmp / "runs")
        moved = True
    try:
        os.replace(tmp, out_dir)
    except BaseException:
        if moved:
            os.replace(tmp / "runs", runs)
        raise
