"""Seeds: one root seed per experiment, common random numbers across design points.

Replicate ``r`` gets the same seed at every design point and in every scenario, so that
differences between scenarios are not blurred by different random draws (common random numbers)
and can be analysed as paired differences. Seeds are derived with ``numpy.random.SeedSequence``:
replicate ``r``'s seed is the state of ``SeedSequence(root).spawn(...)[r]``, which does not depend
on how many replicates there are, so adding replicates keeps the existing ones.
"""

from __future__ import annotations

import numpy as np

__all__ = ["design_seed", "replicate_seeds"]

_MASK63 = (1 << 63) - 1


def replicate_seeds(root: int, replicates: int) -> list[int]:
    """Seeds of replicates ``0 .. replicates-1`` (non-negative, below 2^63).

    Args:
        root: The experiment's root seed.
        replicates: How many replicates.

    Returns:
        One seed per replicate.
    """
    children = np.random.SeedSequence(root).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint64)[0]) & _MASK63 for c in children]


def design_seed(root: int) -> int:
    """Seed for sampling the design (Sobol scrambling, Latin hypercube, Morris trajectories).

    It comes from a branch of the root seed that no replicate uses.
    """
    branch = np.random.SeedSequence(root, spawn_key=(2**32 - 1,))
    return int(branch.generate_state(1, dtype=np.uint32)[0])
