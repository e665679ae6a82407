"""Compiled kernels for the per-person moves between places (numba).

Admissions, releases, transfers and the entry and exit of offenders are sequential: each move
uses up or frees a place that the next move sees. These loops run here, compiled, on the arrays
of ``sim.state.places`` and ``sim.state.population``; the Python
side prepares the decisions (who, where to,
with what status) as arrays and calls one kernel per batch.

Small loops of the same kind live here too: the release calendar's week lists, kept in blocks
(``calendar_add``, ``calendar_list``, ``calendar_clear``), the rosters read to their counts
(``roster_everyone``, ``roster_count_equal``), the OCG registry's member list kept in row order
(``merge_members``), a prison's separation places handed out first come, first served
(``first_come``), and one weekly record (``multi_region_groups``).

Every kernel does exactly what the plain-Python code did, in the same order (the golden runs
of ``tests/golden`` show it bit for bit). Only integer arithmetic happens here.

Not every loop gains from being compiled: a pass over tens of thousands of scattered offender
rows costs about the same in numpy as here, because reading the rows is the cost. The
community's list of prison ties was such a pass; it is now avoided altogether (only the few
drawn from it are read: ``Community._tie_recruitment``).

Compilation is cached on disk (``cache=True``): beside the package where it is writable, else in
the user's cache folder (or ``NUMBA_CACHE_DIR``), and with no cache at all where neither can be
written (an installed, read-only package still works; it compiles once per process).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
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
@compiled
def find_prison(free, pref, pref_len, n_tiers, region, category):
    """A prison with a free place, tier by tier of preference; -1 if none.

    Within a tier the prison with most free places is chosen (the first of equals), as
    ``numpy.argmax`` would.

    Args:
        free: Free places per prison.
        pref: Candidate prisons, shape (regions, categories, tiers, width), padded with -1.
        pref_len: Candidates in each tier, shape (regions, categories, tiers).
        n_tiers: Tiers for each (region, category).
        region: Home region.
        category: Category wanted.
    """
    for tier in range(n_tiers[region, category]):
        best = -1
        best_free = -1
        for k in range(pref_len[region, category, tier]):
            prison = pref[region, category, tier, k]
            if free[prison] > best_free:
                best_free = free[prison]
                best = prison
        if best_free > 0:
            return best
    return -1


@compiled
def _into_wing(
    person,
    prison,
    first_wing,
    last_wing,
    wing_free,
    wing_members,
    wing_count,
    slot,
    occupancy,
    free,
    prison_col,
    wing_col,
):
    """Into the wing of ``prison`` with most free places (the first of equals)."""
    first = first_wing[prison]
    wing = first
    most = wing_free[first]
    for w in range(first + 1, last_wing[prison]):
        if wing_free[w] > most:
            most = wing_free[w]
            wing = w
    _roster_add(wing_members, wing_count, slot, wing, person)
    wing_free[wing] -= 1
    prison_col[person] = prison
    wing_col[person] = wing
    occupancy[prison] += 1
    free[prison] -= 1


@compiled
def _out_of_wing(
    person,
    wing_free,
    wing_members,
    wing_count,
    slot,
    occupancy,
    free,
    prison_col,
    wing_col,
    separated,
    phone,
):
    wing = wing_col[person]
    prison = prison_col[person]
    _roster_remove(wing_members, wing_count, slot, wing, person)
    wing_free[wing] += 1
    occupancy[prison] -= 1
    free[prison] += 1
    prison_col[person] = -1
    wing_col[person] = -1
    separated[person] = False
    phone[person] = False


@compiled
def admit_many(
    people,
    regions,
    categories,
    statuses,
    pref,
    pref_len,
    n_tiers,
    free,
    occupancy,
    first_wing,
    last_wing,
    wing_free,
    wing_members,
    wing_count,
    at_large_members,
    at_large_count,
    slot,
    prison_col,
    wing_col,
    status_col,
    stop_when_full,
):
    """Admit offenders at large to prisons, in order; returns which of them found a place.

    For each person: a prison of their category by preference (``find_prison``); out of their
    region's roster at large; into the wing with most free places; their legal status set.
    With ``stop_when_full``, the first person with no place ends the batch.
    """
    placed = np.zeros(people.size, dtype=np.bool_)
    for i in range(people.size):
        prison = find_prison(free, pref, pref_len, n_tiers, regions[i], categories[i])
        if prison < 0:
            if stop_when_full:
                break
            continue
        person = people[i]
        _roster_remove(at_large_members, at_large_count, slot, regions[i], person)
        _into_wing(
            person,
            prison,
            first_wing,
            last_wing,
            wing_free,
            wing_members,
            wing_count,
            slot,
            occupancy,
            free,
            prison_col,
            wing_col,
        )
        status_col[person] = statuses[i]
        placed[i] = True
    return placed


@compiled
def discharge_many(
    people,
    regions,
    wing_free,
    wing_members,
    wing_count,
    at_large_members,
    at_large_count,
    slot,
    occupancy,
    free,
    prison_col,
    wing_col,
    separated,
    phone,
):
    """Release prisoners to their home regions, in order (the at-large roster must have room)."""
    for i in range(people.size):
        person = people[i]
        _out_of_wing(
            person,
            wing_free,
            wing_members,
            wing_count,
            slot,
            occupancy,
            free,
            prison_col,
            wing_col,
            separated,
            phone,
        )
        _roster_add(at_large_members, at_large_count, slot, regions[i], person)


@compiled
def transfer_many(
    people,
    regions,
    categories,
    pref,
    pref_len,
    n_tiers,
    free,
    occupancy,
    first_wing,
    last_wing,
    wing_free,
    wing_members,
    wing_count,
    slot,
    prison_col,
    wing_col,
    separated,
    phone,
):
    """Transfer prisoners to a prison of ``categories[i]`` by preference, in order.

    A prisoner with no such prison free stays where they are. Returns which of them moved.
    """
    moved = np.zeros(people.size, dtype=np.bool_)
    for i in range(people.size):
        prison = find_prison(free, pref, pref_len, n_tiers, regions[i], categories[i])
        if prison < 0:
            continue
        person = people[i]
        _out_of_wing(
            person,
            wing_free,
            wing_members,
            wing_count,
            slot,
            occupancy,
            free,
            prison_col,
            wing_col,
            separated,
            phone,
        )
        _into_wing(
            person,
            prison,
            first_wing,
            last_wing,
            wing_free,
            wing_members,
            wing_count,
            slot,
            occupancy,
            free,
            prison_col,
            wing_col,
        )
        moved[i] = True
    return moved


@compiled
def transfer_to(
    person,
    prison,
    first_wing,
    last_wing,
    wing_free,
    wing_members,
    wing_count,
    slot,
    occupancy,
    free,
    prison_col,
    wing_col,
    separated,
    phone,
):
    """Move one prisoner to ``prison`` (which must have a free place)."""
    _out_of_wing(
        person,
        wing_free,
        wing_members,
        wing_count,
        slot,
        occupancy,
        free,
        prison_col,
        wing_col,
        separated,
        phone,
    )
    _into_wing(
        person,
        prison,
        first_wing,
        last_wing,
        wing_free,
        wing_members,
        wing_count,
        slot,
        occupancy,
        free,
        prison_col,
        wing_col,
    )


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
