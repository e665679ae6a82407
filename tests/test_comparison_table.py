"""One comparison table: Holm-level intervals agree with Holm's correction on every row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from toymodels import synthetic_results

from sim.analysis import Results, comparison_table
from sim.analysis.comparison import HOLM_COLUMNS
from sim.analysis.stats import holm


def _results(n_scenarios: int, n_metrics: int, replicates: int, seed: int) -> Results:
    """Synthetic paired runs of another model: effects from none to large, shared noise."""
    rng = np.random.default_rng(seed)
    labels = ["baseline", *(f"s{i}" for i in range(1, n_scenarios))]
    metrics = [f"m{j}" for j in range(n_metrics)]
    shared = rng.normal(0.0, 1.0, (replicates, n_metrics))
    effects = rng.choice([0.0, 0.0, 0.1, 0.2, 0.4, 0.8, 1.5, 3.0], (n_scenarios, n_metrics))
    effects *= rng.choice([-1.0, 1.0], effects.shape)
    effects[0] = 0.0
    values = {
        label: [
            dict(
                zip(
                    metrics,
                    10.0 + shared[r] + effects[pid] + rng.normal(0.0, 0.5, n_metrics),
                    strict=True,
                )
            )  # fmt: skip
            for r in range(replicates)
        ]
        for pid, label in enumerate(labels)
    }
    return synthetic_results(values)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adjusted_interval_excludes_zero_iff_significant(seed):
    res = _results(n_scenarios=21, n_metrics=8, replicates=10, seed=seed)
    metrics = [f"m{j}" for j in range(8)]
    table = comparison_table(res, metrics, base_point=0)
    assert len(table) == 20 * 8
    assert set(HOLM_COLUMNS) <= set(table.columns)
    np.testing.assert_allclose(table["p_holm"], holm(table["p_value"]))
    assert (table["significant"] == (table["p_holm"] < 0.05)).all()
    excludes = (table["diff_holm_low"] > 0) | (table["diff_holm_high"] < 0)
    assert (excludes == table["significant"]).all()
    pct_excludes = (table["pct_holm_low"] > 0) | (table["pct_holm_high"] < 0)
    assert (pct_excludes == table["significant"]).all()
    # the Holm interval contains the unadjusted one, so the test is not vacuous: some rows
    # are detectable, some are not, and some only without the correction
    assert (table["diff_holm_low"] <= table["diff_ci_low"]).all()
    assert (table["diff_holm_high"] >= table["diff_ci_high"]).all()
    assert table["significant"].any() and not table["significant"].all()
    assert (table["significant_uncorrected"] & ~table["significant"]).any()


def test_differences_csv_is_the_comparison_table(tmp_path):
    """``analyse`` writes the comparison table unchanged (and the report reads it)."""
    from sim.analysis import analyse
    from sim.policy.report import compare_table

    res = _results(n_scenarios=5, n_metrics=3, replicates=8, seed=4)
    (tmp_path / "res").mkdir()
    res.path = tmp_path / "res"
    analyse(res, out_dir=tmp_path / "a", plots=False)
    csv = pd.read_csv(tmp_path / "a" / "differences.csv")
    table = comparison_table(res, ["m0", "m1", "m2"], base_point=0)
    assert list(csv.columns) == list(table.columns)
    pd.testing.assert_frame_equal(
        csv.drop(columns=["unit", "extensive"]),
        table.drop(columns=["unit", "extensive"]).reset_index(drop=True),
        check_dtype=False,
        rtol=1e-12,
    )
    comp = compare_table(res)
    shown = comp.table.set_index(["scenario", "metric"])
    csv = csv.set_index(["scenario", "metric"]).loc[shown.index]
    for col in ("pct_holm_low", "pct_holm_high", "diff_holm_low", "p_holm"):
        np.testing.assert_allclose(csv[col], shown[col], rtol=1e-12, err_msg=col)
