"""The Sobol pipeline recovers Ishigami's indices; Morris ranks factors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis import analyse, morris_indices
from sim.experiments import parse_experiment, run_experiment

PI = math.pi
ISHIGAMI = f"""
[experiment]
name = "ishigami"
model = "toymodels:ishigami"
schema = "toymodels:SCHEMA"
seed = 3

[design]
type = "sobol"
n = 1024
second_order = false
factors = {{ "toy.x1" = [{-PI}, {PI}], "toy.x2" = [{-PI}, {PI}], "toy.x3" = [{-PI}, {PI}] }}

[execution]
executor = "serial"
"""

S1 = [0.3139, 0.4424, 0.0]
ST = [0.5576, 0.4424, 0.2437]


def test_sobol_pipeline_recovers_ishigami(tmp_path):
    exp = parse_experiment(ISHIGAMI, overrides={"out": str(tmp_path / "r")})
    report = run_experiment(exp, progress=False)
    assert report.done == 1024 * 5
    result = analyse(tmp_path / "r", resamples=500, plots=True)
    idx = result.tables["sobol_y"].set_index("factor")
    for i, name in enumerate(["toy.x1", "toy.x2", "toy.x3"]):
        assert abs(idx.loc[name, "S1"] - S1[i]) <= idx.loc[name, "S1_conf"], name
        assert abs(idx.loc[name, "ST"] - ST[i]) <= idx.loc[name, "ST_conf"], name
    conv = result.tables["sobol_convergence_y"]
    assert sorted(conv["N"].unique()) == [256, 512, 1024]
    assert (tmp_path / "r" / "analysis" / "sobol_y.png").stat().st_size > 0
    assert (tmp_path / "r" / "analysis" / "sobol_y.csv").exists()


def test_morris_ranks_linear_factors():
    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    from SALib.sample import morris

    x = morris.sample(problem, 20, num_levels=4, seed=1)
    y = 10 * x[:, 0] + 1 * x[:, 1] + 0 * x[:, 2]
    table = morris_indices(problem, x, y, resamples=200, seed=1)
    assert list(table["factor"]) == ["a", "b", "c"]
    assert table.set_index("factor").loc["a", "mu_star"] == pytest.approx(10, rel=1e-6)
    assert np.allclose(table["sigma"], 0, atol=1e-9)


def test_morris_experiment_analysis(tmp_path):
    text = f"""
[experiment]
name = "m"
model = "toymodels:ishigami"
schema = "toymodels:SCHEMA"
seed = 5
[design]
type = "morris"
trajectories = 8
factors = {{ "toy.x1" = [{-PI}, {PI}], "toy.x2" = [{-PI}, {PI}], "toy.x3" = [{-PI}, {PI}] }}
[execution]
executor = "serial"
"""
    run_experiment(parse_experiment(text, overrides={"out": str(tmp_path / "m")}), progress=False)
    result = analyse(tmp_path / "m", resamples=200)
    table = result.tables["morris_y"]
    assert set(table["factor"]) == {"toy.x1", "toy.x2", "toy.x3"}
    assert (table["mu_star_conf"] >= 0).all()
    assert sorted(result.tables["morris_convergence_y"]["trajectories"].unique()) == [2, 4, 8]
    assert (tmp_path / "m" / "analysis" / "morris_y.png").exists()
