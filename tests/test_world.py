from __future__ import annotations

import numpy as np
import pytest

from sim.model.core import OCGModel
from sim.state.world import HIGH_SECURITY, LOCAL, OPEN, TRAINING


@pytest.mark.parametrize("scale", [0.005, 0.02, 0.05])
def test_england_wales_world_layout(scale):
    m = OCGModel(rng=1, scale=scale, years=1)
    w = m.world
    assert w.n_regions == 10
    assert w.n_prisons >= 4
    assert np.isclose(w.region_share.sum(), 1.0)
    # capacity is the scaled estate, split exactly over prisons and over their wings
    assert w.prison_capacity.sum() == max(2, round(89_543 * scale))
    for p, wings in enumerate(w.prison_wings):
        assert (w.wing_prison[wings] == p).all()
        assert w.wing_capacity[wings].sum() == w.prison_capacity[p]
    assert (w.wing_capacity <= 80).all()
    assert set(np.unique(w.prison_category)) <= {HIGH_SECURITY, LOCAL, TRAINING, OPEN}
    # initial occupancy near the documented 96.5%, never above capacity
    occ = m.places.occupancy.sum() / m.places.capacity.sum()
    assert 0.9 < occ <= 1.0
    # populations scale with `scale`
    at_large = m.places.at_large.count.sum()
    assert abs(at_large - 400_000 * scale) <= 0.02 * 400_000 * scale + 5
    m.check_invariants()


def test_larger_scale_has_more_prisons_and_people():
    small = OCGModel(rng=1, scale=0.01, years=1)
    large = OCGModel(rng=1, scale=0.1, years=1)
    assert large.world.n_prisons > small.world.n_prisons
    assert large.population.n > small.population.n
    assert len(large.ocgs.active()) > len(small.ocgs.active())


def test_humberside_world():
    m = OCGModel("humberside", rng=1, scale=1.0, years=1)
    w = m.world
    assert w.n_regions == 1
    assert w.prison_names == ["HMP Hull", "HMP Humber"]
    assert list(w.prison_category) == [LOCAL, TRAINING]
    assert w.prison_capacity.sum() == 2000
    m.run(26)
    m.check_invariants()
    ts = m.timeseries()
    assert (ts["prison_population"] <= ts["capacity"]).all()
    assert ts["receptions"].sum() > 0 and ts["ocg_members"].iloc[-1] > 0


def test_overcrowding_raises_capacity():
    base = OCGModel(rng=1, scale=0.02, years=1)
    crowded = OCGModel(rng=1, scale=0.02, years=1, **{"estate.overcrowding": 1.4})
    ratio = crowded.places.capacity.sum() / base.places.capacity.sum()
    assert 1.35 < ratio < 1.45
    assert crowded.places.occupancy.sum() > base.places.occupancy.sum()


def test_initial_ocgs_match_parameters():
    m = OCGModel(rng=3, scale=0.02, years=1)
    active = m.ocgs.active()
    assert abs(len(active) - 4500 * 0.02) <= 1
    pop = m.population
    members = np.flatnonzero(pop.ocg[: pop.n] >= 0)
    assert members.size > 2 * len(active)
    # every group has exactly one leader, and leaders are high risk
    leaders = m.ocgs.leader[active]
    assert (leaders >= 0).all()
    assert pop.high_risk[leaders].all()
