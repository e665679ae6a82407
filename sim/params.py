"""The parameter schema: every parameter of the model with unit, default, range and source.

A scenario sets any subset of these; everything else takes the default documented here.
Parameters are named ``section.key``. Parameters marked as *levers* are policy levers: before the
scenario's ``run.intervention_week`` they keep their baseline default, from that week on they take
the scenario's value, so that every scenario shares its burn-in with the baseline and paired
before/after comparisons are possible.

Sources are abbreviated; ``docs/calibration.md`` gives them in full. "assumption" marks a value
for which no published figure exists: those are factors of the sensitivity analysis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "PARAMETERS",
    "ParamSpec",
    "Parameters",
    "ScenarioError",
    "SECTIONS",
    "parameters_markdown",
    "spec",
]


class ScenarioError(ValueError):
    """A scenario file or override is invalid. The message is one line naming file, key and rule."""


@dataclass(frozen=True)
class ParamSpec:
    """One model parameter.

    Attributes:
        name: Dotted name ``section.key``.
        default: Baseline value.
        unit: Unit of measurement (``1`` for dimensionless).
        doc: What the parameter means.
        source: Published source, "derived: ..." or "assumption".
        low: Smallest allowed value (numbers only).
        high: Largest allowed value (numbers only).
        choices: Allowed values (strings only).
        lever: True for a policy lever that switches on at ``run.intervention_week``.
        plausible: The range of values that are plausible for England & Wales (numbers only):
            the range of the sensitivity analysis, inside the allowed range. None: the
            default +-50%, clipped to the allowed range (see :meth:`plausible_range`).
    """

    name: str
    default: Any
    unit: str
    doc: str
    source: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    lever: bool = False
    plausible: tuple[float, float] | None = None

    @property
    def section(self) -> str:
        """The section (the part before the dot)."""
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The key within its section."""
        return self.name.split(".", 1)[1]

    @property
    def kind(self) -> type:
        """The Python type of the value (bool, int, float or str)."""
        return type(self.default)

    def plausible_range(self) -> tuple[float, float] | None:
        """The plausible range of a numeric parameter (None for booleans and choices).

        The declared ``plausible`` range, else the default +-50% clipped to the allowed range
        (a default of 0 gets [0, a tenth of the allowed maximum, at most 1]). Integers are
        rounded, keeping low < high.
        """
        if self.kind not in (int, float):
            return None
        if self.plausible is not None:
            low, high = self.plausible
        elif self.default == 0:
            low, high = 0.0, min(1.0, 0.1 * float(self.high))
        else:
            low = max(float(self.low), 0.5 * self.default)
            high = min(float(self.high), 1.5 * self.default)
        if self.kind is int:
            low, high = int(round(low)), int(round(high))
            high = max(high, low + 1)
        return low, high

    def allowed(self) -> str:
        """Human-readable statement of what values are allowed."""
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "one of " + ", ".join(repr(c) for c in self.choices or ())
        what = "an integer" if self.kind is int else "a number"
        return f"{what} in [{_fmt(self.low)}, {_fmt(self.high)}]"

    def check(self, value: Any, where: str) -> Any:
        """Validate (and coerce int to float where a float is expected) one value.

        Args:
            value: The value read from a scenario file or the command line.
            where: The file (or ``--set``) the value came from, for the error message.

        Returns:
            The value, coerced to the parameter's type.

        Raises:
            ScenarioError: If the value has the wrong type or is out of range.
        """
        kind = self.kind
        ok_type = (
            isinstance(value, bool)
            if kind is bool
            else isinstance(value, str)
            if kind is str
            else isinstance(value, int) and not isinstance(value, bool)
            if kind is int
            else isinstance(value, int | float) and not isinstance(value, bool)
        )
        if not ok_type:
            raise ScenarioError(
                f"{where}: {self.name} = {value!r} has the wrong type; allowed: {self.allowed()}"
            )
        if kind is float:
            value = float(value)
            if value != value:  # NaN
                raise ScenarioError(f"{where}: {self.name} is NaN; allowed: {self.allowed()}")
        if kind in (int, float) and not (self.low <= value <= self.high):
            raise ScenarioError(
                f"{where}: {self.name} = {value!r} is out of range; allowed: {self.allowed()}"
            )
        if kind is str and value not in (self.choices or ()):
            raise ScenarioError(
                f"{where}: {self.name} = {value!r} is not allowed; allowed: {self.allowed()}"
            )
        return value


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


A = "assumption"
_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
    # --- run -------------------------------------------------------------------------------
    _P("run.years", 10, "years", "Length of the run.", "DESIGN.md (10-year horizon)", 1, 100),
    _P(
        "run.scale",
        1.0,
        "1",
        "Multiplies every population, capacity, staff count and OCG count, for quick runs.",
        A,
        0.001,
        2.0,
    ),
    _P(
        "run.intervention_week",
        104,
        "weeks",
        "Week at which policy levers switch from baseline to scenario values; also the start of "
        "the summary window.",
        A + " (two-year burn-in)",
        0,
        5200,
    ),
    _P(
        "run.world",
        "england_wales",
        "-",
        "Which world to build: all of England & Wales, or the Humberside case (HMP Hull, HMP "
        "Humber, Humberside Police).",
        "research-summary.txt (study's local site)",
        choices=("england_wales", "humberside"),
    ),
    # --- population ------------------------------------------------------------------------
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
        "Mean number of crime-type skills an offender has (of the 10 SOC threats).",
        A,
        0.0,
        10.0,
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
    # --- estate ----------------------------------------------------------------------------
    _P("estate.prisons", 120, "prisons", "Prisons in the estate.", "HoC Library SN05646", 1, 2000),
    _P(
        "estate.capacity",
        89_543,
        "places",
        "Usable operational capacity of the estate, at full scale.",
        "MoJ OMSQ / POST, Aug 2024 (89,543)",
        10,
        5_000_000,
    ),
    _P(
        "estate.initial_occupancy",
        0.965,
        "1",
        "Share of capacity occupied at the start.",
        A + " (near the stationary level; MoJ OMSQ Jun 2024: 87,726 / 89,543 = 0.98)",
        0.0,
        1.0,
    ),
    _P(
        "estate.overcrowding",
        1.0,
        "1",
        "Prisoners held per usable place (above 1: overcrowding, as in Brazil).",
        A + " (1 in England & Wales; Brazil 1.40: 833,608 held for 596,162 places, Brazilian "
        "Public Security Forum 2022)",
        0.5,
        3.0,
    ),
    _P("estate.wing_size", 80, "places", "Places per wing (a contact group).", A, 5, 2000),
    _P(
        "estate.share_high_security",
        0.08,
        "1",
        "Share of capacity in high-security prisons.",
        A + " (about 8 of 120 prisons)",
        0.0,
        1.0,
    ),
    _P(
        "estate.share_local",
        0.35,
        "1",
        "Share of capacity in local/reception prisons.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "estate.share_open",
        0.07,
        "1",
        "Share of capacity in open prisons (the rest is training prisons).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "estate.initial_remand_share",
        0.2,
        "1",
        "Share of the initial prison population on remand.",
        "MoJ OMSQ Dec 2024: 20% of the population on remand",
        0.0,
        1.0,
    ),
    _P(
        "estate.initial_local_share",
        0.3,
        "1",
        "Share of the initial sentenced prisoners (not long-term or high-risk) held in local "
        "prisons; the rest are in training prisons.",
        A,
        0.0,
        1.0,
    ),
    # --- justice ---------------------------------------------------------------------------
    _P(
        "justice.offence_hazard",
        0.0083,
        "1/week",
        "Weekly chance that an offender at large is caught for a proven offence.",
        "derived: 1-(1-h)^52 = 35.2% proven reoffending of adults (MoJ, Apr-Jun 2023 cohort)",
        0.0,
        1.0,
    ),
    _P(
        "justice.ocg_offence_multiplier",
        1.0,
        "1",
        "Multiplier on the offence hazard for OCG members (more active, more policed).",
        A,
        0.0,
        20.0,
    ),
    _P(
        "justice.custody_probability",
        0.43,
        "1",
        "Chance that a proven offence leads to custody (remand or sentence).",
        "derived: calibrated to ~74,000 first receptions/yr (MoJ OMSQ 2024)",
        0.0,
        1.0,
    ),
    _P(
        "justice.remand_probability",
        0.5,
        "1",
        "Chance that a person entering custody is first held on remand.",
        "derived: calibrated to remand = 20% of population (OMSQ Dec 2024)",
        0.0,
        1.0,
    ),
    _P(
        "justice.remand_weeks",
        26.0,
        "weeks",
        "Mean time on remand before sentence or release.",
        A,
        1.0,
        200.0,
    ),
    _P(
        "justice.remand_release_probability",
        0.3,
        "1",
        "Chance that a remand ends in release (acquittal or non-custodial sentence).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "justice.sentence_months_mean",
        20.1,
        "months",
        "Mean custodial sentence length.",
        "MoJ CJS Statistics Quarterly, Sep 2024 (20.1 months, all offences)",
        0.5,
        600.0,
    ),
    _P(
        "justice.sentence_sigma",
        0.9,
        "1",
        "Log-normal sigma of sentence lengths.",
        A,
        0.0,
        3.0,
    ),
    _P(
        "justice.served_fraction",
        0.6,
        "1",
        "Share of the sentence served in custody before release on licence.",
        "Parliamentary answer 2019-10-16 (men: mean 65%, median 55%)",
        0.05,
        1.0,
    ),
    _P(
        "justice.recall_hazard",
        0.004,
        "1/week",
        "Weekly chance that a person on licence is recalled without a new offence.",
        "derived: calibrated so licence recalls are about 22,600 a year (MoJ written answer: "
        "21,559 / 21,915 / 24,268 in 2016-18)",
        0.0,
        1.0,
    ),
    _P(
        "justice.progression_hazard",
        0.02,
        "1/week",
        "Weekly chance of a progression transfer (local to training, training to open).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "justice.open_max_remaining_weeks",
        26,
        "weeks",
        "Only prisoners with at most this long left and low risk progress to open prisons.",
        A,
        0,
        520,
    ),
    _P(
        "justice.intel_recall_multiplier",
        2.0,
        "1",
        "Multiplier on the recall hazard under intelligence-led licence conditions.",
        A,
        1.0,
        20.0,
    ),
    _P(
        "justice.recall_max_weeks",
        26,
        "weeks",
        "A recall holds the person until licence end, at most this long.",
        A,
        2,
        520,
    ),
    _P(
        "justice.high_security_sentence_weeks",
        520,
        "weeks",
        "Sentences at least this long are served in high-security prisons.",
        A + " (ten years)",
        1,
        5200,
    ),
    _P(
        "justice.conviction_exit_probability",
        0.25,
        "1/conviction",
        "Chance that a custodial sentence ends an OCG member's membership (the group moves on "
        "without them, or they leave crime with the group behind them).",
        A + " (no published figure: Francis et al. 2013 study careers before the conviction; a "
        "factor of the sensitivity analysis)",
        0.0,
        1.0,
    ),
    # --- prison life -----------------------------------------------------------------------
    _P(
        "prison_life.contacts_per_week",
        4.0,
        "contacts",
        "Mean contacts that matter (long enough to recruit, trade or learn) per OCG member per "
        "week within the wing.",
        A,
        0.0,
        100.0,
    ),
    _P(
        "prison_life.high_risk_activity",
        2.0,
        "1",
        "How many times as many contacts a truly high-risk member makes as a low-risk one (the "
        "mean over members stays contacts_per_week): risk means activity, so grading it well "
        "targets the people who recruit.",
        A + " (research: a clear distinction between high- and low-risk OCG individuals)",
        1.0,
        20.0,
    ),
    _P(
        "prison_life.recruit_probability",
        0.0006,
        "1/contact",
        "Base chance that a contact between an OCG member and an unaffiliated prisoner recruits.",
        A + " (no published in-prison recruitment rate)",
        0.0,
        1.0,
    ),
    _P(
        "prison_life.debt_multiplier",
        3.0,
        "1",
        "Multiplier on the recruitment chance if the target is in drug debt.",
        A + " (research: debt makes prisoners recruitable)",
        1.0,
        50.0,
    ),
    _P(
        "prison_life.short_sentence_weeks",
        26,
        "weeks",
        "A target with at most this long left counts as short-sentence (soon useful outside).",
        A,
        0,
        520,
    ),
    _P(
        "prison_life.short_sentence_multiplier",
        1.5,
        "1",
        "Multiplier on the recruitment chance for a short-sentence target.",
        A,
        1.0,
        50.0,
    ),
    _P(
        "prison_life.skill_multiplier",
        1.5,
        "1",
        "Multiplier on the recruitment chance if the target has a skill in one of the OCG's "
        "crime types.",
        "NCA 2021 (OCGs recruit individuals with desirable skills); size " + A,
        1.0,
        50.0,
    ),
    _P(
        "prison_life.strength_effect",
        0.5,
        "1",
        "Recruitment chance is multiplied by 1 + strength_effect * ln(members of that OCG in the "
        "wing).",
        A,
        0.0,
        10.0,
    ),
    _P(
        "prison_life.intel_pressure_factor",
        0.6,
        "1",
        "Recruitment chance of a member the prison holds fresh intelligence on, relative to one it "
        "does not (visible intelligence pressure).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "prison_life.joint_venture_probability",
        0.005,
        "1/contact",
        "Chance that a contact between members of different OCGs forms a joint venture.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "prison_life.joint_venture_end_hazard",
        0.01,
        "1/week",
        "Weekly chance that a joint venture ends.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "prison_life.market_entry_probability",
        0.2,
        "1",
        "Chance that a new joint venture brings each partner into one of the other's crime types.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "prison_life.skill_transfer_probability",
        0.02,
        "1/contact",
        "Chance that a contact passes one skill from the member to the other prisoner.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "prison_life.tie_probability",
        0.05,
        "1/contact",
        "Chance that a contact between a member and an unaffiliated prisoner leaves a personal tie "
        "that persists after release.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "prison_life.separation_contact_factor",
        0.2,
        "1",
        "Share of contacts a separated member still makes.",
        A,
        0.0,
        1.0,
    ),
    # --- community -------------------------------------------------------------------------
    _P(
        "community.vacancy_fill_rate",
        0.03,
        "1/week/vacancy",
        "Weekly chance that an OCG fills one vacant role from the offenders at large in its "
        "region.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "community.surplus_exit_hazard",
        0.02,
        "1/week",
        "Weekly chance that each member an OCG holds beyond its market roles (its target size) "
        "leaves: membership follows the group's hold on its markets.",
        A + " (a group that lost its market cannot keep its people; 0 switches it off)",
        0.0,
        1.0,
    ),
    _P(
        "community.tie_recruit_rate",
        0.001,
        "1/week",
        "Weekly chance that an unaffiliated offender at large with a prison tie to an OCG joins it "
        "('university of crime').",
        A + " (police interviewee: 'a bigger network coming out of prison')",
        0.0,
        1.0,
    ),
    _P(
        "community.tie_memory_weeks",
        104,
        "weeks",
        "How long a tie made in prison keeps its pull after it was made.",
        A,
        0,
        5200,
    ),
    _P(
        "community.initial_tie_share",
        0.13,
        "1",
        "Share of unaffiliated offenders at large who start the run with a live prison tie.",
        "derived: the stationary share in a 10-year baseline run (docs/calibration.md)",
        0.0,
        1.0,
    ),
    _P(
        "community.member_exit_hazard",
        0.0035,
        "1/week",
        "Weekly chance that a member leaves their OCG (drifts away, expelled).",
        A + " (mean tenure about 5 years)",
        0.0,
        1.0,
    ),
    _P(
        "community.desistance_hazard",
        0.0015,
        "1/week",
        "Weekly chance that an offender at large desists and leaves the population; each is "
        "replaced by a new entrant, so the population is stationary.",
        A + " (criminal careers of about 13 years)",
        0.0,
        1.0,
    ),
    _P(
        "community.market_recovery_rate",
        0.02,
        "1/week",
        "Displacement/recovery rate: weekly chance that each open role of a region's criminal "
        "markets (lost by a disrupted or dissolved group) is taken up again, by a rival or by a "
        "new group.",
        A + " (no published recovery time; Sherman 1990: crackdown effects decay after a short "
        "time; a factor of the sensitivity analysis)",
        0.0,
        1.0,
    ),
    _P(
        "community.takeover_share",
        0.72,
        "1",
        "Share of the open roles taken up that go to existing rivals in the region (in "
        "proportion to their size); the rest found new groups.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "community.initial_open_share",
        0.06,
        "1",
        "Share of a region's market roles open (held by no group) at the start, near the "
        "stationary share under baseline enforcement.",
        "derived: the stationary share in a 10-year baseline run (docs/calibration.md)",
        0.0,
        0.5,
    ),
    _P(
        "community.capability_recovery_rate",
        0.05,
        "1/week",
        "Weekly share of the capability an OCG lost to seizures that it rebuilds.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "community.leader_loss_capability",
        0.3,
        "1",
        "Share of its capability a group loses when it loses its leader (to arrest, isolation or "
        "exit), rebuilt at capability_recovery_rate as a successor takes over.",
        A + " (MADTOR, JASSS 2024, and Diviak 2023: removing central actors has the largest "
        "immediate impact)",
        0.0,
        1.0,
    ),
    _P(
        "community.venture_roles",
        1,
        "roles",
        "Extra roles each partner of a joint venture has while the venture lasts (the new "
        "market it opens).",
        A + " (research: OCGs use prison to expand towards new lucrative markets)",
        0,
        20,
    ),
    _P(
        "community.split_probability",
        0.1,
        "1",
        "Chance that an OCG of at least split_min_size splits when its leader is lost.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "community.split_share",
        0.333,
        "1",
        "Chance that each member follows the breakaway in a split.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "community.split_min_size",
        8,
        "persons",
        "Smallest OCG that can split.",
        A,
        2,
        1000,
    ),
    _P(
        "community.phone_recruit_boost",
        0.5,
        "1",
        "Extra community recruitment per member inside with a phone, relative to a member at "
        "large (phones let members inside run operations outside).",
        A + " (research: phones let members inside run operations outside)",
        0.0,
        5.0,
    ),
    # --- market ----------------------------------------------------------------------------
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
    # --- intelligence ----------------------------------------------------------------------
    _P(
        "intelligence.pios_per_1000",
        2.0,
        "PIOs per 1,000 places",
        "Prison intelligence officer posts per 1,000 places, in full-time equivalents (the "
        "caseload a prison assesses uses the exact number; one PIO agent per whole post).",
        A + " (HMPPS 2018: £8m+ for local intelligence analysis, about 200 posts)",
        0.0,
        100.0,
        lever=True,
    ),
    _P(
        "intelligence.reports_per_prisoner",
        0.13,
        "reports/week",
        "Intelligence reports each prisoner generates per week regardless of OCG activity (part "
        "of the PIOs' caseload).",
        "derived: half of HMIP 2024, HMP Swinfen Hall: 8,000+ reports/yr for ~600 prisoners "
        "(13 per prisoner-year, a high anchor); the other half follows OCG activity",
        0.0,
        10.0,
    ),
    _P(
        "intelligence.reports_per_member",
        1.5,
        "reports/week",
        "Intelligence reports each OCG member inside generates per week (their activity: "
        "recruiting, trading, phones): the part of the caseload that follows OCG activity.",
        "derived: the other half of 13 reports per prisoner-year (HMIP 2024, Swinfen Hall) at "
        "the baseline's ~7,500 members among ~86,000 prisoners",
        0.0,
        100.0,
    ),
    _P(
        "intelligence.reports_per_pio",
        120.0,
        "reports/week",
        "Reports a PIO can assess in a week with no paperwork.",
        A,
        1.0,
        10_000.0,
    ),
    _P(
        "intelligence.paperwork_share",
        0.4,
        "1",
        "Share of PIO time lost to paperwork and approvals (bureaucracy).",
        A + " (research: 'stuck in routines and paperwork')",
        0.0,
        0.99,
        lever=True,
    ),
    _P(
        "intelligence.pio_liaison_share",
        0.1,
        "1",
        "Share of a PIO's time spent on liaison with the police (sharing back, building trust) "
        "rather than on the caseload.",
        A + " (PIO interviewee: liaison 'goes on every single day')",
        0.0,
        1.0,
    ),
    _P(
        "intelligence.signal_rate",
        0.3,
        "signals/week",
        "Visible signals of OCG activity each member inside gives per week.",
        A,
        0.0,
        10.0,
    ),
    _P(
        "intelligence.detection_probability",
        0.3,
        "1/signal",
        "Chance that a signal becomes an intelligence item when PIOs are not overloaded.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "intelligence.grading_accuracy",
        0.75,
        "1",
        "Chance that the prison grades an item's subject at their true risk (no common protocol).",
        A,
        0.5,
        1.0,
    ),
    _P(
        "intelligence.definition_mismatch",
        0.3,
        "1",
        "Chance that police, with their own definition of risk and of OCG/gang, flip the prison's "
        "grading (no common protocol).",
        A + " (research; HMICFRS: mapping 'applied ... in an unacceptably inconsistent way')",
        0.0,
        1.0,
    ),
    _P(
        "intelligence.common_protocol",
        False,
        "-",
        "One shared risk protocol across the criminal justice system (recommendation 3).",
        "research-summary.txt, final recommendations",
        lever=True,
    ),
    _P(
        "intelligence.protocol_accuracy",
        0.9,
        "1",
        "Grading accuracy under the common protocol.",
        A,
        0.5,
        1.0,
    ),
    _P(
        "intelligence.protocol_mismatch",
        0.05,
        "1",
        "Residual definition mismatch under the common protocol.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "intelligence.recruiter_signal_multiplier",
        2.0,
        "1",
        "Multiplier on the detection rate of a member who recruited this week (recruiting is a "
        "visible signal).",
        A,
        1.0,
        20.0,
    ),
    # --- sharing ---------------------------------------------------------------------------
    _P(
        "sharing.enabled",
        True,
        "-",
        "Whether prisons and police share intelligence at all (false: working in silos).",
        "research-summary.txt ('working in silos doesn't work')",
        lever=True,
    ),
    _P(
        "sharing.common_database",
        False,
        "-",
        "One common intelligence database that every tier reads (recommendation 1).",
        "research-summary.txt, final recommendations",
        lever=True,
    ),
    _P(
        "sharing.access_local",
        0.6,
        "1",
        "With separate systems: share of items local police (SOCU) staff can access.",
        A + " (research: barriers of different databases and access)",
        0.0,
        1.0,
    ),
    _P(
        "sharing.access_regional",
        0.45,
        "1",
        "With separate systems: share of items the regional unit (ROCU) can access.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "sharing.access_national",
        0.3,
        "1",
        "With separate systems: share of items the national hub (MARSOC) can access.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "sharing.database_delay_factor",
        0.5,
        "1",
        "With one common database, the base delay is multiplied by this (no re-keying between "
        "systems).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "sharing.base_delay_weeks",
        2.0,
        "weeks",
        "Mean delay from creation to arrival, with standard software and no approvals.",
        A,
        0.0,
        52.0,
    ),
    _P(
        "sharing.software_complexity",
        1.0,
        "1",
        "Multiplier on the sharing delay from software complexity (recommendation 2 lowers it).",
        A,
        0.1,
        10.0,
        lever=True,
    ),
    _P(
        "sharing.approval_weeks",
        2.0,
        "weeks",
        "Mean extra delay from approvals (bureaucracy).",
        A + " (research: institutional bureaucracy)",
        0.0,
        52.0,
        lever=True,
    ),
    _P(
        "sharing.liaison_officers",
        0.0,
        "officers per region",
        "Extra prison-police liaison officers per region (recommendation 4).",
        "research-summary.txt, final recommendations",
        0.0,
        50.0,
        lever=True,
    ),
    _P(
        "sharing.liaison_delay_cut",
        0.25,
        "1/officer",
        "Share of delay each liaison officer removes (saturating: delay x (1-cut)^officers).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "sharing.liaison_trust_gain",
        0.002,
        "1/week/officer",
        "Weekly trust gain each liaison officer brings to the prisons of its region.",
        A + " (PIO interviewee: liaison 'goes on every single day')",
        0.0,
        1.0,
    ),
    _P(
        "sharing.national_forwarding",
        0.5,
        "1",
        "Chance that the national hub forwards an item to the police of the OCG's home region.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "sharing.police_share_back",
        0.5,
        "1",
        "Chance (times trust) that police tell a prison that an arriving prisoner is a known OCG "
        "member.",
        A,
        0.0,
        1.0,
    ),
    # --- trust -----------------------------------------------------------------------------
    _P(
        "trust.initial",
        0.45,
        "1",
        "Trust between each prison and each police tier at the start (0 none, 1 full).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "trust.culture_gap",
        0.55,
        "1",
        "How far the agencies' aims and cultures differ; trust drifts toward 1 - culture_gap.",
        A + " (research: different aims, differing organisation and work culture)",
        0.0,
        1.0,
    ),
    _P(
        "trust.drift_rate",
        0.02,
        "1/week",
        "Weekly share of the gap to the baseline that trust closes.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "trust.acted_gain",
        0.01,
        "1/item",
        "Trust gain when a shared item is acted on.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "trust.ignored_loss",
        0.004,
        "1/item",
        "Trust loss when a shared item is ignored.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "trust.meetings_local",
        2.0,
        "meetings/year",
        "Prison-police meetings, workshops and exchange events a year with local police.",
        A,
        0.0,
        52.0,
        lever=True,
    ),
    _P(
        "trust.meetings_regional",
        1.0,
        "meetings/year",
        "Meetings a year with the regional unit.",
        A,
        0.0,
        52.0,
        lever=True,
    ),
    _P(
        "trust.meetings_national",
        0.5,
        "meetings/year",
        "Meetings a year with the national hub.",
        A,
        0.0,
        52.0,
        lever=True,
    ),
    _P(
        "trust.meeting_gain",
        0.03,
        "1/meeting",
        "Trust gain from one meeting.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "trust.pio_liaison_gain",
        0.002,
        "1/week per PIO FTE on liaison",
        "Weekly rise in trust between a prison and its local and regional police per PIO "
        "full-time equivalent spent on liaison (PIOs x intelligence.pio_liaison_share).",
        A + " (PIO interviewee: 'one of the most important invisible things that PIOs do')",
        0.0,
        1.0,
    ),
    # --- disruption ------------------------------------------------------------------------
    _P(
        "disruption.prison_actions_per_1000",
        3.0,
        "actions/week per 1,000 places",
        "Transfers a prison can carry out each week (under a transfer policy).",
        A,
        0.0,
        1000.0,
    ),
    _P(
        "disruption.transfer_policy",
        "none",
        "-",
        "What a prison does with a known high-risk member: only separate ('none'), transfer to "
        "another prison ('disperse') or to a high-security prison ('concentrate').",
        "DESIGN.md (transfers/separation of high-risk members)",
        choices=("none", "disperse", "concentrate"),
        lever=True,
    ),
    _P(
        "disruption.restrict_communications",
        True,
        "-",
        "Known members inside lose phone access (communications restricted).",
        A,
        lever=True,
    ),
    _P(
        "disruption.separation_places_per_1000",
        5.0,
        "places per 1,000 places",
        "Separation places (segregation, separation centres) a prison has for known high-risk "
        "members: a binding capacity.",
        A + " (three separation centres for 28 people were opened in 2017; segregation units "
        "hold more)",
        0.0,
        1000.0,
        lever=True,
    ),
    _P(
        "disruption.separation_weeks",
        12,
        "weeks",
        "How long a separation lasts (it also ends when the person leaves the prison).",
        A,
        1,
        520,
    ),
    _P(
        "disruption.phone_seizure_weeks",
        12,
        "weeks",
        "After a joint search (an operation led by an item about a member inside), how long the "
        "group's members in that prison are kept from getting a phone again.",
        A,
        0,
        520,
    ),
    _P(
        "disruption.police_actions_per_region",
        4.0,
        "operations/week per region",
        "Operations a region's police (SOCU + ROCU) can mount against OCGs per week, at full "
        "scale: the police capacity lever (each costs cost.police_operation).",
        A + " (NCA: 23,000 disruptions in its first decade, about 45/week nationally)",
        0.0,
        10_000.0,
        lever=True,
    ),
    _P(
        "disruption.tasking",
        "several_sources",
        "-",
        "How police choose what to act on: leads from prison intelligence and from other sources "
        "(community, covert, partner agencies, the NCA), capacity shared by police strength, "
        "ranked by the harm an operation would prevent (several_sources); or every operation "
        "from a prison item, the same capacity in every region (prison_only: a structural "
        "variant, the model's funnel before tasking had several sources).",
        A + " (structural: no published account of how SOC tasking draws on prison intelligence)",
        choices=("several_sources", "prison_only"),
    ),
    _P(
        "disruption.prison_tasking_share",
        0.5,
        "1",
        "Share of each region's police capacity kept for leads from prison intelligence; the "
        "rest, and whatever prison leads leave unused, goes to leads from other sources "
        "(several_sources tasking only).",
        A + " (no published share; plausible 0.2-1.0, see docs/odd.md)",
        0.0,
        1.0,
        plausible=(0.2, 1.0),
    ),
    _P(
        "disruption.other_lead_rate",
        0.02,
        "1/week per OCG",
        "Chance a week that an OCG gives its region's police a new lead from a source other "
        "than prison intelligence; a lead keeps like a queued item (queue_max_weeks) until "
        "acted on (several_sources tasking only).",
        A + " (leads then outnumber capacity: about 90 new a week for 40 operations at full "
        "scale)",
        0.0,
        1.0,
        plausible=(0.005, 0.05),
    ),
    _P(
        "disruption.other_intel_value",
        0.5,
        "1",
        "Value of a lead from another source, on the scale of a prison item's value (1 when "
        "fresh): it scales an operation's arrests, seizures and market loss.",
        A,
        0.0,
        1.0,
        plausible=(0.3, 0.8),
    ),
    _P(
        "disruption.intel_decay_weeks",
        12.0,
        "weeks",
        "Weeks for an item's value to police to fall by a factor e from its creation: delay "
        "(software, approvals, liaison) costs value.",
        A,
        0.5,
        520.0,
    ),
    _P(
        "disruption.queue_max_weeks",
        12,
        "weeks",
        "Weeks a usable item waits in a region's queue for an operation before it is dropped "
        "(counted as ignored).",
        A,
        1,
        520,
    ),
    _P(
        "disruption.high_risk_priority",
        3.0,
        "1",
        "Police priority of an item whose subject they grade high risk, relative to low risk.",
        "research-summary.txt (a shared protocol 'with a clear distinction between high and "
        "low-risk OCGs' individuals'); size " + A,
        1.0,
        100.0,
    ),
    _P(
        "disruption.aims_gap",
        0.5,
        "1",
        "Different aims: how much less police value intelligence about members inside (the "
        "prison's concern) than about members at large (their own).",
        A + " (research: 'different aims', a barrier apart from mistrust)",
        0.0,
        1.0,
    ),
    _P(
        "disruption.protocol_aims_gap",
        0.2,
        "1",
        "The aims gap under a common protocol on how to deal with OCGs inside and outside prisons.",
        A + " (research: one shared protocol across the criminal justice system)",
        0.0,
        1.0,
    ),
    _P(
        "disruption.operation_arrest_share",
        0.2,
        "1",
        "Share of a group's members at large an operation arrests when its intelligence is "
        "fresh (scaled by the intelligence's value); the item's subject is arrested with a "
        "chance equal to that value if at large.",
        A + " (MADTOR, JASSS 2024: arresting even a few members is disruptive)",
        0.0,
        1.0,
    ),
    _P(
        "disruption.capability_seizure",
        0.3,
        "1",
        "Share of a group's capability (drugs, cash, weapons, phones, lines) an operation with "
        "fresh intelligence seizes; the group's offending falls in proportion.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "disruption.operation_role_loss",
        0.2,
        "1",
        "Share of a group's market roles an operation with fresh intelligence takes from it; "
        "they become open roles of the region's markets (see community.market_recovery_rate).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "disruption.venture_disruption",
        0.5,
        "1",
        "Chance that an operation with fresh intelligence ends each joint venture of the group.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "disruption.arrest_multiplier",
        2.0,
        "1",
        "Multiplier on the offence hazard for members police know about (arrest pressure).",
        A,
        1.0,
        100.0,
    ),
    _P(
        "disruption.leader_removal_probability",
        0.1,
        "1/action",
        "Chance that a police operation against an OCG with fresh intelligence targets (and "
        "arrests, if at large) its leader.",
        A,
        0.0,
        1.0,
    ),
    _P(
        "disruption.licence_effect",
        0.5,
        "1",
        "Reduction in community recruitment by members released under intelligence-led licence "
        "conditions (they are also recalled more often: justice.intel_recall_multiplier).",
        A,
        0.0,
        1.0,
    ),
    _P(
        "disruption.intel_shelf_life_weeks",
        52,
        "weeks",
        "How long an intelligence item stays actionable.",
        A,
        1,
        520,
    ),
    # --- regime (other jurisdictions) ------------------------------------------------------
    _P(
        "regime.isolate_leaders",
        False,
        "-",
        "Italy-like 41-bis regime: OCG leaders inside are isolated (no contacts, no phones, no "
        "leadership from inside).",
        "Antigone XX report; National Guarantor (740 people under 41-bis, 2023)",
        lever=True,
    ),
    _P(
        "regime.faction_control",
        0.0,
        "1",
        "Brazil-like share of prisons run by factions: there recruitment is multiplied by "
        "faction_recruit_multiplier, searches stop and PIOs assess faction_detection_factor as "
        "much.",
        "Senappen 2024 (88 factions mapped in prisons); size " + A,
        0.0,
        1.0,
        lever=True,
    ),
    _P(
        "regime.faction_recruit_multiplier",
        5.0,
        "1",
        "Multiplier on in-prison recruitment in faction-run prisons.",
        A,
        1.0,
        100.0,
    ),
    _P(
        "regime.faction_detection_factor",
        0.5,
        "1",
        "Multiplier on what PIOs can assess in a faction-run prison.",
        A,
        0.0,
        1.0,
    ),
    # --- harm ------------------------------------------------------------------------------
    _P(
        "harm.index",
        "cchi",
        "-",
        "Published harm index weighting OC offences by crime type: the Cambridge Crime Harm Index "
        "(starting-point sentence in days) or the ONS Crime Severity Score (average sentence in "
        "days); weights in docs/calibration.md.",
        "Sherman, Neyroud & Neyroud 2016 (CCHI 2020 values); ONS Crime Severity Score",
        choices=("cchi", "css"),
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
    # --- cost ------------------------------------------------------------------------------
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

_BY_NAME: dict[str, ParamSpec] = {p.name: p for p in PARAMETERS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.section for p in PARAMETERS))


def spec(name: str) -> ParamSpec:
    """Return the spec of parameter ``name``.

    Raises:
        KeyError: If there is no such parameter.
    """
    return _BY_NAME[name]


def known(name: str) -> bool:
    """Whether ``name`` is a parameter of the model."""
    return name in _BY_NAME


def defaults() -> dict[str, Any]:
    """All parameters at their default values, keyed by dotted name."""
    return {p.name: p.default for p in PARAMETERS}


class _Section:
    """Attribute access to one section's values (``params.justice.offence_hazard``)."""

    def __init__(self, values: dict[str, Any]):
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"_Section({self.__dict__!r})"


class Parameters:
    """A complete, validated set of parameter values.

    Attribute access is by section: ``params.justice.offence_hazard``. Item access is by dotted
    name: ``params["justice.offence_hazard"]``.

    Args:
        values: Dotted name -> value; missing names take their default.
        where: Where the values came from, for error messages.
    """

    def __init__(self, values: dict[str, Any] | None = None, where: str = "parameters"):
        merged = defaults()
        for name, value in (values or {}).items():
            if name not in _BY_NAME:
                raise ScenarioError(f"{where}: unknown parameter {name!r}; {_suggest(name)}")
            merged[name] = _BY_NAME[name].check(value, where)
        self._values = merged
        for section in SECTIONS:
            keys = {
                n.split(".", 1)[1]: v for n, v in merged.items() if n.split(".", 1)[0] == section
            }
            setattr(self, section, _Section(keys))

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def as_dict(self) -> dict[str, Any]:
        """Dotted name -> value for every parameter."""
        return dict(self._values)

    def with_levers_at_baseline(self) -> Parameters:
        """The same parameters with every policy lever at its baseline default."""
        values = dict(self._values)
        for p in PARAMETERS:
            if p.lever:
                values[p.name] = p.default
        return Parameters(values)

    def changed(self) -> dict[str, Any]:
        """Parameters whose value differs from the default."""
        return {n: v for n, v in self._values.items() if v != _BY_NAME[n].default}


def _suggest(name: str) -> str:
    section = name.split(".", 1)[0]
    if "." not in name:
        return "names are section.key, sections: " + ", ".join(SECTIONS)
    if section not in SECTIONS:
        return "allowed sections: " + ", ".join(SECTIONS)
    keys = [p.key for p in PARAMETERS if p.section == section]
    return f"allowed keys in [{section}]: " + ", ".join(keys)


def parameters_markdown() -> str:
    """Render the schema as the Markdown table in ``docs/parameters.md``."""
    lines = [
        "# Parameters",
        "",
        "Generated from `sim/params.py` by `ocgsim docs` (a test keeps this file in step).",
        "Levers (marked **L**) keep their default until `run.intervention_week`, then take the",
        "scenario's value. `assumption` marks values with no published figure: they are factors",
        "of the sensitivity analysis. Full sources are in `docs/calibration.md`.",
        "",
    ]
    for section in SECTIONS:
        lines += [
            f"## [{section}]",
            "",
            "| key | default | unit | range | meaning | source |",
            "|---|---|---|---|---|---|",
        ]
        for p in PARAMETERS:
            if p.section != section:
                continue
            rng = p.allowed().removeprefix("a number in ").removeprefix("an integer in ")
            key = f"`{p.key}`" + (" **L**" if p.lever else "")
            if p.kind is bool:
                default = str(p.default).lower()
            elif p.kind is str:
                default = repr(p.default)
            else:
                default = _fmt(p.default)
            lines.append(f"| {key} | {default} | {p.unit} | {rng} | {p.doc} | {p.source} |")
        lines.append("")
    return "\n".join(lines)
