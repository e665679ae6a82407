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
- How many offences of each type OCG members commit, and what one costs in pounds (issue 25):
  ``recorded`` is the number of offences a year that the police in England and Wales record and
  that are attributable to organised crime (a published recorded volume times a share attributable
  to OC; no official share exists, so every share is an assumption); the model's offence rates
  per member are set so that ``harm.recording_ratio`` of its offences match it (see
  ``sim.processes.harm.offence_rates``). ``unit_cost`` is the social and economic cost of one
  offence in 2015/16 prices: the Home Office unit costs of crime (Heeks, Reed, Tafsiri & Prince
  2018, *The economic and social costs of crime*, 2nd ed., Home Office Research Report 99; modern
  slavery per victim, RR100) where a unit cost is published; otherwise ``aggregate_cost`` is the
  Home Office's cost of the organised market a year (Understanding organised crime 2015/16,
  RR103; RR73 for immigration crime), spread over the offences it implies [D]. Tags as in
  ``docs/research/harm-and-tasking-sources.md``: [V] verified, [P] a press report of the
  official figure, [D] derived; "assumption" where nothing was found.

Everything else is derived from :data:`CRIMES`, in its order: the number of types drawn
(``sim.state.population.new_skills``, ``sim.state.ocg.ocg_crime_types``,
``sim.processes.prison_life``), the harm weights (``sim.processes.harm.HARM_WEIGHTS``), the
offence rates and unit costs (``sim.processes.harm.offence_rates``, ``unit_costs``) and the
outputs ``oc_harm_<name>``, ``oc_offences_<name>`` and ``oc_harm_gbp_<name>``. A new crime type
is one more entry at the end of :data:`CRIMES` (at the end, so that the bits of the others stay
put), with its harm under every index of :data:`HARM_INDICES`, its recorded volume and its cost
(a unit cost or an aggregate cost, or neither if it is not valued).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "CRIMES",
    "HARM_INDICES",
    "MAX_CRIME_TYPES",
    "PRICE_YEAR",
    "PRISON_VIOLENCE_COST",
    "REFERENCE_MEMBERS_AT_LARGE",
    "REFERENCE_RECORDING_RATIO",
    "CrimeType",
]

#: The harm indices (the choices of ``harm.index``): every crime type has a weight in each.
HARM_INDICES: tuple[str, ...] = ("cchi", "css")

#: Masks of crime types are 16-bit (``numpy.uint16``), so there can be at most 16 types.
MAX_CRIME_TYPES = 16

#: The price year of the unit costs (``harm.gbp_uprating`` uprates them to a later year). Two are
#: not deflated to it, for want of the GDP deflator's values: modern slavery (RR100, year ending
#: March 2017 prices) and organised immigration crime (RR73, 2010/11 prices).
PRICE_YEAR = "2015/16"

#: OCG members at large at full scale that the offence rates are set for: the NCA's "just over
#: 37,000" people mapped to OCGs (NSA 2019) less the "more than 6,500" prisoners with links to
#: organised crime (written answer 131175, 2018) [D]; the model is calibrated to both.
REFERENCE_MEMBERS_AT_LARGE = 37_000.0 - 6_500.0

#: The default of ``harm.recording_ratio`` (an assumption): the share of OC offences the police
#: record, at which the "recorded" volumes below were chosen.
REFERENCE_RECORDING_RATIO = 0.25

#: Social and economic cost of one debt-linked assault in prison (GBP, 2015/16 prices): Heeks et
#: al. 2018, violence with injury, GBP 14,050 [P] (the same offence the harm indices match).
PRISON_VIOLENCE_COST = 14_050.0


@dataclass(frozen=True)
class CrimeType:
    """One crime type.

    Attributes:
        name: Its name, a Python identifier (the output ``oc_harm_<name>`` reports its harm).
        harm: Harm of one offence (days), by harm index (every index of ``HARM_INDICES``).
        matched: The offence whose harm it takes, by harm index.
        recorded: Offences a year recorded by the police in England and Wales and attributable
            to organised crime, at full scale (what the offence rates are set to reproduce).
        unit_cost: Social and economic cost of one offence (GBP, 2015/16 prices), for a type the
            Home Office costs per offence; 0 if ``aggregate_cost`` is used or it is not valued.
        aggregate_cost: For a type the Home Office costs only as a market: the social and
            economic cost a year of the organised market (GBP); one offence then costs it
            divided by the offences the model's members commit at the reference members and the
            run's recording ratio (``sim.processes.harm.unit_costs``), so the type's harm in
            pounds does not depend on the recording ratio. 0 for the others.
        sources: Where ``recorded`` and the cost come from, with their tags.
    """

    name: str
    harm: Mapping[str, float]
    matched: Mapping[str, str]
    recorded: float = 0.0
    unit_cost: float = 0.0
    aggregate_cost: float = 0.0
    sources: Mapping[str, str] | None = None


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
        recorded=11_500.0,
        aggregate_cost=20.0e9,
        sources={
            "recorded": "about 23,000 trafficking offences recorded (17% of 136,352 drug "
            "offences, YE Mar 2017, HoC Library SN02619) [D], half attributable to OC (assumption)",
            "unit_cost": "RR103: social and economic cost of drugs supply about GBP 20bn, 2015/16 "
            "(PQ 187083) [V], per offence [D]; Heeks et al. give no unit cost for drug offences",
        },
    ),
    _T(
        "firearms",
        {"cchi": 1825.0, "css": 412.2},
        {
            "cchi": "possessing a prohibited weapon (s5 Firearms Act 1968)",
            "css": "possession of firearms offences (10B)",
        },
        recorded=2_000.0,
        unit_cost=14_050.0,
        sources={
            "recorded": "6,759 non-air firearms offences, YE Mar 2019 (HoC Library CBP-7654) [V], "
            "about 30% attributable to OC (assumption)",
            "unit_cost": "Heeks et al. 2018, violence with injury, GBP 14,050 [P] (homicide "
            "excluded)",
        },
    ),
    _T(
        "fraud",
        {"cchi": 10.0, "css": 135.3},
        {
            "cchi": "fraud by abuse of position; making/supplying articles for fraud",
            "css": "articles for use in fraud (33A)",
        },
        recorded=11_000.0,
        aggregate_cost=8.4e9,
        sources={
            "recorded": "43,717 fraud crimes referred to the police by Action Fraud, 2018/19 [V], "
            "a quarter attributable to OC (assumption)",
            "unit_cost": "RR103: economic crime (organised fraud against business and the public "
            "sector, and illicit tobacco) GBP 8.4bn [P], per offence [D]",
        },
    ),
    _T(
        "cyber",
        {"cchi": 365.0, "css": 179.2},
        {
            "cchi": "unauthorised access with intent (Computer Misuse Act s2)",
            "css": "other notifiable offences (99); computer misuse has no CSS code",
        },
        recorded=1_000.0,
        unit_cost=550.0,
        sources={
            "recorded": "assumption (recorded computer misuse attributable to OC not found)",
            "unit_cost": "Heeks et al. 2018, cyber crime against individuals, GBP 550 [P]",
        },
    ),
    _T(
        "money_laundering",
        {"cchi": 10.0, "css": 248.2},
        {"cchi": "concealing criminal property", "css": "proceeds of crime (38)"},
        recorded=1_000.0,
        unit_cost=0.0,
        sources={
            "recorded": "assumption (recorded proceeds-of-crime offences not found)",
            "unit_cost": "none: a crime against society with no unit cost (Heeks et al. cost "
            "crimes with victims); its harm is that of the offences laundered (assumption)",
        },
    ),
    _T(
        "modern_slavery",
        {"cchi": 730.0, "css": 1069.1},
        {"cchi": "holding a person in slavery or servitude", "css": "modern slavery (106)"},
        recorded=2_500.0,
        unit_cost=328_720.0,
        sources={
            "recorded": "5,144 modern slavery offences, YE Mar 2019 (ONS) [V], about half "
            "attributable to OC (assumption)",
            "unit_cost": "Reed et al. 2018 (HO RR100), GBP 328,720 per victim, YE Mar 2017 prices, "
            "not deflated [V]; one victim per offence (assumption)",
        },
    ),
    _T(
        "organised_immigration_crime",
        {"cchi": 19.0, "css": 179.2},
        {
            "cchi": "assisting unlawful immigration (s25)",
            "css": "other notifiable offences (99)",
        },
        recorded=1_500.0,
        aggregate_cost=1.0e9,
        sources={
            "recorded": "assumption (recorded facilitation offences not found)",
            "unit_cost": "Mills, Skodbo & Blyth 2013 (HO RR73): organised immigration crime GBP "
            "1.0bn, 2010/11 prices, not uprated [V], per offence [D]",
        },
    ),
    _T(
        "acquisitive",
        {"cchi": 131.3, "css": 464.5},
        {
            "cchi": "mean of robbery 365, residential burglary 19, vehicle theft 10",
            "css": "mean of robbery 799.6, residential burglary 465.4, vehicle 128.4",
        },
        recorded=35_000.0,
        unit_cost=(11_320.0 + 10_290.0) / 2,
        sources={
            "recorded": "assumption, about the volume at which RR103's organised acquisitive crime "
            "cost (GBP 1.5bn [P]) is reached at these unit costs and the reference ratio [D]",
            "unit_cost": "Heeks et al. 2018, mean of robbery GBP 11,320 and theft of a vehicle "
            "GBP 10,290 [P]",
        },
    ),
    _T(
        "bribery_corruption",
        {"cchi": 182.0, "css": 179.2},
        {"cchi": "misconduct in public office", "css": "other notifiable offences (99)"},
        recorded=200.0,
        unit_cost=0.0,
        sources={
            "recorded": "assumption",
            "unit_cost": "none found (not valued; assumption)",
        },
    ),
    _T(
        "child_sexual_abuse",
        {"cchi": 547.5, "css": 726.4},
        {
            "cchi": "take/make/distribute indecent images of children",
            "css": "sexual activity involving a child under 16 (22B)",
        },
        recorded=1_000.0,
        unit_cost=6_520.0,
        sources={
            "recorded": "assumption (recorded offences attributable to OC not found)",
            "unit_cost": "Heeks et al. 2018, other sexual offences, GBP 6,520 [P]",
        },
    ),
)
