"""Compiled passes over the members behind the weekly steps of justice, disruption and community.

Each is a loop over the people concerned in row order, in place of several array expressions
with temporary arrays; ``tests/test_kernels.py`` compares each with the expressions it replaces.
"""

from __future__ import annotations

import numpy as np

from sim.fast.kernels import compiled

__all__ = ["action_targets", "active_members", "live_licensees", "own_hazards", "thin_or_add"]


@compiled
def live_licensees(candidates, status, licence_end, week, at_large):
    """The distinct ``candidates`` at large whose licence runs past ``week``, in row order.

    The candidates are last week's licensees (sorted, distinct) followed by this week's
    releases on licence. Their longest strictly rising start is merged with the rest, sorted.
    """
    n = candidates.size
    head = 1 if n else 0
    while head < n and candidates[head] > candidates[head - 1]:
        head += 1
    rest = np.sort(candidates[head:])
    out = np.empty(n, dtype=np.int64)
    k = 0
    i = j = 0
    last = -1
    while i < head or j < rest.size:
        if j == rest.size or (i < head and candidates[i] <= rest[j]):
            person = candidates[i]
            i += 1
        else:
            person = rest[j]
            j += 1
        if person == last:
            continue
        last = person
        if status[person] == at_large and licence_end[person] > week:
            out[k] = person
            k += 1
    return out[:k].copy()


@compiled
def own_hazards(members, status, intel_week, week, fresh, h, member_h, arrest_multiplier, at_large):
    """The members at large whose weekly offence hazard differs from everyone's ``h``.

    A member's hazard is ``member_h`` (``h`` x the OCG offence multiplier), times
    ``arrest_multiplier`` if the police hold fresh intelligence on them, at most 1.

    Returns:
        Those members (in the order given), whether each is known to the police, and each
        one's hazard.
    """
    out = np.empty(members.size, dtype=np.int64)
    known = np.empty(members.size, dtype=np.bool_)
    hazard = np.empty(members.size)
    n = 0
    for person in members:
        if status[person] != at_large:
            continue
        fresh_intel = week - intel_week[person] <= fresh
        x = min(member_h * (arrest_multiplier if fresh_intel else 1.0), 1.0)
        if x == h:
            continue
        out[n], known[n], hazard[n] = person, fresh_intel, x
        n += 1
    return out[:n].copy(), known[:n].copy(), hazard[:n].copy()


@compiled
def thin_or_add(members, known, hazard, u, base, h, h_floor, rest_floor):
    """Members with their own hazard, against the uniform draw ``base`` (sorted).

    A member in ``base`` stays with hazard / h (dropped if ``u`` is above it); a member not in
    it is added with (hazard - h) / (1 - h). Both ``members`` and ``base`` are sorted.

    Returns:
        The members dropped, those added, and how many of those added the police knew.
    """
    dropped = np.empty(members.size, dtype=np.int64)
    added = np.empty(members.size, dtype=np.int64)
    n_dropped = n_added = intel = 0
    j = 0
    for i in range(members.size):
        person = members[i]
        while j < base.size and base[j] < person:
            j += 1
        in_base = j < base.size and base[j] == person
        x = hazard[i]
        if in_base:
            keep = 1.0 if x >= h else x / h_floor
            if u[i] >= keep:
                dropped[n_dropped] = person
                n_dropped += 1
        else:
            add = (x - h) / rest_floor if x > h else 0.0
            if u[i] < add:
                added[n_added] = person
                n_added += 1
                if known[i]:
                    intel += 1
    return dropped[:n_dropped].copy(), added[:n_added].copy(), intel


@compiled
def action_targets(members, intel_week, moved_week, prison_grade, separated, week, fresh, high):
    """The members inside whom a prison may transfer or separate this week, in the order given.

    A member qualifies on fresh prison intelligence (at most ``fresh`` weeks old), a high-risk
    grade from the prison, and no separation now. A member moved on the same intelligence is
    not moved again within its shelf life: the last transfer must be more than ``fresh`` weeks
    ago.
    """
    out = np.empty(members.size, dtype=np.int64)
    n = 0
    for person in members:
        if (
            week - intel_week[person] <= fresh
            and week - moved_week[person] > fresh
            and prison_grade[person] == high
            and not separated[person]
        ):
            out[n] = person
            n += 1
    return out[:n].copy()


@compiled
def active_members(
    members, status, licence_intel, phone, ocg, n_groups, on_licence, boost, at_large
):
    """Each group's members weighted by what they can do outside, in one pass (in row order)."""
    active = np.zeros(n_groups)
    for person in members:
        if status[person] == at_large:
            weight = on_licence if licence_intel[person] else 1.0
        else:
            weight = boost if phone[person] else 0.0
        active[ocg[person]] += weight
    return active
