"""Small array helpers for the weekly hot paths.

``numpy.unique`` on integer arrays uses a hash table since NumPy 2.3, which is about a hundred
times slower than sorting for the arrays this model handles (tens of thousands of offender rows,
mostly sorted already). The helpers here give the same results by sorting.
"""

from __future__ import annotations

import numpy as np

__all__ = ["unique"]


def unique(values: np.ndarray) -> np.ndarray:
    """The sorted unique values of an integer array (as ``numpy.unique``, by a stable sort)."""
    values = np.sort(values, kind="stable")
    if values.size < 2:
        return values
    keep = np.empty(values.size, dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]
