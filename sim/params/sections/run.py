"""Parameters of a run: its length, scale, intervention week and world.

Section [run] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
    _P("run.years", 10, "years", "Length of the run.", "assumption (a decade of policy)", 1, 100),
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
        "study (study's local site)",
        choices=("england_wales", "humberside"),
    ),
)
