"""Invariants of the model's state, checked by the tests (``model.check_invariants()``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.state.population import AT_LARGE, GONE, LEADER, REMAND

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = ["check_invariants"]


def check_invariants(model: OCGModel) -> None:
    """Assert the state is consistent.

    - every offender is in exactly one place: at large in the roster of their home region, or in
      exactly one wing of the prison they are recorded in; desisted offenders in neither;
    - no prison or wing holds more than its capacity, and the count of prisoners on remand
      agrees with their statuses;
    - OCG membership records agree with the offenders' OCG fields, and the index of members
      lists every member once;
    - every prisoner is listed once in the release calendar, for their release week.

    Raises:
        AssertionError: If any invariant fails.
    """
    pop = model.population
    places = model.places
    n = pop.n
    status = pop.status[:n]
    region_members = np.concatenate(
        [places.at_large.group(r) for r in range(model.world.n_regions)]
    )
    wing_members = places.prisoners()
    both = np.concatenate([region_members, wing_members])
    assert np.unique(both).size == both.size, "an offender is in two places"
    at_large = np.flatnonzero(status == AT_LARGE)
    inside = np.flatnonzero((status != AT_LARGE) & (status != GONE))
    assert np.array_equal(np.sort(region_members), at_large), "at-large roster mismatch"
    assert np.array_equal(np.sort(wing_members), inside), "wing roster mismatch"
    assert (
        pop.region[region_members]
        == np.repeat(np.arange(model.world.n_regions), places.at_large.count)
    ).all(), "an offender at large is outside their home region"
    wings_of = np.repeat(np.arange(model.world.n_wings), places.wings.count)
    assert (pop.wing[wing_members] == wings_of).all(), "wing field mismatch"
    assert (model.world.wing_prison[wings_of] == pop.prison[wing_members]).all(), "prison mismatch"
    assert (places.wings.count <= places.wing_capacity).all(), "a wing is over capacity"
    assert (places.wing_free == places.wing_capacity - places.wings.count).all(), "wing_free"
    assert (places.free == places.capacity - places.occupancy).all(), "free"
    assert (places.occupancy <= places.capacity).all(), "a prison is over capacity"
    assert (
        np.bincount(pop.prison[wing_members], minlength=model.world.n_prisons) == places.occupancy
    ).all(), "occupancy count mismatch"
    assert places.remand == places.prisoners_with_status(REMAND), "remand count mismatch"
    ocgs = model.ocgs
    sizes = np.bincount(pop.ocg[:n][pop.ocg[:n] >= 0], minlength=ocgs.n)
    assert (sizes == ocgs.size[: ocgs.n]).all(), "OCG size mismatch"
    assert not (pop.ocg[:n][status == GONE] >= 0).any(), "a desisted offender is still a member"
    leaders = ocgs.leader[: ocgs.n]
    has = leaders >= 0
    assert (pop.ocg[leaders[has]] == np.flatnonzero(has)).all(), "a leader is not a member"
    is_leader = np.zeros(n, dtype=bool)
    is_leader[leaders[has]] = True
    assert np.array_equal(is_leader, pop.role[:n] == LEADER), "role and leadership disagree"
    for o in range(ocgs.n):
        members = np.fromiter(ocgs.members[o], dtype=np.int64, count=len(ocgs.members[o]))
        assert (pop.ocg[members] == o).all(), "an OCG's member set disagrees with pop.ocg"
        assert ocgs.alive[o] or not members.size, "a dissolved OCG still has members"
    assert np.array_equal(ocgs.member_rows(), np.flatnonzero(pop.ocg[:n] >= 0)), "member index"
    calendar = model.justice.release_calendar
    listed = [calendar.due(w) for w in range(model.week + 1, calendar.head.size)]
    listed = np.concatenate(listed) if listed else np.zeros(0, dtype=np.int64)
    assert np.array_equal(np.sort(listed), np.sort(wing_members)), "release calendar mismatch"
    assert (pop.release_week[listed] > model.week).all(), "a release week has passed"
    ventures = np.zeros(ocgs.n, dtype=np.int64)
    cross = 0
    for a, b in ocgs.ventures:
        ventures[a] += 1
        ventures[b] += 1
        cross += int(ocgs.home_region[a] != ocgs.home_region[b])
    assert cross == ocgs.cross_region_ventures, "cross-region venture count"
    roles = model.params.community.venture_roles
    assert (ocgs.venture_roles[: ocgs.n] <= ventures * roles).all(), "venture roles"
    assert (ocgs.venture_roles[: ocgs.n] <= ocgs.target_size[: ocgs.n]).all(), "venture roles"
    isolated = np.flatnonzero(pop.isolated[:n])
    assert (status[isolated] != AT_LARGE).all(), "an isolation outlived the prison term"
    assert np.isin(isolated, model.prison_life.isolated_inside).all(), "isolated prisoners list"
    debtors = model.market.debtors
    assert np.unique(debtors).size == debtors.size, "a debtor is listed twice"
    in_debt = np.flatnonzero(pop.debt[:n])
    assert np.array_equal(np.sort(debtors), in_debt), "debtors list mismatch"
    assert (status[in_debt] != AT_LARGE).all(), "a debt outlived the prison term"
