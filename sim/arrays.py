"""Small array helpers for the weekly hot paths.

``numpy.unique`` on integer arrays uses a hash table since NumPy 2.3, which is about a hundred
times slower than sorting for the arrays this model handles (tens of thousands of offender rows,
mostly sorted already). The helpers here give the same results by sorting.
"""

from __future__ import annotations

import numpy as np

__all__ = ["unique", "unique_counts"]


def unique(values: np.ndarray) -> np.ndarray:
    """The sorted unique values of an integer array (as ``numpy.unique``, by a stable sort)."""
    values = np.sort(values, kind="stable")
    if values.size < 2:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted unique values of an integer array and how often each occurs."""
    values = np.sort(values, kind="stable")
    if not values.size:
        return values, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    counts = np.diff(np.append(starts, values.size))
    return values[starts], counts
