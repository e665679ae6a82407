"""Misidentification: items about non-members or naming the wrong group, and what they cost.

Paired runs (common random numbers: the same seeds in both arms) at scale 0.02 for two years,
levers on from week 0 (``conftest.COMMON``). The misidentification draws are keyed by (decision,
detected member, week), so with the same seeds both arms see the same detections misread as far
as their rates allow.
"""

from __future__ import annotations

import numpy as np
from conftest import SEEDS, assert_decreases, assert_increases, run

from sim.model.core import OCGModel
from sim.params import Parameters
from sim.processes.intelligence import NOT_MEMBER, RIGHT, WRONG_GROUP, misidentification_rates

INTEL = "intelligence."
NONE = {
    INTEL + "not_member_rate": 0.0,
    INTEL + "wrong_group_rate": 0.0,
    INTEL + "protocol_not_member_rate": 0.0,
    INTEL + "protocol_wrong_group_rate": 0.0,
    INTEL + "aims_wrong_group_rate": 0.0,
}
MANY = {INTEL + "not_member_rate": 0.3, INTEL + "wrong_group_rate": 0.15}
PROTOCOL = {INTEL + "common_protocol": True}


def test_without_misidentification_no_item_is_wrong_and_nothing_is_wasted():
    for seed in SEEDS[:2]:
        _, ts = run(seed, **NONE)
        _, base = run(seed)
        # the defaults do misidentify, so the test can fail
        assert base["items_misidentified"].sum() > 0
        assert ts["items_created"].sum() > 0 and ts["operations"].sum() > 0
        assert ts["items_misidentified"].sum() == 0
        assert ts["operations_wasted"].sum() == 0
        assert ts["separations_wasted"].sum() == 0


def test_a_higher_misidentification_rate_wastes_more_operations():
    assert_increases("total:operations_wasted", {}, MANY, seeds=SEEDS[:4], k=2)


def test_a_higher_misidentification_rate_wastes_more_separations():
    assert_increases("total:separations_wasted", NONE, MANY, seeds=SEEDS[:4], k=2)


# At default police capacity a two-year run at scale 0.02 mounts about 60 operations, too few
# for their trust cost to show against the seeds' noise (measured z 1.7 over 4 seeds); with
# ample capacity in both arms it does.
CAP = {"disruption.police_actions_per_region": 40.0}


def test_a_higher_misidentification_rate_costs_trust():
    # the wasted operations' trust loss (trust.wrong_item_loss) against no misidentification
    assert_decreases("mean_trust", {**CAP, **NONE}, {**CAP, **MANY}, seeds=SEEDS[:6], k=2)


def test_wrong_items_cost_no_trust_when_the_loss_is_zero():
    # the same wrong items without their trust cost: trust is higher (the loss is the cause)
    free = {**CAP, **MANY, "trust.wrong_item_loss": 0.0}
    assert_increases("mean_trust", {**CAP, **MANY}, free, seeds=SEEDS[:6], k=2)


def test_the_item_behind_a_wasted_operation_is_not_counted_as_acted_on():
    # every item wrong, capacity ample: every prison-led operation is wasted, and only the other
    # items about its group count as acted on (its own lead earns no trust for being acted on),
    # so fewer items are acted on than operations wasted (each lead would count once otherwise)
    every = {INTEL + "not_member_rate": 1.0, **CAP}
    for seed in SEEDS[:2]:
        _, ts = run(seed, **every)
        wasted = ts["operations_wasted"].sum()
        assert wasted > 20 and ts["items_acted"].sum() < wasted


def test_the_common_protocol_lowers_misidentification():
    assert_decreases("total:items_misidentified", {}, PROTOCOL, seeds=SEEDS[:4], k=3)
    assert_decreases("total:operations_wasted", {}, PROTOCOL, seeds=SEEDS[:4], k=2)


def test_the_aims_gap_in_force_adds_to_the_wrong_group_rate():
    def rates(**values):
        return misidentification_rates(Parameters(values))

    base = {INTEL + "wrong_group_rate": 0.03, INTEL + "aims_wrong_group_rate": 0.04}
    assert rates(**base, **{"disruption.aims_gap": 0.0})[1] == 0.03
    assert abs(rates(**base, **{"disruption.aims_gap": 1.0})[1] - 0.07) < 1e-12
    # under the protocol its own gap (and rate) apply, whatever the aims gap without it
    proto = {**PROTOCOL, INTEL + "protocol_wrong_group_rate": 0.01, **base}
    wide = rates(**proto, **{"disruption.aims_gap": 1.0, "disruption.protocol_aims_gap": 0.5})
    assert abs(wide[1] - 0.03) < 1e-12
    # without an aims effect, the gap changes nothing here (it is still the police's discount)
    flat = {**base, INTEL + "aims_wrong_group_rate": 0.0}
    assert rates(**flat, **{"disruption.aims_gap": 1.0}) == rates(**flat)


def test_a_wider_aims_gap_names_more_wrong_groups():
    # different aims act through misidentification, not only through the police's discount
    narrow = {"disruption.aims_gap": 0.0, INTEL + "aims_wrong_group_rate": 0.1}
    wide = {"disruption.aims_gap": 1.0, INTEL + "aims_wrong_group_rate": 0.1}
    assert_increases("total:items_misidentified", narrow, wide, seeds=SEEDS[:4], k=3)


def _stepped(seed: int, weeks: int, **overrides) -> OCGModel:
    m = OCGModel(rng=seed, scale=0.02, years=1, intervention_week=0, **overrides)
    for _ in range(weeks):
        m.step()
    return m


def test_wrong_items_name_a_non_member_or_another_group():
    m = _stepped(3, 30, **MANY)
    pop, ocgs = m.population, m.ocgs
    detected = m.week_index.members_inside
    subject, group, wrong = m.intelligence.misidentify(detected)
    right, stand, other = wrong == RIGHT, wrong == NOT_MEMBER, wrong == WRONG_GROUP
    assert right.any() and stand.any() and other.any()
    true = pop.ocg[detected]
    assert (subject[right] == detected[right]).all() and (group[right] == true[right]).all()
    # a stand-in: a non-member on the member's wing, named as a member of the member's group
    assert (pop.ocg[subject[stand]] < 0).all() and (group[stand] == true[stand]).all()
    assert (pop.wing[subject[stand]] == pop.wing[detected[stand]]).all()
    # the wrong group: the member, named as one of another live group of the same home region
    assert (subject[other] == detected[other]).all() and (group[other] != true[other]).all()
    assert ocgs.alive[group[other]].all()
    assert (ocgs.home_region[group[other]] == ocgs.home_region[true[other]]).all()
    # the shares are about the rates (0.3, then 0.15 of the rest), with room for chance
    assert 0.2 < stand.mean() < 0.4 and 0.05 < other.mean() < 0.2


def test_misidentification_is_keyed_by_the_detection_not_the_stream():
    m = _stepped(4, 30, **MANY)
    detected = m.week_index.members_inside[:200]
    a = m.intelligence.misidentify(detected)
    b = m.intelligence.misidentify(detected)
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)
    # a detection's fate does not depend on which others were detected with it
    half = m.intelligence.misidentify(detected[::2])
    assert np.array_equal(half[2], a[2][::2])
