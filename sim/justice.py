"""Justice: releases, arrests, sentencing, allocation to prisons, recall and progression.

Research trace: prisons receive OCG members and unaffiliated offenders alike; where they are held
decides whom they meet (DESIGN.md step 1). Sentence lengths, remand and served fractions follow
published England & Wales figures (``docs/calibration.md``).

Arrests are drawn per region as a count (Binomial) and the arrested are drawn from the region's
roster, so the cost is proportional to arrests, not to the offenders at large. OCG members and
members known to the police get their own hazard by thinning or adding to the uniform draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import sharing
from sim.population import AT_LARGE, HIGH, REMAND, SENTENCED
from sim.world import HIGH_SECURITY, LOCAL, OPEN, TRAINING

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["place_initial_prisoners", "step", "take_into_custody", "take_many_into_custody"]

WEEKS_PER_MONTH = 52.0 / 12.0
#: Sentences at least this long go to high-security prisons.
LONG_SENTENCE_WEEKS = 520
#: Sentences are capped at 100 years (a whole-life term, for the model's purposes).
MAX_SENTENCE_WEEKS = 5200
#: A recall holds the person until licence end, at most this long.
RECALL_MAX_WEEKS = 26


def step(model: OCGModel) -> None:
    """Run the week's justice process: releases, arrests, recalls, progression."""
    _releases(model)
    _offences(model)
    _technical_recalls(model)
    _progression(model)


# ---------------------------------------------------------------------------------------------
# sentencing and allocation
# ---------------------------------------------------------------------------------------------
def _sentence_mu(j) -> float:
    """Log-scale location of the log-normal sentence whose mean is ``sentence_months_mean``."""
    return np.log(j.sentence_months_mean * WEEKS_PER_MONTH) - j.sentence_sigma**2 / 2


def custody_weeks(j, sentence: np.ndarray) -> np.ndarray:
    """Weeks held for a sentence: the served fraction of it, at least one week."""
    return np.maximum(1, np.round(sentence * j.served_fraction)).astype(np.int64)


def _sentence_weeks(model: OCGModel, rng: np.random.Generator, n: int) -> np.ndarray:
    j = model.params.justice
    draws = np.round(rng.lognormal(_sentence_mu(j), j.sentence_sigma, size=n))
    return np.clip(draws, 1, MAX_SENTENCE_WEEKS).astype(np.int64)


class CourtDraws:
    """Sentencing draws for ``n`` people, made at once (remand or not, length, time held)."""

    def __init__(self, model: OCGModel, rng: np.random.Generator, n: int):
        j = model.params.justice
        self.remand = rng.random(n) < j.remand_probability
        self.sentence = _sentence_weeks(model, rng, n)
        self.remand_hold = 1 + rng.geometric(1.0 / j.remand_weeks, size=n)
        self.share_back = rng.random(n)


def preference_lists(
    model: OCGModel, *, strict: bool = False
) -> dict[tuple[int, int], tuple[np.ndarray, ...]]:
    """For each (region, category): prisons to try, tier by tier.

    Args:
        model: The model (its world).
        strict: Only prisons of the category: the region's, then the nation's. Otherwise region
            and category first, then the region, then the category nationally, then anywhere.
    """
    w = model.world
    everywhere = np.arange(w.n_prisons)
    out = {}
    for region in range(w.n_regions):
        in_region = w.prison_region == region
        for category in range(4):
            in_category = w.prison_category == category
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


def find_prison(model: OCGModel, region: int, category: int, *, strict: bool = False) -> int:
    """A prison with a free place: home region and category first, then region, then nation.

    Within each tier of preference the prison with most free places is chosen.

    Args:
        model: The model.
        region: The offender's home region.
        category: The category of prison wanted.
        strict: Only prisons of that category (used by progression transfers).

    Returns:
        The prison index, or -1 if no suitable prison has a free place.
    """
    free = model.prison_free
    table = model.strict_preferences if strict else model.preferences
    for candidates in table[(region, category)]:
        f = free[candidates]
        best = int(f.argmax())
        if f[best] > 0:
            return int(candidates[best])
    return -1


def _schedule(model: OCGModel, person: int, week: int) -> None:
    model.population.release_week[person] = week
    model.release_calendar.setdefault(week, []).append(person)


def take_into_custody(
    model: OCGModel,
    person: int,
    rng: np.random.Generator,
    *,
    recall: bool = False,
) -> bool:
    """Take an offender at large into custody: remand or sentence, and a place in a prison.

    Args:
        model: The model.
        person: Offender index (must be at large).
        rng: Generator for the sentencing draws.
        recall: True for a recall on licence (held until licence end, at most 26 weeks).

    Returns:
        False if no prison in the estate had a free place (the person stays at large: the
        court's sentence is served in the community, counted as ``diverted``).
    """
    draws = CourtDraws(model, rng, 1)
    people = np.array([person], dtype=np.int64)
    take_many_into_custody(model, people, np.array([recall]), draws, np.zeros(1, dtype=np.int64))
    return bool(model.population.status[person] != AT_LARGE)


def take_many_into_custody(
    model: OCGModel, people: np.ndarray, recall: np.ndarray, draws: CourtDraws, ks: np.ndarray
) -> None:
    """Take several offenders at large into custody, in the order given.

    Person ``i`` uses entry ``ks[i]`` of ``draws``; the result is the same as calling
    :func:`take_into_custody` for each in turn. Only the choice of prison and wing is
    sequential (each admission uses up a place); the decisions and the bookkeeping are array
    operations. This is the justice step's hot path.

    Args:
        model: The model.
        people: Offenders at large, each once.
        recall: Per person, whether this is a recall on licence.
        draws: Sentencing draws.
        ks: Per person, which entry of ``draws`` to use.
    """
    n = people.size
    if not n:
        return
    pop = model.population
    week = model.week
    remand = draws.remand[ks] & ~recall
    sentence = np.where(recall | remand, 0, draws.sentence[ks]).astype(np.int64)
    recall_hold = np.minimum(np.maximum(2, pop.licence_end[people] - week), RECALL_MAX_WEEKS)
    served = custody_weeks(model.params.justice, sentence)
    hold = np.where(recall, recall_hold, np.where(remand, draws.remand_hold[ks], served)).astype(
        np.int64
    )
    high = ~remand & (
        (sentence >= LONG_SENTENCE_WEEKS)
        | (pop.prison_grade[people] == HIGH)
        | (pop.police_grade[people] == HIGH)
    )
    category = np.where(high, HIGH_SECURITY, LOCAL)
    status = np.where(remand, REMAND, SENTENCED)

    placed = np.zeros(n, dtype=bool)
    columns = (people, pop.region[people], category, status)
    for i, (person, region, cat, st) in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
        prison = find_prison(model, region, cat)
        if prison >= 0:
            model.admit(person, prison, st)
            placed[i] = True

    counts = model.counts
    counts.diverted += int(n - placed.sum())
    p = people[placed]
    if not p.size:
        return
    pop.sentence_weeks[p] = sentence[placed]
    pop.licence_end[p[~recall[placed]]] = -1
    for person, until in zip(p.tolist(), (week + hold[placed]).tolist(), strict=True):
        _schedule(model, person, until)
    n_recalls = int(recall[placed].sum())
    counts.recalls += n_recalls
    counts.receptions += int(p.size) - n_recalls
    members = np.flatnonzero(pop.ocg[p] >= 0)
    share_back = draws.share_back[ks[placed]]
    for i in members.tolist():
        sharing.share_back_on_arrival(model, int(p[i]), float(share_back[i]))


def place_initial_prisoners(
    model: OCGModel, prisoners: np.ndarray, rng: np.random.Generator
) -> None:
    """Place the initial prison population, with remaining times from the stationary state.

    A prisoner seen at a random moment is length-biased: their sentence is drawn from the
    length-biased log-normal (mu + sigma^2) and the time left is uniform over the time served.
    """
    j = model.params.justice
    pop = model.population
    n = len(prisoners)
    sigma = j.sentence_sigma
    mu = _sentence_mu(j)
    remand_share = 0.2
    on_remand = rng.random(n) < remand_share
    sentence = np.clip(
        np.round(rng.lognormal(mu + sigma**2, sigma, size=n)), 1, MAX_SENTENCE_WEEKS
    ).astype(np.int64)
    served_total = custody_weeks(j, sentence)
    left = 1 + (rng.random(n) * served_total).astype(np.int64)
    remand_left = 1 + rng.geometric(1.0 / j.remand_weeks, size=n)
    for k, person in enumerate(prisoners):
        person = int(person)
        if on_remand[k]:
            category, status, hold = LOCAL, REMAND, int(remand_left[k])
            pop.sentence_weeks[person] = 0
        else:
            long = sentence[k] >= LONG_SENTENCE_WEEKS or pop.high_risk[person]
            cat_draw = rng.random()
            category = HIGH_SECURITY if long else (LOCAL if cat_draw < 0.3 else TRAINING)
            status, hold = SENTENCED, int(left[k])
            pop.sentence_weeks[person] = int(sentence[k])
        prison = find_prison(model, int(pop.region[person]), category)
        if prison < 0:
            break
        model.admit(person, prison, status)
        _schedule(model, person, model.week + hold)


# ---------------------------------------------------------------------------------------------
# the weekly flows
# ---------------------------------------------------------------------------------------------
def _releases(model: OCGModel) -> None:
    """Ends of remand (release or sentence) and releases at the end of the custodial term."""
    rng = model.streams["justice"]
    pop = model.population
    j = model.params.justice
    due = np.array(model.release_calendar.pop(model.week, []), dtype=np.int64)
    if not due.size:
        return
    due = due[(pop.release_week[due] == model.week) & (pop.status[due] != AT_LARGE)]
    # remand ends: convicted (sentence starts now, same prison) or released
    remand = due[pop.status[due] == REMAND]
    convicted = remand[rng.random(remand.size) >= j.remand_release_probability]
    if convicted.size:
        sentence = _sentence_weeks(model, rng, convicted.size)
        pop.status[convicted] = SENTENCED
        pop.sentence_weeks[convicted] = sentence
        hold = custody_weeks(j, sentence)
        for person, h in zip(convicted.tolist(), hold.tolist(), strict=True):
            _schedule(model, person, model.week + h)
    leaving = due[~np.isin(due, convicted)]
    if not leaving.size:
        return
    sentence = pop.sentence_weeks[leaving].astype(np.int64)
    sentenced = (pop.status[leaving] == SENTENCED) & (sentence > 0)
    model.discharge_many(leaving)
    model.counts.releases += int(leaving.size)
    served = custody_weeks(j, sentence)
    licence_end = np.where(
        sentenced, model.week + np.maximum(1, sentence - served), pop.licence_end[leaving]
    )
    licence_end = np.where(licence_end > model.week, licence_end, -1)
    pop.licence_end[leaving] = licence_end
    fresh = model.params.disruption.intel_shelf_life_weeks
    known = (model.week - pop.police_intel_week[leaving]) <= fresh
    pop.licence_intel[leaving] = np.where(
        sentenced, known & (pop.ocg[leaving] >= 0), pop.licence_intel[leaving]
    )
    pop.last_release[leaving] = model.week
    pop.reoffended[leaving] = False
    model.releases_by_week[model.week] += leaving.size


def _offences(model: OCGModel) -> None:
    """Proven offences by offenders at large; each may lead to custody or recall."""
    rng = model.streams["justice"]
    pop = model.population
    j = model.params.justice
    h = j.offence_hazard
    counts = model.at_large.count
    caught: list[np.ndarray] = []
    for region in range(model.world.n_regions):
        k = int(rng.binomial(counts[region], h))
        if k:
            picks = rng.choice(counts[region], size=k, replace=False)
            caught.append(model.at_large.members[region, np.sort(picks)])
    base = np.unique(np.concatenate(caught)) if caught else np.zeros(0, dtype=np.int64)

    # members at large: their own hazard, by thinning or adding to the uniform draw
    members = model.members_at_large()
    if len(members):
        fresh = model.params.disruption.intel_shelf_life_weeks
        known = (model.week - pop.police_intel_week[members]) <= fresh
        hazard = (
            h
            * j.ocg_offence_multiplier
            * np.where(known, model.params.disruption.arrest_multiplier, 1.0)
        )
        hazard = np.minimum(hazard, 1.0)
        in_base = np.isin(members, base, assume_unique=True)
        keep_p = np.where(hazard >= h, 1.0, hazard / max(h, 1e-12))
        add_p = np.where(hazard > h, (hazard - h) / max(1.0 - h, 1e-12), 0.0)
        u = rng.random(len(members))
        dropped = members[in_base & (u >= keep_p)]
        added = members[~in_base & (u < add_p)]
        model.counts.arrests_intel += int(known[~in_base & (u < add_p)].sum())
        if dropped.size:
            base = base[~np.isin(base, dropped)]
        base = np.union1d(base, added)
    arrested = base[pop.status[base] == AT_LARGE] if base.size else base
    if not arrested.size:
        return
    arrested = arrested[rng.permutation(len(arrested))]
    model.counts.offences += int(arrested.size)
    since = model.week - pop.last_release[arrested]
    first = (since >= 0) & (since <= 52) & ~pop.reoffended[arrested]
    pop.reoffended[arrested[first]] = True
    np.add.at(model.reoffended_by_week, pop.last_release[arrested[first]], 1)
    on_licence = pop.licence_end[arrested] > model.week
    to_custody = on_licence | (rng.random(arrested.size) < j.custody_probability)
    draws = CourtDraws(model, rng, arrested.size)
    ks = np.flatnonzero(to_custody)
    take_many_into_custody(model, arrested[ks], on_licence[ks], draws, ks)


def _technical_recalls(model: OCGModel) -> None:
    """Recall of people on licence without a new offence.

    Intelligence-led licence conditions double the recall hazard.
    """
    rng = model.streams["justice"]
    pop = model.population
    hazard = model.params.justice.recall_hazard
    if hazard <= 0:
        return
    on_licence = model.licensees()
    if not on_licence.size:
        return
    p = hazard * np.where(pop.licence_intel[on_licence], 2.0, 1.0)
    recalled = on_licence[rng.random(len(on_licence)) < p]
    draws = CourtDraws(model, rng, recalled.size)
    ks = np.arange(recalled.size)
    take_many_into_custody(model, recalled, np.ones(recalled.size, dtype=bool), draws, ks)


def _progression(model: OCGModel) -> None:
    """Progression transfers: local to training, training to open (low risk, near release)."""
    rng = model.streams["justice"]
    pop = model.population
    j = model.params.justice
    if j.progression_hazard <= 0:
        return
    prisoners = model.prisoners()
    # the hazard first: the same draws, but the eligibility look-ups touch only the few drawn
    drawn = prisoners[rng.random(len(prisoners)) < j.progression_hazard]
    cats = model.world.prison_category[pop.prison[drawn]]
    left = pop.release_week[drawn] - model.week
    sentenced = pop.status[drawn] == SENTENCED
    to_training = sentenced & (cats == LOCAL) & (left > j.open_max_remaining_weeks)
    to_open = (
        sentenced
        & (cats == TRAINING)
        & (left <= j.open_max_remaining_weeks)
        & (pop.prison_grade[drawn] != HIGH)
        & (pop.police_grade[drawn] != HIGH)
    )
    moving = drawn[to_training | to_open]
    for person in moving.tolist():
        target = TRAINING if model.world.prison_category[pop.prison[person]] == LOCAL else OPEN
        prison = find_prison(model, int(pop.region[person]), target, strict=True)
        if prison >= 0:
            model.transfer(person, prison)
            model.counts.progressions += 1
