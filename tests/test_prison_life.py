from __future__ import annotations

import numpy as np
from conftest import SEEDS, assert_increases

from sim.model.core import OCGModel
from sim.processes import prison_life
from sim.state.population import LEADER

# Paired runs at scale 0.02 for two years (conftest.COMMON), total in-prison recruits per run.
# Measured over 8 seeds:
#   recruit_probability 0.0006 -> 0.0024: +180 recruits (paired sd 32, z 16);
#   debt_multiplier 1 -> 10: +22 recruits (sd 6.6, z 9.6);
#   joint_venture_probability 0.005 -> 0.02: +25 new ventures (sd 5.8, z 12);
#   tie_probability 0.05 -> 0.2: +33 recruits via ties (sd 6.7, z 14).
# Six seeds leave each mean difference about 7 or more standard errors above zero; we ask for 3.
R = 6
P = "prison_life."


def test_higher_recruit_probability_gives_more_prison_recruits():
    assert_increases(
        "total:recruits_prison", {}, {P + "recruit_probability": 0.0024}, seeds=SEEDS[:R], k=3
    )


def test_higher_debt_multiplier_gives_more_prison_recruits():
    assert_increases(
        "total:recruits_prison",
        {P + "debt_multiplier": 1.0},
        {P + "debt_multiplier": 10.0},
        seeds=SEEDS[:R],
        k=3,
    )


def test_higher_joint_venture_probability_gives_more_ventures():
    assert_increases(
        "total:new_joint_ventures",
        {},
        {P + "joint_venture_probability": 0.02},
        seeds=SEEDS[:R],
        k=3,
    )


def test_more_prison_ties_give_more_community_recruits_via_ties():
    assert_increases(
        "total:recruits_via_ties", {}, {P + "tie_probability": 0.2}, seeds=SEEDS[:R], k=3
    )


def test_no_recruitment_without_contacts_or_chance():
    for overrides in ({P + "recruit_probability": 0.0}, {P + "contacts_per_week": 0.0}):
        m = OCGModel(rng=3, scale=0.01, years=1, **overrides).run()
        ts = m.timeseries()
        assert ts["recruits_prison"].sum() == 0, overrides
    m = OCGModel(rng=3, scale=0.01, years=1, **{P + "contacts_per_week": 0.0}).run()
    assert m.timeseries()["new_joint_ventures"].sum() == 0


def test_recruits_inside_join_an_ocg_while_in_prison():
    m = OCGModel(rng=4, scale=0.01, years=1, **{P + "recruit_probability": 0.05})
    pop = m.population
    total = 0
    for _ in range(10):
        before = pop.ocg[: pop.n].copy()
        m.step()
        after = pop.ocg[: len(before)]
        inside = pop.prison[: len(before)] >= 0
        joined_inside = np.flatnonzero((before < 0) & (after >= 0) & inside)
        # everyone who joined while inside was recruited inside (some may exit the same week)
        recruits, exits = m.prison_life.count.recruits_prison, m.community.count.member_exits
        assert joined_inside.size <= recruits
        assert joined_inside.size >= recruits - exits
        total += recruits
        m.check_invariants()
    assert total > 0


def test_separation_cuts_contact_rates():
    m = OCGModel(rng=1, scale=0.01, years=1)
    members = m.week_index.members_inside
    before = prison_life.contact_rates(m, members)
    m.population.separated[members[:5]] = True
    after = prison_life.contact_rates(m, members)
    factor = m.params.prison_life.separation_contact_factor
    assert np.allclose(after[:5], before[:5] * factor)
    assert np.allclose(after[5:], before[5:])


def test_high_risk_members_make_more_contacts_and_the_mean_is_kept():
    m = OCGModel(rng=1, scale=0.02, years=1)
    pl = m.params.prison_life
    members = m.week_index.members_inside
    rates = prison_life.contact_rates(m, members)
    high = m.population.high_risk[members]
    assert high.any() and (~high).any()
    assert np.allclose(rates[high] / rates[~high].mean(), pl.high_risk_activity)
    # the mean over a population with the nominal high-risk share is contacts_per_week
    h = m.params.population.high_risk_share_members
    expected = h * rates[high].mean() + (1 - h) * rates[~high].mean()
    assert np.isclose(expected, pl.contacts_per_week)


def test_isolated_leaders_have_no_contacts():
    m = OCGModel(
        rng=1, scale=0.01, years=1, intervention_week=0, **{"regime.isolate_leaders": True}
    )
    members = m.week_index.members_inside
    leaders = m.population.role[members] == LEADER
    assert leaders.any()
    rates = prison_life.contact_rates(m, members)
    assert (rates[leaders] == 0).all() and (rates[~leaders] > 0).all()


def _leader_recruits(isolate: bool) -> int:
    m = OCGModel(
        rng=5,
        scale=0.01,
        years=1,
        intervention_week=0,
        **{"regime.isolate_leaders": isolate, P + "recruit_probability": 0.3},
    )
    pop = m.population
    n = 0
    for _ in range(15):
        inside = m.week_index.members_inside
        leaders = inside[pop.role[inside] == LEADER]
        m.step()
        n += int(np.isin(m.prison_life.recruiters, leaders).sum())
    return n


def test_isolated_leaders_recruit_nobody_inside():
    assert _leader_recruits(isolate=False) > 0  # without isolation, leaders do recruit
    assert _leader_recruits(isolate=True) == 0


def test_isolation_lasts_the_whole_term():
    m = OCGModel(
        rng=1, scale=0.01, years=1, intervention_week=0, **{"regime.isolate_leaders": True}
    )
    pop = m.population
    inside = m.week_index.members_inside
    isolated = inside[pop.role[inside] == LEADER]
    assert isolated.size
    m.step()
    m.step()
    still = isolated[pop.prison[isolated] >= 0]
    assert still.size
    assert (prison_life.contact_rates(m, still) == 0).all()
