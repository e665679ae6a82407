"""Statistical equivalence with the pinned distributions of run summaries.

Changes of the order of random draws (batching, count-then-sample) are shown to leave the mean of
every summary metric over 30 seeds where it was pinned (tests/golden/equivalence.py): each
difference within 4 standard errors. With about 70 metrics per arm, chance alone gives a largest
|z| near 2.7; a mechanism that shifts a metric by one standard deviation of its seed-to-seed
spread gives |z| near 3.9 and usually fails.
"""

import json
import math

import pytest
from golden.equivalence import ARMS, PATH, moments, summaries, z_scores

LIMIT = 4.0


@pytest.mark.slow
@pytest.mark.parametrize("arm", sorted(ARMS))
def test_summary_means_agree_with_the_pinned_distribution(arm):
    pinned = json.loads(PATH.read_text())[arm]
    z = z_scores(pinned, moments(summaries(*ARMS[arm])))
    bad = {k: round(v, 2) for k, v in z.items() if not abs(v) < LIMIT}
    assert not bad, f"{arm}: metrics outside {LIMIT} standard errors: {bad}"


def test_z_scores_flag_a_shift_and_a_missing_metric():
    pinned = {"a": {"mean": 10.0, "sd": 1.0, "n": 30}, "b": {"mean": 5.0, "sd": 1.0, "n": 30}}
    now = {"a": {"mean": 11.0, "sd": 1.0, "n": 30}}
    z = z_scores(pinned, now)
    assert z["a"] == pytest.approx(1.0 / math.sqrt(2.0 / 30))  # a one-sd shift: z about 3.9
    assert z["b"] == math.inf
    assert z_scores(pinned, pinned) == {"a": 0.0, "b": 0.0}
