"""Community: membership turnover, recruitment at large, leadership, splits and new groups.

Research trace:
- "you've joined a new network (of OCG) and it's a bigger network coming out of prison because
  then you understand that people with different skills whom you know can further your OCG"
  (police officer) -> unaffiliated offenders at large with a tie made in prison join that OCG at
  their own rate, wherever the OCG is based (cross-region reach).
- Phones let members inside run operations outside (HMPPS OC Unit) -> a member inside with a
  phone counts toward the group's capacity to recruit outside.
- Leadership from inside prison continues unless leaders are isolated (41-bis-like regime).
- Stationarity without interventions (DESIGN.md): OCGs fill vacant roles (target size), members
  leave at a constant hazard, offenders at large desist and are replaced by new entrants, and new
  OCGs form at a rate that balances dissolution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import ASSOCIATE, AT_LARGE, CORE, LEADER

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["step"]


def step(model: OCGModel) -> None:
    """Run the week's community process."""
    rng = model.streams["community"]
    _member_exits(model, rng)
    _desistance(model, rng)
    _tie_recruitment(model, rng)
    _vacancy_recruitment(model, rng)
    _ventures_end(model, rng)
    _leadership(model, rng)
    _dissolution_and_formation(model, rng)


def _leave(model: OCGModel, person: int) -> bool:
    """``person`` leaves their OCG; False if they had none.

    A group left without a leader is noted, as it may split.
    """
    group = model.ocgs.leave(model.population, person)
    if group < 0:
        return False
    if model.ocgs.leader[group] < 0:
        model.leaderless.add(group)
    return True


def _recruit(model: OCGModel, rng: np.random.Generator, person: int, group: int) -> None:
    """An unaffiliated offender at large joins ``group`` as an associate."""
    model.ocgs.join(model.population, person, group, ASSOCIATE, model.week)
    share_high = model.params.population.high_risk_share_members
    model.population.high_risk[person] = rng.random() < share_high
    model.counts.recruits_community += 1


def _member_exits(model: OCGModel, rng: np.random.Generator) -> None:
    members = model.cache.members
    leaving = members[rng.random(members.size) < model.params.community.member_exit_hazard]
    for person in leaving.tolist():
        model.counts.member_exits += _leave(model, person)


def _desistance(model: OCGModel, rng: np.random.Generator) -> None:
    """Offenders at large desist; each is replaced by a new entrant in the same region."""
    pop = model.population
    hazard = model.params.community.desistance_hazard
    regions = []
    for region in range(model.world.n_regions):
        n = int(model.at_large.count[region])
        k = int(rng.binomial(n, hazard))
        if not k:
            continue
        picks = np.sort(rng.choice(n, size=k, replace=False))
        leavers = model.at_large.members[region, picks].copy()
        for person in leavers[pop.ocg[leavers] >= 0].tolist():
            _leave(model, person)
        model.remove_offenders(region, leavers)
        regions.extend([region] * leavers.size)
        model.counts.desisted += int(leavers.size)
    if regions:
        model.add_offenders(np.array(regions, dtype=np.int16))
        model.counts.entrants += len(regions)


def _tie_recruitment(model: OCGModel, rng: np.random.Generator) -> None:
    """Unaffiliated offenders at large with a prison tie join the OCG they are tied to."""
    pop = model.population
    c = model.params.community
    tied = model.tied_at_large()
    if not tied.size:
        return
    groups = pop.tie_ocg[tied]
    alive = model.ocgs.alive[groups]
    tied, groups = tied[alive], groups[alive]
    joins = rng.random(tied.size) < c.tie_recruit_rate
    for person, group in zip(tied[joins].tolist(), groups[joins].tolist(), strict=True):
        _recruit(model, rng, person, group)
        model.counts.recruits_via_ties += 1
        if pop.region[person] != model.ocgs.home_region[group]:
            model.counts.cross_region_recruits += 1


def recruiting_strength(model: OCGModel) -> np.ndarray:
    """Each OCG's capacity to recruit outside, relative to a group with every member at large.

    Members at large count 1 (less under intelligence-led licence conditions); members inside
    count ``phone_recruit_boost`` if they hold a phone, else 0.
    """
    pop = model.population
    c = model.params.community
    n = model.ocgs.n
    members = np.flatnonzero(pop.ocg[: pop.n] >= 0)  # fresh: exits happened this week
    at_large = pop.status[members] == AT_LARGE
    weight = np.where(
        at_large,
        np.where(pop.licence_intel[members], 1.0 - model.params.disruption.licence_effect, 1.0),
        np.where(pop.phone[members], c.phone_recruit_boost, 0.0),
    )
    active = np.bincount(pop.ocg[members], weights=weight, minlength=n)
    size = np.maximum(model.ocgs.size[:n], 1)
    return np.minimum(1.0, active / size)


def _vacancy_recruitment(model: OCGModel, rng: np.random.Generator) -> None:
    """OCGs fill vacant roles from the unaffiliated offenders at large in their home region."""
    pop = model.population
    ocgs = model.ocgs
    n = ocgs.n
    vacancies = np.where(ocgs.alive[:n], np.maximum(ocgs.target_size[:n] - ocgs.size[:n], 0), 0)
    p = model.params.community.vacancy_fill_rate * recruiting_strength(model)
    hires = rng.binomial(vacancies, np.clip(p, 0.0, 1.0))
    for group in np.flatnonzero(hires).tolist():
        region = int(ocgs.home_region[group])
        for person in model.at_large.sample(np.full(hires[group], region), rng).tolist():
            if person >= 0 and pop.ocg[person] < 0:
                _recruit(model, rng, person, group)


def _ventures_end(model: OCGModel, rng: np.random.Generator) -> None:
    ventures = model.ocgs.ventures
    if not ventures:
        return
    pairs = list(ventures)
    ending = rng.random(len(pairs)) < model.params.prison_life.joint_venture_end_hazard
    for pair, end in zip(pairs, ending.tolist(), strict=True):
        if end:
            del ventures[pair]


def _leadership(model: OCGModel, rng: np.random.Generator) -> None:
    """Replace lost leaders (and, under isolation, leaders inside); groups may split."""
    pop = model.population
    ocgs = model.ocgs
    if model.params.regime.isolate_leaders:
        leaders = ocgs.leader[: ocgs.n]
        inside = np.flatnonzero((leaders >= 0) & (pop.status[np.maximum(leaders, 0)] != AT_LARGE))
        for group in inside.tolist():
            if any(pop.status[m] == AT_LARGE for m in ocgs.members[group]):
                old = int(ocgs.leader[group])
                pop.role[old] = CORE
                ocgs.leader[group] = -1
                model.leaderless.add(group)
    lost = sorted(model.leaderless)  # lost their leader this week: may split
    model.leaderless.clear()
    for group in lost:
        if ocgs.alive[group] and ocgs.leader[group] < 0 and ocgs.size[group] > 0:
            _maybe_split(model, rng, group)
    # every group without a leader tries to promote one (also groups that found nobody before)
    n = ocgs.n
    for group in np.flatnonzero(ocgs.alive[:n] & (ocgs.leader[:n] < 0) & (ocgs.size[:n] > 0)):
        _promote(model, int(group))


def _promote(model: OCGModel, group: int) -> None:
    """Promote a new leader: a core member at large, else any member at large.

    Unless leaders are isolated, a member inside may lead (leadership from inside prison).
    """
    pop = model.population
    members = model.ocgs.members_of(group)
    if not members:
        return
    at_large = [m for m in members if pop.status[m] == AT_LARGE]
    core = [m for m in at_large if pop.role[m] == CORE]
    pool = core or at_large
    if not pool and not model.params.regime.isolate_leaders:
        pool = members
    if not pool:
        return  # all members isolated inside: the group stays leaderless
    leader = pool[0]
    pop.role[leader] = LEADER
    model.ocgs.leader[group] = leader
    model.counts.leader_replacements += 1


def _maybe_split(model: OCGModel, rng: np.random.Generator, group: int) -> None:
    c = model.params.community
    ocgs = model.ocgs
    pop = model.population
    if ocgs.size[group] < c.split_min_size or rng.random() >= c.split_probability:
        return
    members = ocgs.members_of(group)
    leaving = [m for m in members if rng.random() < 1 / 3]
    if len(leaving) < 2:
        return
    share = len(leaving) / len(members)
    new = ocgs.create(
        int(ocgs.home_region[group]),
        max(2, int(round(ocgs.target_size[group] * share))),
        int(ocgs.crime_types[group]),
        model.week,
    )
    ocgs.target_size[group] = max(2, ocgs.target_size[group] - ocgs.target_size[new])
    for j, person in enumerate(leaving):
        ocgs.leave(pop, person)
        ocgs.join(pop, person, new, LEADER if j == 0 else ASSOCIATE, model.week)
    model.counts.splits += 1


def _dissolution_and_formation(model: OCGModel, rng: np.random.Generator) -> None:
    """Groups under two members dissolve; new groups take vacant niches of their region.

    A region's criminal markets support as many OCGs as it had at the start (its niches).
    """
    from sim.model import ocg_crime_types, ocg_target_sizes

    ocgs = model.ocgs
    pop = model.population
    n = ocgs.n
    dying = np.flatnonzero(ocgs.alive[:n] & (ocgs.size[:n] < 2))
    for group in dying.tolist():
        ocgs.dissolve(pop, group)
        model.counts.dissolutions += 1
    active = np.bincount(ocgs.home_region[:n][ocgs.alive[:n]], minlength=model.world.n_regions)
    vacant_niches = np.maximum(model.niches - active, 0)
    per_region = rng.poisson(model.params.community.niche_fill_rate * vacant_niches)
    k = int(per_region.sum())
    if not k:
        return
    regions = np.repeat(np.arange(model.world.n_regions), per_region)
    sizes = ocg_target_sizes(rng, k, model.scenario_params.population)
    founders = model.at_large.sample(np.repeat(regions, 2), rng).reshape(k, 2)
    for region, size, pair in zip(regions.tolist(), sizes.tolist(), founders.tolist(), strict=True):
        leader, partner = pair
        if min(pair) < 0 or leader == partner or (pop.ocg[pair] >= 0).any():
            continue
        types = ocg_crime_types(rng, model.scenario_params.population)
        group = ocgs.create(region, size, types, model.week)
        ocgs.join(pop, leader, group, LEADER, model.week)
        ocgs.join(pop, partner, group, ASSOCIATE, model.week)
        pop.high_risk[leader] = True
        model.counts.formations += 1
