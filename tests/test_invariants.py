from __future__ import annotations

import numpy as np
import pytest
from conftest import step_checked
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.metrics import Tally
from sim.model.core import OCGModel

TINY = {"scale": 0.01, "years": 1, "intervention_week": 13}


def _check_accounting(rows):
    for r in rows:
        # prisons: people in (receptions + recalls) - people out (releases) = change in stock
        d_prison = r["prison_after"] - r["prison_before"]
        assert d_prison == r["receptions"] + r["recalls"] - r["releases"], r
        # at large: releases in, custody out, entrants in, desisted out
        d_large = r["large_after"] - r["large_before"]
        assert d_large == (
            r["releases"] - r["receptions"] - r["recalls"] + r["entrants"] - r["desisted"]
        ), r
        # the at-large population is kept stationary: each desister is replaced
        assert r["desisted"] == r["entrants"], r


@pytest.mark.parametrize(
    ("scenario", "seed"),
    [(None, 1), (None, 2), ("recommendations", 3), ("disperse_high_risk", 4), ("italy_41bis", 5)],
)
def test_invariants_and_accounting_every_week(scenario, seed):
    model = OCGModel(scenario, rng=seed, **TINY)
    rows = step_checked(model, every=1)
    assert len(rows) == 52
    _check_accounting(rows)
    assert sum(r["receptions"] for r in rows) > 0 and sum(r["releases"] for r in rows) > 0


def test_prison_accounting_from_timeseries():
    model = OCGModel("concentrate_high_risk", rng=8, scale=0.02, years=2, intervention_week=20)
    model.run()
    ts = model.timeseries()
    # the stock before week 1 is not in the timeseries: compare consecutive weeks
    d = ts["prison_population"].diff().iloc[1:]
    flows = (ts["receptions"] + ts["recalls"] - ts["releases"]).iloc[1:]
    assert (d == flows).all(), ts.loc[d != flows, ["week", "prison_population"]]
    assert (ts["prison_population"] <= ts["capacity"]).all()
    assert (ts["ocg_members"] == ts["ocg_members_in_prison"] + ts["ocg_members_at_large"]).all()
    assert ts["transfers"].sum() > 0  # transfers move people but do not change the stock


def test_at_large_accounting_from_timeseries():
    model = OCGModel(rng=2, **TINY).run()
    ts = model.timeseries()
    assert {"desisted", "entrants"} <= set(ts.columns)
    assert (ts["desisted"] == ts["entrants"]).all()
    d = ts["offenders_at_large"].diff().iloc[1:]
    flows = (
        ts["releases"] - ts["receptions"] - ts["recalls"] + ts["entrants"] - ts["desisted"]
    ).iloc[1:]
    assert (d == flows).all()


def test_full_estate_diverts_and_never_overfills():
    # a tiny estate (200 places at full scale) with a high offence hazard: always full
    model = OCGModel(
        rng=3,
        scale=0.05,
        years=1,
        **{"estate.capacity": 4000, "justice.offence_hazard": 0.02},
    )
    rows = step_checked(model, every=4)
    _check_accounting(rows)
    ts = model.timeseries()
    assert ts["diverted"].sum() > 0
    assert (ts["prison_population"] <= ts["capacity"]).all()
    assert ts["prison_population"].iloc[-10:].min() >= 0.95 * ts["capacity"].iloc[-1]


@pytest.mark.parametrize(
    "overrides",
    [
        {"scale": 0.005},
        {"population.ocgs": 0},
        {"intelligence.pios_per_1000": 0.0},
        {"intervention_week": 0},
        {"estate.overcrowding": 1.4, "regime.faction_control": 0.6},
        {"population.offenders_at_large": 0},
    ],
    ids=["tiny_scale", "no_ocgs", "no_pios", "week0", "brazil_like", "nobody_at_large"],
)
def test_edge_cases_run_and_hold_invariants(overrides):
    kw = {**TINY, **overrides}
    model = OCGModel(rng=6, **kw)
    rows = step_checked(model, every=4)
    _check_accounting(rows)
    ts = model.timeseries()
    assert len(ts) == 52
    assert np.isfinite(ts.drop(columns=["week"]).to_numpy(dtype=float)).all()
    summary = model.summary()
    assert summary["weeks"] == 52


def test_zero_ocgs_stays_without_members_in_prison():
    model = OCGModel(rng=6, **{**TINY, "population.ocgs": 0}).run()
    ts = model.timeseries()
    assert len(ts) == 52
    # no group is founded (founding draws on open roles, which only groups have) ...
    assert (ts["formations"] == 0).all() and (ts["active_ocgs"] == 0).all()
    # ... so in no week is there a member in prison, nor anyone recruited or reported on inside
    assert (ts["ocg_members_in_prison"] == 0).all()
    assert (ts["prisons_with_ocg_presence"] == 0).all()
    assert ts["recruits_prison"].sum() == 0 and ts["items_created"].sum() == 0
    assert not (model.population.ocg >= 0).any()  # nobody, inside or out, is a member at the end


def test_zero_pios_create_no_items():
    model = OCGModel(rng=6, **{**TINY, "intervention_week": 0, "intelligence.pios_per_1000": 0.0})
    model.run()
    ts = model.timeseries()
    assert (ts["pios"] == 0).all()
    assert ts["items_created"].sum() == 0
    assert ts["items_shared"].sum() == 0


def test_a_tally_resets_and_has_only_its_declared_counts():
    tally = Tally(["receptions", "releases"])
    tally.receptions += 5
    tally.reset()
    assert tally.receptions == 0 and tally.releases == 0
    with pytest.raises(AttributeError):
        tally.not_declared += 1  # a counter that is not declared does not exist


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    recruit=st.floats(0.0, 0.05),
    offence=st.floats(0.0, 0.05),
    contacts=st.floats(0.0, 20.0),
    debt=st.floats(0.0, 0.05),
    jv=st.floats(0.0, 0.2),
    policy=st.sampled_from(["none", "disperse", "concentrate"]),
    pios=st.floats(0.0, 10.0),
    database=st.booleans(),
    isolate=st.booleans(),
    occupancy=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_invariants_hold_for_random_parameters(
    recruit, offence, contacts, debt, jv, policy, pios, database, isolate, occupancy, seed
):
    model = OCGModel(
        rng=seed,
        scale=0.005,
        years=1,
        intervention_week=5,
        **{
            "prison_life.recruit_probability": recruit,
            "justice.offence_hazard": offence,
            "prison_life.contacts_per_week": contacts,
            "market.debt_probability": debt,
            "prison_life.joint_venture_probability": jv,
            "disruption.transfer_policy": policy,
            "intelligence.pios_per_1000": pios,
            "sharing.common_database": database,
            "regime.isolate_leaders": isolate,
            "estate.initial_occupancy": occupancy,
        },
    )
    rows = step_checked(model, every=5)
    _check_accounting(rows)


def test_records_and_summary_follow_the_declarations():
    from sim.metrics import catalogue, series_catalogue
    from sim.model.core import PROCESSES

    model = OCGModel(rng=3, **TINY).run()
    ts, summary = model.timeseries(), model.summary()
    declared = [m.name for m in series_catalogue(PROCESSES)]
    assert list(ts.columns) == ["week", *declared]  # every declared flow and stock, nothing else
    assert len(set(declared)) == len(declared)
    assert sorted(summary) == sorted(e.name for e in catalogue(PROCESSES))
    # every process's tally holds exactly its declared flows
    for process in model.processes:
        flows = {m.name for m in process.METRICS if m.kind == "flow"}
        assert set(vars(process.count)) - {"_names"} == flows, process.name


def test_the_index_arrays_after_prison_life_are_those_of_a_fresh_listing():
    # prison life adds its recruits to the week's index arrays instead of listing them again
    from sim.model.week import WeekIndex

    m = OCGModel(rng=8, scale=0.02, years=1, **{"prison_life.recruit_probability": 0.01})
    recruits = 0
    for _ in range(20):
        m.week += 1
        for process in m.processes:
            process.count.reset()
        m.schedule.step()
        m.justice.step()
        m.refresh_week_index()  # prison life's INDEX_BEFORE
        m.prison_life.step()
        recruits += m.prison_life.count.recruits_prison
        fresh = WeekIndex(m)
        assert np.array_equal(m.week_index.members, fresh.members)
        assert np.array_equal(m.week_index.members_inside, fresh.members_inside)
        for process in m.processes[3:]:
            process.step()
        m.refresh_week_index()
    assert recruits > 20


def test_only_prisoners_on_remand_are_convicted_and_each_once():
    from sim.state.population import REMAND

    model = OCGModel(rng=4, scale=0.01, years=1)
    status = model.population.status[model.places.prisoners()]
    remand = model.places.prisoners()[status == REMAND]
    sentenced = model.places.prisoners()[status != REMAND]
    before = model.places.remand
    with pytest.raises(ValueError, match="on remand"):
        model.places.convict(sentenced[:1])
    with pytest.raises(ValueError, match="twice"):
        model.places.convict(remand[[0, 0]])
    assert model.places.remand == before
    model.places.convict(remand[:3])
    assert model.places.remand == before - 3
    model.check_invariants()
