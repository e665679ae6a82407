from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import SEEDS, assert_decreases, assert_increases

from sim.model.core import OCGModel
from sim.state.population import AT_LARGE, LEADER

# Paired runs at scale 0.02 for two years (conftest.COMMON). Measured over 8 seeds:
#   market.debt_probability 0.0002 -> 0.005: in-prison recruits +17 per run (paired sd 8.5,
#   z 5.5) and mean prisoners in debt +469 (sd 26, z 50); here the dose is wider (0 -> 0.01),
#   so eight seeds keep the recruit effect well above 2 standard errors;
#   searches_per_1000 54 -> 150: drug finds up (many SDs; measured when the default changed);
#   supply_per_member 1 -> 2: mean market volume +116 (sd 11, z 29).
R = 6
M = "market."
DEBT_LOW = {M + "debt_probability": 0.0}
DEBT_HIGH = {M + "debt_probability": 0.01}


def test_more_drug_debt_gives_more_prisoners_in_debt():
    assert_increases("mean:prisoners_in_debt", DEBT_LOW, DEBT_HIGH, seeds=SEEDS[:R], k=3)


def test_more_drug_debt_gives_more_prison_recruits():
    assert_increases("total:recruits_prison", DEBT_LOW, DEBT_HIGH, seeds=SEEDS[:8], k=2)


def test_more_searches_find_more_and_cut_the_market():
    assert_increases("total:finds_drugs", {}, {M + "searches_per_1000": 150.0}, seeds=SEEDS[:R])
    # the market volume barely moves at 30 searches per 1,000 (measured: paired difference
    # within noise); with no searches vs 300 per 1,000 it falls by 38 (paired sd 7.5, z 11 over
    # five seeds)
    assert_decreases(
        "mean:market_volume",
        {M + "searches_per_1000": 0.0},
        {M + "searches_per_1000": 300.0},
        seeds=SEEDS[:5],
        k=3,
    )


def test_more_supply_per_member_gives_a_bigger_market():
    assert_increases("mean:market_volume", {}, {M + "supply_per_member": 2.0}, seeds=SEEDS[:R], k=3)


def test_no_debt_without_a_market():
    m = OCGModel(rng=1, scale=0.01, years=1, **{M + "supply_per_member": 0.0}).run()
    ts = m.timeseries()
    assert (ts["market_volume"] == 0).all()
    assert ts["finds_drugs"].sum() == 0 and ts["finds_phones"].sum() == 0
    # initial debt (none) cannot grow without supply
    assert ts["prisoners_in_debt"].iloc[-1] == 0


def test_isolated_leaders_hold_no_phones():
    m = OCGModel(
        "italy_41bis",
        rng=2,
        scale=0.01,
        years=1,
        intervention_week=0,
        **{M + "phone_share": 1.0, "disruption.restrict_communications": False},
    )
    pop = m.population
    checked = 0
    for _ in range(20):
        inside = m.week_index.members_inside
        leaders = inside[pop.role[inside] == LEADER]
        m.step()
        # leaders at the start of the week were leaders when the market ran
        still = leaders[pop.prison[leaders] >= 0]
        checked += still.size
        assert not pop.phone[still].any()
        assert pop.phone[m.week_index.members_inside].any()  # others do hold phones
    assert checked > 0


def _draw_within(market, wanted: np.ndarray, seconds: float = 60.0) -> np.ndarray:
    """``market._draw_eligible(wanted)``, failing the test if it has not returned in time.

    A draw that cannot give what is asked loops for ever; run in a thread, it fails the test
    instead of leaving the run stuck (the thread is left behind, a daemon).
    """
    result: dict[str, object] = {}

    def draw() -> None:
        try:
            result["drawn"] = market._draw_eligible(wanted)
        except Exception as error:  # raised again in the test's thread
            result["error"] = error

    worker = threading.Thread(target=draw, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"Market._draw_eligible did not return within {seconds:g} s")
    if "error" in result:
        raise result["error"]
    return result["drawn"]


def test_draw_of_new_debtors_takes_what_each_prison_wants_from_its_eligible_prisoners():
    # Market._draw_eligible itself, on a model's real rosters: every prisoner drawn is distinct,
    # eligible (inside, in no OCG and out of debt), and each prison gives exactly what was asked
    # of it, including every one of its eligible prisoners (the draw must then pass over all the
    # others).
    m = OCGModel(rng=4, scale=0.02, years=1).run(10)
    pop, places = m.population, m.places
    prisoners = places.prisoners()
    eligible = prisoners[(pop.ocg[prisoners] < 0) & ~pop.debt[prisoners]]
    per_prison = np.bincount(pop.prison[eligible], minlength=m.world.n_prisons)
    rng = np.random.default_rng(3)
    for case in range(6):
        if case == 0:
            wanted = per_prison.copy()  # all of them
        elif case == 1:
            wanted = np.zeros_like(per_prison)
        else:
            wanted = rng.integers(0, per_prison + 1)
        drawn = _draw_within(m.market, wanted)
        assert np.unique(drawn).size == drawn.size
        assert np.isin(drawn, eligible).all()
        assert (pop.status[drawn] != AT_LARGE).all()
        assert (pop.ocg[drawn] < 0).all() and not pop.debt[drawn].any()
        got = np.bincount(pop.prison[drawn], minlength=wanted.size)
        assert got.tolist() == wanted.tolist()
        if case == 0:
            assert np.array_equal(np.sort(drawn), np.sort(eligible))
