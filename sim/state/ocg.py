"""Organised crime groups: a registry of group state, membership, joint ventures and markets.

OCGs are records rather than Mesa agents (the design brief allows either): they act only through
their members, and keeping them as arrays lets the weekly processes treat all groups at once.

Each group holds a number of **roles** (its target size): its share of its region's criminal
markets. Roles are conserved: a group that loses roles to disruption, or dissolves, leaves them
open in its region (``open_roles``), where rivals and new groups take them up again
(``sim.processes.community``, the displacement/recovery mechanism). Joint ventures add roles to both
partners while they last (a new market), and take them away when they end.
"""

from __future__ import annotations

import numpy as np

from sim.fast import kernels
from sim.fast.arrays import unique
from sim.state.population import (
    ASSOCIATE,
    CORE,
    CRIME_TYPES,
    DRUGS,
    LEADER,
    NONE,
    ColumnStore,
    Population,
)

__all__ = ["CRIME_TYPES", "OCGRegistry", "ocg_crime_types", "ocg_target_sizes"]


class OCGRegistry(ColumnStore):
    """State of every OCG that has existed in the run (rows are never reused).

    Attributes:
        alive: Whether the group still exists.
        home_region: The group's home region.
        target_size: The number of roles the group tries to fill.
        size: Current number of members (anywhere).
        leader: Offender index of the leader (-1 if none).
        crime_types: Bit mask of the crime types the group is in.
        formed_week: Week the group formed (negative for groups present at the start).
        venture_roles: The part of ``target_size`` its joint ventures give it (not market roles
            it can lose or share: they go when the ventures end).
        capability: What the group can do (drugs, cash, weapons, lines), 1 at full strength;
            seizures cut it and it recovers (``community.capability_recovery_rate``).
        last_operation: Last week a police operation was mounted against it.
        open_roles: Roles of each region's markets that no group holds.
        members: For each group, the set of its members' offender indices.
        ventures: Joint ventures, (a, b) with a < b -> week formed.
        cross_region_ventures: How many of them join groups of different home regions.
        lost_leader: Groups left without a leader since the community process last looked
            (they may split, and try to promote a new leader).

    Every member of every group is also marked in a maintained index, and listed in row order by
    :meth:`member_rows`, so that no process scans the whole population to find them.
    """

    #: array name -> (dtype, value of an unused row)
    FIELDS = {
        "alive": (np.bool_, False),
        "home_region": (np.int16, 0),
        "target_size": (np.int32, 0),
        "size": (np.int32, 0),
        "leader": (np.int64, -1),
        "crime_types": (np.uint16, 0),
        "formed_week": (np.int32, 0),
        "capability": (np.float64, 0.0),
        "venture_roles": (np.int32, 0),
        "last_operation": (np.int32, -10_000),
    }

    def __init__(self, capacity: int = 256, n_regions: int = 1):
        super().__init__(capacity)
        self.open_roles = np.zeros(n_regions, dtype=np.int64)
        self.members: list[set[int]] = []
        self.ventures: dict[tuple[int, int], int] = {}
        self._partners: dict[int, set[tuple[int, int]]] = {}  # group -> its ventures
        self.cross_region_ventures = 0
        self.lost_leader: set[int] = set()
        # the index of members: who is a member now (by row); the rows in order as last listed,
        # and who joined since (merged in when the list is next asked for)
        self._is_member = np.zeros(1024, dtype=np.bool_)
        self._sorted: np.ndarray | None = None
        self._joined_since: list[np.ndarray] = []
        self._joined_one: list[int] = []
        self._changed = False

    def _room_for(self, person: int) -> None:
        if person >= self._is_member.size:
            grown = np.zeros(max(person + 1, 2 * self._is_member.size), dtype=np.bool_)
            grown[: self._is_member.size] = self._is_member
            self._is_member = grown

    def _index_add(self, person: int) -> None:
        self._room_for(person)
        self._is_member[person] = True
        if self._sorted is not None:
            self._joined_one.append(person)
        self._changed = True

    def _index_add_many(self, people: np.ndarray) -> None:
        self._room_for(int(people.max()))
        self._is_member[people] = True
        if self._sorted is not None:
            self._joined_since.append(people)
        self._changed = True

    def _index_remove(self, people: np.ndarray | int) -> None:
        self._is_member[people] = False
        self._changed = True

    def member_rows(self) -> np.ndarray:
        """Every member of every OCG, in row order (read-only; the same as a scan of ``ocg``).

        After changes, the last list is merged with those who joined since (sorted), less those
        who are no longer members: no sort of all the members, and no scan of the population.
        """
        if self._sorted is None:
            self._sorted = np.flatnonzero(self._is_member)
        elif self._changed:
            joined = np.sort(
                np.concatenate([*self._joined_since, np.array(self._joined_one, dtype=np.int64)])
            )
            self._sorted = kernels.merge_members(self._sorted, joined, self._is_member)
        self._joined_since = []
        self._joined_one = []
        self._changed = False
        self._sorted.flags.writeable = False  # (again after a copy: every later list builds on it)
        return self._sorted

    def create(self, region: int, target_size: int, crime_types: int, week: int) -> int:
        """Register a new, empty OCG and return its index."""
        o = int(self._append(1)[0])
        self.alive[o] = True
        self.home_region[o] = region
        self.target_size[o] = target_size
        self.crime_types[o] = crime_types
        self.formed_week[o] = week
        self.capability[o] = 1.0
        self.members.append(set())
        return o

    def join(self, pop: Population, person: int, o: int, role: int, week: int) -> None:
        """Make ``person`` (who is in no OCG) a member of OCG ``o`` with ``role``."""
        self._index_add(person)
        pop.ocg[person] = o
        pop.role[person] = role
        pop.joined_week[person] = week
        self.members[o].add(int(person))
        self.size[o] += 1
        if role == LEADER:
            self.leader[o] = person

    def leave(self, pop: Population, person: int) -> int:
        """Take ``person`` out of their OCG; return the OCG (-1 if they had none)."""
        o = int(pop.ocg[person])
        if o < 0:
            return -1
        self._index_remove(person)
        self.members[o].discard(int(person))
        self.size[o] -= 1
        if self.leader[o] == person:
            self.leader[o] = -1
        pop.ocg[person] = -1
        pop.role[person] = NONE
        return o

    def join_many(
        self, pop: Population, people: np.ndarray, groups: np.ndarray, role: int, week: int
    ) -> None:
        """Make each of ``people`` (in no OCG, each listed once) a member of ``groups[i]``.

        The same as :meth:`join` for each in turn, for any role but the leader's.

        Raises:
            ValueError: For the leader's role (a group has one leader: use :meth:`join`).
        """
        if role == LEADER:
            raise ValueError("a leader joins alone (OCGRegistry.join)")
        people = np.array(people, dtype=np.int64)  # a copy: it is merged into the list later
        groups = np.asarray(groups, dtype=np.int64)
        if not people.size:
            return
        self._index_add_many(people)
        pop.ocg[people] = groups
        pop.role[people] = role
        pop.joined_week[people] = week
        for person, o in zip(people.tolist(), groups.tolist(), strict=True):
            self.members[o].add(person)
        np.add.at(self.size, groups, 1)

    def remove_many(self, pop: Population, people: np.ndarray) -> np.ndarray:
        """Each of ``people`` leaves their OCG for good, as :meth:`remove_member` for each in turn.

        Returns:
            For each, the OCG they left, or -1 if they had none.

        Raises:
            ValueError: If someone is listed twice (the counts would be taken twice).
        """
        people = np.asarray(people, dtype=np.int64)
        left = pop.ocg[people].astype(np.int64)
        had = left >= 0
        p, o = people[had], left[had]
        if not p.size:
            return left
        if unique(p).size != p.size:
            raise ValueError("OCGRegistry.remove_many: a person is listed twice")
        self._index_remove(p)
        for person, group in zip(p.tolist(), o.tolist(), strict=True):
            self.members[group].discard(person)
        np.subtract.at(self.size, o, 1)
        was_leader = self.leader[o] == p
        self.leader[o[was_leader]] = -1
        pop.ocg[p] = -1
        pop.role[p] = NONE
        self.lost_leader.update(o[self.leader[o] < 0].tolist())
        return left

    def remove_member(self, pop: Population, person: int) -> int:
        """``person`` leaves their OCG for good; a group left without a leader is noted.

        Returns:
            The OCG they left, or -1 if they had none.
        """
        o = self.leave(pop, person)
        if o >= 0 and self.leader[o] < 0:
            self.lost_leader.add(o)
        return o

    def depose(self, pop: Population, o: int) -> None:
        """Take the leadership from OCG ``o``'s leader (who stays a core member)."""
        pop.role[self.leader[o]] = CORE
        self.leader[o] = -1
        self.lost_leader.add(o)

    def release_roles(self, o: int, roles: int) -> None:
        """OCG ``o`` loses ``roles`` of its market roles; they are left open in its region."""
        roles = int(min(roles, self.target_size[o] - self.venture_roles[o]))
        self.target_size[o] -= roles
        self.open_roles[self.home_region[o]] += roles

    def take_roles(self, o: int, roles: int) -> None:
        """OCG ``o`` takes up ``roles`` open roles of its region."""
        self.target_size[o] += roles
        self.open_roles[self.home_region[o]] -= roles

    def dissolve(self, pop: Population, o: int, venture_roles: int) -> None:
        """End OCG ``o``: its members become unaffiliated, its ventures end, its roles are open.

        Args:
            pop: The population.
            o: The group.
            venture_roles: Roles each partner of a venture holds while it lasts.
        """
        for pair in self.ventures_of(o):
            self.end_venture(pair, venture_roles)
        self.release_roles(o, int(self.target_size[o]))
        for person in sorted(self.members[o]):
            self._index_remove(person)
            pop.ocg[person] = -1
            pop.role[person] = NONE
        self.members[o] = set()
        self.size[o] = 0
        self.leader[o] = -1
        self.alive[o] = False

    def add_venture(self, a: int, b: int, week: int, roles: int) -> bool:
        """Record a joint venture between OCGs ``a`` and ``b``; False if it already existed.

        Each partner gains ``roles`` roles (the venture's new market) while it lasts.
        """
        pair = (a, b) if a < b else (b, a)
        if pair in self.ventures:
            return False
        self.ventures[pair] = week
        self.cross_region_ventures += int(self.home_region[a] != self.home_region[b])
        self._partners.setdefault(a, set()).add(pair)
        self._partners.setdefault(b, set()).add(pair)
        for o in (a, b):
            self.target_size[o] += roles
            self.venture_roles[o] += roles
        return True

    def end_venture(self, pair: tuple[int, int], roles: int) -> None:
        """End a joint venture; each partner loses the roles it brought (its market is gone)."""
        del self.ventures[pair]
        a, b = pair
        self.cross_region_ventures -= int(self.home_region[a] != self.home_region[b])
        for o in pair:
            self._partners[o].discard(pair)
            taken = min(roles, int(self.venture_roles[o]))
            self.target_size[o] -= taken
            self.venture_roles[o] -= taken

    def ventures_of(self, o: int) -> list[tuple[int, int]]:
        """The joint ventures of OCG ``o``, in a deterministic (sorted) order."""
        return sorted(self._partners.get(o, ()))

    def members_of(self, o: int) -> list[int]:
        """The members of OCG ``o`` in a deterministic (sorted) order."""
        return sorted(self.members[o])

    def active(self) -> np.ndarray:
        """Indices of the OCGs that exist."""
        return np.flatnonzero(self.alive[: self.n])


ROLES = {NONE: "none", ASSOCIATE: "associate", CORE: "core", LEADER: "leader"}


def ocg_target_sizes(rng: np.random.Generator, n: int, population) -> np.ndarray:
    """Target sizes of ``n`` OCGs: log-normal with the given mean, at least 2."""
    sigma = population.ocg_size_sigma
    mu = np.log(population.ocg_size_mean) - sigma**2 / 2
    return np.maximum(2, np.round(rng.lognormal(mu, sigma, size=n))).astype(np.int64)


def ocg_crime_types(rng: np.random.Generator, population) -> int:
    """Crime-type mask of a new OCG: drugs with ``drugs_share``, else another type; maybe more."""
    n_types = len(CRIME_TYPES)
    first = DRUGS if rng.random() < population.drugs_share else int(rng.integers(1, n_types))
    mask = 1 << first
    if rng.random() < population.second_crime_type_probability:
        mask |= 1 << int(rng.integers(0, n_types))
    return mask
