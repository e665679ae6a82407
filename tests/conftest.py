"""Shared helpers for the model tests: cached runs and paired (common random numbers) comparisons.

Every statistical test compares two arms run with the same seeds (common random numbers), so the
paired difference removes most of the seed-to-seed noise. Runs are cached for the session: the
baseline arm of one test is reused by the others.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim.model.core import OCGModel

#: Small world used by the statistical tests: 0.02 of England & Wales (about 7 prisons,
#: 8,000 offenders at large), two years, levers on from week 0 so the whole run is the window.
COMMON: dict[str, Any] = {"scale": 0.02, "years": 2, "intervention_week": 0}
#: Fixed seeds for the statistical tests.
SEEDS = tuple(range(101, 113))


def _key(overrides: dict[str, Any]) -> tuple:
    return tuple(sorted(overrides.items()))


@functools.lru_cache(maxsize=512)
def _cached_run(scenario: str | None, seed: int, key: tuple) -> tuple[dict, pd.DataFrame]:
    model = OCGModel(scenario, rng=seed, **dict(key))
    model.run()
    return model.summary(), model.timeseries()


def run(seed: int, scenario: str | None = None, **overrides: Any) -> tuple[dict, pd.DataFrame]:
    """Summary and timeseries of one run (cached; do not mutate the results)."""
    return _cached_run(scenario, seed, _key({**COMMON, **overrides}))


def metric(seed: int, name: str, scenario: str | None = None, **overrides: Any) -> float:
    """A summary metric, or the run total of a timeseries column (``total:<column>``)."""
    summary, ts = run(seed, scenario, **overrides)
    if name.startswith("total:"):
        return float(ts[name.removeprefix("total:")].sum())
    if name.startswith("mean:"):
        return float(ts[name.removeprefix("mean:")].mean())
    return float(summary[name])


def paired(
    name: str,
    overrides_a: dict[str, Any],
    overrides_b: dict[str, Any],
    seeds=SEEDS,
    scenario: str | None = None,
    **common: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Metric ``name`` in arms A and B over the same seeds (common random numbers)."""
    a = np.array([metric(s, name, scenario, **common, **overrides_a) for s in seeds])
    b = np.array([metric(s, name, scenario, **common, **overrides_b) for s in seeds])
    return a, b


def mean_and_se(diff: np.ndarray) -> tuple[float, float]:
    diff = np.asarray(diff, dtype=float)
    return float(diff.mean()), float(diff.std(ddof=1) / math.sqrt(diff.size))


def _assert_direction(name, low, high, seeds, k, scenario, sign, word, **common):
    """Assert the paired ``sign * (high - low)`` of ``name`` is above zero and ``k`` SEs."""
    a, b = paired(name, low, high, seeds, scenario, **common)
    diff = sign * (b - a)
    mean, se = mean_and_se(diff)
    assert mean > 0 and mean > k * se, (
        f"{name}: expected {word} from {low} to {high}; paired diff mean {sign * mean:.4g}, "
        f"se {se:.4g}, diffs {np.round(sign * diff, 3).tolist()}"
    )
    return mean, se


def assert_increases(
    name: str,
    low: dict[str, Any],
    high: dict[str, Any],
    seeds=SEEDS,
    k: float = 2.0,
    scenario: str | None = None,
    **common: Any,
) -> tuple[float, float]:
    """Assert metric ``name`` is larger in arm ``high`` than in arm ``low`` (paired, k SEs)."""
    return _assert_direction(name, low, high, seeds, k, scenario, 1, "an increase", **common)


def assert_decreases(name, low, high, seeds=SEEDS, k=2.0, scenario=None, **common):
    """Assert metric ``name`` is smaller in arm ``high`` than in arm ``low`` (paired, k SEs)."""
    return _assert_direction(name, low, high, seeds, k, scenario, -1, "a decrease", **common)


@pytest.fixture
def tiny_model():
    """A fresh very small model (scale 0.01, one year), not yet run."""
    return OCGModel(rng=7, scale=0.01, years=1, intervention_week=10)


def step_checked(model: OCGModel, every: int = 1) -> list[dict[str, int]]:
    """Run the model to its end, checking invariants every ``every`` weeks.

    Returns:
        The week's event counts and stocks after each step (for accounting checks).
    """
    rows = []
    model.check_invariants()
    while model.running:
        before_prison = int(model.places.occupancy.sum())
        before_large = int(model.places.at_large.count.sum())
        model.step()
        justice, community = model.justice.count, model.community.count
        rows.append(
            {
                "week": model.week,
                "prison_before": before_prison,
                "prison_after": int(model.places.occupancy.sum()),
                "large_before": before_large,
                "large_after": int(model.places.at_large.count.sum()),
                "receptions": justice.receptions,
                "recalls": justice.recalls,
                "releases": justice.releases,
                "diverted": justice.diverted,
                "desisted": community.desisted,
                "entrants": community.entrants,
                "transfers": model.disruption.count.transfers,
            }
        )
        if model.week % every == 0 or not model.running:
            model.check_invariants()
    return rows
