"""Parameters of trust between prisons and police tiers: drift, gains, meetings.

Section [trust] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
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
        "trust.wrong_item_loss",
        0.02,
        "1/operation",
        "Trust loss between a prison and a police tier when an operation led by the prison's "
        "item proves wrong (its subject is not a member of the group it names): a wasted "
        "operation costs more trust than an ignored item.",
        A,
        0.0,
        1.0,
        plausible=(0.004, 0.05),
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
)
