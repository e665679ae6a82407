from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import SEEDS, assert_increases

from sim.model.core import OCGModel
from sim.state.population import AT_LARGE, REMAND, SENTENCED

# Paired runs at scale 0.02 for two years (conftest.COMMON). Measured over 8 seeds:
# offence_hazard 0.0083 -> 0.012: receptions +239 per run (sd of the paired difference 64, z 10.5);
# custody_probability 0.43 -> 0.6: receptions +310 (sd 58, z 15);
# remand_probability 0.5 -> 0.8: mean remand population +169 (sd 11, z 43).
# Five seeds leave every effect more than 8 standard errors above zero; we ask for 3.
R = 5


def test_higher_offence_hazard_gives_more_receptions():
    assert_increases(
        "total:receptions", {}, {"justice.offence_hazard": 0.012}, seeds=SEEDS[:R], k=3
    )


def test_higher_custody_probability_gives_more_receptions():
    assert_increases(
        "total:receptions", {}, {"justice.custody_probability": 0.6}, seeds=SEEDS[:R], k=3
    )


def test_higher_remand_probability_gives_more_remand_prisoners():
    assert_increases(
        "mean:remand_population", {}, {"justice.remand_probability": 0.8}, seeds=SEEDS[:R], k=3
    )


def test_zero_offence_hazard_means_no_receptions():
    # police actions also take people into custody: switch them off too
    off = {"justice.offence_hazard": 0.0, "disruption.police_actions_per_region": 0.0}
    m = OCGModel(rng=1, scale=0.01, years=1, intervention_week=0, **off)
    m.run()
    ts = m.timeseries()
    assert ts["receptions"].sum() == 0
    assert ts["releases"].sum() > 0  # the initial prisoners still leave
    assert ts["prison_population"].iloc[-1] < ts["prison_population"].iloc[0]


def test_statuses_and_release_calendar_are_consistent():
    m = OCGModel(rng=2, scale=0.01, years=1).run(30)
    pop = m.population
    inside = m.places.prisoners()
    assert np.isin(pop.status[inside], (REMAND, SENTENCED)).all()
    # everyone inside has a release date in the future, and is in the calendar for it
    assert (pop.release_week[inside] > m.week).all()
    for person in inside[:200].tolist():
        assert person in m.justice.release_calendar.due(int(pop.release_week[person]))
    at_large = np.flatnonzero(pop.status[: pop.n] == AT_LARGE)
    assert (pop.prison[at_large] == -1).all()


def test_release_calendar_keeps_each_weeks_list_in_the_order_it_was_added():
    from sim.processes.custody import ReleaseCalendar
    from sim.state.population import Population

    rng = np.random.default_rng(12)
    pop = Population(5000)
    pop.add(5000)

    class SmallBlocks(ReleaseCalendar):
        BLOCK = 2  # the first 1,024 blocks run out: more are made in the middle of a batch

    calendar = SmallBlocks(pop, 20)
    expected: dict[int, list[int]] = {}
    unlisted = list(rng.permutation(5000))
    for week in range(60):
        # a batch of adds (some weeks far ahead: the calendar grows, blocks run out and grow)
        k = int(rng.integers(0, 300))
        people = np.array([unlisted.pop() for _ in range(min(k, len(unlisted)))], dtype=np.int64)
        weeks = week + 1 + rng.integers(0, 40, people.size) * rng.integers(1, 4, people.size)
        calendar.add(people, weeks)
        for person, w in zip(people.tolist(), weeks.tolist(), strict=True):
            expected.setdefault(w, []).append(person)
        assert (pop.release_week[people] == weeks).all()
        assert calendar.due(week + 5).tolist() == expected.get(week + 5, [])  # the list stays
        taken = calendar.take(week)
        assert taken.tolist() == expected.pop(week, [])
        assert calendar.take(week).size == 0
        unlisted.extend(taken.tolist())  # released: may be listed again
    for w in range(60, calendar.head.size):
        assert calendar.due(w).tolist() == expected.pop(w, [])
    assert not expected
    assert calendar.fill.size > 1024


def test_calibration_targets_roughly_hold_at_small_scale():
    # scale 0.03, 2 years, one seed: occupancy near capacity and a plausible reception rate
    m = OCGModel(rng=5, scale=0.03, years=2).run()
    s = m.summary()
    assert 0.85 < s["prison_population"] / (89_543 * 0.03) <= 1.0
    receptions = s["receptions_per_year"] / 0.03
    assert 40_000 < receptions < 110_000
    assert s["max_occupancy_rate"] <= 1.0


def test_every_week_stamp_fits_its_two_bytes():
    """Week stamps are int16: the longest run, the longest hold and the sentinels stay inside."""
    from sim.params import spec
    from sim.processes.custody import MAX_SENTENCE_WEEKS, CourtDraws
    from sim.state.population import _FIELDS, LAST_WEEK, WEEK, WEEK_STAMPS

    top = np.iinfo(WEEK).max
    last_week = int(spec("run.years").high) * 52
    ahead = max(
        MAX_SENTENCE_WEEKS,
        int(spec("justice.recall_max_weeks").high),
        int(spec("disruption.separation_weeks").high),
        int(spec("disruption.phone_seizure_weeks").high),
    )
    assert all(_FIELDS[name][0] is WEEK for name in WEEK_STAMPS)
    lowest = min(_FIELDS[name][1] for name in WEEK_STAMPS)
    assert last_week + ahead < top
    assert last_week - lowest < top  # (weeks since a sentinel)
    assert LAST_WEEK + ahead < top and LAST_WEEK - lowest < top  # (run(weeks) past run.years)
    assert -int(spec("community.tie_memory_weeks").high) > np.iinfo(WEEK).min
    # terms and remand are capped, however long their means (here far beyond the allowed ranges)
    model = OCGModel(None, rng=3, scale=0.002, years=1)
    j = model.params.justice
    justice = {name: getattr(j, name) for name in dir(j) if not name.startswith("_")}
    justice.update(remand_weeks=1e5, sentence_months_mean=1e5)
    extreme = SimpleNamespace(params=SimpleNamespace(justice=SimpleNamespace(**justice)))
    draws = CourtDraws(extreme, np.random.default_rng(0), 1000)
    assert draws.remand_hold.max() == MAX_SENTENCE_WEEKS
    assert draws.sentence.max() == MAX_SENTENCE_WEEKS


def test_the_model_refuses_to_run_past_its_last_week(monkeypatch):
    import sim.model.core
    from sim.state.population import WEEK_STAMPS

    model = OCGModel(None, rng=3, scale=0.002, years=1)
    assert all(getattr(model.population, name).dtype == np.int16 for name in WEEK_STAMPS)
    monkeypatch.setattr(sim.model.core, "LAST_WEEK", 4)  # (the real one is 20,000 weeks away)
    model.run(4)  # the last week is allowed
    with pytest.raises(RuntimeError, match="cannot run past week 4"):
        model.step()
    assert model.week == 4
