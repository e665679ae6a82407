"""Parameters of the community: vacancies, exits, market recovery, capability and splits.

Section [community] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
    _P(
        "community.vacancy_fill_rate",
        0.05,
        "1/week/vacancy",
        "Weekly chance that an OCG fills one vacant role when the pool of people it can reach is "
        "unlimited (the saturation level); with a reachable pool E the chance is this times "
        "E / (E + vacancy_half_reach).",
        A + " (calibrated within its plausible range so that OCG membership and its stationarity "
        "meet their targets, NCA 2019 and the design brief)",
        0.0,
        1.0,
        plausible=(0.025, 0.1),
    ),
    _P(
        "community.vacancy_half_reach",
        75.0,
        "contacts",
        "Reachable pool (in contact-equivalents) at which an OCG fills its vacancies at half the "
        "maximum rate: the smaller it is against the typical pool, the less the fill rate "
        "depends on who is available.",
        A + " (no published figure; a factor of the sensitivity analysis)",
        0.0,
        100000.0,
        plausible=(25.0, 300.0),
    ),
    _P(
        "community.reach_contacts_per_member",
        10.0,
        "people",
        "Offenders at large in the home region that each active member knows (a member inside "
        "with a phone counts phone_recruit_boost): the group's contacts in its region.",
        A,
        0.0,
        1000.0,
        plausible=(5.0, 30.0),
    ),
    _P(
        "community.reach_tie_weight",
        3.0,
        "contacts",
        "Weight in the reachable pool of an unaffiliated offender at large with a live prison tie "
        "to the group, against one regional contact without the group's skills.",
        A + " (a tie made in prison is a personal, vetted link: 'people ... whom you know')",
        0.0,
        100.0,
        plausible=(1.0, 10.0),
    ),
    _P(
        "community.reach_skill_weight",
        1.5,
        "contacts",
        "Weight in the reachable pool of a regional contact with a skill in one of the group's "
        "crime types, against one without.",
        "NCA 2021 (OCGs recruit individuals with desirable skills); size "
        + A
        + " (the same as prison_life.skill_multiplier)",
        0.0,
        100.0,
        plausible=(1.0, 3.0),
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
)
