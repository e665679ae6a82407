"""A scenario design over plausible worlds: ``[design] ensemble = FILE`` in an experiment file.

``ocgsim calibrate --ensemble`` writes the parameter sets the calibration targets cannot rule out
(the *plausible worlds*). An experiment whose design lists scenarios can run each of them in each
of the first ``worlds`` worlds of such a file::

    [design]
    type = "scenarios"
    scenarios = ["more_pios", "shared_database"]
    ensemble = "results/plausible_worlds.json"   # relative to the experiment file
    worlds = 30                                  # default: every world in the file

Each design point is a (scenario, world) pair: the scenario's values, then the world's (the
ensemble's parameters, integers rounded); replicate ``r`` has the same seed in every world and
scenario, so every effect is paired within its world. The points carry a factor ``world`` (the
world's row in the file, from 0), the design's settings record the file, its SHA-256 and the
worlds' values, and ``ocgsim analyse`` reports the effects across worlds as
``ocgsim compare --ensemble`` does (:func:`sim.analysis.worlds.analyse_worlds`).

The checks here are the one place an experiment's ensemble is read: the file and ``worlds``
(:func:`check_design_ensemble`), the points (:func:`cross_worlds`) and, on resume, whether the
file has changed since the runs were made (:func:`changed_ensemble`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.experiments.checks import ExperimentError

__all__ = [
    "WORLD",
    "changed_ensemble",
    "check_design_ensemble",
    "cross_worlds",
    "ensemble_record",
]

#: The factor that numbers a point's world (its row in the ensemble file, from 0).
WORLD = "world"


def _load(path: Path, where: str) -> tuple[Any, dict]:
    """The ensemble's table and meta, or one ExperimentError line naming the file and key."""
    from sim.analysis.history import load_ensemble

    try:
        return load_ensemble(path)
    except ValueError as exc:
        raise ExperimentError(
            f"{where}: design.ensemble = {str(path)!r}: {str(exc).split(': ', 1)[-1]}; allowed: "
            "a file written by ocgsim calibrate --ensemble"
        ) from None


def check_design_ensemble(
    design: dict[str, Any],
    dtype: str,
    taken: dict[str, str],
    where: str,
    source_dir: Path,
    sim_model: bool = True,
) -> None:
    """Check ``design.ensemble`` and ``design.worlds``; resolve the path and fill the count in.

    Args:
        design: The ``[design]`` table (changed in place: ``ensemble`` becomes the resolved
            path, ``worlds`` the number of worlds used).
        dtype: The design type (only ``scenarios`` takes an ensemble).
        taken: Parameters set elsewhere in the file -> where (the base scenario, ``[parameters]``,
            a scenario of the design): a world's value would replace theirs, so they are refused.
        where: The experiment file, for messages.
        source_dir: The folder a relative path is read from (the experiment file's).
        sim_model: Whether the experiment runs ocgsim's model (whose parameters the worlds set).

    Raises:
        ExperimentError: One line naming the file, the key and what is allowed.
    """
    if "ensemble" not in design:
        if "worlds" in design:
            raise ExperimentError(f"{where}: design.worlds: allowed only with design.ensemble")
        return
    if not sim_model:
        raise ExperimentError(
            f"{where}: design.ensemble: allowed only with ocgsim's model (the worlds set its "
            "parameters); this experiment names another model"
        )
    if dtype != "scenarios":
        raise ExperimentError(
            f"{where}: design.ensemble does not apply to design.type = {dtype!r}; allowed: "
            "design.type = 'scenarios'"
        )
    raw = design["ensemble"]
    if not isinstance(raw, str) or not raw.strip():
        raise ExperimentError(f"{where}: design.ensemble = {raw!r}; allowed: a file path")
    path = Path(raw) if Path(raw).is_absolute() else source_dir / raw
    table, _ = _load(path, where)
    worlds = design.get("worlds", len(table))
    if isinstance(worlds, bool) or not isinstance(worlds, int) or not 2 <= worlds <= len(table):
        raise ExperimentError(
            f"{where}: design.worlds = {worlds!r}; allowed: a whole number from 2 to "
            f"{len(table)} (the worlds in {path})"
        )
    for name in table.columns:
        if name in taken:
            raise ExperimentError(
                f"{where}: {taken[name]} sets {name}, which each world of {path} sets too (the "
                "world's value would replace it); allowed: leave the ensemble's parameters alone"
            )
    design["ensemble"], design["worlds"] = str(path), worlds


def cross_worlds(
    points: list[dict[str, Any]], point_params: list[dict[str, Any]], ensemble: str, worlds: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """Every scenario point in every world: the points, their parameters and what to record.

    Args:
        points: The scenario design's points (one per scenario, the baseline first).
        point_params: Their parameters, in the same order.
        ensemble: The ensemble file (checked by :func:`check_design_ensemble`).
        worlds: How many of its worlds, the first ones.

    Returns:
        The points (scenario-major: every world of the baseline first; factor ``world``), their
        parameters (the scenario's, then the world's) and the design settings' ``ensemble``
        record: file, sha256, parameters and the worlds' values.
    """
    from sim.analysis.history_model import world_values

    table, meta = _load(Path(ensemble), ensemble)
    table = table.iloc[:worlds]
    values = world_values(table)
    out_points, out_params = [], []
    for point, params in zip(points, point_params, strict=True):
        for w, world in enumerate(values):
            out_points.append(
                {"point_id": len(out_points), "scenario": point["scenario"], "factors": {WORLD: w}}
            )
            out_params.append({**params, **world})
    record = {
        "file": ensemble,
        "sha256": meta["sha256"],
        "parameters": list(table.columns),
        "values": table.to_numpy(dtype=float).tolist(),
    }
    return out_points, out_params, record


def ensemble_record(manifest: dict[str, Any]) -> dict[str, Any] | None:
    """What a results folder's manifest records of its ensemble (None: not run over worlds)."""
    return ((manifest.get("design") or {}).get("settings") or {}).get("ensemble") or None


def changed_ensemble(manifest: dict[str, Any]) -> str | None:
    """The ensemble file of a results folder if it has changed (or is gone) since its runs.

    Args:
        manifest: The folder's ``manifest.json``.

    Returns:
        The file's path, or None when the design has no ensemble or the file is as it was.
    """
    record = ensemble_record(manifest)
    if record is None:
        return None
    from sim.analysis.history import load_ensemble

    try:
        _, meta = load_ensemble(Path(record["file"]))
    except ValueError:
        return str(record["file"])
    return None if meta["sha256"] == record["sha256"] else str(record["file"])
