"""Parameters of sharing intelligence with the police: access, delays, liaison.

Section [sharing] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
    _P(
        "sharing.enabled",
        True,
        "-",
        "Whether prisons and police share intelligence at all (false: working in silos).",
        "study ('working in silos doesn't work')",
        lever=True,
    ),
    _P(
        "sharing.common_database",
        False,
        "-",
        "One common intelligence database that every tier reads (recommendation 1).",
        "study, final recommendations",
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
        "study, final recommendations",
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
)
