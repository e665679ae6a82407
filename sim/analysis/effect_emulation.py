"""Sensitivity of a noisy output through an emulator: Sobol' indices of its mean, validated.

Where runs are too dear for a Saltelli design with replicates (:mod:`sim.analysis.noisy_sensitivity`
needs N x (D + 2) x R runs per output), a Gaussian-process emulator of the output's *mean* is
fitted to a space-filling design run with R seeds per point, each point's noise (the variance of
its replicate mean, moderated: :func:`sim.analysis.emulator.point_noise`) given to the GP so that
it smooths seed noise rather than interpolating it (Marrel et al. 2012, Stat. Comput.
22:833-847, do the same with joint metamodels). The emulator is validated twice: leave-one-out
standardised errors on the design, and a held-out design run the same way (the share of held-out
means inside the emulator's 95% prediction interval, which adds the held-out mean's own noise).
Sobol' first-order and total indices of the emulated mean are then computed with SALib on a
large Saltelli sample of the emulator (cheap); their intervals are SALib's bootstrap over that
sample and do not include the emulator's own uncertainty (which the validation measures).
The replicate ANOVA of the design (:func:`sim.analysis.noisy_sensitivity.noise_share`) says how
much of one run's variance is seed noise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from sim.analysis.emulator import Emulator, error_summary, point_noise
from sim.analysis.noisy_sensitivity import noise_share

__all__ = ["EmulatedSensitivity", "emulated_sensitivity"]


class EmulatedSensitivity:
    """What :func:`emulated_sensitivity` returns.

    Attributes:
        indices: One row per factor: S1, S1_conf, ST, ST_conf (of the emulated mean).
        loo: Leave-one-out standardised errors' summary (n, mean, sd, coverage95, max_abs).
        holdout: Held-out points' summary (n, coverage95: share inside the 95% prediction
            interval, rmse, mean_abs_error), or None without a held-out design.
        noise: The design's replicate ANOVA (``noise_share``).
        share_negative: Share of the factor box where the emulated mean is below zero.
        share_negative_95: Share of the box where the emulator's 95% band is below zero (its
            mean + 1.96 sd < 0): where the sign is established, the emulator's uncertainty
            included.
        emulator: The fitted emulator (inputs in [0, 1]).
    """

    def __init__(self, indices, loo, holdout, noise, shares, emulator):
        self.indices = indices
        self.loo = loo
        self.holdout = holdout
        self.noise = noise
        self.share_negative, self.share_negative_95 = shares
        self.emulator = emulator


def emulated_sensitivity(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    holdout: tuple[np.ndarray, np.ndarray] | None = None,
    n_base: int = 1024,
    seed: int = 0,
) -> EmulatedSensitivity:
    """Fit the emulator, validate it and compute the Sobol' indices of the emulated mean.

    Args:
        x: (n x d) design points scaled to [0, 1].
        y: (n x R) outputs, R >= 2 seeds per point (the same seeds at every point).
        names: The d factors' names.
        holdout: Optional held-out design ``(x, y)`` run the same way.
        n_base: Base samples of the Saltelli sample of the emulator (a power of 2).
        seed: Seeds the emulator's optimiser, the sample and SALib's bootstrap.

    Raises:
        ValueError: On shapes that do not match, fewer than 2 seeds, or points outside [0, 1].
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    _check(x, y, names, "x", "y")
    mean, var = point_noise(y)
    emulator = Emulator(x, mean, var, seed=seed)
    loo = error_summary(emulator.loo_errors())
    held = None
    if holdout is not None:
        hx, hy = (np.asarray(a, dtype=float) for a in holdout)
        _check(hx, hy, names, "holdout x", "holdout y")
        h_mean, h_var = point_noise(hy)
        pred, pred_var = emulator.predict(hx)
        z = (h_mean - pred) / np.sqrt(pred_var + h_var)
        held = {
            "n": len(hx),
            "coverage95": float(np.mean(np.abs(z) <= 1.96)),
            "rmse": float(np.sqrt(np.mean((h_mean - pred) ** 2))),
            "mean_abs_error": float(np.mean(np.abs(h_mean - pred))),
        }
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    sample = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    emulated, emulated_var = emulator.predict(sample)
    found = sobol_analyze.analyze(problem, emulated, calc_second_order=False, seed=seed)
    indices = pd.DataFrame(
        {k: found[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}, index=list(names)
    )
    return EmulatedSensitivity(
        indices=indices,
        loo=loo,
        holdout=held,
        noise=noise_share(y, seed=seed),
        shares=(
            float(np.mean(emulated < 0)),
            float(np.mean(emulated + 1.96 * np.sqrt(emulated_var) < 0)),
        ),
        emulator=emulator,
    )


def _check(x: np.ndarray, y: np.ndarray, names: Sequence[str], xn: str, yn: str) -> None:
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"{xn}: shape {x.shape}; must be (points x {len(names)} factors)")
    if y.ndim != 2 or y.shape[0] != x.shape[0] or y.shape[1] < 2:
        raise ValueError(f"{yn}: shape {y.shape}; must be ({x.shape[0]} points x >= 2 seeds)")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError(f"{xn}/{yn}: NaN or inf; every run is needed")
    if x.min() < 0.0 or x.max() > 1.0:
        raise ValueError(f"{xn}: values outside [0, 1]; scale the design to the unit box")
