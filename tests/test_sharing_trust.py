from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, assert_decreases, assert_increases, run

from sim.levers import LEVERS
from sim.model.core import OCGModel
from sim.processes import sharing
from sim.scenario import load_scenario, scenarios_dir

S = "sharing."
# Paired runs at scale 0.02 for two years (conftest.COMMON), levers on from week 0. Measured over
# 8 seeds:
#   common_database: share rate 0.49 -> 1.00 (paired sd 0.023, z 63);
#                    mean delay to action 3.97 -> 3.28 weeks (sd 0.43, z 4.5);
#   software_complexity 1 -> 0.5: mean delay -0.94 weeks (sd 0.41, z 6.5);
#   approval_weeks 2 -> 0: mean delay -1.78 weeks (sd 0.48, z 10);
#   liaison_officers 0 -> 2: mean delay -1.75 weeks (sd 0.48, z 10);
#   meetings 2/1/0.5 -> 12/6/4 a year: mean trust +0.10 (sd 0.010, z 28).
DB = {S + "common_database": True}
ZERO_TRUST = {
    "trust.initial": 0.0,
    "trust.culture_gap": 1.0,
    "trust.meetings_local": 0.0,
    "trust.meetings_regional": 0.0,
    "trust.meetings_national": 0.0,
    "trust.pio_liaison_gain": 0.0,
    "trust.acted_gain": 0.0,  # nothing raises trust from zero
}


def test_common_database_shares_more():
    assert_increases("share_rate", {}, DB, seeds=SEEDS[:4], k=3)


def test_common_database_shortens_the_delay():
    # At the default police capacity (0.08 actions a week per region at scale 0.02) the mean
    # delay of *acted-on* items is dominated by which item the police pick: measured paired
    # difference -0.41 weeks, sd 0.64, z 1.8 over 8 seeds (not reliably detectable). With ample
    # police capacity in both arms the sharing delay shows: -0.74 weeks, sd 0.11, z 17 over 6.
    cap = {"disruption.police_actions_per_region": 100.0}
    assert_decreases("mean_delay_weeks", cap, {**cap, **DB}, seeds=SEEDS[:5], k=3)


def _arrival_delays(seed: int, **overrides) -> np.ndarray:
    """Weeks from creation to arrival of the items created in the first 80 weeks of two years
    (late items have not all arrived by the end: their mean would be cut short)."""
    m = OCGModel(rng=seed, scale=0.01, years=2, intervention_week=0, **overrides).run()
    items = m.items
    early = items.created[: items.n] <= 80
    arrive = items.arrive[: items.n][early]
    created = items.created[: items.n, None][early]
    return (arrive - created)[arrive >= 0]


def test_common_database_items_arrive_sooner():
    # every shared item's delay from creation to arrival at a police tier, at default capacity
    for seed in SEEDS[:2]:
        base, db = _arrival_delays(seed), _arrival_delays(seed, **DB)
        assert base.size > 50 and db.size > base.size
        assert db.mean() < base.mean() - 0.5


def test_simpler_software_shortens_the_delay():
    # As for the database: at default police capacity the delay of acted-on items mostly reflects
    # which OCG the police pick (measured -0.23 weeks, se 0.51 over 6 seeds), so the capacity is
    # ample in both arms here.
    cap = {"disruption.police_actions_per_region": 100.0}
    fast = {**cap, S + "software_complexity": 0.5}
    assert_decreases("mean_delay_weeks", cap, fast, seeds=SEEDS[:5], k=3)


def test_simpler_software_items_arrive_sooner():
    # designed mean arrival delay 4 weeks -> 3 weeks
    for seed in SEEDS[:2]:
        base = _arrival_delays(seed)
        fast = _arrival_delays(seed, **{S + "software_complexity": 0.5})
        assert base.size > 50 and fast.size > 50
        assert fast.mean() < base.mean() - 0.5


def test_faster_approval_shortens_the_delay():
    # the delay to action includes waiting in the police queue: capacity ample in both arms
    cap = {"disruption.police_actions_per_region": 100.0}
    fast = {**cap, S + "approval_weeks": 0.0}
    assert_decreases("mean_delay_weeks", cap, fast, seeds=SEEDS[:5], k=3)


def test_liaison_officers_shorten_the_delay():
    cap = {"disruption.police_actions_per_region": 100.0}
    fast = {**cap, S + "liaison_officers": 2.0}
    assert_decreases("mean_delay_weeks", cap, fast, seeds=SEEDS[:5], k=3)


def test_more_meetings_raise_trust():
    more = {"trust.meetings_local": 12.0, "trust.meetings_regional": 6.0}
    more["trust.meetings_national"] = 4.0
    assert_increases("mean_trust", {}, more, seeds=SEEDS[:4], k=3)


def test_sharing_disabled_shares_and_acts_on_nothing():
    off = {S + "enabled": False}
    for seed in SEEDS[:2]:
        _, base = run(seed)
        _, ts = run(seed, **off)
        # the baseline does share, act and share back: the test can fail
        assert base["items_shared"].sum() > 0 and base["items_acted"].sum() > 0
        assert ts["items_created"].sum() > 0
        assert ts["items_shared"].sum() == 0
        assert ts["items_acted"].sum() == 0
        assert ts["shared_back"].sum() == 0
        assert ts[["items_shared_local", "items_shared_regional"]].to_numpy().sum() == 0


def test_sharing_back_happens_at_baseline():
    total = sum(run(seed, **DB)[1]["shared_back"].sum() for seed in SEEDS[:2])
    assert total > 0


def test_sharing_switched_off_mid_run():
    m = OCGModel("no_sharing", rng=5, scale=0.02, years=2, intervention_week=30).run()
    ts = m.timeseries()
    before, after = ts[ts["week"] < 30], ts[ts["week"] >= 30]
    assert before["items_shared"].sum() > 0
    assert after["items_shared"].sum() == 0 and after["shared_back"].sum() == 0
    # items already on their way may still be acted on for a few weeks, then nothing
    assert ts.loc[ts["week"] >= 30 + 26, "items_acted"].sum() == 0


def test_zero_trust_blocks_the_trust_gated_route():
    for seed in SEEDS[:2]:
        _, ts = run(seed, **ZERO_TRUST)
        assert ts["items_created"].sum() > 0
        assert ts["items_shared"].sum() == 0
        assert ts["items_acted"].sum() == 0
        assert ts["shared_back"].sum() == 0
        assert (ts[["trust_local", "trust_regional", "trust_national"]] == 0).all().all()
        # the common database does not depend on trust
        _, with_db = run(seed, **ZERO_TRUST, **DB)
        assert with_db["items_shared"].sum() > 0


def test_mean_delay_formula_moves_the_right_way():
    m = OCGModel(rng=1, scale=0.01, years=1)

    def delay(**values):
        m.params = m.scenario_params.__class__({**m.scenario_params.as_dict(), **values})
        return float(sharing.mean_delay(m))

    base = delay()
    assert delay(**{S + "common_database": True}) < base
    assert delay(**{S + "software_complexity": 0.5}) < base
    assert delay(**{S + "approval_weeks": 0.0}) < base
    assert delay(**{S + "liaison_officers": 2.0}) < base
    assert delay(**{S + "software_complexity": 2.0}) > base


def test_trust_rises_when_acted_on_and_falls_when_ignored():
    def after(acted: float, ignored: float) -> np.ndarray:
        m = OCGModel(rng=1, scale=0.01, years=1, **{"trust.drift_rate": 0.0})
        m.params = m.scenario_params.__class__(
            {
                **m.params.as_dict(),
                "trust.meetings_local": 0.0,
                "trust.meetings_regional": 0.0,
                "trust.meetings_national": 0.0,
                "trust.pio_liaison_gain": 0.0,
            }
        )
        m.disruption.acted[:] = acted
        m.disruption.ignored[:] = ignored
        start = m.trust.level.copy()
        m.trust.step()
        return m.trust.level - start

    assert (after(0, 0) == 0).all()
    assert (after(5, 0) > 0).all()
    assert (after(0, 5) < 0).all()
    assert (after(1000, 0) >= 0).all()  # clipped into [0, 1]


def test_trust_drifts_towards_one_minus_culture_gap():
    m = OCGModel(
        rng=1,
        scale=0.01,
        years=2,
        intervention_week=0,
        **{**ZERO_TRUST, "trust.initial": 1.0, "trust.culture_gap": 0.5, "trust.drift_rate": 0.2},
    ).run()
    ts = m.timeseries()
    assert abs(ts["trust_local"].iloc[-1] - 0.5) < 0.1


# --- trust after one database: the database changes storage, access and speed; trust still
# governs what is done with what is read (sharing back, taking on the other agency's grade, joint
# action). Paired runs, the database in both arms.
LOW_TRUST = {"trust.initial": 0.2, "trust.culture_gap": 0.8}
HIGH_TRUST = {"trust.initial": 0.8, "trust.culture_gap": 0.2}


def test_with_one_database_lower_trust_means_less_sharing_back():
    assert_decreases(
        "total:shared_back", {**DB, **HIGH_TRUST}, {**DB, **LOW_TRUST}, seeds=SEEDS[:4], k=3
    )


def test_with_one_database_zero_trust_still_reads_everything_but_shares_nothing_back():
    for seed in SEEDS[:2]:
        _, ts = run(seed, **ZERO_TRUST, **DB)
        _, trusting = run(seed, **DB)
        assert trusting["shared_back"].sum() > 0  # (the test can fail)
        assert ts["items_shared"].sum() > 0 and ts["items_acted"].sum() > 0
        assert ts["shared_back"].sum() == 0


def test_with_one_database_lower_trust_means_police_regrade_more():
    # police take on the prison's grade with chance trust, else regrade by their own
    # definitions: with lower trust fewer truly high-risk members end up graded high by police
    # (grading_accuracy 1 so that the prison's grade is right and any flip is a mistake)
    exact = {**DB, "intelligence.grading_accuracy": 1.0}
    assert_decreases(
        "mean:high_risk_correctly_graded",
        {**exact, **HIGH_TRUST},
        {**exact, **LOW_TRUST},
        seeds=SEEDS[:4],
        k=3,
    )


# --- inside `recommendations`, removing any one of its five recommendations changes the outcome:
# no lever is switched off by another and costed for nothing. Each arm is the package with one
# recommendation back at its England & Wales default, run with the same seeds as the package
# (common random numbers). "Changes" means the run's OC harm and the metric the recommendation
# works through differ from the package's in every seed (any difference: the test is about a
# lever that does nothing, which gives bit-identical runs, not about the sign or size of its
# effect, which is a finding).
REMOVED = {
    "common_database": {S + "common_database": False},
    "simpler_software": {S + "software_complexity": 1.0},
    "common_protocol": {"intelligence.common_protocol": False},
    "pios_and_liaison_officers": {"intelligence.pios_per_1000": 2.0, S + "liaison_officers": 0.0},
    "meetings": {
        "trust.meetings_local": 2.0,
        "trust.meetings_regional": 1.0,
        "trust.meetings_national": 0.5,
    },
}
WORKS_THROUGH = {
    "common_database": "share_rate",
    "simpler_software": "mean_delay_weeks",
    "common_protocol": "items_misidentified_per_year",
    "pios_and_liaison_officers": "items_created_per_year",
    "meetings": "shared_back_per_year",
}


@pytest.mark.parametrize("name", sorted(REMOVED))
def test_each_recommendation_changes_the_package(name):
    for seed in SEEDS[:2]:
        package, _ = run(seed, "recommendations")
        without, _ = run(seed, "recommendations", **REMOVED[name])
        for metric_name in ("oc_harm_per_year", WORKS_THROUGH[name]):
            assert without[metric_name] != package[metric_name], (name, seed, metric_name)


def test_the_recommendations_package_sets_the_five_recommendations():
    # the test above removes every lever the package sets: a sixth would go untested
    values = load_scenario("recommendations").values
    removed = {key for overrides in REMOVED.values() for key in overrides}
    assert set(values) <= removed, sorted(set(values) - removed)


def test_no_other_scenario_is_a_package_of_costed_levers():
    # a scenario that sets two or more costed levers is a package in which one lever could switch
    # another off: it needs its own test like the one for `recommendations` above
    # (levers priced alike, such as the three meeting levers, count as one measure)
    measure = {spec.param: spec.costs for spec in LEVERS if spec.costs}
    packages = sorted(
        path.stem
        for path in scenarios_dir().glob("*.toml")
        if len({measure[k] for k in load_scenario(path).values if k in measure}) >= 2
    )
    assert packages == ["recommendations"], packages
