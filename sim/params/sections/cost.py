"""Parameters of costs: staff, operations, places, meetings and systems (in £).

Section [cost] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
    _P(
        "cost.pio",
        42_000.0,
        "£/year",
        "Cost of one PIO.",
        A + " (HMPPS band 4 pay £36,020-£41,476 c.2024 plus on-costs)",
        0.0,
        1e7,
    ),
    _P(
        "cost.police_operation",
        20_000.0,
        "£/operation",
        "Cost of one operation of weekly police capacity, paid whether used or not (capacity x "
        "52 x this, per region).",
        "derived: about 20 officer-weeks at £53,000 a year (constable pay-scale midpoint 2024/25 "
        "x 1.353 employer pension); the officer-weeks per operation are an " + A,
        0.0,
        1e8,
    ),
    _P(
        "cost.separation_place",
        60_000.0,
        "£/place/year",
        "Cost of one separation place a year.",
        A + " (above the £51,724 average cost per prisoner, MoJ 2022/23)",
        0.0,
        1e7,
    ),
    _P(
        "cost.wrongful_separation",
        2_000.0,
        "£/case",
        "Cost of separating someone who is not high risk (complaint, legal challenge).",
        A,
        0.0,
        1e7,
    ),
    _P("cost.liaison_officer", 55_000.0, "£/year", "Cost of one liaison officer.", A, 0.0, 1e7),
    _P(
        "cost.meeting",
        1_500.0,
        "£/meeting",
        "Cost of one meeting per prison and tier.",
        A,
        0.0,
        1e7,
    ),
    _P(
        "cost.common_database",
        8_000_000.0,
        "£/year",
        "Running cost of one common database (national, full scale).",
        A,
        0.0,
        1e10,
    ),
    _P(
        "cost.simplified_software",
        2_000_000.0,
        "£/year",
        "Cost of simplified software, per unit of complexity removed (national, full scale).",
        A,
        0.0,
        1e10,
    ),
    _P(
        "cost.common_protocol",
        500_000.0,
        "£/year",
        "Training and governance of a common risk protocol (national, full scale).",
        A,
        0.0,
        1e10,
    ),
)
