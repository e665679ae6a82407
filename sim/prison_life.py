"""Prison life: contacts within wings, in-prison recruitment, joint ventures, skills and ties.

Research trace:
- "OCGs continue to use prisons to network and recruit individuals with desirable skills"
  (NCA 2021, quoted in the research) -> recruitment chance rises with useful skills.
- "when OCGs get inside, they start networking, and then there are crossovers to other OCGs"
  (HMPPS OC Unit) -> contacts between members of different OCGs form joint ventures, which may
  take each group into the other's markets.
- "university of crime ... a bigger network coming out of prison" (police officer) -> contacts
  leave ties that persist after release (used by ``sim.community``).
- drug debt makes prisoners recruitable (HMPPS OC Unit on the prison drug business).

Only OCG members initiate the contacts that matter, so the cost grows with the members inside,
not with the prison population. Contacts are drawn all at once: a Poisson count per member, and a
uniform wing-mate from the wing roster for each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import ASSOCIATE, LEADER

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["step"]


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


def contact_rates(model: OCGModel, members: np.ndarray) -> np.ndarray:
    """Expected contacts this week for each member inside (separation and isolation cut them)."""
    pop = model.population
    pl = model.params.prison_life
    # high-risk members are the active ones; the mean over members stays contacts_per_week
    share_high = model.params.population.high_risk_share_members
    low = pl.contacts_per_week / (share_high * pl.high_risk_activity + 1.0 - share_high)
    rate = np.where(pop.high_risk[members], low * pl.high_risk_activity, low)
    rate[pop.separated[members]] *= pl.separation_contact_factor
    rate[isolated(model, members)] = 0.0
    return rate


def step(model: OCGModel) -> None:
    """Run the week's contacts between OCG members and their wing-mates."""
    rng = model.streams["prison_life"]
    pop = model.population
    pl = model.params.prison_life
    members = model.cache.members_inside
    if not members.size:
        return
    # leaders inside stay isolated until release, even after the group replaces them
    pop.isolated[members] = isolated(model, members)
    k = rng.poisson(contact_rates(model, members))
    src = np.repeat(members, k)
    if not src.size:
        return
    tgt = model.wings.sample(pop.wing[src], rng)
    ok = (tgt >= 0) & (tgt != src) & ~isolated(model, np.maximum(tgt, 0))
    src, tgt = src[ok], tgt[ok]
    src_ocg = pop.ocg[src]
    tgt_ocg = pop.ocg[tgt]
    model.counts.contacts += int(src.size)

    # --- recruitment of unaffiliated wing-mates ---------------------------------------------
    cand = tgt_ocg < 0
    s, t, o = src[cand], tgt[cand], src_ocg[cand]
    if s.size:
        p = np.full(s.size, pl.recruit_probability)
        p[pop.debt[t]] *= pl.debt_multiplier
        short = (pop.release_week[t] - model.week) <= pl.short_sentence_weeks
        p[short] *= pl.short_sentence_multiplier
        useful = (pop.skills[t] & model.ocgs.crime_types[o]) != 0
        p[useful] *= pl.skill_multiplier
        p *= 1.0 + pl.strength_effect * np.log(_local_strength(model, members, s))
        fresh = model.params.disruption.intel_shelf_life_weeks
        pressured = (model.week - pop.prison_intel_week[s]) <= fresh
        p[pressured] *= pl.intel_pressure_factor
        faction = model.faction_run[pop.prison[s]]
        p[faction] *= model.params.regime.faction_recruit_multiplier
        joined = rng.random(s.size) < np.minimum(p, 1.0)
        # ties that outlast the prison term
        tie = rng.random(s.size) < pl.tie_probability
        pop.tie_ocg[t[tie]] = o[tie]
        pop.tie_week[t[tie]] = model.week
        if joined.any():
            t_j, o_j, s_j = t[joined], o[joined], s[joined]
            _, first = np.unique(t_j, return_index=True)
            t_j, o_j, s_j = t_j[first], o_j[first], s_j[first]
            high = rng.random(t_j.size) < model.params.population.high_risk_share_members
            for person, group, is_high in zip(
                t_j.tolist(), o_j.tolist(), high.tolist(), strict=True
            ):
                model.ocgs.join(pop, person, group, ASSOCIATE, model.week)
                pop.high_risk[person] = is_high
            model.counts.recruits_prison += int(t_j.size)
            model.counts.recruiters = np.unique(s_j)

    # --- skills pass from member to wing-mate ------------------------------------------------
    learn = rng.random(src.size) < pl.skill_transfer_probability
    if learn.any():
        s_l, t_l = src[learn], tgt[learn]
        new = pop.skills[s_l] & ~pop.skills[t_l]
        has = new != 0
        bits = _random_bit(rng, new[has])
        np.bitwise_or.at(pop.skills, t_l[has], bits)
        model.counts.skills_passed += int(has.sum())

    # --- joint ventures between members of different OCGs ------------------------------------
    cross = (tgt_ocg >= 0) & (tgt_ocg != src_ocg)
    if cross.any():
        a, b = src_ocg[cross], tgt_ocg[cross]
        form = rng.random(a.size) < pl.joint_venture_probability
        for x, y in zip(a[form].tolist(), b[form].tolist(), strict=True):
            if model.ocgs.add_venture(x, y, model.week):
                model.counts.new_ventures += 1
                _market_entry(model, rng, x, y)
                _market_entry(model, rng, y, x)


def _local_strength(model: OCGModel, members: np.ndarray, recruiters: np.ndarray) -> np.ndarray:
    """Members of the recruiter's OCG in the recruiter's wing (at least 1)."""
    pop = model.population
    n_ocg = max(1, model.ocgs.n)
    keys = pop.wing[members].astype(np.int64) * n_ocg + pop.ocg[members]
    uniq, counts = np.unique(keys, return_counts=True)
    want = pop.wing[recruiters].astype(np.int64) * n_ocg + pop.ocg[recruiters]
    pos = np.searchsorted(uniq, want)
    return counts[np.minimum(pos, len(uniq) - 1)].astype(float)


def _random_bit(rng: np.random.Generator, masks: np.ndarray) -> np.ndarray:
    """One uniformly chosen set bit of each (non-zero) 10-bit mask."""
    bits = ((masks[:, None].astype(np.int64) >> np.arange(10)) & 1).astype(float)
    cum = np.cumsum(bits, axis=1)
    pick = (rng.random(len(masks)) * cum[:, -1])[:, None]
    which = (cum <= pick).sum(axis=1)
    return (1 << which).astype(np.uint16)


def _market_entry(model: OCGModel, rng: np.random.Generator, a: int, b: int) -> None:
    """OCG ``a`` may enter one of partner ``b``'s crime types (a new market)."""
    if rng.random() >= model.params.prison_life.market_entry_probability:
        return
    new = int(model.ocgs.crime_types[b]) & ~int(model.ocgs.crime_types[a])
    if new:
        bit = int(_random_bit(rng, np.array([new], dtype=np.uint16))[0])
        model.ocgs.crime_types[a] |= bit
        model.counts.market_entries += 1
