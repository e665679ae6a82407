"""Parameters of prison intelligence: PIOs, reports, detection and grading.

Section [intelligence] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
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
        "study, final recommendations",
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
        "intelligence.not_member_rate",
        0.08,
        "1/item",
        "Chance that an item is about a prisoner who is not an OCG member (someone seen with a "
        "member, taken for one: a false positive), with each agency's own definitions.",
        A + " (research: definitions of SOC and gangs 'do not always match'; HMICFRS: "
        "mapping applied 'in an unacceptably inconsistent way')",
        0.0,
        1.0,
        plausible=(0.02, 0.25),
    ),
    _P(
        "intelligence.wrong_group_rate",
        0.03,
        "1/item",
        "Chance that an item about a member names another group of the same region (groups "
        "confused), with each agency's own definitions, before the aims gap adds "
        "aims_wrong_group_rate x gap.",
        A,
        0.0,
        1.0,
        plausible=(0.01, 0.12),
    ),
    _P(
        "intelligence.aims_wrong_group_rate",
        0.04,
        "1/item per unit of aims gap",
        "Extra chance, per unit of the aims gap in force (disruption.aims_gap, or "
        "protocol_aims_gap under the common protocol), that an item names the wrong group: the "
        "prison records affiliation for order and safety (who must be kept apart), not for the "
        "police's map of OCGs. At the defaults it makes up 0.02 of the 0.05 without the "
        "protocol and 0.008 of the 0.02 with it.",
        A + " (research: 'different aims', a barrier apart from mistrust; HMICFRS: mapping "
        "applied 'in an unacceptably inconsistent way')",
        0.0,
        1.0,
        plausible=(0.0, 0.1),
    ),
    _P(
        "intelligence.protocol_not_member_rate",
        0.03,
        "1/item",
        "The chance of an item about a non-member under the common protocol (one definition of "
        "an OCG member across the criminal justice system).",
        A,
        0.0,
        1.0,
        plausible=(0.0, 0.1),
    ),
    _P(
        "intelligence.protocol_wrong_group_rate",
        0.012,
        "1/item",
        "The chance of an item naming the wrong group under the common protocol, before the "
        "aims gap adds aims_wrong_group_rate x protocol_aims_gap.",
        A,
        0.0,
        1.0,
        plausible=(0.0, 0.06),
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
)
