"""Parameters of OC harm: the harm index and the offences members commit.

Section [harm] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec
from sim.state.crimes import HARM_INDICES, REFERENCE_RECORDING_RATIO

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
    _P(
        "harm.index",
        "cchi",
        "-",
        "Published harm index weighting OC offences by crime type: the Cambridge Crime Harm Index "
        "(starting-point sentence in days) or the ONS Crime Severity Score (average sentence in "
        "days); weights in docs/calibration.md.",
        "Sherman, Neyroud & Neyroud 2016 (CCHI 2020 values); ONS Crime Severity Score",
        choices=HARM_INDICES,
    ),
    _P(
        "harm.recording_ratio",
        REFERENCE_RECORDING_RATIO,
        "1",
        "Share of OC offences that the police record: each crime type's offence rate per member "
        "is set so that this share of the offences match the recorded offences attributable to "
        "OC (sim/state/crimes.py), so a lower ratio means more offences and more harm; plausible "
        "0.05-0.5.",
        A + " (no published recording ratio for organised offending was found; drug supply and "
        "trafficking are recorded only when police detect them: Sherman et al. 2020)",
        0.01,
        1.0,
        plausible=(0.05, 0.5),
    ),
    _P(
        "harm.gbp_uprating",
        1.0,
        "1",
        "Factor from 2015/16 prices (the unit costs of crime) to the price year harm in GBP is "
        "reported in: 1 reports in 2015/16 prices, the year of the Home Office's GBP 37bn.",
        "Heeks et al. 2018 (HO RR99), 2015/16 prices; uprate with the HM Treasury GDP deflator "
        "(ONS L8GG) as MoJ's CoRe does",
        0.5,
        3.0,
    ),
    _P(
        "harm.high_risk_activity",
        2.0,
        "1",
        "How many times more offences a truly high-risk member commits than a low-risk one (the "
        "mean over members is kept).",
        A,
        1.0,
        20.0,
    ),
    _P(
        "harm.directed_phone_share",
        0.5,
        "1",
        "Offences a member inside with a phone directs outside, relative to a member at large.",
        A + " (research: phones let members inside run operations outside)",
        0.0,
        1.0,
    ),
    _P(
        "harm.directed_share",
        0.1,
        "1",
        "Offences a member inside without a phone directs through visits and outside "
        "associates, relative to a member at large.",
        A,
        0.0,
        1.0,
    ),
)
