"""Parameters of disruption: prison actions, separation and police operations.

Section [disruption] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
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
        "design brief (transfers/separation of high-risk members)",
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
        A + " (leads then outnumber capacity: about 90 new a week for 40 operations at full scale)",
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
        "study (a shared protocol 'with a clear distinction between high and "
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
)
