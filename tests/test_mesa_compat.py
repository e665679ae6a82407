from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.model.core import OCGModel


def test_batch_run_returns_model_metrics():
    rows = mesa.batch_run(
        OCGModel,
        parameters={
            "scale": 0.01,
            "years": 1,
            "prison_life.recruit_probability": [0.0005, 0.002],
            "rng": [1, 2],
        },
        iterations=1,
        max_steps=60,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    assert len(df) >= 4
    for col in ("recruits_prison", "prison_population", "ocg_members", "items_created"):
        assert col in df.columns, col
    assert set(df["prison_life.recruit_probability"]) == {0.0005, 0.002}
    assert set(df["rng"]) == {1, 2}
    # one year is 52 weeks: the model stops itself (running=False) before max_steps=60;
    # mesa reports the index of the last collected row (51, zero-based)
    assert df["Step"].max() in (51, 52)
    assert (df["prison_population"] > 0).all()


def test_model_is_a_mesa_model_with_agents_and_datacollector():
    model = OCGModel(rng=1, scale=0.01, years=1)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) > 0
    model.step()
    assert model.steps == 1 and model.week == 1
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 1 and "recruits_prison" in df.columns


def test_the_records_hold_numbers_so_they_need_no_copies():
    """``sim.model.core.Records`` skips Mesa's deep copy of each value: each must be a number."""
    import numbers

    model = OCGModel(rng=3, scale=0.01, years=1).run(8)
    assert len(model.datacollector.model_vars) > 50
    for name, values in model.datacollector.model_vars.items():
        assert len(values) == 8, name
        assert all(isinstance(v, numbers.Number) for v in values), name


def test_section_key_keywords_are_accepted():
    a = OCGModel(rng=1, scale=0.01, years=1, prison_life__recruit_probability=0.002)
    assert a.scenario_params["prison_life.recruit_probability"] == 0.002


def test_agents_are_the_pios_and_police_units_and_offenders_are_rows():
    from sim.state.agents import OffenderView, PoliceUnit, PrisonIntelligenceOfficer

    model = OCGModel(rng=1, scale=0.01, years=1).run(10)
    kinds = {type(a) for a in model.agents}
    assert kinds == {PrisonIntelligenceOfficer, PoliceUnit}
    assert len(model.agents) == len(model.intelligence.pios) + len(model.disruption.police_units)
    pop = model.population
    member = int(np.flatnonzero(pop.ocg[: pop.n] >= 0)[0])
    view = model.offender(member)
    assert isinstance(view, OffenderView)
    assert view.ocg == pop.ocg[member] and view.index == member
    assert view.status in ("at_large", "remand", "sentenced", "gone")
    assert view.as_dict()["ocg"] == view.ocg
    pop.ocg[member] = -1  # a view, not a copy
    assert view.ocg is None
    with pytest.raises(IndexError):
        model.offender(pop.n)


def test_a_closed_model_is_freed():
    import gc
    import weakref

    from sim.api import simulate

    model = OCGModel(rng=1, scale=0.01, years=1).run(5)
    ref = weakref.ref(model)
    model.close()
    del model
    gc.collect()
    assert ref() is None, "Mesa's Agent._ids (or anything else) still holds the model"
    summary = simulate({"run.scale": 0.01, "run.years": 1}, 3)
    assert summary["weeks"] == 52
