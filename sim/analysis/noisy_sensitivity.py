"""Sobol' indices and the noise share for a stochastic model, from replicated runs.

A run gives y(x, seed) = f(x) + e(x, seed): f is the mean response (the output expected at
parameters x), e the seed noise. One run per design point puts the noise into the indices (total
indices too large, first-order too small). Here every point of a Saltelli/Sobol' design is run
with the same R seeds (common random numbers), and the indices are those of f, as defined for
stochastic models by Marrel et al. 2012 (Stat. Comput. 22:833-847) and Hart, Alexanderian &
Gremaud 2017 (arXiv:1602.06218), who estimate them with metamodels.

Estimators: SALib's, i.e. first order mean(y_B (y_ABj - y_A)) (Saltelli et al. 2010, Comput.
Phys. Commun. 181:259-270) and total mean((y_A - y_ABj)^2) / 2 (Jansen 1999, Comput. Phys.
Commun. 117) over the variance of the A and B rows, with every product taken between two
different seeds r != s. On replicate means that is the usual product minus the replicate
covariance / R: the noise bias removed, exactly in expectation, whatever the noise's form or its
correlation between points (a U-statistic over seed pairs, derived here; it assumes only that
seeds are independent draws). Without noise it is SALib's estimate (tested). The noise variance
is the mean within-point variance; Var f the mean over seed pairs of the covariance over points
of two replicate columns (unbiased under common random numbers, unlike between - within / R).

Intervals: see :func:`_interval` and docs/sensitivity.md (with a coverage study).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.sample import sobol as sobol_sample
from scipy import stats

from sim.analysis.sensitivity import sobol_indices

__all__ = ["ReplicatedDesign", "noise_share", "noisy_sobol", "paired_effect", "replicate_seeds"]

_GROUPS = 8  # groups of points for the seed jackknife (V_seeds)
_CHUNK = 64  # bootstrap resamples computed at once (memory: rows x factors x chunk floats)


def replicate_seeds(root_seed: int, replicates: int) -> list[int]:
    """The R replicate seeds derived from a root seed (NumPy SeedSequence), the same at every point.

    Raises:
        ValueError: If ``replicates`` is below 2.
    """
    if int(replicates) < 2:
        raise ValueError(f"replicates: must be at least 2 (noise needs repeats), got {replicates}")
    state = np.random.SeedSequence(int(root_seed)).generate_state(int(replicates), np.uint32)
    return [int(s) for s in state]


class ReplicatedDesign:
    """A Saltelli/Sobol' sample of parameter points, each run with the same R seeds.

    Attributes:
        x: Parameter points (rows x factors), in SALib's Saltelli order.
        seeds: The R seeds; run row i with every seed, giving outputs y[i, r].
        n: Base samples N (a power of 2); rows = N x (D + 2), or N x (2D + 2) with second order.
        second_order: Whether the rows for second-order indices are included.
    """

    def __init__(
        self,
        problem: dict,
        n: int,
        replicates: int,
        *,
        root_seed: int = 0,
        second_order: bool = False,
    ):
        """Draw the design (scrambled Sobol' sequence seeded by ``root_seed``).

        Raises:
            ValueError: If ``n`` is not a power of 2 or ``replicates`` is below 2.
        """
        n = int(n)
        if n < 2 or n & (n - 1):
            raise ValueError(f"n: must be a power of 2 of at least 2 (Sobol' balance), got {n}")
        self.seeds = replicate_seeds(root_seed, replicates)
        self.x = sobol_sample.sample(
            problem, n, calc_second_order=second_order, seed=int(root_seed)
        )
        self.n = n
        self.second_order = second_order

    def runs(self):
        """Yield (row, replicate, parameter point, seed) for every run of the design."""
        for i, point in enumerate(self.x):
            for r, s in enumerate(self.seeds):
                yield i, r, point, s


def paired_effect(y_a: np.ndarray, y_b: np.ndarray) -> np.ndarray:
    """Paired effect y_b - y_a of two arms run at the same rows and seeds (a response array).

    Raises:
        ValueError: If the two arrays differ in shape.
    """
    a, b = np.asarray(y_a, dtype=float), np.asarray(y_b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(
            f"y_b: shape {b.shape} differs from y_a's {a.shape}; a paired effect needs the "
            "same design rows and seeds in both arms"
        )
    return b - a


def _check_y(y: np.ndarray, block: int, what: str) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"y: must be 2-D (design rows x replicates), got shape {y.shape}")
    if y.shape[1] < 2:
        raise ValueError(f"y: needs at least 2 replicate columns (R >= 2), got {y.shape[1]}")
    if y.shape[0] < 2 * block or y.shape[0] % block:
        raise ValueError(
            f"y: has {y.shape[0]} rows; {what} needs a multiple of {block}, at least {2 * block}"
        )
    bad = np.argwhere(~np.isfinite(y))
    if len(bad):
        raise ValueError(
            f"y: NaN or inf at row {bad[0][0]}, replicate {bad[0][1]}; all runs needed"
        )
    return y - y.mean()  # indices and variances do not depend on the offset; avoids cancellation


def _check_boot(resamples: int, conf: float) -> None:
    if int(resamples) < 10:
        raise ValueError(f"resamples: must be at least 10, got {resamples}")
    if not 0 < conf < 1:
        raise ValueError(f"conf: must be between 0 and 1 (exclusive), got {conf}")


def _pair(s1, s2, q12, w_sum, w2_sum):
    """Mean over seed pairs r != s of L1_r L2_s from the weighted sums (L1.w, L2.w, L1 L2.w^2)."""
    return (s1 * s2 - q12) / (w_sum**2 - w2_sum)


def _weights(n_units: int, n_seeds: int, resamples: int, seed: int):
    """Weight rows: the estimate (all 1), the point bootstrap, then the grouped seed jackknife.

    Bootstrap rows reweight design points with Exp(1) weights (Bayesian bootstrap), seeds kept.
    Jackknife rows (R >= 3) give one seed weight 0 (the pair means skip it) within one of
    ``_GROUPS`` random disjoint groups of points: group by group, seed by seed.
    """
    rng = np.random.default_rng(seed)
    p = [np.ones((1, n_units)), rng.exponential(size=(resamples, n_units))]
    w = [np.ones((resamples + 1, n_seeds))]
    if n_seeds >= 3:
        groups = min(_GROUPS, n_units)
        member = rng.permutation(n_units) % groups == np.arange(groups)[:, None]
        p.append(np.repeat(member.astype(float), n_seeds, axis=0))
        w.append(np.tile(1 - np.eye(n_seeds), (groups, 1)))
    return np.vstack(p), np.vstack(w)


def _variances(y: np.ndarray, p_rows: np.ndarray, w: np.ndarray):
    """Noise variance and mean-response variance for weights p_rows (b x rows), w (b x seeds)."""
    ws, w2 = w.sum(1), (w**2).sum(1)
    yw, y2w2 = y @ w.T, (y**2) @ (w**2).T  # rows x b
    pn = p_rows / p_rows.sum(1, keepdims=True)
    within = (ws * ((y**2) @ w.T) - yw**2) / (ws**2 - w2)
    noise = np.einsum("bi,ib->b", pn, within)
    m = pn @ y  # b x seeds: seed column means
    mean_sq = np.einsum("bi,ib->b", pn, _pair(yw, yw, y2w2, ws, w2))
    v_f = mean_sq - _pair((m * w).sum(1), (m * w).sum(1), (m**2 * w**2).sum(1), ws, w2)
    return noise, v_f


def _chunked(fn, p: np.ndarray, w: np.ndarray):
    """``fn(p, w)`` over chunks of weight rows, its outputs stacked (bounds the memory)."""
    parts = [fn(p[k : k + _CHUNK], w[k : k + _CHUNK]) for k in range(0, len(p), _CHUNK)]
    return [np.concatenate(out) for out in zip(*parts, strict=True)]


def _interval(draws: np.ndarray, conf: float, resamples: int, reps: int):
    """Estimate +- t x sqrt(V_points + V_seeds), t with Welch-Satterthwaite df.

    V_points: variance over the point bootstrap (seeds kept): Monte Carlo error and the noise
    independent between points; conservative, as it treats the scrambled Sobol' points as
    independent. V_seeds: what a seed shifts alike at every point (common random numbers): the
    delete-one-seed jackknife (R - 1 df) with each squared deviation replaced by the mean
    product of deviations from two different groups of points, so that noise independent
    between points cancels (floored at 0). This splits the variance components of Owen's
    pigeonhole bootstrap (Ann. Appl. Stat. 1:386-411, 2007), which resamples both at once and
    counts that noise three times; the grouped form is an assumption, checked by coverage only.
    With R = 2 there is no seed part.
    """
    est, boot = draws[0], draws[1 : resamples + 1]
    v_points = boot.var(0, ddof=1)
    v_seeds = np.zeros_like(est)
    if len(draws) > resamples + 1:
        jack = draws[resamples + 1 :].reshape(-1, reps, int(np.size(est)))  # groups x R x k
        dev = jack - jack.mean(1, keepdims=True)
        g = len(dev)
        cross = (dev.sum(0) ** 2 - (dev**2).sum(0)) / (g * (g - 1))  # R x k
        v_seeds = np.maximum((reps - 1) / reps * cross.sum(0), 0).reshape(np.shape(est))
    var = v_points + v_seeds
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(v_seeds > 0, var**2 / (v_seeds**2 / max(reps - 1, 1)), np.inf)
    half = stats.t.ppf((1 + conf) / 2, np.maximum(df, 1.0)) * np.sqrt(var)
    return est - half, est + half


def noise_share(
    y: np.ndarray, *, block: int = 1, resamples: int = 1000, conf: float = 0.95, seed: int = 0
) -> pd.Series:
    """Replicate ANOVA of a (points x replicates) output array: how much of it is seed noise.

    Args:
        y: Outputs, one row per parameter point, one column per replicate seed (same seeds in
            every row).
        block: Rows resampled together (``D + 2`` for a Saltelli design, whose rows come in
            dependent blocks; 1 for independent points).
        resamples: Bootstrap resamples.
        conf: Confidence level of the intervals.
        seed: Seed of the bootstrap.

    Returns:
        ``points``, ``replicates``, ``noise_var`` (mean within-point variance), ``between_var``
        (variance of the point means, noise included), ``mean_response_var`` (Var f, noise
        removed), ``share`` = noise_var / (noise_var + mean_response_var): the share of a single
        run's variance that is noise, with ``share_low``/``share_high``; ``means_share``: the
        share of noise left in the variance of R-replicate means, noise_var/R over the sum.

    Raises:
        ValueError: If y is not 2-D with R >= 2, its rows are not whole blocks, or it has NaN.
    """
    _check_boot(resamples, conf)
    if int(block) < 1:
        raise ValueError(f"block: must be a positive number of rows, got {block}")
    y = _check_y(y, int(block), f"block = {block}")
    n_units, reps = y.shape[0] // block, y.shape[1]
    p, w = _weights(n_units, reps, int(resamples), seed)
    noise, v_f = _chunked(lambda pk, wk: _variances(y, np.repeat(pk, block, axis=1), wk), p, w)
    share = noise / (noise + v_f)
    lo, hi = np.clip(_interval(share, conf, int(resamples), reps), 0, 1)
    return pd.Series(
        {
            "points": y.shape[0],
            "replicates": reps,
            "noise_var": noise[0],
            "between_var": y.mean(1).var(ddof=1),
            "mean_response_var": v_f[0],
            "share": share[0],
            "share_low": lo,
            "share_high": hi,
            "means_share": noise[0] / reps / (noise[0] / reps + v_f[0]),
        }
    )


def _sobol_parts(a, ab, b, block_mean, p, w):
    """Corrected S1 and ST (b x factors) for point weights p (b x N) and seed weights w (b x R).

    a, b: base rows (N x R); ab: cross rows (N x D x R); block_mean: mean of a block's rows.
    """
    ws, w2 = w.sum(1), (w**2).sum(1)
    pn = p / p.sum(1, keepdims=True)
    # centre each seed by the (weighted) mean of all rows, as SALib centres by the grand mean
    c = pn @ block_mean  # b x R
    aw, bw, a2, b2 = a @ w.T, b @ w.T, (a**2) @ (w**2).T, (b**2) @ (w**2).T
    m = pn @ (a + b) / 2  # b x R
    v = np.einsum("bi,ib->b", pn, (_pair(aw, aw, a2, ws, w2) + _pair(bw, bw, b2, ws, w2)) / 2)
    v -= _pair((m * w).sum(1), (m * w).sum(1), (m**2 * w**2).sum(1), ws, w2)
    d_tot = a[:, None, :] - ab  # N x D x R
    dw = d_tot @ w.T  # N x D x b
    tot = _pair(dw, dw, (d_tot**2) @ (w**2).T, ws, w2) / 2
    # first order: mean over pairs of (B - c)_r (AB - A)_s; AB - A = -d_tot
    bcw = bw - (c * w).sum(1)  # N x b
    q = np.einsum("ir,idr,br->idb", b, -d_tot, w**2) - (-d_tot) @ (w**2 * c).T
    first = _pair(bcw[:, None, :], -dw, q, ws, w2)
    s1 = np.einsum("bi,idb->bd", pn, first) / v[:, None]
    st = np.einsum("bi,idb->bd", pn, tot) / v[:, None]
    bad = v <= 0
    s1[bad], st[bad] = np.nan, np.nan
    return s1, st


def noisy_sobol(
    problem: dict,
    y: np.ndarray,
    *,
    second_order: bool = False,
    resamples: int = 1000,
    conf: float = 0.95,
    seed: int = 0,
) -> dict[str, pd.DataFrame | pd.Series]:
    """Sobol' first-order and total indices of the mean response, corrected for seed noise.

    Args:
        problem: SALib problem (``num_vars``, ``names``, ``bounds``).
        y: Outputs (design rows x R replicates), rows in the design's Saltelli order, column r
            run with seed r at every row. Any response works: a level, or a paired effect
            (:func:`paired_effect`).
        second_order: Whether the design was drawn with second-order rows (only S1/ST are
            estimated; the extra rows are skipped).
        resamples: Bootstrap resamples of the two-way bootstrap.
        conf: Confidence level of the intervals.
        seed: Seed of the bootstrap.

    Returns:
        ``"indices"``: factor, S1, S1_low, S1_high, ST, ST_low, ST_high (corrected, not clipped
        to [0, 1]) and S1_means, ST_means (SALib on the replicate means, noise not removed);
        ``"noise"``: :func:`noise_share` of the same outputs.

    Raises:
        ValueError: If y is not (N x (D + 2)) x R (or N x (2D + 2) with second order), R < 2,
            or has NaN.
    """
    _check_boot(resamples, conf)
    d = int(problem["num_vars"])
    step = 2 * d + 2 if second_order else d + 2
    what = f"a Saltelli design of {d} factors ({'2D + 2' if second_order else 'D + 2'} per N)"
    y = _check_y(y, step, what)
    n = y.shape[0] // step
    blocks = y.reshape(n, step, y.shape[1])
    a, b, ab = blocks[:, 0], blocks[:, step - 1], blocks[:, 1 : d + 1].copy()
    p, w = _weights(n, y.shape[1], int(resamples), seed)
    s1, st = _chunked(lambda pk, wk: _sobol_parts(a, ab, b, blocks.mean(1), pk, wk), p, w)
    s1_lo, s1_hi = _interval(s1, conf, int(resamples), y.shape[1])
    st_lo, st_hi = _interval(st, conf, int(resamples), y.shape[1])
    means = sobol_indices(problem, y.mean(1), second_order=second_order, resamples=10, seed=seed)
    table = pd.DataFrame(
        {
            "factor": list(problem["names"]),
            "S1": s1[0],
            "S1_low": s1_lo,
            "S1_high": s1_hi,
            "ST": st[0],
            "ST_low": st_lo,
            "ST_high": st_hi,
            "S1_means": means["indices"]["S1"].to_numpy(),
            "ST_means": means["indices"]["ST"].to_numpy(),
        }
    )
    noise = noise_share(y, block=step, resamples=resamples, conf=conf, seed=seed)
    return {"indices": table, "noise": noise}
