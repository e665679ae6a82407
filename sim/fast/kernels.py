"""Compiled kernels for the per-person moves between places (numba).

Admissions, releases, transfers and the entry and exit of offenders are sequential: each move
uses up or frees a place that the next move sees. These loops run here, compiled, on the arrays
of ``sim.state.places`` and ``sim.state.population``; the Python side prepares the decisions
(who, where to, with what status) as arrays and calls one kernel per batch. The arrays a move
reads and writes come in named tuples, read by field: the prisons to try (``Tiers``), the
places per prison and wing (``Estate``), a roster (``RosterArrays``) and the offenders' columns
(``Columns``).

Small loops of the same kind live here too: the release calendar's week lists, kept in blocks
(``calendar_add``, ``calendar_list``, ``calendar_clear``), the rosters read to their counts
(``roster_everyone``, ``roster_count_equal``), the OCG registry's member list kept in row order
(``merge_members``), a prison's separation places handed out first come, first served
(``first_come``), and one weekly record (``multi_region_groups``).

Every kernel does exactly what the plain-Python code did, in the same order (the golden runs
of ``tests/golden`` show it bit for bit). Only integer arithmetic happens here. A single pass
over scattered offender rows stays in numpy: reading the rows is its cost either way.

Compilation is cached on disk (``cache=True``): beside the package where it is writable, else in
the user's cache folder (or ``NUMBA_CACHE_DIR``), and with no cache at all where neither can be
written (an installed, read-only package still works; it compiles once per process).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

__all__ = [
    "Columns",
    "Estate",
    "RosterArrays",
    "Tiers",
    "admit_many",
    "calendar_add",
    "calendar_clear",
    "calendar_list",
    "compiled",
    "discharge_many",
    "find_prison",
    "first_come",
    "merge_members",
    "multi_region_groups",
    "roster_add_many",
    "roster_count_equal",
    "roster_everyone",
    "roster_pick",
    "roster_remove_many",
    "roster_sample",
    "transfer_many",
    "transfer_to",
]


def compiled(func):
    """``numba.njit`` with an on-disk cache where one can be written, else without.

    A process module may compile its own inner loop with it (``sim.processes.prison_life``,
    ``sim.processes.market`` and ``sim.processes.harm`` do, among others).
    """
    try:
        return njit(cache=True, nogil=True)(func)
    except RuntimeError:  # no writable cache location: compile in memory
        return njit(cache=False, nogil=True)(func)


# ---------------------------------------------------------------------------------------------
# rosters: compact member lists per group, with each member's position in ``slot``
# ---------------------------------------------------------------------------------------------
@compiled
def _roster_add(members, count, slot, group, person):
    j = count[group]
    members[group, j] = person
    slot[person] = j
    count[group] = j + 1


@compiled
def _roster_remove(members, count, slot, group, person):
    j = slot[person]
    last_j = count[group] - 1
    last = members[group, last_j]
    members[group, j] = last
    slot[last] = j
    members[group, last_j] = -1
    slot[person] = -1
    count[group] = last_j


@compiled
def roster_pick(members, count, group, u):
    """The member at the uniform position ``u`` (in [0, 1)) of a group's roster; -1 if empty."""
    size = count[group]
    if size == 0:
        return -1
    return members[group, min(np.int64(u * size), size - 1)]


@compiled
def roster_sample(members, count, groups, u):
    """:func:`roster_pick` for each of ``groups`` with the uniform ``u[i]``."""
    out = np.empty(groups.size, dtype=np.int64)
    for i in range(groups.size):
        out[i] = roster_pick(members, count, groups[i], u[i])
    return out


@compiled
def roster_everyone(members, count):
    """Every member of every group, group by group.

    Each roster is compact (its first ``count[g]`` entries), so the room beyond is not read.
    """
    out = np.empty(count.sum(), dtype=np.int64)
    n = 0
    for g in range(count.size):
        for j in range(count[g]):
            out[n] = members[g, j]
            n += 1
    return out


@compiled
def roster_count_equal(members, count, column, value):
    """How many members of every group have ``column[person] == value``."""
    n = 0
    for g in range(count.size):
        for j in range(count[g]):
            if column[members[g, j]] == value:
                n += 1
    return n


@compiled
def roster_add_many(members, count, slot, groups, people):
    """Put ``people[i]`` into group ``groups[i]``, in order (the roster must have room)."""
    for i in range(people.size):
        _roster_add(members, count, slot, groups[i], people[i])


@compiled
def roster_remove_many(members, count, slot, groups, people):
    """Take ``people[i]`` out of group ``groups[i]``, in order (swap with the last member)."""
    for i in range(people.size):
        _roster_remove(members, count, slot, groups[i], people[i])


# ---------------------------------------------------------------------------------------------
# prisons and wings
# ---------------------------------------------------------------------------------------------
class RosterArrays(NamedTuple):
    """A roster's arrays (``sim.state.places.Roster``): each group's members and their count."""

    members: np.ndarray  # members of each group (a row each; compact, padded with -1)
    count: np.ndarray  # members in each group


class Tiers(NamedTuple):
    """Prisons to try for each (home region, category), tier by tier, padded with -1."""

    prisons: np.ndarray  # candidate prisons, shape (regions, categories, tiers, width)
    length: np.ndarray  # candidates in each tier, shape (regions, categories, tiers)
    n_tiers: np.ndarray  # tiers for each (region, category)


class Estate(NamedTuple):
    """The places the moves use up and free, per prison and per wing."""

    free: np.ndarray  # free places in each prison
    occupancy: np.ndarray  # prisoners in each prison
    first_wing: np.ndarray  # each prison's first wing
    last_wing: np.ndarray  # one past each prison's last wing
    wing_free: np.ndarray  # free places in each wing
    wings: RosterArrays  # each wing's prisoners


class Columns(NamedTuple):
    """The population columns a move writes (``sim.state.population``), by offender row."""

    slot: np.ndarray  # position in the roster the offender is on
    prison: np.ndarray  # prison, -1 at large
    wing: np.ndarray  # wing, -1 at large
    status: np.ndarray  # legal status
    separated: np.ndarray  # separated inside
    phone: np.ndarray  # holds a phone inside


@compiled
def find_prison(free, tiers, region, category):
    """A prison with a free place, tier by tier of preference; -1 if none.

    Within a tier the prison with most free places is chosen (the first of equals), as
    ``numpy.argmax`` would.

    Args:
        free: Free places per prison.
        tiers: The candidate prisons (:class:`Tiers`).
        region: Home region.
        category: Category wanted.
    """
    for tier in range(tiers.n_tiers[region, category]):
        best = -1
        best_free = -1
        for k in range(tiers.length[region, category, tier]):
            prison = tiers.prisons[region, category, tier, k]
            if free[prison] > best_free:
                best_free = free[prison]
                best = prison
        if best_free > 0:
            return best
    return -1


@compiled
def _into_wing(person, prison, estate, columns):
    """Into the wing of ``prison`` with most free places (the first of equals)."""
    wing_free = estate.wing_free
    first = estate.first_wing[prison]
    wing = first
    most = wing_free[first]
    for w in range(first + 1, estate.last_wing[prison]):
        if wing_free[w] > most:
            most = wing_free[w]
            wing = w
    _roster_add(estate.wings.members, estate.wings.count, columns.slot, wing, person)
    wing_free[wing] -= 1
    columns.prison[person] = prison
    columns.wing[person] = wing
    estate.occupancy[prison] += 1
    estate.free[prison] -= 1


@compiled
def _out_of_wing(person, estate, columns):
    wing = columns.wing[person]
    prison = columns.prison[person]
    _roster_remove(estate.wings.members, estate.wings.count, columns.slot, wing, person)
    estate.wing_free[wing] += 1
    estate.occupancy[prison] -= 1
    estate.free[prison] += 1
    columns.prison[person] = -1
    columns.wing[person] = -1
    columns.separated[person] = False
    columns.phone[person] = False


@compiled
def admit_many(
    people, regions, categories, statuses, tiers, estate, at_large, columns, stop_when_full
):
    """Admit offenders at large to prisons, in order; returns which of them found a place.

    For each person: a prison of their category by preference (``find_prison``); out of their
    region's roster at large (:class:`RosterArrays`); into the wing with most free places; their
    legal status set. With ``stop_when_full``, the first person with no place ends the batch.
    """
    placed = np.zeros(people.size, dtype=np.bool_)
    for i in range(people.size):
        prison = find_prison(estate.free, tiers, regions[i], categories[i])
        if prison < 0:
            if stop_when_full:
                break
            continue
        person = people[i]
        _roster_remove(at_large.members, at_large.count, columns.slot, regions[i], person)
        _into_wing(person, prison, estate, columns)
        columns.status[person] = statuses[i]
        placed[i] = True
    return placed


@compiled
def discharge_many(people, regions, estate, at_large, columns):
    """Release prisoners to their home regions, in order (the at-large roster must have room)."""
    for i in range(people.size):
        person = people[i]
        _out_of_wing(person, estate, columns)
        _roster_add(at_large.members, at_large.count, columns.slot, regions[i], person)


@compiled
def transfer_many(people, regions, categories, tiers, estate, columns):
    """Transfer prisoners to a prison of ``categories[i]`` by preference, in order.

    A prisoner with no such prison free stays where they are. Returns which of them moved.
    """
    moved = np.zeros(people.size, dtype=np.bool_)
    for i in range(people.size):
        prison = find_prison(estate.free, tiers, regions[i], categories[i])
        if prison < 0:
            continue
        person = people[i]
        _out_of_wing(person, estate, columns)
        _into_wing(person, prison, estate, columns)
        moved[i] = True
    return moved


@compiled
def transfer_to(person, prison, estate, columns):
    """Move one prisoner to ``prison`` (which must have a free place)."""
    _out_of_wing(person, estate, columns)
    _into_wing(person, prison, estate, columns)


# ---------------------------------------------------------------------------------------------
# the release calendar: for each week, a chain of blocks of offenders, in the order they were
# added (reading a week's list reads whole blocks, not one scattered row per offender)
# ---------------------------------------------------------------------------------------------
@compiled
def calendar_add(head, tail, blocks, fill, following, free, n_free, people, weeks):
    """Append ``people[i]`` to the list of week ``weeks[i]``, in order.

    A week's list is a chain of blocks (rows of ``blocks``, ``fill`` used, ``following`` the
    next block or -1); a full block is followed by one from the ``free`` stack (``n_free`` on
    it).

    Returns:
        The number of blocks left on the free stack, and how many people were added: fewer than
        all if the free blocks ran out (make more and add the rest).
    """
    width = blocks.shape[1]
    for i in range(people.size):
        week = weeks[i]
        b = tail[week]
        if b < 0 or fill[b] == width:
            if n_free == 0:
                return n_free, i
            n_free -= 1
            new = free[n_free]
            fill[new] = 0
            following[new] = -1
            if b < 0:
                head[week] = new
            else:
                following[b] = new
            tail[week] = new
            b = new
        blocks[b, fill[b]] = people[i]
        fill[b] += 1
    return n_free, people.size


@compiled
def calendar_list(head, blocks, fill, following, week):
    """The offenders listed for ``week``, in the order they were added."""
    n = 0
    b = head[week]
    while b >= 0:
        n += fill[b]
        b = following[b]
    out = np.empty(n, dtype=np.int64)
    k = 0
    b = head[week]
    while b >= 0:
        for j in range(fill[b]):
            out[k] = blocks[b, j]
            k += 1
        b = following[b]
    return out


@compiled
def calendar_clear(head, tail, following, free, n_free, week):
    """Take week ``week``'s list off the calendar, its blocks back on the free stack."""
    b = head[week]
    while b >= 0:
        free[n_free] = b
        n_free += 1
        b = following[b]
    head[week] = -1
    tail[week] = -1
    return n_free


# ---------------------------------------------------------------------------------------------
# places handed out in order
# ---------------------------------------------------------------------------------------------
@compiled
def first_come(where, eligible, used, capacity):
    """Which people get a place, in order: each eligible one takes a free place where they are.

    ``used[k]`` counts the places taken at ``k`` (updated here) out of ``capacity[k]``.
    """
    given = np.zeros(where.size, dtype=np.bool_)
    for i in range(where.size):
        k = where[i]
        if eligible[i] and used[k] < capacity[k]:
            used[k] += 1
            given[i] = True
    return given


# ---------------------------------------------------------------------------------------------
# weekly records
# ---------------------------------------------------------------------------------------------
@compiled
def multi_region_groups(members, ocg, region, n_groups):
    """How many groups have members from more than one region (one pass over the members)."""
    first = np.full(n_groups, -1, dtype=np.int64)
    multi = np.zeros(n_groups, dtype=np.bool_)
    count = 0
    for person in members:
        g = ocg[person]
        if first[g] < 0:
            first[g] = region[person]
        elif first[g] != region[person] and not multi[g]:
            multi[g] = True
            count += 1
    return count


@compiled
def merge_members(old, joined, is_member):
    """The sorted rows of the members now.

    ``old`` (sorted, no repeats) and ``joined`` (sorted, few, perhaps with repeats and with
    people already in ``old``) merged, without those who are no longer members (``is_member``
    by row) and without repeats. Each of ``old`` is written and kept by adding its mark to the
    count, with no branch: this pass over some 35,000 members runs four times a week.
    """
    out = np.empty(old.size + joined.size, dtype=np.int64)
    n = 0
    j = 0
    for i in range(old.size):
        person = old[i]
        while j < joined.size and joined[j] <= person:
            newcomer = joined[j]
            j += 1
            if newcomer != person and is_member[newcomer] and (n == 0 or out[n - 1] != newcomer):
                out[n] = newcomer
                n += 1
        out[n] = person
        n += is_member[person]
    while j < joined.size:
        newcomer = joined[j]
        j += 1
        if is_member[newcomer] and (n == 0 or out[n - 1] != newcomer):
            out[n] = newcomer
            n += 1
    return out[:n].copy()
