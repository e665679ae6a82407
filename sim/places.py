"""Where every offender is: a wing of a prison, or at large in their home region.

``Places`` holds the capacities and occupancy of prisons and wings, the rosters of who is where,
and the moves between places (admission, transfer, release, entry and exit of the population).
Every process that moves people goes through these moves, so the invariants of
``sim.invariants`` (nobody in two places; no wing over capacity) hold by construction.

A roster keeps, for each group (a region's offenders at large, a wing's prisoners), a compact
list of its members, so that a uniform random member is drawn in O(1) and a move costs O(1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import AT_LARGE, GONE, Population

if TYPE_CHECKING:
    from sim.world import World

__all__ = ["Places", "Roster"]


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

    def everyone(self) -> np.ndarray:
        """Every member of every group, group by group."""
        m = self.members
        return m[m >= 0]


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
        self.at_large = Roster(world.n_regions, 64, population, "slot")
        self.wings = Roster(world.n_wings, int(self.wing_capacity.max()), population, "slot")

    # -- moves -----------------------------------------------------------------------------------
    def admit(self, person: int, prison: int, status: int) -> None:
        """Move an offender at large into a wing of ``prison`` with legal ``status``."""
        pop = self.population
        self.at_large.remove(int(pop.region[person]), person)
        self._into_wing(person, prison)
        pop.status[person] = status

    def _into_wing(self, person: int, prison: int) -> None:
        """Into the wing of ``prison`` with most free places (the first of equals)."""
        first = self.first_wing[prison]
        wing = int(first + self.wing_free[first : self.last_wing[prison]].argmax())
        self.wings.add(wing, person)
        self.wing_free[wing] -= 1
        pop = self.population
        pop.prison[person] = prison
        pop.wing[person] = wing
        self.occupancy[prison] += 1
        self.free[prison] -= 1

    def _out_of_wing(self, person: int) -> None:
        pop = self.population
        wing = int(pop.wing[person])
        prison = int(pop.prison[person])
        self.wings.remove(wing, person)
        self.wing_free[wing] += 1
        self.occupancy[prison] -= 1
        self.free[prison] += 1
        self._clear_prison_state(person)

    def _clear_prison_state(self, people: int | np.ndarray) -> None:
        """Reset what belongs to a stay in a wing (for one person or an array of people)."""
        pop = self.population
        pop.prison[people] = -1
        pop.wing[people] = -1
        pop.separated[people] = False
        pop.phone[people] = False

    def transfer(self, person: int, prison: int) -> None:
        """Move a prisoner to another prison (which must have a free place)."""
        self._out_of_wing(person)
        self._into_wing(person, prison)

    def discharge_many(self, people: np.ndarray) -> None:
        """Release prisoners to their home regions, in the order given.

        The rosters change one by one (a release takes a prisoner out of a wing and puts them
        at large in their home region); the rest is array bookkeeping.
        """
        if not people.size:
            return
        pop = self.population
        wings = pop.wing[people].astype(np.int64)
        prisons = pop.prison[people].astype(np.int64)
        wing_roster, at_large = self.wings, self.at_large
        for person, wing, region in zip(
            people.tolist(), wings.tolist(), pop.region[people].tolist(), strict=True
        ):
            wing_roster.remove(wing, person)
            at_large.add(region, person)
        np.add.at(self.wing_free, wings, 1)
        freed = np.bincount(prisons, minlength=self.free.size)
        self.occupancy -= freed
        self.free += freed
        self._clear_prison_state(people)
        pop.status[people] = AT_LARGE
        pop.debt[people] = False
        pop.isolated[people] = False
        pop.release_week[people] = -1

    def enter(self, people: np.ndarray) -> None:
        """New offenders join the rosters of their home regions, at large."""
        pop = self.population
        for person, region in zip(people.tolist(), pop.region[people].tolist(), strict=True):
            self.at_large.add(region, person)

    def exit(self, region: int, people: np.ndarray) -> None:
        """Offenders at large in ``region`` leave the population for good (rows are kept)."""
        for person in people.tolist():
            self.at_large.remove(region, person)
        self.population.status[people] = GONE

    # -- who is where ----------------------------------------------------------------------------
    def prisoners(self) -> np.ndarray:
        """Everyone in prison, wing by wing."""
        return self.wings.everyone()
