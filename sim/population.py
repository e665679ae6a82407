"""Hot per-offender state, kept in NumPy arrays owned by the model, and the group rosters.

Every offender is a Mesa agent (``sim.agents.Offender``) whose attributes are views into these
arrays, so that the weekly processes can draw counts of events per wing or region with NumPy
instead of looping over every person. A roster keeps, for each group (a region's offenders at
large, a wing's prisoners), a compact list of its members so that a uniform random member can be
drawn in O(1) and moves cost O(1).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "AT_LARGE",
    "GONE",
    "REMAND",
    "SENTENCED",
    "ASSOCIATE",
    "CORE",
    "LEADER",
    "NONE",
    "ColumnStore",
    "Population",
    "Roster",
]

# where an offender is / legal status
AT_LARGE, REMAND, SENTENCED, GONE = 0, 1, 2, 3
# OCG role
NONE, ASSOCIATE, CORE, LEADER = 0, 1, 2, 3
# risk grading as believed by an agency
UNKNOWN, LOW, HIGH = -1, 0, 1

_FIELDS: dict[str, tuple[type, int]] = {
    # field: (dtype, fill value for new offenders)
    "region": (np.int16, 0),
    "status": (np.int8, AT_LARGE),
    "prison": (np.int32, -1),
    "wing": (np.int32, -1),
    "slot": (np.int32, -1),  # position in the current roster (region or wing)
    "release_week": (np.int32, -1),  # sentenced: release; remand: end of remand
    "sentence_weeks": (np.int32, 0),
    "licence_end": (np.int32, -1),
    "licence_intel": (np.bool_, False),
    "ocg": (np.int32, -1),
    "role": (np.int8, NONE),
    "joined_week": (np.int32, -1),
    "high_risk": (np.bool_, False),
    "prison_grade": (np.int8, UNKNOWN),
    "police_grade": (np.int8, UNKNOWN),
    "prison_intel_week": (np.int32, -10_000),
    "police_intel_week": (np.int32, -10_000),
    "skills": (np.uint16, 0),
    "debt": (np.bool_, False),
    "tie_ocg": (np.int32, -1),
    "tie_week": (np.int32, -1),
    "last_release": (np.int32, -10_000),
    "reoffended": (np.bool_, False),
    "separated": (np.bool_, False),
    "moved_week": (np.int32, -10_000),  # last disruption transfer
    "isolated": (np.bool_, False),  # 41-bis-like isolation, until release
    "phone": (np.bool_, False),
}


class ColumnStore:
    """Rows of named NumPy columns that grow by doubling; rows ``0 .. n-1`` are in use.

    Subclasses list their columns in ``FIELDS``: name -> ``(dtype, fill)`` or
    ``(dtype, fill, trailing shape)``; new rows hold the fill value.

    Args:
        capacity: Initial number of rows to allocate.
    """

    FIELDS: dict[str, tuple] = {}

    def __init__(self, capacity: int):
        self.n = 0
        self._cap = max(16, int(capacity))
        for name, spec in self.FIELDS.items():
            setattr(self, name, self._column(spec, self._cap))

    @staticmethod
    def _column(spec: tuple, rows: int) -> np.ndarray:
        dtype, fill, *tail = spec
        return np.full((rows, *(tail[0] if tail else ())), fill, dtype=dtype)

    def _append(self, k: int) -> np.ndarray:
        """Reserve ``k`` new rows (growing the columns if needed); return their indices."""
        if self.n + k > self._cap:
            cap = max(2 * self._cap, self.n + k)
            for name, spec in self.FIELDS.items():
                new = self._column(spec, cap)
                new[: self.n] = getattr(self, name)[: self.n]
                setattr(self, name, new)
            self._cap = cap
        idx = np.arange(self.n, self.n + k)
        self.n += k
        return idx


class Population(ColumnStore):
    """Columnar state of every offender who has ever existed in the run.

    Offender ``i`` is row ``i`` of every array. Rows are never reused: an offender who desists
    keeps their row with ``status == GONE``.

    Args:
        capacity: Initial number of rows to allocate (grows by doubling).
    """

    FIELDS = _FIELDS

    def __init__(self, capacity: int = 1024):
        super().__init__(capacity)

    def add(self, k: int) -> np.ndarray:
        """Append ``k`` new offenders with default state and return their row indices."""
        return self._append(k)


class Roster:
    """Compact member lists for a fixed set of groups (wings, regions).

    Each offender is in at most one group of a roster; ``slot`` (shared with the population)
    holds their position in it.

    Args:
        n_groups: Number of groups.
        width: Initial room per group (grows by doubling).
        population: The population whose slot array records each member's position.
        slot_field: Name of that array (looked up each time: it is reallocated as the
            population grows).
    """

    def __init__(self, n_groups: int, width: int, population: Population, slot_field: str):
        self.members = np.full((n_groups, max(4, int(width))), -1, dtype=np.int64)
        self.count = np.zeros(n_groups, dtype=np.int64)
        self._pop = population
        self._slot_field = slot_field

    def add(self, group: int, person: int) -> None:
        """Put ``person`` into ``group``."""
        j = self.count[group]
        if j == self.members.shape[1]:
            grown = np.full((self.members.shape[0], 2 * j), -1, dtype=np.int64)
            grown[:, :j] = self.members
            self.members = grown
        self.members[group, j] = person
        getattr(self._pop, self._slot_field)[person] = j
        self.count[group] = j + 1

    def remove(self, group: int, person: int) -> None:
        """Take ``person`` out of ``group`` (swap with the last member)."""
        slot = getattr(self._pop, self._slot_field)
        j = slot[person]
        last_j = self.count[group] - 1
        last = self.members[group, last_j]
        self.members[group, j] = last
        slot[last] = j
        self.members[group, last_j] = -1
        slot[person] = -1
        self.count[group] = last_j

    def sample(self, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly drawn member of each group in ``groups`` (-1 where a group is empty)."""
        counts = self.count[groups]
        picks = (rng.random(len(groups)) * counts).astype(np.int64)
        out = self.members[groups, np.minimum(picks, np.maximum(counts - 1, 0))]
        out[counts == 0] = -1
        return out

    def group(self, group: int) -> np.ndarray:
        """The members of one group (a view; copy before changing the roster)."""
        return self.members[group, : self.count[group]]
