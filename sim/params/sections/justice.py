"""Parameters of the justice process: offending, custody, remand, sentences, release and recall.

Section [justice] of the parameter table; ``sim.params`` joins the sections in order.
"""

from __future__ import annotations

from sim.params.schema import A, ParamSpec

_P = ParamSpec

PARAMETERS: tuple[ParamSpec, ...] = (
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
)
