"""Recruitment at large by reach (sim.processes.reach): direction, invariants and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, assert_increases, mean_and_se, metric

from sim.model.core import OCGModel
from sim.params import ScenarioError
from sim.processes.reach import REGION, SKILLED, TIED, ReachPools
from sim.state.population import AT_LARGE

C = "community."
#: The whole university of crime off: no recruitment, ties or skill transfer in prison, and no
#: ties at the start.
NO_UNIVERSITY = {
    "prison_life.recruit_probability": 0.0,
    "prison_life.tie_probability": 0.0,
    "prison_life.skill_transfer_probability": 0.0,
    C + "tie_recruit_rate": 0.0,
    C + "initial_tie_share": 0.0,
}
R = 6


def test_a_larger_reachable_pool_gives_more_vacancy_recruits():
    # each member knows ten times as many offenders in the region (common random numbers); the
    # groups fill up, so the effect on recruits shrinks over the run while the groups stay fuller
    more = {C + "reach_contacts_per_member": 100.0}
    assert_increases("total:vacancy_recruits", {}, more, seeds=SEEDS[:R], k=3)
    assert_increases("mean:ocg_members", {}, more, seeds=SEEDS[:R], k=3)


def test_more_weight_on_prison_ties_gives_more_tied_vacancy_recruits():
    assert_increases(
        "total:vacancy_recruits_tied", {}, {C + "reach_tie_weight": 9.0}, seeds=SEEDS[:R], k=3
    )


def test_without_prison_ties_vacancies_fill_more_slowly_than_if_ties_did_not_count():
    """Difference in differences of the weekly fill rate per vacancy (vacancy recruits over
    vacancy-weeks): switching the university of crime off lowers it more when prison ties count
    in the reachable pool than when they weigh nothing (the old rule's blindness to ties)."""
    gaps = []
    for seed in SEEDS[:R]:
        change = {}
        for weight in (0.0, 3.0):
            rate = []
            for off in ({}, NO_UNIVERSITY):
                arm = {C + "reach_tie_weight": weight, **off}
                hires = metric(seed, "total:vacancy_recruits", **arm)
                rate.append(hires / metric(seed, "total:ocg_vacancies", **arm))
            change[weight] = rate[1] - rate[0]
        gaps.append(change[3.0] - change[0.0])
    mean, se = mean_and_se(np.array(gaps))
    assert mean < 0 and -mean > 3 * se, gaps


def test_the_fill_chance_rises_with_the_pool_and_saturates():
    m = OCGModel(rng=1, scale=0.01, years=1)
    c = m.params.community
    zero = np.zeros(4)
    pools = ReachPools(tied=np.array([0.0, 10.0, 100.0, 1e9]), skilled=zero, region=zero)
    p = m.community.reach.fill_chance(pools)
    assert p[0] == 0.0 and np.all(np.diff(p) > 0)
    assert p[3] == pytest.approx(c.vacancy_fill_rate)
    half = ReachPools(tied=np.array([c.vacancy_half_reach]), skilled=zero[:1], region=zero[:1])
    assert m.community.reach.fill_chance(half)[0] == pytest.approx(c.vacancy_fill_rate / 2)


def test_vacancy_hires_are_unaffiliated_at_large_and_in_reach():
    m = OCGModel(rng=3, scale=0.02, years=1, **{C + "vacancy_fill_rate": 1.0})
    m.run(weeks=20)
    m.ocgs.target_size[: m.ocgs.n] += 5  # five vacancies more in each group
    community = m.community
    community.tie_candidates()
    community.reach.surveyed = -100  # survey now
    hires = community.reach.hires(community.tied, np.random.default_rng(5))
    assert hires.people.size > 50 and set(np.unique(hires.tier)) == {TIED, SKILLED, REGION}
    pop, ocgs = m.population, m.ocgs
    people, groups = hires.people, hires.groups
    assert np.all(pop.ocg[people] < 0) and np.all(pop.status[people] == AT_LARGE)
    assert np.all(ocgs.alive[groups])
    tied = hires.tier == TIED
    assert np.all(pop.tie_ocg[people[tied]] == groups[tied])
    live = m.week - pop.tie_week[people[tied]] <= m.params.community.tie_memory_weeks
    assert np.all(live)
    assert np.all(pop.region[people[~tied]] == ocgs.home_region[groups[~tied]])
    shares = (pop.skills[people].astype(np.int64) & ocgs.crime_types[groups]) != 0
    assert np.all(shares[hires.tier == SKILLED]) and not np.any(shares[hires.tier == REGION])


@pytest.mark.parametrize(
    "key, value",
    [
        ("vacancy_half_reach", -1.0),
        ("reach_contacts_per_member", -0.5),
        ("reach_tie_weight", -1.0),
        ("reach_skill_weight", 1000.0),
        ("vacancy_fill_rate", 1.5),
        ("reach_tie_weight", "high"),
    ],
)
def test_bad_reach_parameters_are_refused_naming_the_key(key, value):
    with pytest.raises(ScenarioError, match=C + key):
        OCGModel(rng=1, scale=0.01, years=1, **{C + key: value})
