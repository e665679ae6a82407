"""Print the tables of harm in pounds in docs/calibration.md and docs/validation.md.

The calibration table comes from the crime-type table (``sim.state.crimes.CRIMES``) alone; the
validation table from a full-scale run's summary::

    python docs/figures/harm_gbp_tables.py                      # the calibration table
    ocgsim run --scale 1 --out results/full_scale               # 10 years, seed 1 (make run)
    python docs/figures/harm_gbp_tables.py results/full_scale   # and the run against the sources
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sim.params import spec
from sim.state.crimes import CRIMES, REFERENCE_RECORDING_RATIO


def calibration_table() -> None:
    """The volumes, costs and sources of every crime type, and what they imply at the defaults."""
    ratio = REFERENCE_RECORDING_RATIO
    print(
        "| crime type | recorded OC offences a year | source of the volume | £ (2015/16) "
        "| cost per | source of the cost | offences a year at ratio 0.25 "
        "| £bn a year at the reference |"
    )
    print("|---|---|---|---|---|---|---|---|")
    total = 0.0
    for c in CRIMES:
        offences = c.recorded / ratio
        if c.aggregate_cost:
            cost, per, gbp = f"{c.aggregate_cost / 1e9:.1f}bn", "market a year", c.aggregate_cost
        else:
            cost, per, gbp = f"{c.unit_cost:,.0f}", "offence", offences * c.unit_cost
        total += gbp
        print(
            f"| {c.name.replace('_', ' ')} | {c.recorded:,.0f} | {c.sources['recorded']} | {cost} "
            f"| {per} | {c.sources['unit_cost']} | {offences:,.0f} | {gbp / 1e9:.2f} |"
        )
    recorded = sum(c.recorded for c in CRIMES)
    print(f"| **total** | {recorded:,.0f} | | | | | {recorded / ratio:,.0f} | {total / 1e9:.2f} |")


def validation_table(folder: Path) -> None:
    """A run's offences and harm in pounds by crime type against the published volumes."""
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    params = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("params", {})
    scale = float(params.get("run.scale", 1.0))
    ratio = float(params.get("harm.recording_ratio", spec("harm.recording_ratio").default))
    total = s["oc_harm_gbp_per_year"] / scale
    print(
        "| crime type | model offences a year | recorded equivalent (× ratio) | published recorded "
        "OC volume | £bn a year | share of £ | share of CCHI harm-days |"
    )
    print("|---|---|---|---|---|---|---|")
    for c in CRIMES:
        offences = s[f"oc_offences_{c.name}_per_year"] / scale
        gbp = s[f"oc_harm_gbp_{c.name}_per_year"] / scale
        days = s[f"oc_harm_{c.name}_per_year"] / s["oc_harm_per_year"]
        print(
            f"| {c.name.replace('_', ' ')} | {offences:,.0f} | {offences * ratio:,.0f} "
            f"| {c.recorded:,.0f} | {gbp / 1e9:.2f} | {gbp / total:.1%} | {days:.1%} |"
        )
    prison = s["oc_harm_gbp_prison_violence_per_year"] / scale
    days = s["oc_harm_prison_violence_per_year"] / s["oc_harm_per_year"]
    assaults = s["debt_violence_per_year"] / scale
    print(
        f"| debt violence in prison | {assaults:,.0f} assaults | | | {prison / 1e9:.3f} "
        f"| {prison / total:.2%} | {days:.2%} |"
    )
    offences = s["oc_offences_per_year"] / scale
    recorded = sum(c.recorded for c in CRIMES)
    print(
        f"| **total** | {offences:,.0f} | {offences * ratio:,.0f} | {recorded:,.0f} "
        f"| {total / 1e9:.2f} | | |"
    )
    print(f"\nOCG members at large (mean): {s['ocg_members_at_large'] / scale:,.0f}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        validation_table(Path(sys.argv[1]))
    else:
        calibration_table()
