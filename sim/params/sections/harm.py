"""Parameters of OC harm: the harm index and the offences members commit.

Section [harm] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec
from sim.state.crimes import HARM_INDICES

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
        "harm.offences_per_member_week",
        0.5,
        "offences/week",
        "Offences in the group's crime types that an OCG member at large commits per week, at "
        "full capability (most are never recorded).",
        A + " (proven offending is ~0.43 a year per offender; organised offending is far more "
        "frequent than what is proven)",
        0.0,
        50.0,
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
