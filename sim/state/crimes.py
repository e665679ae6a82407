"""Crime types: the one table of the model's crime types and the harm of an offence in each.

Research trace and sources:
- The 2018 Serious and Organised Crime Strategy names ten threats: they are the model's crime
  types. Crime type i is bit i of a mask: an offender's skills (``Population.skills``) and an
  OCG's markets (``OCGRegistry.crime_types``).
- The harm of one offence of each type under each published harm index (``harm.index``): the
  Cambridge Crime Harm Index (CCHI 2020 values sheet, Cambridge Centre for Evidence-Based
  Policing: the starting-point sentence in days for a first offender; Sherman, Neyroud & Neyroud
  2016) and the ONS Crime Severity Score (CSS list of weights, by police recorded crime code: the
  average sentence in days equivalent). The offence matched to each type and the caveats are in
  ``docs/calibration.md``.

Everything else is derived from :data:`CRIMES`, in its order: the number of types drawn
(``sim.state.population.new_skills``, ``sim.state.ocg.ocg_crime_types``,
``sim.processes.prison_life``), the harm weights (``sim.processes.harm.HARM_WEIGHTS``) and the
outputs ``oc_harm_<name>``. A new crime type is one more entry at the end of :data:`CRIMES` (at
the end, so that the bits of the others stay put), with its harm under every index of
:data:`HARM_INDICES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CRIMES", "HARM_INDICES", "MAX_CRIME_TYPES", "CrimeType"]

#: The harm indices (the choices of ``harm.index``): every crime type has a weight in each.
HARM_INDICES: tuple[str, ...] = ("cchi", "css")

#: Masks of crime types are 16-bit (``numpy.uint16``), so there can be at most 16 types.
MAX_CRIME_TYPES = 16


@dataclass(frozen=True)
class CrimeType:
    """One crime type.

    Attributes:
        name: Its name, a Python identifier (the output ``oc_harm_<name>`` reports its harm).
        harm: Harm of one offence (days), by harm index (every index of ``HARM_INDICES``).
        matched: The offence whose harm it takes, by harm index.
    """

    name: str
    harm: Mapping[str, float]
    matched: Mapping[str, str]


_T = CrimeType

#: The crime types, in bit order.
CRIMES: tuple[CrimeType, ...] = (
    _T(
        "drugs",
        {"cchi": 547.5, "css": 513.0},
        {
            "cchi": "supplying / possession with intent to supply, Class A",
            "css": "trafficking in controlled drugs (92A)",
        },
    ),
    _T(
        "firearms",
        {"cchi": 1825.0, "css": 412.2},
        {
            "cchi": "possessing a prohibited weapon (s5 Firearms Act 1968)",
            "css": "possession of firearms offences (10B)",
        },
    ),
    _T(
        "fraud",
        {"cchi": 10.0, "css": 135.3},
        {
            "cchi": "fraud by abuse of position; making/supplying articles for fraud",
            "css": "articles for use in fraud (33A)",
        },
    ),
    _T(
        "cyber",
        {"cchi": 365.0, "css": 179.2},
        {
            "cchi": "unauthorised access with intent (Computer Misuse Act s2)",
            "css": "other notifiable offences (99); computer misuse has no CSS code",
        },
    ),
    _T(
        "money_laundering",
        {"cchi": 10.0, "css": 248.2},
        {"cchi": "concealing criminal property", "css": "proceeds of crime (38)"},
    ),
    _T(
        "modern_slavery",
        {"cchi": 730.0, "css": 1069.1},
        {"cchi": "holding a person in slavery or servitude", "css": "modern slavery (106)"},
    ),
    _T(
        "organised_immigration_crime",
        {"cchi": 19.0, "css": 179.2},
        {
            "cchi": "assisting unlawful immigration (s25)",
            "css": "other notifiable offences (99)",
        },
    ),
    _T(
        "acquisitive",
        {"cchi": 131.3, "css": 464.5},
        {
            "cchi": "mean of robbery 365, residential burglary 19, vehicle theft 10",
            "css": "mean of robbery 799.6, residential burglary 465.4, vehicle 128.4",
        },
    ),
    _T(
        "bribery_corruption",
        {"cchi": 182.0, "css": 179.2},
        {"cchi": "misconduct in public office", "css": "other notifiable offences (99)"},
    ),
    _T(
        "child_sexual_abuse",
        {"cchi": 547.5, "css": 726.4},
        {
            "cchi": "take/make/distribute indecent images of children",
            "css": "sexual activity involving a child under 16 (22B)",
        },
    ),
)
