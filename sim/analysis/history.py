"""History matching: waves of emulated runs that rule out implausible parameter sets.

The statistical core only; any simulator can be plugged in (ocgsim's model is not wired to it
yet). Method (Craig et al. 1997; Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015):

1. a Latin hypercube design over the parameter ranges (inputs scaled to [0, 1]);
2. each point run with ``replicates`` seeds; per target a Gaussian-process emulator of the
   replicate mean, the noise of each mean (replicate variance / replicates) given as ``alpha``
   so that the emulator smooths seed noise instead of interpolating it;
3. implausibility ``I_k(x) = |z_k - E[f_k(x)]| / sqrt(Var_em_k(x) + Var_obs_k + Var_disc_k)``;
   ``x`` is ruled out when the largest (or, with ``rank=2``, the second largest) ``I_k`` over the
   targets exceeds the cut-off (3: Pukelsheim's three-sigma rule);
4. the next wave's design is a maximin subset of candidates not ruled out by any wave so far,
   far from the runs already there, so waves refocus on the not-ruled-out-yet (NROY) space.

Python API::

    result = history_match(simulator, {"a": (0, 1)}, [HMTarget.from_band("y", 2, 4)])
    result.nroy_fractions, result.plausible, result.constraint
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist
from scipy.stats import qmc

from sim.analysis.emulator import Emulator, error_summary, point_noise
from sim.io.files import atomic_write_bytes, finite_json

__all__ = [
    "HMTarget",
    "HistoryMatchResult",
    "Wave",
    "check_ranges",
    "constraint_table",
    "history_match",
    "implausibility",
    "lhs_unit",
    "load_ensemble",
    "maximin_subset",
    "nroy_sample",
    "save_ensemble",
]

#: The format name written in (and required of) a saved plausible ensemble.
ENSEMBLE_FORMAT = "ocgsim-plausible-ensemble"


@dataclass(frozen=True)
class HMTarget:
    """One observed quantity the simulator must reproduce.

    Attributes:
        name: The simulator output's name.
        observed: The observed value ``z``.
        obs_var: Variance of the observation (its uncertainty), >= 0; with
            ``discrepancy_var`` their sum must be > 0.
        discrepancy_var: Variance of the model discrepancy (what no parameter set can fix).
    """

    name: str
    observed: float
    obs_var: float
    discrepancy_var: float = 0.0

    @classmethod
    def from_band(cls, name: str, low: float, high: float, discrepancy_sd: float = 0.0) -> HMTarget:
        """A target from an acceptable band: ``z`` its centre, the band read as +-2 sd.

        A calibration band ``low-high`` is taken as a 95% interval, so the observation sd is
        half the half-width: ``(high - low) / 4``.
        """
        if not high > low:
            raise ValueError(f"target {name!r}: band low {low} >= high {high}; need low < high")
        return cls(name, (low + high) / 2, ((high - low) / 4) ** 2, discrepancy_sd**2)


def check_ranges(ranges: Mapping[str, Sequence[float]]) -> tuple[list[str], np.ndarray]:
    """Names and a (d x 2) array of ``(low, high)``; ValueError naming a bad range."""
    if not ranges:
        raise ValueError("ranges: empty; give at least one parameter as name: (low, high)")
    names, bounds = list(ranges), []
    for name in names:
        try:
            low, high = (float(v) for v in ranges[name])
        except (TypeError, ValueError):
            raise ValueError(f"ranges: {name!r} must be a pair (low, high) of numbers") from None
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(
                f"ranges: {name!r} has low {low} >= high {high} or is not finite; "
                "each range must be finite (low, high) with low < high"
            )
        bounds.append((low, high))
    return names, np.array(bounds)


def lhs_unit(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """A Latin hypercube of ``n`` points in ``[0, 1]^d`` (scipy's ``qmc``, seeded by ``rng``)."""
    return qmc.LatinHypercube(d, rng=rng).random(n)


def maximin_subset(
    points: np.ndarray, n: int, rng: np.random.Generator, existing: np.ndarray | None = None
) -> np.ndarray:
    """Indices of ``n`` of ``points`` spread out: greedy farthest-point (maximin) selection.

    Each step adds the point farthest from those chosen and from ``existing`` (runs already
    made, so new runs fill the gaps between them); with no ``existing``, it starts at a random
    point.
    """
    n = min(n, len(points))
    if existing is not None and len(existing):
        dist, chosen = cdist(points, existing).min(axis=1), []
    else:
        chosen = [int(rng.integers(len(points)))]
        dist = np.linalg.norm(points - points[chosen[0]], axis=1)
    while len(chosen) < n:
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(points - points[nxt], axis=1))
    return np.array(chosen)


def implausibility(emulators: Mapping[str, Emulator], targets: Sequence[HMTarget], x) -> np.ndarray:
    """(n x targets) implausibility of points ``x`` (in [0, 1]) under one wave's emulators."""
    out = np.empty((len(x), len(targets)))
    for k, t in enumerate(targets):
        m, v = emulators[t.name].predict(x)
        out[:, k] = np.abs(t.observed - m) / np.sqrt(v + t.obs_var + t.discrepancy_var)
    return out


def nroy_sample(
    passes: Callable[[np.ndarray], np.ndarray],
    reference: np.ndarray,
    need: int,
    rng: np.random.Generator,
    max_batches: int = 10,
) -> tuple[np.ndarray, float]:
    """Points not ruled out, and the NROY fraction of the unit cube.

    The fraction is the share of ``reference`` (a fixed Latin hypercube, the same every wave, so
    fractions never increase) that ``passes``. If fewer than ``need`` pass, further batches of
    the same size are drawn (up to ``max_batches``) to fill the pool. If no reference point
    passes, the space is taken as empty (its fraction is below ``1 / len(reference)``).
    """
    ok = passes(reference)
    pool, fraction = [reference[ok]], float(ok.mean())
    for _ in range(max_batches if 0 < ok.sum() < need else 0):
        batch = lhs_unit(len(reference), reference.shape[1], rng)
        pool.append(batch[passes(batch)])
        if sum(len(p) for p in pool) >= need:
            break
    return np.vstack(pool), fraction


def constraint_table(
    sample: np.ndarray, names: Sequence[str], bounds: np.ndarray, threshold: float = 0.75
) -> pd.DataFrame:
    """Per parameter, how much the plausible sample narrows its prior range.

    ``range_ratio``: the sample's range / the prior range. ``sd_ratio``: its sd / the sd of a
    uniform over the prior range (about 1 when unconstrained). ``coverage``: the share of equal
    bins of the prior range (n / 10 bins, 2 to 20, so about 10 points a bin if unconstrained)
    holding a sample point; it catches two islands far apart, which keep the sd high. A
    parameter is "constrained" when ``sd_ratio`` or ``coverage`` is below ``threshold`` (0.75:
    the data rule out at least about a quarter of its range), else "not constrained by the
    data"; with fewer than 2 points, "no plausible sample".
    """
    v = (np.reshape(sample, (-1, len(names))) - bounds[:, 0]) / (bounds[:, 1] - bounds[:, 0])
    n, bins, nan = len(v), int(np.clip(len(v) // 10, 2, 20)), np.full(len(names), np.nan)
    sd = v.std(axis=0, ddof=1) * np.sqrt(12) if n > 1 else nan
    cov = np.array([len(np.unique(np.minimum(c * bins, bins - 1).astype(int))) for c in v.T])
    flag = (sd < threshold) | (cov / bins < threshold) if n > 1 else np.zeros(len(names), bool)
    verdict = np.where(flag, "constrained", "not constrained by the data")
    return pd.DataFrame({
        "parameter": list(names), "low": bounds[:, 0], "high": bounds[:, 1], "n": n,
        "range_ratio": np.ptp(v, axis=0) if n else nan, "sd_ratio": sd,
        "coverage": cov / bins if n > 1 else nan, "constrained": flag,
        "verdict": verdict if n > 1 else "no plausible sample",
    })  # fmt: skip


@dataclass
class Wave:
    """One wave: its runs, emulators and how much of the space is still not ruled out.

    Attributes:
        design: (n x d) parameter sets run (parameter units).
        seeds: The replicate seeds every point ran with (common random numbers).
        outputs: Target name -> (n x replicates) simulator outputs.
        emulators: Target name -> :class:`~sim.analysis.emulator.Emulator`, fitted on this and
            earlier waves' runs that earlier waves had not ruled out.
        diagnostics: Target name -> summary of the leave-one-out standardised errors
            (:func:`~sim.analysis.emulator.error_summary`).
        n_train: Runs the emulators were fitted on.
        nroy_fraction: Share of the parameter box not ruled out after this wave.
    """

    design: np.ndarray
    seeds: np.ndarray
    outputs: dict[str, np.ndarray]
    emulators: dict[str, Emulator]
    diagnostics: dict[str, dict[str, float]]
    n_train: int
    nroy_fraction: float


@dataclass
class HistoryMatchResult:
    """What :func:`history_match` returns.

    Attributes:
        names: Parameter names.
        bounds: (d x 2) prior ranges.
        targets: The targets matched.
        cutoff: Implausibility above which a point is ruled out.
        rank: 1: the largest implausibility over targets is tested; 2: the second largest.
        waves: One :class:`Wave` each.
        plausible: (m x d) parameter sets not ruled out by any wave: uniform over the final
            NROY space, judged by the emulators (see :meth:`confirm` to run them).
        constraint: :func:`constraint_table` of ``plausible``.
    """

    names: list[str]
    bounds: np.ndarray
    targets: list[HMTarget]
    cutoff: float
    rank: int
    waves: list[Wave]
    plausible: np.ndarray
    constraint: pd.DataFrame | None = None

    @property
    def nroy_fractions(self) -> list[float]:
        """NROY fraction after each wave (non-increasing)."""
        return [w.nroy_fraction for w in self.waves]

    def worst(self, x: np.ndarray) -> np.ndarray:
        """Worst implausibility over the waves of points ``x`` in [0, 1]^d (0 before any)."""
        out = np.zeros(len(x))
        for w in self.waves:
            out = np.maximum(out, _ranked(implausibility(w.emulators, self.targets, x), self.rank))
        return out

    def implausibility(self, points: np.ndarray) -> np.ndarray:
        """:meth:`worst` of parameter sets ``points`` (n x d, parameter units)."""
        low, high = self.bounds[:, 0], self.bounds[:, 1]
        return self.worst((np.atleast_2d(points) - low) / (high - low))

    def confirm(self, simulator: Callable, seeds: Sequence[int]) -> np.ndarray:
        """Run ``plausible`` with ``seeds`` (>= 2); which pass on their simulated means.

        The test is the emulators' with the replicate mean in place of the emulated one and its
        variance (:func:`~sim.analysis.emulator.point_noise`) in place of the emulator's.
        """
        if len(seeds) < 2:
            raise ValueError(f"seeds: {list(seeds)}; need at least 2 (their spread is the noise)")
        out = _run(simulator, self.plausible, np.asarray(seeds), self.targets)
        return self.passes_on_means(out)

    def passes_on_means(self, outputs: Mapping[str, np.ndarray]) -> np.ndarray:
        """Which points pass on their simulated means: target name -> (points x seeds) outputs.

        The implausibility test with the replicate mean in place of the emulated one and its
        variance (:func:`~sim.analysis.emulator.point_noise`) in place of the emulator's.
        """
        imp = []
        for t in self.targets:
            mean, var = point_noise(np.asarray(outputs[t.name], dtype=float))
            imp.append(np.abs(t.observed - mean) / np.sqrt(var + t.obs_var + t.discrepancy_var))
        return _ranked(np.column_stack(imp), self.rank) <= self.cutoff

    def save(self, path: Path) -> str:
        """Save ``plausible`` with :func:`save_ensemble`; returns the content hash."""
        targets, fractions = [t.name for t in self.targets], self.nroy_fractions
        meta = {"cutoff": self.cutoff, "rank": self.rank, "targets": targets}
        return save_ensemble(path, self.names, self.plausible, meta | {"nroy": fractions})


def _ranked(imp: np.ndarray, rank: int) -> np.ndarray:
    return np.sort(imp, axis=1)[:, -rank]


def _check_inputs(targets: Sequence[HMTarget], rank, cutoff, sizes: dict) -> list[HMTarget]:
    names = [t.name for t in targets]
    if not names or len(set(names)) != len(names):
        raise ValueError(f"targets: {names}; need at least one target, names unique")
    for t in targets:
        var = (t.obs_var, t.discrepancy_var)
        if not (np.isfinite([t.observed, *var]).all() and min(var) >= 0 and sum(var) > 0):
            raise ValueError(f"targets: {t.name!r} needs a finite observed value and variances "
                             ">= 0 with obs_var + discrepancy_var > 0")  # fmt: skip
    if rank not in (1, 2) or rank > len(targets):
        raise ValueError(f"rank: {rank}; allowed 1 (largest) or 2 (second largest, >= 2 targets)")
    if not cutoff > 0:
        raise ValueError(f"cutoff: {cutoff}; must be > 0 (3 is the usual)")
    for key, (value, least) in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"{key}: {value!r}; must be an integer >= {least}")
    return list(targets)


def _run(simulator, points, seeds, targets) -> dict[str, np.ndarray]:
    out = simulator(points, seeds)
    if not isinstance(out, Mapping):
        raise ValueError("simulator output: must map each target name to a (points x seeds) array")
    shape, res = (len(points), len(seeds)), {}
    for t in targets:
        if t.name not in out:
            raise ValueError(f"simulator output: target {t.name!r} missing (given: "
                             f"{sorted(out)}); it must give every target name")  # fmt: skip
        res[t.name] = y = np.asarray(out[t.name], dtype=float)
        if y.shape != shape or not np.isfinite(y).all():
            bad = f"shape {y.shape}" if y.shape != shape else "NaN or infinite values"
            raise ValueError(f"simulator output: {t.name!r} has {bad}; must be a finite "
                             f"{shape} array (points x seeds)")  # fmt: skip
    return res


def history_match(
    simulator: Callable[[np.ndarray, np.ndarray], Mapping[str, np.ndarray]],
    ranges: Mapping[str, Sequence[float]],
    targets: Sequence[HMTarget],
    *,
    waves: int = 3,
    points_per_wave: int = 40,
    replicates: int = 3,
    cutoff: float = 3.0,
    rank: int = 1,
    candidates: int = 20000,
    sample_size: int = 200,
    seed: int = 0,
) -> HistoryMatchResult:
    """History-match ``simulator`` to ``targets`` in waves.

    Args:
        simulator: ``simulator(points, seeds)``: ``points`` (n x d, parameter units, columns in
            the order of ``ranges``), ``seeds`` (replicates,) ints, the same for every point ->
            target name -> (n x replicates) outputs.
        ranges: Parameter name -> (low, high) prior range.
        targets: The observed quantities.
        waves: Waves to run (>= 1); stops early if everything is ruled out.
        points_per_wave: Design points per wave (>= 4; about 10 per parameter is usual).
        replicates: Seeds per point (>= 2: the replicate variance is each point's noise).
        cutoff: Implausibility above which a point is ruled out (3: Pukelsheim's 3-sigma rule,
            which bounds the tail of any unimodal distribution at about 5%).
        rank: 1 rules out on the largest implausibility over targets; 2 on the second largest
            (more lenient: one target may miss, e.g. while its emulator is poor).
        candidates: Size of the Latin hypercube the NROY space is sampled from.
        sample_size: Size of the plausible sample returned.
        seed: Seeds the designs, the simulator's seeds and the emulators' optimiser.

    Raises:
        ValueError: On bad ranges, targets, sizes, or simulator output (one line, naming it).
    """
    names, bounds = check_ranges(ranges)
    sizes = {"waves": (waves, 1), "points_per_wave": (points_per_wave, 4),
             "replicates": (replicates, 2), "candidates": (candidates, 100),
             "sample_size": (sample_size, 1)}  # fmt: skip
    targets = _check_inputs(targets, rank, cutoff, sizes)
    rng, d = np.random.default_rng(seed), len(names)
    low, width = bounds[:, 0], bounds[:, 1] - bounds[:, 0]
    result = HistoryMatchResult(names, bounds, targets, cutoff, rank, [], np.empty((0, d)))
    reference = lhs_unit(candidates, d, rng)

    def passes(x: np.ndarray) -> np.ndarray:
        return result.worst(x) <= cutoff

    design, x_all, outputs = lhs_unit(points_per_wave, d, rng), np.empty((0, d)), []
    for _ in range(waves):
        seeds = rng.integers(2**31 - 1, size=replicates)
        outputs.append(_run(simulator, low + design * width, seeds, targets))
        x_all = np.vstack([x_all, design])
        keep = passes(x_all)  # runs inside the NROY space of earlier waves
        emulators = {}
        for t in targets:
            y = np.vstack([o[t.name] for o in outputs])[keep]
            emulators[t.name] = Emulator(
                x_all[keep], *point_noise(y), seed=int(rng.integers(2**31))
            )
        diag = {name: error_summary(em.loo_errors()) for name, em in emulators.items()}
        wave = Wave(low + design * width, seeds, outputs[-1], emulators, diag, int(keep.sum()), 0)
        result.waves.append(wave)
        need = max(points_per_wave, sample_size)
        pool, wave.nroy_fraction = nroy_sample(passes, reference, need, rng)
        if not len(pool):
            break
        runs = x_all[passes(x_all)]  # the runs the next emulators will be fitted on
        design = pool[maximin_subset(pool, points_per_wave, rng, existing=runs)]
    take = np.sort(rng.choice(len(pool), size=min(sample_size, len(pool)), replace=False))
    result.plausible = low + pool[take] * width
    result.constraint = constraint_table(result.plausible, names, bounds)
    return result


def _content_hash(names: list[str], values: list, meta: dict) -> str:
    text = json.dumps(
        {"parameters": names, "values": values, "meta": meta}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def save_ensemble(
    path: Path, names: Sequence[str], values: np.ndarray, meta: Mapping | None = None
) -> str:
    """Write a plausible ensemble as JSON, atomically; returns its content's SHA-256.

    The file holds ``format``, ``parameters`` (names), ``values`` (one list per parameter set),
    ``meta`` and ``sha256``, the hash of the other three (canonical JSON, sorted keys).
    """
    values = np.asarray(values, dtype=float).reshape(-1, len(names))
    if not np.isfinite(values).all():
        raise ValueError(f"{path}: values must be finite numbers")
    names, rows, meta = list(names), values.tolist(), finite_json(dict(meta or {}))
    digest = _content_hash(names, rows, meta)
    doc = {
        "format": ENSEMBLE_FORMAT,
        "parameters": names,
        "values": rows,
        "meta": meta,
        "sha256": digest,
    }
    atomic_write_bytes(Path(path), (json.dumps(doc, indent=1) + "\n").encode("utf-8"))
    return digest


def load_ensemble(path: Path) -> tuple[pd.DataFrame, dict]:
    """Read :func:`save_ensemble`'s file: (a DataFrame, one column per parameter, and meta).

    ``meta`` gains ``sha256``. Raises ValueError if the file is not such an ensemble or its
    content does not match its hash (edited or damaged).
    """
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        names, rows, meta, digest = doc["parameters"], doc["values"], doc["meta"], doc["sha256"]
        ok_format = doc["format"] == ENSEMBLE_FORMAT
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a plausible-ensemble file ({exc})") from None
    if not ok_format:
        raise ValueError(f"{path}: format {doc['format']!r}; expected {ENSEMBLE_FORMAT!r}")
    if _content_hash(names, rows, meta) != digest:
        raise ValueError(f"{path}: content does not match its sha256 (edited or damaged)")
    return pd.DataFrame(rows, columns=names, dtype=float), {**meta, "sha256": digest}
