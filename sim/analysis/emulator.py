"""A Gaussian-process emulator of a stochastic simulator's mean output, with known noise.

scikit-learn's ``GaussianProcessRegressor`` with a constant x anisotropic RBF kernel on inputs
in [0, 1] and a standardised output. Each design point's noise (the variance of its replicate
mean) is passed as ``alpha``, which scikit-learn adds to the kernel's diagonal point by point,
so the emulator smooths seed noise instead of interpolating it. Used by
:mod:`sim.analysis.history`.

Fits and predictions run BLAS on one thread (``threadpoolctl``, a scikit-learn dependency): the
matrices are small (a few hundred design points), and on a busy machine OpenBLAS's threads
waiting for a core made the tests six times slower.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg import cho_solve
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from threadpoolctl import threadpool_limits

__all__ = ["Emulator", "error_summary", "point_noise"]


def point_noise(y: np.ndarray, prior_df: float = 4.0) -> tuple[np.ndarray, np.ndarray]:
    """Each design point's mean and the variance of that mean, from (n x r) replicates.

    With few replicates a point's sample variance is itself very noisy (chi-square with r - 1
    degrees of freedom: with 3 replicates one in ten is below a tenth of the truth), and a GP
    given a too-small ``alpha`` interpolates that point's noise. So each variance is moderated
    towards the pooled one, as if the pooled variance were ``prior_df`` extra degrees of freedom
    (Smyth 2004's moderated variance): ``((r - 1) s_i^2 + prior_df s_pooled^2) / (r - 1 +
    prior_df)``; ``prior_df=0`` keeps the raw per-point variances. The variance of the mean is
    that divided by ``r``.
    """
    y = np.asarray(y, dtype=float)
    df, s2 = y.shape[1] - 1, y.var(axis=1, ddof=1)
    moderated = (df * s2 + prior_df * s2.mean()) / (df + prior_df)
    return y.mean(axis=1), moderated / y.shape[1]


class Emulator:
    """A Gaussian-process emulator of one output's mean, with known per-point noise.

    Inputs are in [0, 1]; the output is standardised (mean 0, sd 1). The kernel is a constant
    times an anisotropic RBF (one length scale per input, so an inert input gets a long one).
    ``alpha`` is each point's noise variance (the variance of its replicate mean) standardised
    the same way (scikit-learn's ``alpha`` is per-point noise added to the kernel's diagonal):
    the GP does not interpolate seed noise (see :func:`point_noise` for the variances).

    Args:
        x: (n x d) design in [0, 1].
        y: (n,) replicate means.
        noise_var: (n,) variance of each mean (see :func:`point_noise`).
        seed: Seed of the optimiser's restarts.
    """

    def __init__(self, x, y, noise_var, *, seed: int = 0):
        x, y, noise_var = np.asarray(x, float), np.asarray(y, float), np.asarray(noise_var, float)
        self.mean, self.scale = float(y.mean()), float(y.std()) or 1.0
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(x.shape[1], 0.3), (1e-2, 1e3))
        self.gp = GaussianProcessRegressor(
            kernel,
            alpha=noise_var / self.scale**2 + 1e-10,
            n_restarts_optimizer=2,
            random_state=seed,
        )
        with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
            # length scales at a bound (an inert input) are expected
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.gp.fit(x, (y - self.mean) / self.scale)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the emulated output mean at ``x`` (n x d in [0, 1])."""
        with threadpool_limits(1, user_api="blas"):
            m, s = self.gp.predict(np.asarray(x, float), return_std=True)
        return self.mean + self.scale * m, (self.scale * s) ** 2

    def loo_errors(self) -> np.ndarray:
        """Leave-one-out standardised errors of the training means (closed form, ~N(0, 1)).

        ``e_i = [K^-1 y]_i / sqrt([K^-1]_ii)`` with ``K`` the kernel plus noise; the kernel's
        hyperparameters are those fitted on all points, so the check is slightly optimistic.
        """
        kinv = cho_solve((self.gp.L_, True), np.eye(len(self.gp.L_)))
        return self.gp.alpha_ / np.sqrt(np.diag(kinv))


def error_summary(errors: np.ndarray) -> dict[str, float]:
    """Summary of standardised errors: n, mean, sd, share within +-1.96 (0.95 if calibrated)."""
    return {
        "n": len(errors),
        "mean": float(errors.mean()),
        "sd": float(errors.std(ddof=1)),
        "coverage95": float(np.mean(np.abs(errors) <= 1.96)),
        "max_abs": float(np.abs(errors).max()),
    }
