"""Custody: what every way into prison shares (court draws, time served, isolation inside).

Research trace: whoever brings a person to court (a proven offence, a recall, a police operation,
a dated removal), the court's decisions are the same: remand or sentence, its length and the time
served (``docs/calibration.md``). Justice's ``take_many_into_custody`` is the one service that
takes people into custody; the schedule's removals and the police operations call it with court
draws made from their own streams (``CourtDraws``), so a police lever leaves the justice
process's draws alone. Isolation (41-bis-like regimes) is read by every process that meets people
inside, so it lives here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.state.population import LEADER

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = [
    "MAX_SENTENCE_WEEKS",
    "CourtDraws",
    "custody_weeks",
    "isolated",
    "sentence_mu",
    "sentence_weeks",
]

WEEKS_PER_MONTH = 52.0 / 12.0
#: Sentences (and remand) are capped at 100 years (a whole-life term, for the model's purposes).
MAX_SENTENCE_WEEKS = 5200


def sentence_mu(j) -> float:
    """Log-scale location of the log-normal sentence whose mean is ``sentence_months_mean``."""
    return np.log(j.sentence_months_mean * WEEKS_PER_MONTH) - j.sentence_sigma**2 / 2


def custody_weeks(j, sentence: np.ndarray) -> np.ndarray:
    """Weeks held for a sentence: the served fraction of it, at least one week."""
    return np.maximum(1, np.round(sentence * j.served_fraction)).astype(np.int64)


def sentence_weeks(model: OCGModel, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` sentence lengths in weeks: log-normal with the parameters' mean, capped."""
    j = model.params.justice
    draws = np.round(rng.lognormal(sentence_mu(j), j.sentence_sigma, size=n))
    return np.clip(draws, 1, MAX_SENTENCE_WEEKS).astype(np.int64)


class CourtDraws:
    """Sentencing draws for ``n`` people, made at once (remand or not, length, time held)."""

    def __init__(self, model: OCGModel, rng: np.random.Generator, n: int):
        j = model.params.justice
        self.remand = rng.random(n) < j.remand_probability
        self.sentence = sentence_weeks(model, rng, n)
        # (capped like a sentence: a week stamp must fit ``sim.state.population.WEEK``)
        self.remand_hold = np.minimum(
            1 + rng.geometric(1.0 / j.remand_weeks, size=n), MAX_SENTENCE_WEEKS
        )
        self.share_back = rng.random(n)
        self.exit = rng.random(n)  # whether a sentence ends OCG membership


def isolated(model: OCGModel, people: np.ndarray) -> np.ndarray:
    """Which of ``people`` (inside) are isolated.

    Leaders under a 41-bis-like regime are, and so is anyone isolated as a leader earlier in their
    term: isolation lasts until release.
    """
    pop = model.population
    out = pop.isolated[people].copy()
    if model.params.regime.isolate_leaders:
        out |= pop.role[people] == LEADER
    return out
