"""Per-offender state, kept in NumPy arrays: one row per offender, one column per attribute.

The weekly processes draw counts of events per wing or region and update these columns with
NumPy instead of looping over every person. Where each offender is (wing or region) is kept by
``sim.state.places``.
"""

from __future__ import annotations

import numpy as np

from sim.state.crimes import CRIMES

__all__ = [
    "CRIME_TYPES",
    "DRUGS",
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
    "LAST_WEEK",
    "WEEK",
    "WEEK_STAMPS",
    "new_skills",
]

#: The names of the crime types (``sim.state.crimes.CRIMES``): bit i of a skills mask (an
#: offender's skills, an OCG's markets).
CRIME_TYPES: tuple[str, ...] = tuple(c.name for c in CRIMES)
#: The bit of drugs, the first skill of most offenders and the first market of most OCGs.
DRUGS = CRIME_TYPES.index("drugs")

# where an offender is / legal status
AT_LARGE, REMAND, SENTENCED, GONE = 0, 1, 2, 3
# OCG role
NONE, ASSOCIATE, CORE, LEADER = 0, 1, 2, 3
# risk grading as believed by an agency
UNKNOWN, LOW, HIGH = -1, 0, 1

#: The dtype of a week stamp (a week number, or a sentinel before week 0). A stamp lies at most
#: 5,200 weeks ahead of its week (a term or remand ends by
#: ``sim.processes.custody.MAX_SENTENCE_WEEKS``, a licence by the sentence's end, a separation or
#: phone ban by 520 weeks) and the sentinels are -10,000. A run lasts 5,200 weeks at most
#: (``run.years`` <= 100), and the model refuses to step past ``LAST_WEEK`` (``OCGModel.run(weeks)``
#: may go beyond ``run.years``). So every stamp, and the difference of a week and a stamp, lies
#: within +-32,000, which two bytes hold (17 MB less at full scale than four;
#: ``tests/test_justice.py`` checks the bound).
WEEK = np.dtype(np.int16)  # (a dtype object: the stamp columns are told from other int16 ones)
#: The last week a model may reach (about 385 years), so that week + 5,200 and week + 10,000 fit.
LAST_WEEK = 20_000

_FIELDS: dict[str, tuple[type, int]] = {
    # field: (dtype, fill value for new offenders)
    "region": (np.int16, 0),
    "status": (np.int8, AT_LARGE),
    "prison": (np.int32, -1),
    "wing": (np.int32, -1),
    "slot": (np.int32, -1),  # position in the current roster (region or wing)
    "release_week": (WEEK, -1),  # sentenced: release; remand: end of remand
    "sentence_weeks": (np.int32, 0),
    "licence_end": (WEEK, -1),
    "licence_intel": (np.bool_, False),
    "ocg": (np.int32, -1),
    "role": (np.int8, NONE),
    "joined_week": (WEEK, -1),
    "high_risk": (np.bool_, False),
    "prison_grade": (np.int8, UNKNOWN),
    "police_grade": (np.int8, UNKNOWN),
    "prison_intel_week": (WEEK, -10_000),
    "police_intel_week": (WEEK, -10_000),
    "skills": (np.uint16, 0),
    "debt": (np.bool_, False),
    "tie_ocg": (np.int32, -1),
    "tie_week": (WEEK, -1),
    "tie_listed": (np.bool_, False),  # listed among the community's tie candidates
    "last_release": (WEEK, -10_000),
    "reoffended": (np.bool_, False),
    "separated": (np.bool_, False),
    "separated_until": (WEEK, -1),
    "moved_week": (WEEK, -10_000),  # last disruption transfer
    "isolated": (np.bool_, False),  # 41-bis-like isolation, until release
    "phone": (np.bool_, False),
    "phone_banned_until": (WEEK, -1),  # a joint search took the phone: none until then
}
#: The columns that hold week stamps.
WEEK_STAMPS = tuple(name for name, (dtype, _) in _FIELDS.items() if dtype is WEEK)


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
        shape = (rows, *(tail[0] if tail else ()))
        if fill == 0:
            # zeroed pages are mapped when first written: rows reserved for later entrants
            # take no memory until they are used
            return np.zeros(shape, dtype=dtype)
        return np.full(shape, fill, dtype=dtype)

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


def new_skills(rng: np.random.Generator, n: int, mean: float, drugs_share: float) -> np.ndarray:
    """Skill masks for ``n`` new offenders: drugs with ``drugs_share``, then Poisson extras."""
    skills = np.where(rng.random(n) < drugs_share, 1 << DRUGS, 0).astype(np.uint16)
    extra = rng.poisson(max(0.0, mean - drugs_share), size=n)
    for k in range(1, int(extra.max(initial=0)) + 1):
        who = extra >= k
        bits = rng.integers(0, len(CRIME_TYPES), size=int(who.sum()))
        skills[who] |= (1 << bits).astype(np.uint16)
    return skills
