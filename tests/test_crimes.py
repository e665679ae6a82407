"""The crime-type table (``sim.state.crimes``): one entry per type, everything else follows."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sim.params import spec
from sim.processes.harm import HARM_WEIGHTS, harm_weights
from sim.state.crimes import CRIMES, HARM_INDICES, MAX_CRIME_TYPES
from sim.state.ocg import OCGRegistry
from sim.state.population import CRIME_TYPES, DRUGS, Population

ROOT = Path(__file__).resolve().parents[1]


def test_the_table_is_well_formed():
    names = [c.name for c in CRIMES]
    assert len(set(names)) == len(names)
    assert all(name.isidentifier() for name in names)
    assert CRIME_TYPES == tuple(names)
    # ocg_crime_types draws "another type" from bits 1.. : drugs must stay bit 0
    assert DRUGS == 0
    for c in CRIMES:
        assert set(c.harm) == set(HARM_INDICES) == set(c.matched), c.name
        assert all(w > 0 for w in c.harm.values()), c.name


def test_the_masks_hold_every_type_and_the_index_choices_match():
    assert len(CRIMES) <= MAX_CRIME_TYPES
    for dtype in (Population.FIELDS["skills"][0], OCGRegistry.FIELDS["crime_types"][0]):
        assert np.iinfo(dtype).bits >= len(CRIMES)
    assert spec("harm.index").choices == HARM_INDICES
    assert spec("population.skills_mean").high == len(CRIMES)


def test_harm_weights_are_keyed_by_name_in_bit_order():
    for index in HARM_INDICES:
        assert list(HARM_WEIGHTS[index]) == list(CRIME_TYPES)
        assert harm_weights(index).tolist() == [c.harm[index] for c in CRIMES]


def test_calibration_table_gives_the_same_weights():
    """docs/calibration.md, Harm weights: one row per crime type with the weights of the table."""
    text = (ROOT / "docs" / "calibration.md").read_text(encoding="utf-8")
    rows = {}
    for line in text[text.index("## Harm weights") :].splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"[\d,.]+", cells[2]):
            name = re.sub(r"[ /]", "_", cells[0])
            rows[name] = (float(cells[2].replace(",", "")), float(cells[4].replace(",", "")))
    for c in CRIMES:
        assert rows.get(c.name) == (c.harm["cchi"], c.harm["css"]), c.name


#: Run in a fresh interpreter: one more entry in the table before anything else reads it.
EXTENDED_RUN = """
import json

from sim.state import crimes

crimes.CRIMES += (
    crimes.CrimeType(
        "wildlife",
        {"cchi": 300.0, "css": 150.0},
        {"cchi": "-", "css": "-"},
        recorded=500.0,
        unit_cost=2000.0,
    ),
)

from sim.model.core import OCGModel
from sim.state.population import CRIME_TYPES

bit = 1 << CRIME_TYPES.index("wildlife")
out = {"types": list(CRIME_TYPES)}
for index in ("cchi", "css"):
    m = OCGModel(rng=3, scale=0.02, years=1, **{"harm.index": index})
    alive = m.ocgs.alive[: m.ocgs.n]
    out["groups_at_start"] = int(((m.ocgs.crime_types[: m.ocgs.n] & bit) != 0)[alive].sum())
    out["skilled_at_start"] = int(((m.population.skills[: m.population.n] & bit) != 0).sum())
    out[index] = m.run().summary()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def extended():
    """A one-year run (under each index) with an eleventh crime type, "wildlife"."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(EXTENDED_RUN)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_new_crime_type_is_drawn(extended):
    assert extended["types"] == [*CRIME_TYPES, "wildlife"]
    assert extended["groups_at_start"] > 0  # some OCG is in it
    assert extended["skilled_at_start"] > 0  # some offender has the skill


def test_a_new_crime_type_is_weighted_and_reported(extended):
    cchi, css = extended["cchi"], extended["css"]
    assert cchi["oc_harm_wildlife_per_year"] > 0
    # same run under the other index: its harm scales by its own weight (300 -> 150)
    ratio = css["oc_harm_wildlife_per_year"] / cchi["oc_harm_wildlife_per_year"]
    assert ratio == pytest.approx(150.0 / 300.0, rel=1e-9)
    # and it is part of OC harm: the harm by type, the new one included, adds up to the total
    for s in (cchi, css):
        by_type = sum(s[f"oc_harm_{kind}_per_year"] for kind in extended["types"])
        assert by_type == pytest.approx(s["oc_harm_community_per_year"], rel=1e-9)
        # and valued in pounds at its unit cost, the same under either index
        gbp = s["oc_harm_gbp_wildlife_per_year"]
        assert gbp == pytest.approx(s["oc_offences_wildlife_per_year"] * 2000.0, rel=1e-9)
        assert gbp > 0
    assert cchi["oc_harm_gbp_per_year"] == css["oc_harm_gbp_per_year"]
