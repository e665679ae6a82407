"""Where every offender is: a wing of a prison, or at large in their home region.

``Places`` holds the capacities and occupancy of prisons and wings, the rosters of who is where,
and the moves between places (admission, transfer, release, entry and exit of the population).
Every process that moves people goes through these moves, so the invariants of
``sim.model.invariants`` (nobody in two places; no wing over capacity) hold by construction.

A roster keeps, for each group (a region's offenders at large, a wing's prisoners), a compact
list of its members, so that a uniform random member is drawn in O(1) and a move costs O(1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast import kernels
from sim.fast.arrays import unique
from sim.state.population import AT_LARGE, GONE, REMAND, SENTENCED, Population

if TYPE_CHECKING:
    from sim.state.world import World

__all__ = ["Places", "Preferences", "Roster"]


class Roster:
    """Compact member lists for a fixed set of groups (wings, regions).

    Each offender is in at most one group of a roster; the population's ``slot`` column holds
    their position in it. Moves are made by the kernels of ``sim.fast.kernels``.

    Args:
        n_groups: Number of groups.
        width: Initial room per group (grown by :meth:`reserve_for`).
    """

    def __init__(self, n_groups: int, width: int):
        self.members = np.full((n_groups, max(4, int(width))), -1, dtype=np.int64)
        self.count = np.zeros(n_groups, dtype=np.int64)

    def reserve_for(self, groups: np.ndarray) -> None:
        """Make room for one more member in each entry of ``groups`` (doubling the width).

        Sized by each group's own count, not by the whole batch in any one group: the entry of
        the whole population at set-up would otherwise make every group as wide as the
        population.
        """
        if groups.size:
            added = np.bincount(groups, minlength=self.count.size)
            self._grow(int((self.count + added).max()))

    def _grow(self, need: int) -> None:
        width = self.members.shape[1]
        if need <= width:
            return
        while width < need:
            width *= 2
        grown = np.full((self.members.shape[0], width), -1, dtype=np.int64)
        grown[:, : self.members.shape[1]] = self.members
        self.members = grown

    def sample(self, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly drawn member of each group in ``groups`` (-1 where a group is empty)."""
        return kernels.roster_sample(self.members, self.count, groups, rng.random(len(groups)))

    def group(self, group: int) -> np.ndarray:
        """The members of one group (a view; copy before changing the roster)."""
        return self.members[group, : self.count[group]]

    def everyone(self) -> np.ndarray:
        """Every member of every group, group by group."""
        return kernels.roster_everyone(self.members, self.count)

    def arrays(self) -> kernels.RosterArrays:
        """The arrays as they are now, for the kernels (``members`` is replaced when it grows)."""
        return kernels.RosterArrays(self.members, self.count)


class Preferences:
    """Prisons to try for a (home region, category), tier by tier, as arrays for the kernels.

    Args:
        tiers: (region, category) -> candidate prisons of each tier, in order.
        n_regions: Number of regions.

    Attributes:
        tiers: The candidates as padded arrays (``sim.fast.kernels.Tiers``).
    """

    def __init__(self, tiers: dict[tuple[int, int], tuple[np.ndarray, ...]], n_regions: int):
        depth = max(len(t) for t in tiers.values())
        width = max((c.size for t in tiers.values() for c in t), default=1)
        prisons = np.full((n_regions, 4, max(depth, 1), max(width, 1)), -1, dtype=np.int64)
        length = np.zeros((n_regions, 4, max(depth, 1)), dtype=np.int64)
        n_tiers = np.zeros((n_regions, 4), dtype=np.int64)
        for (region, category), candidates in tiers.items():
            n_tiers[region, category] = len(candidates)
            for tier, c in enumerate(candidates):
                prisons[region, category, tier, : c.size] = c
                length[region, category, tier] = c.size
        self.tiers = kernels.Tiers(prisons, length, n_tiers)


class Places:
    """Prison places, wings and rosters, and the moves between them.

    Args:
        world: Regions, prisons and wings.
        population: The offenders' state arrays.
        overcrowding: Places per certified place (``estate.overcrowding``).

    Attributes:
        wing_capacity: Places in each wing (after overcrowding).
        capacity: Places in each prison (the sum of its wings).
        occupancy: Prisoners in each prison.
        free: Free places in each prison.
        wing_free: Free places in each wing.
        wings: Roster of each wing's prisoners.
        at_large: Roster of each region's offenders at large.
        remand: Prisoners on remand (kept by the moves; the same as a count over the rosters).
    """

    def __init__(self, world: World, population: Population, overcrowding: float):
        self.world = world
        self.population = population
        self.wing_capacity = np.maximum(
            1, np.round(world.wing_capacity * overcrowding).astype(np.int64)
        )
        # a prison holds exactly what its wings hold
        self.capacity = np.bincount(
            world.wing_prison, weights=self.wing_capacity, minlength=world.n_prisons
        ).astype(np.int64)
        self.occupancy = np.zeros(world.n_prisons, dtype=np.int64)
        self.free = self.capacity.copy()
        self.wing_free = self.wing_capacity.copy()
        self.first_wing = np.array([int(ws[0]) for ws in world.prison_wings], dtype=np.int64)
        self.last_wing = np.array([int(ws[-1]) + 1 for ws in world.prison_wings], dtype=np.int64)
        self.at_large = Roster(world.n_regions, 64)
        self.wings = Roster(world.n_wings, int(self.wing_capacity.max()))
        self.remand = 0

    # -- moves -----------------------------------------------------------------------------------
    def estate(self) -> kernels.Estate:
        """The places per prison and per wing, for the kernels (the arrays, not copies)."""
        return kernels.Estate(
            self.free,
            self.occupancy,
            self.first_wing,
            self.last_wing,
            self.wing_free,
            self.wings.arrays(),
        )

    def _columns(self) -> kernels.Columns:
        """The population columns the moves write (read each time: the population may grow)."""
        pop = self.population
        return kernels.Columns(pop.slot, pop.prison, pop.wing, pop.status, pop.separated, pop.phone)

    def admit_many(
        self,
        people: np.ndarray,
        categories: np.ndarray,
        statuses: np.ndarray,
        preferences: Preferences,
        *,
        stop_when_full: bool = False,
    ) -> np.ndarray:
        """Admit offenders at large, in order, each to a prison of their category by preference.

        Args:
            people: Offenders at large.
            categories: Category of prison wanted for each.
            statuses: Legal status each takes inside.
            preferences: Prisons to try, by home region and category.
            stop_when_full: End the batch at the first person with no place.

        Returns:
            Which of them found a place (the others stay at large).
        """
        pop = self.population
        statuses = statuses.astype(np.int8)
        placed = kernels.admit_many(
            people.astype(np.int64),
            pop.region[people].astype(np.int64),
            categories.astype(np.int64),
            statuses,
            preferences.tiers,
            self.estate(),
            self.at_large.arrays(),
            self._columns(),
            stop_when_full,
        )
        self.remand += int(np.count_nonzero(statuses[placed] == REMAND))
        return placed

    def transfer_many(
        self, people: np.ndarray, categories: np.ndarray, preferences: Preferences
    ) -> np.ndarray:
        """Transfer prisoners, in order, to a prison of their category by preference.

        Returns:
            Which of them moved (the others had no such prison with a free place).
        """
        pop = self.population
        return kernels.transfer_many(
            people.astype(np.int64),
            pop.region[people].astype(np.int64),
            categories.astype(np.int64),
            preferences.tiers,
            self.estate(),
            self._columns(),
        )

    def transfer(self, person: int, prison: int) -> None:
        """Move a prisoner to ``prison`` (which must have a free place)."""
        kernels.transfer_to(int(person), int(prison), self.estate(), self._columns())

    def discharge_many(self, people: np.ndarray) -> None:
        """Release prisoners to their home regions, in the order given."""
        if not people.size:
            return
        pop = self.population
        self.remand -= int(np.count_nonzero(pop.status[people] == REMAND))
        homes = pop.region[people].astype(np.int64)
        self.at_large.reserve_for(homes)
        kernels.discharge_many(
            people.astype(np.int64), homes, self.estate(), self.at_large.arrays(), self._columns()
        )
        pop.status[people] = AT_LARGE
        pop.debt[people] = False
        pop.isolated[people] = False
        pop.release_week[people] = -1

    def convict(self, people: np.ndarray) -> None:
        """Prisoners on remand are convicted: they stay where they are, now sentenced."""
        pop = self.population
        if not (pop.status[people] == REMAND).all():
            raise ValueError("Places.convict: only prisoners on remand can be convicted")
        if unique(people).size != people.size:
            raise ValueError("Places.convict: a prisoner is listed twice")
        pop.status[people] = SENTENCED
        self.remand -= int(people.size)

    def enter(self, people: np.ndarray) -> None:
        """New offenders join the rosters of their home regions, at large."""
        pop = self.population
        groups = pop.region[people].astype(np.int64)
        self.at_large.reserve_for(groups)
        kernels.roster_add_many(
            self.at_large.members, self.at_large.count, pop.slot, groups, people.astype(np.int64)
        )

    def exit(self, region: int, people: np.ndarray) -> None:
        """Offenders at large in ``region`` leave the population for good (rows are kept)."""
        pop = self.population
        groups = np.full(people.size, region, dtype=np.int64)
        kernels.roster_remove_many(
            self.at_large.members, self.at_large.count, pop.slot, groups, people.astype(np.int64)
        )
        pop.status[people] = GONE

    # -- who is where ----------------------------------------------------------------------------
    def prisoners(self) -> np.ndarray:
        """Everyone in prison, wing by wing."""
        return self.wings.everyone()

    def prisoners_at(self, positions: np.ndarray) -> np.ndarray:
        """The prisoners at ``positions`` of :meth:`prisoners`' list, without listing everyone."""
        count = self.wings.count
        end = np.cumsum(count)
        wing = np.searchsorted(end, positions, side="right")
        return self.wings.members[wing, positions - (end[wing] - count[wing])]

    def prisoners_with_status(self, status: int) -> int:
        """How many prisoners have legal status ``status`` (remand or sentenced).

        Counted over the rosters; the invariants check :attr:`remand` against it.
        """
        w = self.wings
        return int(kernels.roster_count_equal(w.members, w.count, self.population.status, status))
