from __future__ import annotations

import numpy as np
from conftest import SEEDS, assert_increases, run

from sim.model.core import OCGModel
from sim.state.world import HIGH_SECURITY

D = "disruption."
# Paired runs at scale 0.02 for two years (conftest.COMMON), levers on from week 0. Measured over
# 8 seeds: police_actions_per_region 4 -> 12: police arrests +24 per run (paired sd 7.8, z 8.6).
# Six seeds keep the effect about 7 standard errors above zero; we ask for 3.


def test_more_police_capacity_gives_more_police_arrests():
    assert_increases(
        "total:police_arrests",
        {},
        {D + "police_actions_per_region": 12.0},
        seeds=SEEDS[:6],
        k=3,
    )


def test_dispersal_transfers_and_seeds_other_prisons():
    for seed in SEEDS[:2]:
        _, base = run(seed)
        _, ts = run(seed, **{D + "transfer_policy": "disperse"})
        assert base["transfers"].sum() == 0 and base["transfers_seeded"].sum() == 0
        assert base["separations"].sum() > 0
        # the trade-off: transfers break local networks but seed the OCG elsewhere
        assert ts["transfers"].sum() > 0
        assert ts["transfers_seeded"].sum() > 0
        assert ts["transfers_seeded"].sum() <= ts["transfers"].sum()


def test_concentration_moves_members_to_high_security_and_separates_them():
    m = OCGModel(
        rng=3, scale=0.02, years=1, intervention_week=0, **{D + "transfer_policy": "concentrate"}
    )
    pop = m.population
    moved = 0
    for _ in range(52):
        m.step()
        if m.disruption.count.transfers:
            # members moved by the prison this week (progression transfers are not recorded)
            changed = np.flatnonzero(pop.moved_week[: pop.n] == m.week)
            assert changed.size == m.disruption.count.transfers
            inside = changed[pop.prison[changed] >= 0]
            assert (m.world.prison_category[pop.prison[inside]] == HIGH_SECURITY).all()
            # separated there, unless the prison's separation places were all in use
            in_use = np.bincount(pop.prison[m.disruption.separated], minlength=m.world.n_prisons)
            full = in_use[pop.prison[inside]] >= m.disruption.separation_places[pop.prison[inside]]
            assert (pop.separated[inside] | full).all()
            moved += changed.size
        m.check_invariants()
    assert moved > 0


def test_no_prison_actions_without_capacity():
    none = {D + "prison_actions_per_1000": 0.0, D + "separation_places_per_1000": 0.0}
    m = OCGModel(rng=2, scale=0.01, years=1, intervention_week=0, **none).run()
    ts = m.timeseries()
    assert ts["separations"].sum() == 0 and ts["transfers"].sum() == 0


def test_no_police_actions_without_capacity():
    m = OCGModel(
        rng=2, scale=0.01, years=1, intervention_week=0, **{D + "police_actions_per_region": 0.0}
    ).run()
    ts = m.timeseries()
    assert ts["items_acted"].sum() == 0
    assert ts["police_arrests"].sum() == 0 and ts["leader_removals"].sum() == 0
    assert ts["deliveries_ignored"].sum() > 0
