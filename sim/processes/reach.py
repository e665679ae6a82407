"""Recruitment at large: who an OCG can reach to fill its vacant roles, and how fast it fills them.

Research trace:
- "you've joined a new network (of OCG) and it's a bigger network coming out of prison because
  then you understand that people with different skills whom you know can further your OCG"
  (police officer) -> a group fills its vacancies from the people it can reach: those tied to it
  in prison (wherever they live), and the offenders its members know in its home region, among
  whom those with a skill in its markets count more.
- OCGs recruit individuals with desirable skills (NCA 2021) -> a contact who shares a skill with
  the group's crime types weighs ``reach_skill_weight`` (by default the same 1.5 as
  ``prison_life.skill_multiplier`` inside prison); the size is an assumption.
- Phones let members inside run operations outside (HMPPS OC Unit) -> a member inside with a
  phone counts toward the group's capacity to recruit outside (:func:`recruiting_strength`).
- Issue 25 ("a third thermostat"): a fixed fill rate from anyone at large replaced most of what
  prison recruitment and ties supplied when they were switched off. Here the chance to fill a
  vacancy rises with the reachable pool along a saturating curve, so a group that loses its
  prison ties and its skilled contacts fills its vacancies more slowly. No published figure
  gives the curve: its half-saturation point, the contacts per member and the weights are
  assumptions with plausible ranges (docs/parameters.md), factors of the sensitivity analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.fast import passes
from sim.fast.kernels import compiled
from sim.fast.keyed import decision_key, keyed_uniforms
from sim.metrics import flow, stock
from sim.state.crimes import CRIMES
from sim.state.population import AT_LARGE

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = [
    "METRICS",
    "REGION",
    "SKILLED",
    "TIED",
    "Hires",
    "Reach",
    "ReachPools",
    "recruiting_strength",
    "region_skill_counts",
    "tied_pools",
    "vacancies",
]

#: The tiers of the reachable pool a vacancy is filled from (``Hires.tier``).
TIED, SKILLED, REGION = 0, 1, 2

#: Draws from the region's offenders at large per hire, to find one of the drawn tier.
TRIES = 32

#: Weeks between surveys of each group's tied people and of each region's skills (the tie list's
#: pruning interval): a hire drawn from a survey is checked when drawn.
SURVEY_WEEKS = 13

#: Vacancy slots per group in a keyed draw's id (group * SLOTS + slot).
SLOTS = 4096

#: The flows of vacancy recruitment by tier, counted by the community process.
METRICS = (
    stock(
        "ocg_vacancies",
        "roles",
        "Vacant roles of the living OCGs (target size less members, where positive).",
        lambda p: int(vacancies(p.model).sum()),
    ),
    flow("vacancy_recruits", "people", "Vacancies filled from the people a group can reach."),
    flow(
        "vacancy_recruits_tied",
        "people",
        "Vacancies filled by someone tied to the group in prison.",
    ),
    flow(
        "vacancy_recruits_skilled",
        "people",
        "Vacancies filled by an offender of the home region with a skill in the group's markets.",
    ),
    flow(
        "vacancy_recruits_region",
        "people",
        "Vacancies filled by another offender of the home region.",
    ),
)


class ReachPools(NamedTuple):
    """Each OCG's reachable pool by tier, in contact-equivalents (``reach_*`` weights applied)."""

    tied: np.ndarray  # w_tie x unaffiliated at large with a live tie to the group
    skilled: np.ndarray  # active x contacts x w_skill x share of at large unaffiliated, skilled
    region: np.ndarray  # active x contacts x share of at large unaffiliated without the skills

    @property
    def total(self) -> np.ndarray:
        """The whole reachable pool of each group."""
        return self.tied + self.skilled + self.region


class Hires(NamedTuple):
    """The week's vacancy hires: who, into which group, from which tier."""

    people: np.ndarray
    groups: np.ndarray
    tier: np.ndarray


@compiled
def tied_pools(tied, tie_ocg, tie_week, ocg, status, alive, week, memory, at_large, n_groups):
    """The people each group can reach through a live prison tie, grouped by group.

    Args:
        tied: Everyone listed with a tie (a superset of the eligible).
        tie_ocg: Population column: the OCG of each offender's prison tie (-1 none).
        tie_week: Population column: the week the tie was made.
        ocg: Population column: each offender's OCG (-1 none).
        status: Population column: each offender's status.
        alive: Which OCG rows are alive.
        week: This week.
        memory: ``community.tie_memory_weeks``.
        at_large: The status code of an offender at large.
        n_groups: The number of OCG rows.

    Returns:
        ``(start, order)``: the unaffiliated offenders at large with a live tie to a living
        group g are ``order[start[g]:start[g + 1]]``, in the order they are listed.
    """
    ok = np.zeros(tied.size, dtype=np.bool_)
    start = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(tied.size):
        t = tied[i]
        g = tie_ocg[t]
        if g < 0 or ocg[t] >= 0 or status[t] != at_large or week - tie_week[t] > memory:
            continue
        if alive[g]:
            ok[i] = True
            start[g + 1] += 1
    for g in range(n_groups):
        start[g + 1] += start[g]
    order = np.empty(start[n_groups], dtype=np.int64)
    fill = start[:-1].copy()
    for i in range(tied.size):
        if ok[i]:
            g = tie_ocg[tied[i]]
            order[fill[g]] = tied[i]
            fill[g] += 1
    return start, order


@compiled
def region_skill_counts(members, count, ocg, skills, n_bits):
    """Per region, the unaffiliated offenders at large whose skills are a subset of each mask.

    ``out[r, m]`` counts the unaffiliated in region r's roster whose skills lie inside mask m
    (a subset-sum over the ``2**n_bits`` masks), so those sharing no skill with a group's crime
    types are ``out[r, ~types]`` and all of them ``out[r, full]``.
    """
    n_masks = 1 << n_bits
    out = np.zeros((members.shape[0], n_masks), dtype=np.int64)
    for r in range(members.shape[0]):
        for j in range(count[r]):
            p = members[r, j]
            if ocg[p] < 0:
                out[r, skills[p] & (n_masks - 1)] += 1
        for b in range(n_bits):
            bit = 1 << b
            for m in range(n_masks):
                if m & bit:
                    out[r, m] += out[r, m ^ bit]
    return out


class Reach:
    """Who each OCG can reach, and the week's vacancy hires drawn from it.

    Args:
        model: The model.
        key: The community process's stream key (the keyed draws' root).
    """

    def __init__(self, model: OCGModel, key: int):
        self.model = model
        self.fill_key = decision_key(key, "vacancy_fill")
        self.tier_key = decision_key(key, "vacancy_tier")
        self.surveyed = -SURVEY_WEEKS  # the week of the last survey
        self.start = np.zeros(1, dtype=np.int64)  # tied people by group (see tied_pools)
        self.order = np.zeros(0, dtype=np.int64)
        self.skill_counts = np.zeros((0, 0), dtype=np.int64)  # see region_skill_counts

    def survey(self, tied: np.ndarray) -> None:
        """Survey each group's tied people and each region's skills, every ``SURVEY_WEEKS``.

        Args:
            tied: Everyone listed with a prison tie (``Community.tie_candidates``).
        """
        model = self.model
        if model.week - self.surveyed < SURVEY_WEEKS:
            return
        self.surveyed = model.week
        pop = model.population
        ocgs = model.ocgs
        self.start, self.order = tied_pools(
            tied,
            pop.tie_ocg,
            pop.tie_week,
            pop.ocg,
            pop.status,
            ocgs.alive,
            model.week,
            model.params.community.tie_memory_weeks,
            AT_LARGE,
            len(ocgs.alive),
        )
        at_large = model.places.at_large
        self.skill_counts = region_skill_counts(
            at_large.members, at_large.count, pop.ocg, pop.skills, len(CRIMES)
        )

    def pools(self) -> ReachPools:
        """Each group's reachable pool by tier, from the last survey and this week's strength."""
        model = self.model
        ocgs = model.ocgs
        c = model.params.community
        n = ocgs.n
        tied = np.zeros(n)
        k = min(n, self.start.size - 1)
        tied[:k] = np.diff(self.start)[:k]
        at_large = model.places.at_large
        full = (1 << len(CRIMES)) - 1
        region = ocgs.home_region[:n].astype(np.int64)
        types = ocgs.crime_types[:n].astype(np.int64) & full
        unaffiliated = self.skill_counts[region, full]
        without = self.skill_counts[region, full & ~types]
        everyone = np.maximum(at_large.count[region], 1).astype(float)
        contacts = recruiting_strength(model) * np.maximum(ocgs.size[:n], 1)
        contacts = contacts * c.reach_contacts_per_member
        return ReachPools(
            tied=c.reach_tie_weight * tied,
            skilled=contacts * c.reach_skill_weight * (unaffiliated - without) / everyone,
            region=contacts * without / everyone,
        )

    def fill_chance(self, pools: ReachPools) -> np.ndarray:
        """Each group's weekly chance to fill one vacancy: the maximum rate times E / (E + K)."""
        c = self.model.params.community
        total = pools.total
        half = c.vacancy_half_reach
        share = np.divide(total, total + half, out=np.zeros_like(total), where=total + half > 0)
        return c.vacancy_fill_rate * share

    def hires(self, tied: np.ndarray, rng: np.random.Generator) -> Hires:
        """The week's vacancy hires, each drawn from its group's reachable pool by tier.

        Each vacancy of a living group is filled with :meth:`fill_chance`; the hire comes from
        the tied, skilled or other contacts in proportion to their weight in the pool. A tied hire
        is one of the group's tied people; a skilled or other hire is the first of ``TRIES``
        offenders drawn at large in the home region who is unaffiliated and has (or lacks) a
        skill in the group's markets (none found: the vacancy stays open this week). The fill
        and tier draws are keyed by (group, vacancy slot, week), so a group meets the same
        numbers in every scenario; who is drawn within a tier comes from the process's stream.
        """
        model = self.model
        ocgs = model.ocgs
        n = ocgs.n
        vacant = vacancies(model)
        if not vacant.any():
            return Hires(*(np.zeros(0, dtype=np.int64) for _ in range(3)))
        self.survey(tied)
        pools = self.pools()
        groups = np.repeat(np.arange(n), vacant)
        first = np.repeat(np.cumsum(vacant) - vacant, vacant)
        slot = np.minimum(np.arange(groups.size) - first, SLOTS - 1)
        ids = groups * SLOTS + slot
        hired = keyed_uniforms(self.fill_key, model.week, ids) < self.fill_chance(pools)[groups]
        groups, ids = groups[hired], ids[hired]
        total = np.maximum(pools.total[groups], 1e-300)
        u = keyed_uniforms(self.tier_key, model.week, ids) * total
        tier = np.where(
            u < pools.tied[groups],
            TIED,
            np.where(u < pools.tied[groups] + pools.skilled[groups], SKILLED, REGION),
        )
        people = np.full(groups.size, -1, dtype=np.int64)
        t = tier == TIED
        people[t] = self._draw_tied(groups[t], rng)
        people[~t] = self._draw_in_region(groups[~t], tier[~t] == SKILLED, rng)
        found = people >= 0
        return Hires(people[found], groups[found], tier[found])

    def _draw_tied(self, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each hire, one of the group's tied people at the last survey who still is.

        The first of ``TRIES`` drawn from the survey who is still unaffiliated, at large and
        tied to the group with a live tie, or -1.
        """
        if not self.order.size:
            return np.full(groups.size, -1, dtype=np.int64)
        model = self.model
        pop = model.population
        known = groups < self.start.size - 1  # groups formed since the survey have none
        g = np.where(known, groups, 0)
        first = self.start[g]
        size = np.where(known, self.start[g + 1] - first, 0)
        pick = (rng.random((groups.size, TRIES)) * size[:, None]).astype(np.int64)
        drawn = self.order[np.minimum(first[:, None] + pick, self.order.size - 1)]
        live = model.week - pop.tie_week[drawn] <= model.params.community.tie_memory_weeks
        ok = (size[:, None] > 0) & live & (pop.tie_ocg[drawn] == groups[:, None])
        ok &= (pop.ocg[drawn] < 0) & (pop.status[drawn] == AT_LARGE)
        return np.where(ok.any(axis=1), drawn[np.arange(groups.size), ok.argmax(axis=1)], -1)

    def _draw_in_region(
        self, groups: np.ndarray, skilled: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """For each hire, an unaffiliated offender at large of the group's home region.

        With (``skilled``) or without a skill in the group's markets: the first of ``TRIES``
        drawn at large in the region who fits, or -1.
        """
        if not groups.size:
            return np.zeros(0, dtype=np.int64)
        model = self.model
        pop = model.population
        regions = np.repeat(model.ocgs.home_region[groups].astype(np.int64), TRIES)
        drawn = model.places.at_large.sample(regions, rng).reshape(groups.size, TRIES)
        who = np.maximum(drawn, 0)
        types = model.ocgs.crime_types[groups].astype(np.int64)[:, None]
        shares = (pop.skills[who].astype(np.int64) & types) != 0
        ok = (drawn >= 0) & (pop.ocg[who] < 0) & (shares == skilled[:, None])
        first = ok.argmax(axis=1)
        return np.where(ok.any(axis=1), drawn[np.arange(groups.size), first], -1)


def vacancies(model: OCGModel) -> np.ndarray:
    """Each OCG row's vacant roles: target size less members for a living group, else 0."""
    ocgs = model.ocgs
    n = ocgs.n
    return np.where(ocgs.alive[:n], np.maximum(ocgs.target_size[:n] - ocgs.size[:n], 0), 0)


def recruiting_strength(model: OCGModel) -> np.ndarray:
    """Each OCG's capacity to recruit outside, relative to a group with every member at large.

    Members at large count 1 (less under intelligence-led licence conditions); members inside
    count ``phone_recruit_boost`` if they hold a phone, else 0.
    """
    pop = model.population
    n = model.ocgs.n
    active = passes.active_members(
        model.ocgs.member_rows(),  # fresh: exits happened this week
        pop.status,
        pop.licence_intel,
        pop.phone,
        pop.ocg,
        n,
        1.0 - model.params.disruption.licence_effect,
        model.params.community.phone_recruit_boost,
        AT_LARGE,
    )
    size = np.maximum(model.ocgs.size[:n], 1)
    return np.minimum(1.0, active / size)
