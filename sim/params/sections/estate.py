"""Parameters of the prison estate: prisons, capacity, occupancy, wings and categories.

Section [estate] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
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
)
