"""Parameters of prison life: contacts on the wing, recruitment, ties, skills and joint ventures.

Section [prison_life] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
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
)
