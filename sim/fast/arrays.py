"""Small array and sampling helpers for the weekly hot paths.

``chosen`` draws who, among many people, has an event this week with the same chance each: the
number of events first (Binomial), then which people (without replacement). It has the same
distribution as a Bernoulli draw per person at a cost that grows with the events, not with the
people.

``numpy.unique`` on integer arrays uses a hash table since NumPy 2.3, which is about a hundred
times slower than sorting for the arrays this model handles (tens of thousands of offender rows,
mostly sorted already). The helpers here give the same results by sorting.

The draws themselves are NumPy calls, one per region or group where a loop needs them, not
draws inside a compiled kernel: passing a generator into a numba kernel costs a few microseconds
a call and its draws are no faster than NumPy's, so a loop of a few draws per region is not
faster compiled.
"""

from __future__ import annotations

import numpy as np

__all__ = ["chosen", "chosen_among", "grouped", "unique"]


def unique(values: np.ndarray) -> np.ndarray:
    """The sorted unique values of an integer array (as ``numpy.unique``, by sorting).

    Integers sort to the same array by any method (this is for integer rows, not floats), so
    the method is chosen by the input: the stable sort (timsort for 32 and 64 bits: linear on
    runs) for an array that is mostly in order already (a sorted list with a few rows appended),
    else numpy's default sort (vectorised, 5-15 times faster than timsort on shuffled rows).
    """
    if values.size < 2:
        return np.sort(values)
    sample = values[:: max(1, values.size // 64)]  # (about 64 values: the check costs little)
    in_order = np.count_nonzero(sample[1:] < sample[:-1]) * 8 < sample.size
    values = np.sort(values, kind="stable" if in_order else None)
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def chosen(rng: np.random.Generator, people: np.ndarray, p: float) -> np.ndarray:
    """Each of ``people`` independently with chance ``p``: count, then sample; in input order."""
    return people[chosen_among(rng, people.size, p)]


def chosen_among(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Positions 0 .. n-1, each independently with chance ``p`` (as :func:`chosen`), sorted."""
    k = int(rng.binomial(n, min(max(p, 0.0), 1.0))) if n else 0
    if not k:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(n, size=k, replace=False))


def grouped(keys: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """The positions of each distinct key, by increasing key, each in input order.

    ``[(key, positions), ...]``; empty for no keys.
    """
    if not keys.size:
        return []
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = [*first[1:].tolist(), order.size]
    return [
        (key, order[a:b])
        for key, a, b in zip(ordered[first].tolist(), first.tolist(), ends, strict=True)
    ]
