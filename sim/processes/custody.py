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

from sim.fast import kernels
from sim.state.population import LEADER

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = [
    "MAX_SENTENCE_WEEKS",
    "CourtDraws",
    "ReleaseCalendar",
    "custody_weeks",
    "isolated",
    "preference_lists",
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


class ReleaseCalendar:
    """For each week, the offenders whose time in custody (remand or term) ends that week.

    Each offender is listed for at most one week (the one in their ``release_week``), in the
    order they were added. A week's list is a chain of blocks of ``BLOCK`` offenders (compiled
    in ``sim.fast.kernels``), so that reading it reads whole blocks rather than one offender's row
    after another's.

    Args:
        population: The offenders' state arrays.
        weeks: Weeks to make room for at first (grows as needed).
    """

    #: Offenders per block.
    BLOCK = 32

    def __init__(self, population, weeks: int):
        self.population = population
        self.head = np.full(max(16, weeks), -1, dtype=np.int64)
        self.tail = self.head.copy()
        self.blocks = np.zeros((0, self.BLOCK), dtype=np.int64)
        self.fill = np.zeros(0, dtype=np.int64)
        self.following = np.zeros(0, dtype=np.int64)
        self.free = np.zeros(0, dtype=np.int64)  # a stack of unused blocks
        self.n_free = 0
        self._more_blocks(1024)

    def _more_blocks(self, at_least: int) -> None:
        """Double the blocks (or more), the new ones onto the free stack."""
        old = self.fill.size
        new = max(2 * old, old + at_least)
        blocks = np.zeros((new, self.BLOCK), dtype=np.int64)
        blocks[:old] = self.blocks
        self.blocks = blocks
        self.fill = np.concatenate([self.fill, np.zeros(new - old, dtype=np.int64)])
        self.following = np.concatenate([self.following, np.full(new - old, -1, dtype=np.int64)])
        free = np.zeros(new, dtype=np.int64)
        free[: self.n_free] = self.free[: self.n_free]
        free[self.n_free : self.n_free + new - old] = np.arange(old, new)
        self.free = free
        self.n_free += new - old

    def add(self, people: np.ndarray, weeks: np.ndarray) -> None:
        """List ``people[i]`` for week ``weeks[i]``, in order (their ``release_week``)."""
        if not people.size:
            return
        last = int(weeks.max())
        if last >= self.head.size:
            grow = np.full(max(last + 1, 2 * self.head.size) - self.head.size, -1, dtype=np.int64)
            self.head = np.concatenate([self.head, grow])
            self.tail = np.concatenate([self.tail, grow])
        self.population.release_week[people] = weeks
        people = people.astype(np.int64)
        weeks = weeks.astype(np.int64)
        while people.size:
            self.n_free, done = kernels.calendar_add(
                self.head,
                self.tail,
                self.blocks,
                self.fill,
                self.following,
                self.free,
                self.n_free,
                people,
                weeks,
            )
            people, weeks = people[done:], weeks[done:]
            if people.size:
                self._more_blocks(people.size // self.BLOCK + 1)

    def due(self, week: int) -> np.ndarray:
        """The offenders listed for ``week`` (the list stays)."""
        if week >= self.head.size:
            return np.zeros(0, dtype=np.int64)
        return kernels.calendar_list(self.head, self.blocks, self.fill, self.following, week)

    def take(self, week: int) -> np.ndarray:
        """The offenders listed for ``week``, taking the list off the calendar."""
        people = self.due(week)
        if week < self.head.size:
            self.n_free = kernels.calendar_clear(
                self.head, self.tail, self.following, self.free, self.n_free, week
            )
        return people


def preference_lists(
    world, *, strict: bool = False
) -> dict[tuple[int, int], tuple[np.ndarray, ...]]:
    """For each (region, category): prisons to try, tier by tier.

    Args:
        world: Regions and prisons.
        strict: Only prisons of the category: the region's, then the nation's. Otherwise region
            and category first, then the region, then the category nationally, then anywhere.
    """
    everywhere = np.arange(world.n_prisons)
    out = {}
    for region in range(world.n_regions):
        in_region = world.prison_region == region
        for category in range(4):
            in_category = world.prison_category == category
            tiers = (
                (np.flatnonzero(in_region & in_category), np.flatnonzero(in_category))
                if strict
                else (
                    np.flatnonzero(in_region & in_category),
                    np.flatnonzero(in_region),
                    np.flatnonzero(in_category),
                    everywhere,
                )
            )
            out[(region, category)] = tuple(t for t in tiers if t.size)
    return out
