"""Design sizes, seeds (common random numbers) and shard partitions."""

from __future__ import annotations

import pytest

from sim.experiments import build_design, parse_experiment, replicate_seeds
from sim.experiments.design import parse_shard, shard_run_ids
from sim.experiments.spec import ExperimentError

PI = 3.141592653589793
HEAD = """
[experiment]
name = "t"
model = "toymodels:noisy"
schema = "toymodels:SCHEMA"
seed = 7
replicates = {r}
"""
FACTORS = f'factors = {{ "toy.x1" = [-{PI}, {PI}], "toy.x2" = [0.0, 1.0], "toy.x3" = [0.0, 2.0] }}'


def make(design: str, r: int = 1):
    return build_design(parse_experiment(HEAD.format(r=r) + "[design]\n" + design))


@pytest.mark.parametrize("second_order,per", [(True, 2 * 3 + 2), (False, 3 + 2)])
def test_saltelli_size(second_order, per):
    d = make(f'type = "sobol"\nn = 64\nsecond_order = {str(second_order).lower()}\n{FACTORS}')
    assert d.n_points == 64 * per
    assert d.n_runs == 64 * per


def test_morris_size():
    d = make(f'type = "morris"\ntrajectories = 6\nlevels = 4\n{FACTORS}', r=2)
    assert d.n_points == 6 * (3 + 1)
    assert d.n_runs == 2 * 6 * 4


def test_lhs_size_and_bounds():
    d = make(f'type = "lhs"\nn = 37\n{FACTORS}')
    assert d.n_points == 37
    xs = [p["factors"]["toy.x2"] for p in d.points]
    assert min(xs) >= 0.0 and max(xs) <= 1.0


def test_grid_size_and_int_values():
    d = make('type = "grid"\nfactors = { "toy.x1" = [0.0, 1.0, 2.0], "toy.n" = [1, 2, 3, 4] }', 5)
    assert d.n_points == 12 and d.n_runs == 60
    assert all(isinstance(p["factors"]["toy.n"], int) for p in d.points)


def test_scenario_list_times_replicates():
    d = make('type = "scenarios"\nscenarios = ["better", "worse"]', r=30)
    assert d.n_points == 3 and d.n_runs == 90
    assert [p["scenario"] for p in d.points] == ["baseline", "better", "worse"]
    assert d.run(31).params["scenario"] == "better"


def test_sampled_int_factor_is_rounded():
    d = make('type = "lhs"\nn = 20\nfactors = { "toy.n" = [0.0, 10.0] }')
    assert all(isinstance(p["factors"]["toy.n"], int) for p in d.points)


def test_common_random_numbers():
    d = make('type = "grid"\nfactors = { "toy.x1" = [0.0, 1.0, 2.0] }', r=4)
    seeds = {}
    for run in d.runs():
        seeds.setdefault(run.replicate, set()).add(run.seed)
    assert all(len(s) == 1 for s in seeds.values())
    assert len({next(iter(s)) for s in seeds.values()}) == 4
    # adding replicates keeps the existing seeds
    assert replicate_seeds(7, 6)[:4] == replicate_seeds(7, 4)
    assert replicate_seeds(7, 4) != replicate_seeds(8, 4)


def test_design_is_reproducible():
    a = make(f'type = "sobol"\nn = 8\n{FACTORS}')
    b = make(f'type = "sobol"\nn = 8\n{FACTORS}')
    assert a.points == b.points


def test_shards_partition_runs():
    for n in (1, 2, 3, 7):
        parts = [set(shard_run_ids(20, (i, n))) for i in range(n)]
        assert set().union(*parts) == set(range(20))
        assert sum(len(p) for p in parts) == 20
    assert parse_shard("2/5") == (2, 5)
    for bad in ("5/5", "x", "1/0", "-1/3"):
        with pytest.raises(ExperimentError):
            parse_shard(bad)
