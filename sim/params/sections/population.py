"""Parameters of the population: offenders at large, OCGs, their sizes, roles and skills.

Section [population] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec
from sim.state.crimes import CRIMES

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
    _P(
        "population.offenders_at_large",
        400_000,
        "persons",
        "Active offenders at large (not in prison) at full scale, split over regions by "
        "population.",
        "derived: calibrated so receptions ~74,000/yr (MoJ OMSQ 2024)",
        0,
        5_000_000,
    ),
    _P(
        "population.ocgs",
        4500,
        "groups",
        "OCGs at the start, at full scale.",
        "NCA National Strategic Assessment 2019 (over 4,500 OCGs)",
        0,
        100_000,
    ),
    _P(
        "population.ocg_size_mean",
        9.0,
        "persons",
        "Mean target size of an OCG (its number of roles); groups sit a little below it.",
        "derived: calibrated so members / OCGs is about 37,000 / 4,500 (NCA 2019)",
        2.0,
        200.0,
    ),
    _P(
        "population.ocg_size_sigma",
        0.7,
        "1",
        "Log-normal sigma of OCG target sizes.",
        A,
        0.0,
        3.0,
    ),
    _P(
        "population.core_share",
        0.3,
        "1",
        "Share of non-leader members who are core (the rest are associates).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "population.high_risk_share_members",
        0.25,
        "1",
        "Share of OCG members who are truly high risk (leaders always are).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "population.skills_mean",
        1.2,
        "crime types",
        f"Mean number of crime-type skills an offender has (of the {len(CRIMES)} SOC threats).",
        A,
        0.0,
        float(len(CRIMES)),
    ),
    _P(
        "population.drugs_share",
        0.73,
        "1",
        "Share of OCGs (and of offenders' first skill) in illegal drugs.",
        "Francis et al. 2013, Understanding criminal careers in organised crime (73%)",
        0.0,
        1.0,
    ),
    _P(
        "population.second_crime_type_probability",
        0.3,
        "1",
        "Chance that a new OCG is in a second crime type besides its first.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "population.initial_ventures_per_ocg",
        0.13,
        "ventures/OCG",
        "Joint ventures in force at the start, per OCG (near the stationary number).",
        "derived: the stationary number in a 10-year baseline run (docs/calibration.md)",
        0.0,
        5.0,
    ),
    _P(
        "population.initial_vacancy_share",
        0.09,
        "1",
        "Share of an OCG's roles vacant at the start (near the stationary share).",
        "derived: the stationary share in a 10-year baseline run (docs/calibration.md)",
        0.0,
        0.9,
    ),
)
