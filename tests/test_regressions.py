"""Regression tests for bugs found in review (each would fail on the code before its fix)."""

import numpy as np
import pytest

from sim import OCGModel
from sim.cli.main import main


@pytest.mark.parametrize("overcrowding", [0.77, 1.13, 1.4])
def test_wings_never_over_capacity_with_overcrowding(overcrowding):
    # prison capacity used to be rounded separately from its wings' capacities, so a prison could
    # accept a prisoner none of its wings had room for
    m = OCGModel(rng=1, scale=0.02, years=1, **{"estate.overcrowding": overcrowding})
    m.check_invariants()
    for _ in range(26):
        m.step()
        m.check_invariants()
    assert (m.places.capacity == np.bincount(m.world.wing_prison, m.places.wing_capacity)).all()


def test_running_past_the_run_length_keeps_counting():
    m = OCGModel(rng=1, scale=0.02, years=1)
    m.run(weeks=120)  # past run.years: used to raise IndexError
    assert m.week == 120
    assert m.justice.releases_by_week[100:121].sum() > 0


def test_an_item_reaching_several_tiers_is_acted_on_once():
    # with one database every item reaches all three tiers; acted_rate used to exceed 1
    s = (
        OCGModel(
            rng=1,
            scale=0.02,
            years=2,
            intervention_week=0,
            **{"sharing.common_database": True, "disruption.police_actions_per_region": 400.0},
        )
        .run()
        .summary()
    )
    assert 0 < s["acted_rate"] <= 1
    m = OCGModel(
        rng=1, scale=0.02, years=1, intervention_week=0, **{"sharing.common_database": True}
    )
    m.run()
    acted = int((m.items.acted[: m.items.n] >= 0).sum())
    assert acted == int(m.timeseries()["items_acted"].sum())


def test_dispersal_never_chooses_an_open_prison():
    # dispersal used to pick any prison with a place, open prisons included
    from sim.state.world import OPEN

    m = OCGModel(rng=2, scale=0.1, years=1)
    assert (m.world.prison_category == OPEN).any()
    picks = [m.disruption._other_prison(0, None) for _ in range(200)]
    assert all(p >= 0 and m.world.prison_category[p] != OPEN and p != 0 for p in picks)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--seed", "-1", "--scale", "0.01", "--years", "1"],
        ["calibrate", "--seeds", "0", "--scale", "0.01", "--years", "1"],
    ],
)
def test_bad_numbers_on_the_command_line_give_one_line(argv, tmp_path, capsys):
    if argv[0] == "run":
        argv = [*argv, "--out", str(tmp_path / "out")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("ocgsim: error:")
    assert not (tmp_path / "out").exists()


def test_long_sentences_in_range_do_not_overflow():
    m = OCGModel(
        rng=1,
        scale=0.01,
        years=1,
        **{"justice.sentence_sigma": 3.0, "justice.sentence_months_mean": 600.0},
    )
    m.run()
    m.check_invariants()
