"""Keyed random draws: a uniform number for (stream key, decision, week, entity), by hashing.

A draw from a stream depends on every draw made from that stream before it, so two scenarios that
differ in one decision soon draw different numbers for everyone. A keyed draw depends only on its
key: the same person (or group, or prison) meets the same number for the same decision in the same
week in every scenario, whatever else happened (common random numbers per entity, as in Starsim:
Klein et al. 2024, arXiv:2409.02086). The hash is SplitMix64's finaliser (Steele, Lea & Flood
2014), which passes BigCrush when used as a counter-based generator; the top 53 bits make the
uniform in [0, 1).
"""

from __future__ import annotations

import hashlib

import numpy as np

from sim.fast.kernels import compiled

__all__ = ["decision_key", "keyed_uniforms"]

_MASK = (1 << 64) - 1


def decision_key(stream_key: int, decision: str) -> int:
    """The 64-bit key of one kind of decision of a stream (a process's), from its name.

    Args:
        stream_key: The stream's own 64-bit key (``sim.process.Process.key``).
        decision: The decision's name (``"other_source_lead"``).
    """
    digest = hashlib.blake2b(decision.encode(), digest_size=8).digest()
    return (stream_key ^ int.from_bytes(digest, "little")) & _MASK


@compiled
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@compiled
def _uniforms(key, week, ids):
    out = np.empty(ids.size)
    golden = np.uint64(0x9E3779B97F4A7C15)
    base = _mix(np.uint64(key) + golden * np.uint64(week + 1))
    for i in range(ids.size):
        z = _mix(base ^ (np.uint64(ids[i]) * golden + golden))
        out[i] = (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return out


def keyed_uniforms(key: int, week: int, ids: np.ndarray) -> np.ndarray:
    """One uniform in [0, 1) for each of ``ids`` (entities, e.g. OCG rows) this week.

    Args:
        key: The decision's key (:func:`decision_key`).
        week: The week (a non-negative integer).
        ids: The entities' rows (non-negative integers).

    Returns:
        An array of floats, one per id, that depends only on (key, week, id).
    """
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    return _uniforms(np.uint64(key & _MASK), np.int64(week), ids)
