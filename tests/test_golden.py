"""The model reproduces its pinned golden runs bit for bit (see tests/golden/golden.py)."""

import pytest
from golden.golden import REFERENCE_RUNS, differences, load, run_reference


@pytest.mark.parametrize("name", sorted(REFERENCE_RUNS))
def test_reference_run_is_bit_identical_to_its_pin(name):
    scenario, seed, overrides = REFERENCE_RUNS[name]
    diffs = differences(load(name), run_reference(scenario, seed, overrides))
    assert not diffs, f"{name} differs from its pin:\n" + "\n".join(diffs[:20])


def test_a_change_is_detected():
    # the comparison is not vacuous: another seed differs from the pin
    scenario, seed, overrides = REFERENCE_RUNS["baseline"]
    assert differences(load("baseline"), run_reference(scenario, seed + 1, overrides))
