"""The compiled movement kernels: exact, and usable without a writable compilation cache."""

import numpy as np
import pytest

from sim import kernels
from sim.model import OCGModel


def test_a_kernel_compiles_where_no_cache_can_be_written():
    # a function with no source file has no cache locator (as an installed, read-only package
    # whose user cache folder cannot be written either): it must still compile and run
    namespace: dict = {}
    exec("def add_one(a):\n    return a + 1\n", namespace)
    add_one = kernels._jit(namespace["add_one"])
    assert add_one(41) == 42


def test_find_prison_takes_the_first_tier_with_room_and_the_most_free_prison_in_it():
    pref = np.full((1, 1, 2, 3), -1, dtype=np.int64)
    pref[0, 0, 0, :2] = [0, 1]  # tier 0: prisons 0 and 1
    pref[0, 0, 1, :3] = [2, 3, 4]  # tier 1
    length = np.array([[[2, 3]]], dtype=np.int64)
    n_tiers = np.array([[2]], dtype=np.int64)
    free = np.array([0, 0, 3, 5, 5], dtype=np.int64)
    assert kernels.find_prison(free, pref, length, n_tiers, 0, 0) == 3  # first of the two 5s
    free[1] = 1
    assert kernels.find_prison(free, pref, length, n_tiers, 0, 0) == 1
    free[:] = 0
    assert kernels.find_prison(free, pref, length, n_tiers, 0, 0) == -1


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
    from sim.arrays import unique

    rng = np.random.default_rng(5)
    for size in (0, 1, 2, 50, 5000):
        values = rng.integers(0, 300, size)
        assert np.array_equal(unique(values), np.unique(values))


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
