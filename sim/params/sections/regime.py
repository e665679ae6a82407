"""Parameters of other jurisdictions' regimes: isolating leaders, faction control.

Section [regime] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
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
)
