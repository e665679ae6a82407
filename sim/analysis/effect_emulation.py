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
much of one run's variance is seed noise, and the standard deviation of the emulated mean over
the box how much there is to share out. :func:`bootstrap_indices` refits the emulator on
resampled design points: when the output's mean varies little against its noise, the indices of
one design can look sharp and still be an artefact of that design, and this shows it.
Structural switches (two variants of the model) are factors of the box too: the emulator sees
them as 0 or 1 (:func:`as_switches`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from sim.analysis.emulator import Emulator, error_summary, point_noise
from sim.analysis.noisy_sensitivity import noise_share

__all__ = ["EmulatedSensitivity", "as_switches", "bootstrap_indices", "emulated_sensitivity"]


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
        box_sd: The standard deviation of the emulated mean over the box: how much the output
            moves with all the factors together. The indices share out its square; when it is
            small against the seed noise of one run the shares are of very little.
        emulator: The fitted emulator (inputs in [0, 1]).
    """

    def __init__(self, indices, loo, holdout, noise, shares, box_sd, emulator):
        self.indices = indices
        self.loo = loo
        self.holdout = holdout
        self.noise = noise
        self.share_negative, self.share_negative_95 = shares
        self.box_sd = box_sd
        self.emulator = emulator


def emulated_sensitivity(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    holdout: tuple[np.ndarray, np.ndarray] | None = None,
    switches: Sequence[int] = (),
    n_base: int = 1024,
    seed: int = 0,
) -> EmulatedSensitivity:
    """Fit the emulator, validate it and compute the Sobol' indices of the emulated mean.

    Args:
        x: (n x d) design points scaled to [0, 1].
        y: (n x R) outputs, R >= 2 seeds per point (the same seeds at every point).
        names: The d factors' names.
        holdout: Optional held-out design ``(x, y)`` run the same way.
        switches: Columns that are structural switches (two variants): the emulator sees them
            as 0 (below one half) or 1, in the design and in the Saltelli sample alike, so
            each is a factor with two equally likely values and its indices are the share of
            the effect's variance due to the choice of structure.
        n_base: Base samples of the Saltelli sample of the emulator (a power of 2).
        seed: Seeds the emulator's optimiser, the sample and SALib's bootstrap.

    Raises:
        ValueError: On shapes that do not match, fewer than 2 seeds, or points outside [0, 1].
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    _check(x, y, names, "x", "y")
    x = as_switches(x, switches)
    mean, var = point_noise(y)
    emulator = Emulator(x, mean, var, seed=seed)
    loo = error_summary(emulator.loo_errors())
    held = None
    if holdout is not None:
        hx, hy = (np.asarray(a, dtype=float) for a in holdout)
        _check(hx, hy, names, "holdout x", "holdout y")
        hx = as_switches(hx, switches)
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
    emulated, emulated_var = emulator.predict(as_switches(sample, switches))
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
        box_sd=float(np.std(emulated)),
        emulator=emulator,
    )


def bootstrap_indices(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    *,
    switches: Sequence[int] = (),
    boots: int = 20,
    n_base: int = 256,
    seed: int = 0,
) -> pd.DataFrame:
    """How far the total indices move when the design points are resampled (the emulator refit).

    SALib's intervals hold only the Monte Carlo error of the emulator's sample; this holds the
    design's: each bootstrap draws the design points with replacement (their seeds with them),
    refits the emulator on the distinct points drawn and recomputes the indices. An index whose
    interval spans most of [0, 1] is a property of the design, not of the model.

    A point drawn twice is fitted once: the emulator is given each point's replicate mean with
    the noise of that mean, and two copies would count the same seeds twice (half the noise at
    that point: the refit would chase the noise of the points drawn more than once). Fitting the
    distinct points is the same posterior as giving k copies k times the noise. Each refit then
    sees about 63% of the points, so the interval is wider than the full design's own spread
    (conservative), and its median need not be the full design's index: quote the full design's
    index with this interval.

    Args:
        x: (n x d) design points in [0, 1].
        y: (n x R) outputs.
        names: The factors.
        switches: Structural switch columns (:func:`emulated_sensitivity`).
        boots: Bootstrap refits.
        n_base: Base samples of each refit's Saltelli sample.
        seed: Seeds the resampling and the refits.

    Returns:
        One row per factor: ST_median, ST_low, ST_high (2.5th and 97.5th percentiles).
    """
    rng = np.random.default_rng(seed)
    found = []
    for b in range(boots):
        pick = np.unique(rng.integers(0, len(x), len(x)))  # distinct points (see above)
        fit = emulated_sensitivity(
            x[pick], y[pick], names, switches=switches, n_base=n_base, seed=seed + b
        )
        found.append(fit.indices["ST"].clip(0, 1).to_numpy())
    low, median, high = np.percentile(np.array(found), [2.5, 50, 97.5], axis=0)
    return pd.DataFrame({"ST_median": median, "ST_low": low, "ST_high": high}, index=list(names))


def as_switches(x: np.ndarray, switches: Sequence[int]) -> np.ndarray:
    """``x`` with each switch column set to 0 (below one half) or 1 (a copy when there are any)."""
    if not len(switches):
        return x
    x = np.array(x, dtype=float)
    x[:, list(switches)] = (x[:, list(switches)] >= 0.5).astype(float)
    return x


def _check(x: np.ndarray, y: np.ndarray, names: Sequence[str], xn: str, yn: str) -> None:
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError(f"{xn}: shape {x.shape}; must be (points x {len(names)} factors)")
    if y.ndim != 2 or y.shape[0] != x.shape[0] or y.shape[1] < 2:
        raise ValueError(f"{yn}: shape {y.shape}; must be ({x.shape[0]} points x >= 2 seeds)")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError(f"{xn}/{yn}: NaN or inf; every run is needed")
    if x.min() < 0.0 or x.max() > 1.0:
        raise ValueError(f"{xn}: values outside [0, 1]; scale the design to the unit box")
