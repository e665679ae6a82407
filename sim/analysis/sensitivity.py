"""Global sensitivity analysis with SALib: Sobol indices and Morris screening.

Both come with SALib's bootstrap confidence intervals and a convergence check: the indices are
recomputed on the first N/4, N/2 and all base samples (Sobol) or trajectories (Morris); indices
that still move by more than their interval are not converged. When a design point has several
replicates the model output is averaged over them first.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "morris_convergence",
    "morris_indices",
    "point_means",
    "sobol_convergence",
    "sobol_indices",
]


def point_means(runs: pd.DataFrame, metric: str, n_points: int) -> np.ndarray:
    """Mean of ``metric`` over the successful replicates of each design point, in point order.

    Raises:
        ValueError: If a design point has no successful run (SALib needs every point).
    """
    ok = runs[runs["status"] == "ok"]
    y = ok.groupby("point_id")[metric].mean().reindex(range(n_points)).to_numpy(dtype=float)
    missing = np.flatnonzero(np.isnan(y))
    if len(missing):
        raise ValueError(
            f"{metric}: {len(missing)} design point(s) have no successful run or no value "
            f"(first: point {missing[0]}); sensitivity indices need every point"
        )
    return y


def _problem(problem: dict[str, Any]) -> dict[str, Any]:
    return {
        "num_vars": problem["num_vars"],
        "names": list(problem["names"]),
        "bounds": [list(b) for b in problem["bounds"]],
    }


def sobol_indices(
    problem: dict[str, Any],
    y: np.ndarray,
    *,
    second_order: bool = False,
    resamples: int = 1000,
    conf: float = 0.95,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Sobol first-order, total (and second-order) indices with bootstrap intervals.

    Args:
        problem: SALib problem (``num_vars``, ``names``, ``bounds``).
        y: Model output per Saltelli sample point, in sample order.
        second_order: Whether the sample was drawn with second-order indices.
        resamples: Bootstrap resamples.
        conf: Confidence level of the intervals.
        seed: Seed of the bootstrap.

    Returns:
        ``"indices"``: factor, S1, S1_conf, ST, ST_conf (``conf`` = half-width of the interval);
        with ``second_order`` also ``"second_order"``: factor_i, factor_j, S2, S2_conf.
    """
    from SALib.analyze import sobol

    # SALib seeds its bootstrap only for a true seed; seed 0 would draw from NumPy's global
    # generator (a different interval on every call): seed that, and put it back afterwards
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sobol.analyze(
                _problem(problem),
                np.asarray(y, dtype=float),
                calc_second_order=second_order,
                num_resamples=resamples,
                conf_level=conf,
                print_to_console=False,
                seed=seed,
            )
    finally:
        np.random.set_state(state)
    names = list(problem["names"])
    out = {
        "indices": pd.DataFrame(
            {
                "factor": names,
                "S1": res["S1"],
                "S1_conf": res["S1_conf"],
                "ST": res["ST"],
                "ST_conf": res["ST_conf"],
            }
        )
    }
    if second_order:
        rows = []
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                rows.append(
                    {
                        "factor_i": names[i],
                        "factor_j": names[j],
                        "S2": res["S2"][i, j],
                        "S2_conf": res["S2_conf"][i, j],
                    }
                )
        out["second_order"] = pd.DataFrame(rows)
    return out


def sobol_convergence(
    problem: dict[str, Any],
    y: np.ndarray,
    n: int,
    *,
    second_order: bool = False,
    resamples: int = 1000,
    conf: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Sobol indices on the first N/4, N/2 and N base samples (each a valid Saltelli design).

    Returns:
        Long table: N, factor, S1, S1_conf, ST, ST_conf, and ``converged`` (at full N: the
        full-N estimate lies within the N/2 interval for S1 and ST).
    """
    d = problem["num_vars"]
    step = 2 * d + 2 if second_order else d + 2
    frames = []
    for k in (n // 4, n // 2, n):
        if k < 2:
            continue
        idx = sobol_indices(
            problem,
            y[: k * step],
            second_order=second_order,
            resamples=resamples,
            conf=conf,
            seed=seed,
        )["indices"]
        frames.append(idx.assign(N=k))
    table = pd.concat(frames, ignore_index=True)
    return _mark_converged(table, "N", [("S1", "S1_conf"), ("ST", "ST_conf")])


def _mark_converged(table: pd.DataFrame, size: str, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    sizes = sorted(table[size].unique())
    table["converged"] = pd.NA
    if len(sizes) < 2:
        return table
    full = table[table[size] == sizes[-1]].set_index("factor")
    half = table[table[size] == sizes[-2]].set_index("factor").reindex(full.index)
    ok = pd.Series(True, index=full.index)
    for value, conf in pairs:
        ok &= (half[value] - full[value]).abs() <= half[conf].abs()
    table = table.copy()
    last = table[size] == sizes[-1]
    table.loc[last, "converged"] = table.loc[last, "factor"].map(ok).to_numpy()
    return table


def morris_indices(
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    *,
    levels: int = 4,
    resamples: int = 1000,
    conf: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris elementary effects: mu, mu*, sigma with a bootstrap interval for mu*.

    Args:
        problem: SALib problem.
        x: The raw Morris sample (points x factors, as drawn).
        y: Model output per sample point.
        levels: Grid levels the sample was drawn with.
        resamples: Bootstrap resamples.
        conf: Confidence level.
        seed: Seed of the bootstrap.

    Returns:
        factor, mu, mu_star, mu_star_conf, sigma, sorted by mu_star (largest first).
    """
    from SALib.analyze import morris

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = morris.analyze(
            _problem(problem),
            np.asarray(x, dtype=float),
            np.asarray(y, dtype=float),
            num_resamples=resamples,
            conf_level=conf,
            num_levels=levels,
            seed=seed,
        )
    table = pd.DataFrame(
        {
            "factor": list(problem["names"]),
            "mu": np.asarray(res["mu"], dtype=float),
            "mu_star": np.asarray(res["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(res["mu_star_conf"], dtype=float),
            "sigma": np.asarray(res["sigma"], dtype=float),
        }
    )
    return table.sort_values("mu_star", ascending=False).reset_index(drop=True)


def morris_convergence(
    problem: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    trajectories: int,
    *,
    levels: int = 4,
    resamples: int = 1000,
    conf: float = 0.95,
    seed: int = 0,
) -> pd.DataFrame:
    """Morris indices on the first r/4, r/2 and r trajectories.

    Returns:
        Long table: trajectories, factor, mu_star, mu_star_conf, sigma, ``converged``.
    """
    step = problem["num_vars"] + 1
    frames = []
    for r in sorted({max(2, trajectories // 4), max(2, trajectories // 2), trajectories}):
        idx = morris_indices(
            problem,
            x[: r * step],
            y[: r * step],
            levels=levels,
            resamples=resamples,
            conf=conf,
            seed=seed,
        )
        frames.append(idx.assign(trajectories=r))
    table = pd.concat(frames, ignore_index=True)
    return _mark_converged(table, "trajectories", [("mu_star", "mu_star_conf")])
