"""The compiled movement kernels: exact, and usable without a writable compilation cache."""

import numpy as np
import pytest

from sim.fast import kernels
from sim.model.core import OCGModel


def test_a_kernel_compiles_where_no_cache_can_be_written():
    # a function with no source file has no cache locator (as an installed, read-only package
    # whose user cache folder cannot be written either): it must still compile and run
    namespace: dict = {}
    exec("def add_one(a):\n    return a + 1\n", namespace)
    add_one = kernels.compiled(namespace["add_one"])
    assert add_one(41) == 42


def test_find_prison_takes_the_first_tier_with_room_and_the_most_free_prison_in_it():
    pref = np.full((1, 1, 2, 3), -1, dtype=np.int64)
    pref[0, 0, 0, :2] = [0, 1]  # tier 0: prisons 0 and 1
    pref[0, 0, 1, :3] = [2, 3, 4]  # tier 1
    length = np.array([[[2, 3]]], dtype=np.int64)
    n_tiers = np.array([[2]], dtype=np.int64)
    tiers = kernels.Tiers(prisons=pref, length=length, n_tiers=n_tiers)
    free = np.array([0, 0, 3, 5, 5], dtype=np.int64)
    assert kernels.find_prison(free, tiers, 0, 0) == 3  # first of the two 5s
    free[1] = 1
    assert kernels.find_prison(free, tiers, 0, 0) == 1
    free[:] = 0
    assert kernels.find_prison(free, tiers, 0, 0) == -1


def test_batch_admission_fills_places_in_order_and_keeps_the_invariants():
    m = OCGModel(rng=3, scale=0.01, years=1)
    places, pop = m.places, m.population
    at_large = places.at_large.everyone()[:50]
    free_before = int(places.free.sum())
    categories = np.full(at_large.size, 1)
    statuses = np.full(at_large.size, 2)
    placed = places.admit_many(at_large, categories, statuses, m.justice.preferences)
    assert int(places.free.sum()) == free_before - int(placed.sum())
    assert (pop.prison[at_large[placed]] >= 0).all() and (pop.prison[at_large[~placed]] < 0).all()
    with pytest.raises(AssertionError, match="release calendar"):
        m.check_invariants()  # admitted, but nobody has a release week yet
    m.justice.release_calendar.add(at_large[placed], np.full(int(placed.sum()), 30))
    m.check_invariants()


def test_sort_based_unique_matches_numpy():
    from sim.fast.arrays import unique

    rng = np.random.default_rng(5)
    for size in (0, 1, 2, 50, 5000):
        values = rng.integers(0, 300, size)
        assert np.array_equal(unique(values), np.unique(values))
        # mostly in order (a sorted list with rows appended: the stable sort's case), int32 too
        listed = np.concatenate([np.sort(values), rng.integers(0, 300, size // 20)])
        assert np.array_equal(unique(listed), np.unique(listed))
        assert np.array_equal(unique(values.astype(np.int32)), np.unique(values))


def test_first_come_gives_places_in_order_while_they_last():
    where = np.array([0, 1, 0, 0, 1, 2], dtype=np.int64)
    eligible = np.array([True, True, False, True, True, True])
    used = np.array([0, 1, 0], dtype=np.int64)
    capacity = np.array([1, 2, 0], dtype=np.int64)
    given = kernels.first_come(where, eligible, used, capacity)
    # prison 0: its one place goes to the first (the third is not eligible, the fourth is late);
    # prison 1: one place was already taken, the second person takes the last; prison 2 has none
    assert given.tolist() == [True, True, False, False, False, False]
    assert used.tolist() == [1, 2, 0]


def test_multi_region_groups_matches_a_table_of_groups_by_region():
    rng = np.random.default_rng(11)
    for size in (0, 1, 40, 3000):
        ocg = rng.integers(0, 60, 5000).astype(np.int32)
        region = rng.integers(0, 10 if size < 1000 else 2, 5000).astype(np.int16)
        members = np.sort(rng.choice(5000, size, replace=False))
        present = np.zeros((60, 10), dtype=bool)
        present[ocg[members], region[members]] = True
        expected = int((present.sum(axis=1) > 1).sum())
        assert kernels.multi_region_groups(members, ocg, region, 60) == expected


def test_batch_joins_and_exits_match_one_at_a_time():
    """OCGRegistry.join_many / remove_many leave the same state as join / remove_member in turn."""
    import copy

    from sim.state.population import ASSOCIATE, LEADER

    m = OCGModel(rng=4, scale=0.01, years=1)
    pop, ocgs = m.population, m.ocgs
    rng = np.random.default_rng(2)
    members = ocgs.member_rows()
    leaders = ocgs.leader[: ocgs.n][ocgs.leader[: ocgs.n] >= 0]
    # a group that has already lost its leader, and whose other members leave now
    leaderless = int(pop.ocg[leaders[2]])
    ocgs.remove_member(pop, int(leaders[2]))
    ocgs.lost_leader.clear()
    rest = np.array(ocgs.members_of(leaderless), dtype=np.int64)
    # some members, two leaders, the leaderless group's members, and people in no group
    outside = np.flatnonzero(pop.ocg[: pop.n] < 0)
    picked = rng.choice(np.setdiff1d(members, np.concatenate([leaders, rest])), 40, replace=False)
    leaving = np.concatenate([picked, leaders[:2], rest[:2], outside[:5]])
    rng.shuffle(leaving)
    joining = outside[5:45]
    groups = rng.choice(np.flatnonzero(ocgs.alive[: ocgs.n]), joining.size)

    one = (copy.deepcopy(pop), copy.deepcopy(ocgs))
    left_one = [one[1].remove_member(one[0], int(p)) for p in leaving]
    for p, g in zip(joining.tolist(), groups.tolist(), strict=True):
        one[1].join(one[0], p, g, ASSOCIATE, 7)

    left_many = ocgs.remove_many(pop, leaving.tolist())  # a list will do
    ocgs.join_many(pop, joining, groups, ASSOCIATE, 7)

    assert left_many.tolist() == left_one
    assert rest.size and (left_many >= 0).sum() == 42 + rest[:2].size
    assert (left_many < 0).sum() == 5
    assert leaderless in ocgs.lost_leader
    assert np.array_equal(ocgs.member_rows(), one[1].member_rows())
    assert ocgs.members == one[1].members and ocgs.lost_leader == one[1].lost_leader
    for name in ("size", "leader"):
        assert np.array_equal(getattr(ocgs, name), getattr(one[1], name)), name
    for name in ("ocg", "role", "joined_week"):
        assert np.array_equal(getattr(pop, name), getattr(one[0], name)), name
    with pytest.raises(ValueError, match="leader"):
        ocgs.join_many(pop, outside[50:51], groups[:1], LEADER, 7)
    twice = ocgs.member_rows()[[0, 0]]
    with pytest.raises(ValueError, match="listed twice"):
        ocgs.remove_many(pop, twice)
    m.check_invariants()


def test_roster_sample_matches_the_array_formula():
    members = np.array([[4, 9, 2, -1], [7, -1, -1, -1], [-1, -1, -1, -1]], dtype=np.int64)
    count = np.array([3, 1, 0], dtype=np.int64)
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 3, 500)
    u = rng.random(500)
    u[:3] = [0.0, np.nextafter(1.0, 0.0), 0.5]
    picks = (u * count[groups]).astype(np.int64)
    expected = members[groups, np.minimum(picks, np.maximum(count[groups] - 1, 0))]
    expected[count[groups] == 0] = -1
    assert np.array_equal(kernels.roster_sample(members, count, groups, u), expected)


def test_roster_everyone_lists_each_group_in_order_and_nothing_beyond_its_count():
    members = np.array([[4, 9, 2, -1], [7, -1, -1, -1], [-1, -1, -1, -1], [5, 1, 3, 8]])
    count = np.array([3, 1, 0, 4], dtype=np.int64)
    out = kernels.roster_everyone(members, count)
    assert out.tolist() == [4, 9, 2, 7, 5, 1, 3, 8]
    assert out.tolist() == members[members >= 0].tolist()  # the scan it replaces
    members[1, 1] = 99  # room beyond a group's count is not read
    assert kernels.roster_everyone(members, count).tolist() == out.tolist()
    # a roster of a running model: the same as the scan, wing by wing
    m = OCGModel(rng=4, scale=0.01, years=1).run(5)
    wings = m.places.wings
    assert np.array_equal(m.places.prisoners(), wings.members[wings.members >= 0])
    assert m.places.prisoners().size == m.places.occupancy.sum()
    # the prisoners at given places of that list, without listing them
    positions = np.random.default_rng(3).integers(0, m.places.occupancy.sum(), 500)
    positions[:2] = [0, m.places.occupancy.sum() - 1]
    assert np.array_equal(m.places.prisoners_at(positions), m.places.prisoners()[positions])
    # counting a status over the rosters, without listing them
    from sim.state.population import REMAND, SENTENCED

    status = m.population.status[m.places.prisoners()]
    for value in (REMAND, SENTENCED):
        assert m.places.prisoners_with_status(value) == int((status == value).sum()) > 0


def test_recruit_chances_match_the_array_formula_bit_for_bit():
    from sim.processes import recruitment

    rng = np.random.default_rng(10)
    rows, n_contacts, n_groups = 2000, 5000, 30
    t = rng.integers(0, rows, n_contacts)
    o = rng.integers(0, n_groups, n_contacts)
    debt = rng.random(rows) < 0.2
    release_week = rng.integers(-1, 300, rows).astype(np.int32)
    skills = rng.integers(0, 1024, rows).astype(np.uint16)
    crime_types = rng.integers(1, 1024, n_groups).astype(np.uint16)
    pressured, faction = rng.random(n_contacts) < 0.3, rng.random(n_contacts) < 0.4
    strength = 1.0 + rng.random(n_contacts)
    week, short_weeks = 100, 26
    base = 0.3  # (with multipliers up to 3: some chances capped at 1, others not)
    m_debt, m_short, m_skill, f_pressure, m_faction = 0.01 + rng.random(5) * 3
    factors = recruitment.RecruitFactors(
        base=base,
        debt=m_debt,
        short_weeks=short_weeks,
        short_sentence=m_short,
        skill=m_skill,
        pressure=f_pressure,
        faction=m_faction,
    )
    columns = recruitment.Targets(debt=debt, release_week=release_week, skills=skills)
    recruiters = recruitment.Recruiters(o, strength=strength, pressured=pressured, faction=faction)
    got = recruitment.recruit_chances(t, columns, recruiters, crime_types, week, factors)
    p = np.full(t.size, base)
    p *= np.where(debt[t], m_debt, 1.0)
    p *= np.where((release_week[t] - week) <= short_weeks, m_short, 1.0)
    p *= np.where((skills[t] & crime_types[o]) != 0, m_skill, 1.0)
    p *= strength
    p *= np.where(pressured, f_pressure, 1.0)
    p *= np.where(faction, m_faction, 1.0)
    assert np.array_equal(got, np.minimum(p, 1.0))
    assert (got == 1.0).any() and (got < 1.0).any()
    # each multiplier is its own field: swapping two of them changes the chances
    swapped = factors._replace(debt=m_skill, skill=m_debt)
    assert not np.array_equal(
        got, recruitment.recruit_chances(t, columns, recruiters, crime_types, week, swapped)
    )


def test_prison_life_kernels_match_their_array_versions():
    from sim.processes import prison_life, recruitment

    rng = np.random.default_rng(8)
    # members of the same OCG in the same wing: a counting pass against a sort
    wing = rng.integers(0, 30, 2000)
    ocg = rng.integers(0, 50, 2000)
    keys = wing * 50 + ocg
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    got = recruitment.same_group_counts(wing, ocg, 30, 50)
    assert got.dtype == np.float64 and np.array_equal(got, counts[inverse])

    # the wing-mate of a flagged contact: uniform among the wing's roster, never oneself, never
    # anyone isolated
    m = OCGModel(rng=5, scale=0.01, years=1).run(3)
    wings = m.places.wings
    wing = int(np.argmax(wings.count))
    roster = wings.group(wing).copy()
    isolated_col = np.zeros(m.population.n, dtype=bool)
    isolated_col[roster[:3]] = True
    people = np.full(20_000, roster[5])
    mates = prison_life._eligible_mates(
        np.random.default_rng(1), np.full(people.size, wing), people, wings, isolated_col
    )
    allowed = set(roster[3:].tolist()) - {int(roster[5])}
    assert set(mates.tolist()) == allowed  # everyone else in the wing, and only them
    counts = np.unique(mates, return_counts=True)[1]
    expected = people.size / len(allowed)
    assert abs(counts - expected).max() < 5 * np.sqrt(expected)  # uniform

    # the flags of a contact given at least one: each row has one, in the conditional shares
    chances = np.array([0.02, 0.05, 0.1, 0.0])
    flags = prison_life._flags_given_any(np.random.default_rng(2), 200_000, chances)
    assert flags.any(axis=1).all() and not flags[:, 3].any()
    any_flag = 1.0 - np.prod(1.0 - chances)
    share = flags[:, :3].mean(axis=0)
    assert np.allclose(share, chances[:3] / any_flag, rtol=0.03)
    both = (flags[:, 0] & flags[:, 2]).mean()  # independent before conditioning
    assert both == pytest.approx(chances[0] * chances[2] / any_flag, rel=0.25)


def test_harm_kernel_matches_the_array_formula_bit_for_bit():
    from sim.processes import harm

    rng = np.random.default_rng(9)
    rows, n_groups = 3000, 40
    members = np.sort(rng.choice(rows, 900, replace=False))
    high_risk, phone = rng.random(rows) < 0.2, rng.random(rows) < 0.5
    cut_off = rng.random(members.size) < 0.1
    status = rng.integers(0, 3, rows).astype(np.int8)  # 0 at large
    ocg = rng.integers(0, n_groups, rows).astype(np.int32)
    capability = rng.random(n_groups)
    per_week, low, high, phone_share, share = rng.random(5) * [1, 1, 3, 1, 1]
    got = harm._offences_by_group(
        members, high_risk, status, phone, cut_off, ocg, capability, n_groups,
        per_week, low, high, phone_share, share, 0,
    )  # fmt: skip
    inside = status[members] != 0
    directed = np.where(phone[members], phone_share, share)
    directed[inside] *= ~cut_off[inside]
    reach = np.where(inside, directed, 1.0)
    activity = np.where(high_risk[members], high, low)
    group = ocg[members]
    each = per_week * activity * reach * capability[group]
    assert np.array_equal(got[0], np.bincount(group, weights=each, minlength=n_groups))
    expected = np.bincount(group, weights=each * inside, minlength=n_groups)
    assert np.array_equal(got[1], expected)


def test_recruiting_strength_matches_the_array_formula_bit_for_bit():
    from sim.processes.reach import recruiting_strength
    from sim.state.population import AT_LARGE

    m = OCGModel(rng=6, scale=0.02, years=1).run(30)
    pop, ocgs = m.population, m.ocgs
    pop.licence_intel[ocgs.member_rows()[::3]] = True  # some members under licence conditions
    members = ocgs.member_rows()
    weight = np.where(
        pop.status[members] == AT_LARGE,
        np.where(pop.licence_intel[members], 1.0 - m.params.disruption.licence_effect, 1.0),
        np.where(pop.phone[members], m.params.community.phone_recruit_boost, 0.0),
    )
    active = np.bincount(pop.ocg[members], weights=weight, minlength=ocgs.n)
    expected = np.minimum(1.0, active / np.maximum(ocgs.size[: ocgs.n], 1))
    got = recruiting_strength(m)
    assert np.array_equal(got, expected)
    assert ((got > 0) & (got < 1)).any()


def test_offence_hazard_kernels_match_the_array_formula():
    from sim.fast import passes

    rng = np.random.default_rng(13)
    rows = 4000
    members = np.sort(rng.choice(rows, 1500, replace=False))
    status = rng.integers(0, 3, rows).astype(np.int8)  # 0 at large
    intel_week = rng.integers(-60, 100, rows).astype(np.int32)
    week, fresh, h = 100, 52, 0.01
    for member_h, arrest in ((h, 2.0), (1.5 * h, 0.5), (0.5 * h, 3.0), (0.9, 2.0)):
        got_m, got_k, got_h = passes.own_hazards(
            members, status, intel_week, week, fresh, h, member_h, arrest, 0
        )
        m = members[status[members] == 0]
        known = (week - intel_week[m]) <= fresh
        hazard = np.minimum(member_h * np.where(known, arrest, 1.0), 1.0)
        differ = hazard != h
        m, known, hazard = m[differ], known[differ], hazard[differ]
        assert np.array_equal(got_m, m) and np.array_equal(got_k, known)
        assert np.array_equal(got_h, hazard)
        base = np.sort(rng.choice(rows, 300, replace=False))
        base[:20] = m[:20] if m.size >= 20 else base[:20]
        base = np.unique(base)
        u = rng.random(m.size)
        dropped, added, intel = passes.thin_or_add(
            m, known, hazard, u, base, h, max(h, 1e-12), max(1.0 - h, 1e-12)
        )
        in_base = np.isin(m, base)
        keep_p = np.where(hazard >= h, 1.0, hazard / h)
        add_p = np.where(hazard > h, (hazard - h) / (1.0 - h), 0.0)
        assert np.array_equal(dropped, m[in_base & (u >= keep_p)])
        assert np.array_equal(added, m[~in_base & (u < add_p)])
        assert intel == int(known[~in_base & (u < add_p)].sum())


def test_member_rows_stay_sorted_through_any_joins_and_exits():
    """The registry's member list, kept up to date by merging, is always a scan of ``ocg``."""
    from sim.state.ocg import OCGRegistry
    from sim.state.population import ASSOCIATE, Population

    rng = np.random.default_rng(12)
    pop = Population(500)
    pop.add(500)
    ocgs = OCGRegistry(capacity=4, n_regions=1)
    groups = [ocgs.create(0, 50, 1, 0) for _ in range(5)]
    for step in range(300):
        outside = np.flatnonzero(pop.ocg[: pop.n] < 0)
        inside = np.flatnonzero(pop.ocg[: pop.n] >= 0)
        move = rng.integers(4)
        if move == 0 and outside.size:  # one joins
            ocgs.join(pop, int(rng.choice(outside)), int(rng.choice(groups)), ASSOCIATE, step)
        elif move == 1 and outside.size:  # several join
            people = rng.choice(outside, min(outside.size, 7), replace=False)
            ocgs.join_many(pop, people, rng.choice(groups, people.size), ASSOCIATE, step)
        elif move == 2 and inside.size:  # some leave (one may rejoin before the next look)
            people = rng.choice(inside, min(inside.size, 5), replace=False)
            ocgs.remove_many(pop, people)
            if rng.random() < 0.5:
                ocgs.join(pop, int(people[0]), int(rng.choice(groups)), ASSOCIATE, step)
        elif inside.size:  # one leaves
            ocgs.leave(pop, int(rng.choice(inside)))
        if rng.random() < 0.4:  # the list is not looked at after every change
            rows = ocgs.member_rows()
            assert np.array_equal(rows, np.flatnonzero(pop.ocg[: pop.n] >= 0)), step
            assert not rows.flags.writeable


def test_merge_of_the_member_list_matches_a_union_of_sets():
    """Old list and newcomers (repeats, some already listed, some gone again) merged."""
    rng = np.random.default_rng(21)
    for _ in range(300):
        rows = int(rng.integers(1, 80))
        is_member = rng.random(rows) < rng.random()
        old = np.flatnonzero(rng.random(rows) < 0.5)
        joined = np.sort(rng.integers(0, rows, int(rng.integers(0, 12))))
        expected = sorted(p for p in set(old.tolist()) | set(joined.tolist()) if is_member[p])
        assert kernels.merge_members(old, joined, is_member).tolist() == expected


def test_grouped_and_among_match_numpy():
    from sim.fast.arrays import grouped
    from sim.processes.intelligence import _among

    rng = np.random.default_rng(11)
    for size in (0, 1, 7, 500):
        keys = rng.integers(0, 9, size).astype(np.int16 if size % 2 else np.int64)
        groups = grouped(keys)
        assert [k for k, _ in groups] == np.unique(keys).tolist()
        assert all(type(k) is int for k, _ in groups)  # (dict keys, list indices)
        for key, positions in groups:  # each key's positions, in input order
            assert positions.tolist() == np.flatnonzero(keys == key).tolist()
        rows = np.unique(rng.integers(0, 1000, size))
        for few in (rows[rng.random(rows.size) < 0.1], rng.integers(0, 1100, 20), rows[:0]):
            assert np.array_equal(_among(rows, np.unique(few)), np.isin(rows, few))


def _take_eligible_with_arrays(picks, prisons, need, ocg, debt, taken_before):
    """One round of the market's draw of new debtors, as it was written with numpy."""
    ok = (ocg[picks] < 0) & ~debt[picks] & ~np.isin(picks, taken_before)
    picks, prisons = picks[ok], prisons[ok]
    _, first = np.unique(picks, return_index=True)  # each person once
    first.sort()
    picks, prisons = picks[first], prisons[first]
    rank = np.arange(picks.size) - np.searchsorted(prisons, prisons)  # order in prison
    keep = rank < need[prisons]
    need -= np.bincount(prisons[keep], minlength=need.size)
    return picks[keep]


def test_market_draw_of_new_debtors_matches_its_array_version():
    from sim.processes.market import _take_eligible

    rng = np.random.default_rng(11)
    for _ in range(50):
        n_people, n_prisons = int(rng.integers(5, 60)), int(rng.integers(1, 6))
        ocg = np.where(rng.random(n_people) < 0.3, rng.integers(0, 4, n_people), -1)
        debt = rng.random(n_people) < 0.2
        need = rng.integers(0, 6, n_prisons)
        need_arrays, taken = need.copy(), np.zeros(n_people, dtype=np.bool_)
        taken_before = np.zeros(0, dtype=np.int64)
        for _ in range(3):  # rounds: duplicates within a round, and people taken in an earlier one
            prisons = np.sort(rng.integers(0, n_prisons, int(rng.integers(0, 40))))
            picks = rng.integers(0, n_people, prisons.size)
            expected = _take_eligible_with_arrays(
                picks, prisons, need_arrays, ocg, debt, taken_before
            )
            got = _take_eligible(picks, prisons, need, ocg, debt, taken)
            assert got.tolist() == expected.tolist()
            assert need.tolist() == need_arrays.tolist()
            taken_before = np.concatenate([taken_before, expected])
            assert np.flatnonzero(taken).tolist() == np.unique(taken_before).tolist()


def test_member_filters_of_justice_market_and_prison_actions_match_their_array_versions():
    """Fused passes over members, debtors and licensees give what the array expressions gave."""
    from sim.fast.passes import action_targets, live_licensees
    from sim.processes.market import _debts_held, _prison_and_intel
    from sim.state.population import AT_LARGE, HIGH, WEEK

    rng = np.random.default_rng(31)
    for _ in range(200):
        rows, week = int(rng.integers(1, 300)), int(rng.integers(0, 20_000))
        fresh = int(rng.integers(0, 80)) if rng.random() < 0.7 else float(rng.uniform(0, 80))
        members = np.flatnonzero(rng.random(rows) < rng.random())
        stamp = rng.choice([-10_000, *range(max(0, week - 60), week + 1)], rows).astype(WEEK)
        moved = rng.choice([-10_000, *range(max(0, week - 60), week + 1)], rows).astype(WEEK)
        grade = rng.integers(0, 3, rows).astype(np.int8)
        separated = rng.random(rows) < 0.2
        prison = rng.integers(0, 7, rows).astype(np.int32)

        # the members a prison may transfer or separate
        fresh_intel = (week - stamp[members]) <= fresh
        settled = (week - moved[members]) > fresh
        eligible = fresh_intel & settled & (grade[members] == HIGH) & ~separated[members]
        got = action_targets(members, stamp, moved, grade, separated, week, fresh, HIGH)
        assert got.tolist() == members[eligible].tolist()

        # each member's prison and whether the prison's intelligence on them is fresh
        where, known = _prison_and_intel(members, prison, stamp, week, fresh)
        assert where.dtype == prison.dtype and where.tolist() == prison[members].tolist()
        assert known.tolist() == fresh_intel.tolist()

        # last week's debtors still in debt, and those of them in no OCG by prison
        debtors = rng.permutation(rows)[: int(rng.integers(0, rows + 1))]
        debt = rng.random(rows) < 0.6
        ocg = np.where(rng.random(rows) < 0.3, rng.integers(0, 5, rows), -1).astype(np.int32)
        held, owing = _debts_held(debtors, debt, ocg, prison, 7)
        still = debtors[debt[debtors]]
        assert held.tolist() == still.tolist()
        assert owing.tolist() == np.bincount(prison[still[ocg[still] < 0]], minlength=7).tolist()

        # licensees: last week's (sorted, distinct), then this week's releases, in any order and
        # with repeats; pruned to those at large with a licence beyond this week
        before = np.flatnonzero(rng.random(rows) < 0.3)
        released = rng.integers(0, rows, int(rng.integers(0, 20)))
        candidates = np.concatenate([before, released]).astype(np.int64)
        status = np.where(rng.random(rows) < 0.8, AT_LARGE, AT_LARGE + 1).astype(np.int8)
        licence_end = rng.integers(week - 5, week + 5, rows).astype(WEEK)
        expected = np.unique(candidates)
        expected = expected[(status[expected] == AT_LARGE) & (licence_end[expected] > week)]
        got = live_licensees(candidates, status, licence_end, week, AT_LARGE)
        assert got.tolist() == expected.tolist()
        shuffled = rng.permutation(candidates)  # (any order gives the same list)
        assert live_licensees(shuffled, status, licence_end, week, AT_LARGE).tolist() == (
            expected.tolist()
        )

    # a debtor outside the estate is an error, as numpy's count by prison made it
    with pytest.raises(ValueError, match="in no prison"):
        _debts_held(
            np.array([0]), np.array([True]), np.array([-1], np.int32), np.array([-1], np.int32), 3
        )
