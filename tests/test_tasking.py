"""Police tasking from several intelligence sources (sim.processes.disruption).

Direction tests use common random numbers: the arms of a comparison share their seeds, and the
other-source leads are keyed by group and week, so the same group has the same leads in every arm.
"""

import numpy as np
import pytest

from sim.fast.keyed import decision_key, keyed_uniforms
from sim.model.core import OCGModel

SMALL = {"scale": 0.05, "years": 3}
SEEDS = (1, 2, 3)


def summary(scenario=None, seed=1, **overrides):
    return OCGModel(scenario, rng=seed, **{**SMALL, **overrides}).run().summary()


def test_keyed_uniforms_depend_only_on_key_week_and_id():
    ids = np.arange(50_000)
    a = keyed_uniforms(decision_key(7, "lead"), 12, ids)
    assert np.array_equal(a[1000:1010], keyed_uniforms(decision_key(7, "lead"), 12, ids[1000:1010]))
    assert not np.array_equal(a, keyed_uniforms(decision_key(7, "lead"), 13, ids))
    assert not np.array_equal(a, keyed_uniforms(decision_key(8, "lead"), 12, ids))
    assert not np.array_equal(a, keyed_uniforms(decision_key(7, "other"), 12, ids))
    # uniform on [0, 1): mean and the share in each tenth within 5 standard errors
    assert ((a >= 0) & (a < 1)).all()
    counts = np.bincount((a * 10).astype(int), minlength=10)
    assert np.abs(counts - 5000).max() < 5 * np.sqrt(50_000 * 0.1 * 0.9)
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) < 0.02  # neighbouring ids not correlated


def test_without_prison_intelligence_police_still_spend_their_capacity():
    # several sources: no_sharing leaves the police other leads; the prison-only funnel idles
    several = summary("no_sharing", scale=0.1, years=4)
    funnel = summary("no_sharing", scale=0.1, years=4, **{"disruption.tasking": "prison_only"})
    used = several["operations_per_year"] / several["police_capacity_per_year"]
    assert used >= 0.9  # (0.95 at scale 0.1, seed 1; higher at larger scales)
    assert funnel["operations_per_year"] < 0.5 * funnel["police_capacity_per_year"]
    assert funnel["operations_other_sources_per_year"] == 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_larger_prison_share_means_more_operations_from_prison_intelligence(seed):
    low = summary(seed=seed, **{"disruption.prison_tasking_share": 0.2})
    high = summary(seed=seed, **{"disruption.prison_tasking_share": 0.8})
    assert high["operations_prison_intel_per_year"] > low["operations_prison_intel_per_year"]
    assert high["operations_other_sources_per_year"] < low["operations_other_sources_per_year"]


def test_other_source_operations_go_to_the_most_harmful_groups_with_leads():
    model = OCGModel(rng=4, scale=0.1, years=2).run(60)
    d = model.disruption
    harm_before = model.harm.by_group.copy()
    chosen_harm, open_harm = [], []
    original = d._other_source_operations

    def spy(spare, targeted):
        ops = original(spare, targeted)
        open_rows = np.flatnonzero(d.lead_week[: model.ocgs.n] >= 0)
        chosen_harm.extend(harm_before[g] for g, _, _ in ops if g < harm_before.size)
        open_harm.extend(harm_before[open_rows[open_rows < harm_before.size]])
        return ops

    d._other_source_operations = spy
    for _ in range(10):
        harm_before = model.harm.by_group.copy()
        model.step()
    assert chosen_harm and open_harm
    assert np.mean(chosen_harm) > np.mean(open_harm)


def test_the_prison_only_funnel_keeps_every_region_at_the_same_capacity():
    model = OCGModel(rng=2, scale=0.1, years=1, **{"disruption.tasking": "prison_only"})
    share = model.world.police_share
    assert share.max() > 2 * share.min()  # police strength differs by region
    model.run(30)
    assert model.summary()["operations_other_sources_per_year"] == 0
