"""Harm in pounds by crime type (issue 25): per-type offence rates, unit costs, the invariant."""

from __future__ import annotations

import numpy as np
import pytest

from sim.cli.main import main
from sim.model.core import OCGModel
from sim.params import spec
from sim.params.schema import ScenarioError
from sim.processes.harm import market_shares, offence_rates, unit_costs
from sim.state.crimes import (
    CRIMES,
    PRICE_YEAR,
    PRISON_VIOLENCE_COST,
    REFERENCE_MEMBERS_AT_LARGE,
)
from sim.state.population import CRIME_TYPES, DRUGS

FRAUD = CRIME_TYPES.index("fraud")


def test_the_table_has_a_sourced_volume_and_unit_cost_for_every_type():
    assert PRICE_YEAR == "2015/16"
    for c in CRIMES:
        assert c.recorded > 0, c.name
        assert c.unit_cost >= 0 and c.aggregate_cost >= 0, c.name
        assert not (c.unit_cost and c.aggregate_cost), c.name  # one way of costing it
        assert set(c.sources or {}) == {"recorded", "unit_cost"}, c.name
        assert all(c.sources.values()), c.name


def test_the_rates_reproduce_the_recorded_volumes_at_the_recording_ratio():
    shares = market_shares(0.73, 0.3)
    assert shares[DRUGS] > 0.73 and np.all(shares > 0) and np.all(shares < 1)
    for ratio in (0.1, 0.25, 0.5):
        rates = offence_rates(ratio, shares)
        recorded = rates * ratio * 52 * REFERENCE_MEMBERS_AT_LARGE * shares
        assert np.allclose(recorded, [c.recorded for c in CRIMES], rtol=1e-12)


def test_a_lower_recording_ratio_means_more_offences():
    shares = market_shares(0.73, 0.3)
    low, high = offence_rates(0.1, shares), offence_rates(0.4, shares)
    assert np.all(low > high)
    assert np.allclose(low / high, 4.0)
    m = OCGModel(rng=1, scale=0.02, years=1, **{"harm.recording_ratio": 0.1})
    d = OCGModel(rng=1, scale=0.02, years=1)
    assert np.allclose(m.harm.rates, d.harm.rates * spec("harm.recording_ratio").default / 0.1)


def test_the_recording_ratio_moves_pounds_only_where_a_unit_cost_is_published():
    shares = market_shares(0.73, 0.3)
    gbp = {r: offence_rates(r, shares) * unit_costs(r) for r in (0.1, 0.4)}
    market = np.array([c.aggregate_cost > 0 for c in CRIMES])
    per_offence = np.array([c.unit_cost > 0 for c in CRIMES])
    assert market.any() and per_offence.any()
    # a market costed in aggregate: more, cheaper offences, the same pounds
    assert np.allclose(gbp[0.1][market], gbp[0.4][market])
    assert np.all(unit_costs(0.1)[market] < unit_costs(0.4)[market])
    # a published unit cost: more offences, more pounds
    assert np.allclose(gbp[0.1][per_offence], 4.0 * gbp[0.4][per_offence])
    # and at the reference membership the aggregate is the market's cost a year
    for b, c in enumerate(CRIMES):
        if c.aggregate_cost:
            members = REFERENCE_MEMBERS_AT_LARGE * shares[b]
            assert gbp[0.1][b] * 52 * members == pytest.approx(c.aggregate_cost)


def _week_of_harm(model: OCGModel) -> dict[str, float]:
    """Harm's counts for one more harm step on the model's current state."""
    model.harm.count.reset()
    model.harm.step()
    c = model.harm.count
    return {
        "gbp": c.oc_harm_gbp,
        "harm": c.oc_harm,
        "drugs": c.oc_harm_gbp_drugs,
        "fraud": c.oc_harm_gbp_fraud,
        "offences": c.oc_offences,
    }


def test_a_group_that_enters_a_new_market_adds_harm():
    m = OCGModel(rng=4, scale=0.05, years=1).run(20)
    ocgs = m.ocgs
    n = ocgs.n
    rows = np.arange(n)
    drugs_only = rows[ocgs.alive[:n] & (ocgs.crime_types[:n] == (1 << DRUGS))]
    busy = [g for g in drugs_only if (m.population.ocg[ocgs.member_rows()] == g).any()]
    assert busy, "no drugs-only group with members"
    group = busy[0]
    before = _week_of_harm(m)
    rank_before = m.harm.by_group[group]
    ocgs.crime_types[group] |= np.uint16(1 << FRAUD)
    after = _week_of_harm(m)
    # harm is an expectation given the state: only the new market's offending is added
    assert after["gbp"] > before["gbp"]
    assert after["harm"] > before["harm"]
    assert after["offences"] > before["offences"]
    assert after["drugs"] == before["drugs"]  # its drugs offending is not split
    assert after["fraud"] > before["fraud"]
    assert after["gbp"] - before["gbp"] == pytest.approx(after["fraud"] - before["fraud"])
    assert m.harm.by_group[group] > rank_before  # police see the added harm too


def test_harm_in_pounds_is_offences_times_unit_costs_on_a_run():
    uprating = 1.3
    s = OCGModel(rng=2, scale=0.05, years=2, **{"harm.gbp_uprating": uprating}).run().summary()
    costs = unit_costs(spec("harm.recording_ratio").default) * uprating
    by_type = sum(s[f"oc_offences_{k}_per_year"] * costs[b] for b, k in enumerate(CRIME_TYPES))
    for b, kind in enumerate(CRIME_TYPES):
        expected = s[f"oc_offences_{kind}_per_year"] * costs[b]
        assert s[f"oc_harm_gbp_{kind}_per_year"] == pytest.approx(expected, rel=1e-9)
    prison = s["debt_violence_per_year"] * PRISON_VIOLENCE_COST * uprating
    assert s["oc_harm_gbp_prison_violence_per_year"] == pytest.approx(prison, rel=1e-9)
    assert s["oc_harm_gbp_per_year"] == pytest.approx(by_type + prison, rel=1e-9)
    offences = sum(s[f"oc_offences_{k}_per_year"] for k in CRIME_TYPES)
    assert s["oc_offences_per_year"] == pytest.approx(offences, rel=1e-9)
    assert s["oc_harm_gbp_per_year"] > 0


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("harm.recording_ratio", 0.0),
        ("harm.recording_ratio", 1.5),
        ("harm.gbp_uprating", -1.0),
        ("harm.gbp_uprating", "a lot"),
    ],
)
def test_bad_values_of_the_new_parameters_are_refused(key, value):
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        OCGModel(rng=1, scale=0.02, years=1, **{key: value})


def test_a_bad_recording_ratio_on_the_command_line_is_one_line_and_exit_2(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["run", "--scale", "0.01", "--years", "1", "--set", "harm.recording_ratio=0"]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "harm.recording_ratio" in err[0] and "[0.01, 1]" in err[0]
    assert not out.exists()
