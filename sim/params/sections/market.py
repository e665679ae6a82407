"""Parameters of the prison drug market: supply, debt, phones and searches.

Section [market] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
    _P(
        "market.supply_per_member",
        1.0,
        "units/week",
        "Illicit supply (drugs, phones) an OCG member inside brings per week via visits, drones "
        "and corrupt staff, before searches.",
        A + " (HMPPS OC Unit: 'a big business within the prison')",
        0.0,
        100.0,
    ),
    _P(
        "market.debt_probability",
        0.001,
        "1/week/unit per 100 prisoners",
        "Weekly chance a non-member falls into drug debt, per unit of supply per 100 prisoners.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "market.debt_clear_hazard",
        0.05,
        "1/week",
        "Weekly chance that a prisoner's drug debt is cleared.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "market.phone_share",
        0.5,
        "1",
        "Share of OCG members inside who hold a phone when supply is uncut.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "market.searches_per_1000",
        60.0,
        "searches/week per 1,000 prisoners",
        "Cell searches (and other searches of people and property) a prison carries out each week.",
        "derived: calibrated so drug finds are within the 14,700 and 21,100 of 2022/23 and "
        "2023/24 (HMPPS Annual Digest)",
        0.0,
        1000.0,
    ),
    _P(
        "market.search_find_probability",
        0.5,
        "1/search",
        "Chance that a search of a cell holding illicit goods finds them.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "market.targeted_search_gain",
        3.0,
        "1",
        "How much more a search finds when it targets an OCG member known from intelligence.",
        A,
        1.0,
        50.0,
    ),
    _P(
        "market.phone_share_of_finds",
        0.35,
        "1",
        "Share of finds that are phones (the rest drugs and other items).",
        "derived: 7,837 phone finds / (7,837 + 14,724 drug finds), HMPPS Annual Digest 2022/23",
        0.0,
        1.0,
    ),
    _P(
        "market.debt_violence_rate",
        0.011,
        "assaults/week per debtor",
        "Weekly rate of debt-linked assaults per prisoner in drug debt.",
        A + " (calibrated so debt-linked assaults are a fifth of the 22,319 assaults a year, "
        "MoJ Safety in Custody to Mar 2023; the debt share is not published)",
        0.0,
        1.0,
    ),
)
