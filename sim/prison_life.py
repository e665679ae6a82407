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

from sim.arrays import unique
from sim.kernels import compiled, roster_pick
from sim.metrics import derived, flow, stock
from sim.population import ASSOCIATE, AT_LARGE, LEADER
from sim.process import Process

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import OCGModel

__all__ = ["PrisonLife", "contact_rates", "isolated"]


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


def _members_inside(p: PrisonLife) -> int:
    return int(p.model.cache.members_inside.size)


def _presence(p: PrisonLife) -> int:
    prisons = p.model.population.prison[p.model.cache.members_inside]
    return int(np.count_nonzero(np.bincount(prisons, minlength=p.model.world.n_prisons)))


def _cross_region_ventures(p: PrisonLife) -> int:
    return p.model.ocgs.cross_region_ventures


def _leaders_in_prison(p: PrisonLife) -> int:
    ocgs = p.model.ocgs
    leaders = ocgs.leader[: ocgs.n]
    return int((p.model.population.status[leaders[leaders >= 0]] != AT_LARGE).sum())


def _recruits_per_member_year(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    member_years = win["ocg_members_in_prison"].mean() * (len(win) / 52.0)
    return float(win["recruits_prison"].sum() / max(member_years, 1e-9))


def _recruits_per_1000_py(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    prison_years = win["prison_population"].mean() * (len(win) / 52.0)
    return float(1000.0 * win["recruits_prison"].sum() / max(prison_years, 1e-9))


class PrisonLife(Process):
    """Contacts between OCG members inside and their wing-mates.

    Attributes:
        recruiters: Members inside who recruited someone this week (read by intelligence:
            recruiting is a visible signal).
        new_ties: Prisoners who made a tie to an OCG this week (read by community).
    """

    name = "prison_life"
    METRICS = (
        stock(
            "ocg_members_in_prison",
            "people",
            "OCG members in prison at the end of the week.",
            _members_inside,
        ),
        stock(
            "prisoners_ocg_share",
            "1",
            "OCG members in prison / prisoners.",
            lambda p: _members_inside(p) / max(1, p.model.places.occupancy.sum()),
            extensive=False,
            label="share of prisoners in OCGs",
            fmt="{:.3f}",
        ),
        stock(
            "prisons_with_ocg_presence",
            "prisons",
            "Prisons holding at least one OCG member.",
            _presence,
        ),
        stock(
            "joint_ventures",
            "ventures",
            "Joint ventures between OCGs in force.",
            lambda p: len(p.model.ocgs.ventures),
            label="joint ventures (mean)",
        ),
        stock(
            "cross_region_ventures",
            "ventures",
            "Joint ventures between OCGs of different home regions.",
            _cross_region_ventures,
        ),
        stock(
            "leaders_in_prison",
            "people",
            "OCG leaders who are in prison.",
            _leaders_in_prison,
        ),
        flow("contacts", "contacts", "Contacts of OCG members inside with wing-mates."),
        flow("recruits_prison", "people", "Prisoners recruited into an OCG inside."),
        flow("skills_passed", "skills", "Crime skills passed from a member to a wing-mate."),
        flow(
            "new_joint_ventures",
            "ventures",
            "Joint ventures formed between members of different OCGs inside.",
        ),
        flow("market_entries", "entries", "OCGs entering a partner's crime type (new market)."),
        derived(
            "recruits_prison_per_member_year",
            "people/member-year inside",
            "In-prison recruits per year per OCG member inside (window): recruitment that does "
            "not rise just because more members are inside.",
            _recruits_per_member_year,
            extensive=False,
            headline=3,
            label="in-prison recruits / member inside / yr",
            fmt="{:.3f}",
        ),
        derived(
            "recruits_prison_per_1000_py",
            "people/1,000 prisoner-years",
            "In-prison recruits per 1,000 prisoner-years in the window.",
            _recruits_per_1000_py,
            extensive=False,
            headline=4,
            label="in-prison recruits / 1,000 prisoner-yrs",
            fmt="{:.1f}",
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.recruiters = np.zeros(0, dtype=np.int64)
        self.new_ties = np.zeros(0, dtype=np.int64)

    def step(self) -> None:
        """Run the week's contacts between OCG members and their wing-mates."""
        model = self.model
        model.refresh_cache(prisoners=False)  # nobody reads the prisoners before market's refresh
        self.recruiters = np.zeros(0, dtype=np.int64)
        self.new_ties = np.zeros(0, dtype=np.int64)
        rng = self.rng
        pop = model.population
        pl = model.params.prison_life
        members = model.cache.members_inside
        if not members.size:
            return
        # leaders inside stay isolated until release, even after the group replaces them
        pop.isolated[members] = isolated(model, members)
        k = rng.poisson(contact_rates(model, members))
        who = np.repeat(np.arange(members.size), k)  # each contact's member, as an index
        src = members[who]
        if not src.size:
            return
        # the members' own state is read once per member, then spread over their contacts
        wing, ocg = pop.wing[members], pop.ocg[members]
        # a uniform wing-mate for each contact; contacts with oneself or with someone isolated
        # do not happen (``pop.isolated`` is up to date for every member inside, just above, and
        # only members can be leaders)
        wings = model.places.wings
        src, tgt, who = _wing_contacts(
            members, who, wing, rng.random(who.size), wings.count, wings.members, pop.isolated
        )
        src_ocg = ocg[who]
        tgt_ocg = pop.ocg[tgt]
        self.count.contacts += int(src.size)

        # --- recruitment of unaffiliated wing-mates -----------------------------------------
        cand = tgt_ocg < 0
        s, t, o, w = src[cand], tgt[cand], src_ocg[cand], who[cand]
        if s.size:
            # the recruitment chance of each contact: each factor applies where its condition
            # holds (x * 1.0 leaves x as it is)
            fresh = model.params.disruption.intel_shelf_life_weeks
            pressured = (model.week - pop.prison_intel_week[members]) <= fresh
            faction = model.faction_run[pop.prison[members]]
            strength = 1.0 + pl.strength_effect * np.log(_local_strength(model, wing, ocg))
            p = _recruit_chances(
                t,
                o,
                w,
                pop.debt,
                pop.release_week,
                pop.skills,
                model.ocgs.crime_types,
                model.week,
                pressured,
                faction,
                strength,
                pl.recruit_probability,
                pl.debt_multiplier,
                pl.short_sentence_weeks,
                pl.short_sentence_multiplier,
                pl.skill_multiplier,
                pl.intel_pressure_factor,
                model.params.regime.faction_recruit_multiplier,
            )
            joined = rng.random(s.size) < p
            # ties that outlast the prison term
            tie = rng.random(s.size) < pl.tie_probability
            pop.tie_ocg[t[tie]] = o[tie]
            pop.tie_week[t[tie]] = model.week
            self.new_ties = t[tie]
            if joined.any():
                t_j, o_j, s_j = t[joined], o[joined], s[joined]
                _, first = np.unique(t_j, return_index=True)
                t_j, o_j, s_j = t_j[first], o_j[first], s_j[first]
                high = rng.random(t_j.size) < model.params.population.high_risk_share_members
                model.ocgs.join_many(pop, t_j, o_j, ASSOCIATE, model.week)
                pop.high_risk[t_j] = high
                self.count.recruits_prison += int(t_j.size)
                self.recruiters = unique(s_j)

        # --- skills pass from member to wing-mate --------------------------------------------
        learn = rng.random(src.size) < pl.skill_transfer_probability
        if learn.any():
            s_l, t_l = src[learn], tgt[learn]
            new = pop.skills[s_l] & ~pop.skills[t_l]
            has = new != 0
            bits = _random_bit(rng, new[has])
            np.bitwise_or.at(pop.skills, t_l[has], bits)
            self.count.skills_passed += int(has.sum())

        # --- joint ventures between members of different OCGs --------------------------------
        cross = (tgt_ocg >= 0) & (tgt_ocg != src_ocg)
        if cross.any():
            a, b = src_ocg[cross], tgt_ocg[cross]
            form = rng.random(a.size) < pl.joint_venture_probability
            for x, y in zip(a[form].tolist(), b[form].tolist(), strict=True):
                if model.ocgs.add_venture(x, y, model.week, model.params.community.venture_roles):
                    self.count.new_joint_ventures += 1
                    self._market_entry(x, y)
                    self._market_entry(y, x)

    def _market_entry(self, a: int, b: int) -> None:
        """OCG ``a`` may enter one of partner ``b``'s crime types (a new market)."""
        ocgs = self.model.ocgs
        if self.rng.random() >= self.model.params.prison_life.market_entry_probability:
            return
        new = int(ocgs.crime_types[b]) & ~int(ocgs.crime_types[a])
        if new:
            bit = int(_random_bit(self.rng, np.array([new], dtype=np.uint16))[0])
            ocgs.crime_types[a] |= bit
            self.count.market_entries += 1


@compiled
def _wing_contacts(members, who, wing, u, count, roster, isolated_col):
    """The wing-mate of each contact, and the contacts that happen (in order).

    Contact ``i`` is member ``members[who[i]]``'s; the wing-mate is the one at a uniform
    position ``u[i]`` of the member's wing roster (``kernels.roster_pick``, as
    ``Roster.sample``). A contact with oneself, in an empty wing, or with someone isolated
    (``isolated_col``, which must be up to date for the members inside) does not happen.

    Returns:
        The contacts that happen: the member, the wing-mate, and ``who``.
    """
    src = np.empty(who.size, dtype=np.int64)
    tgt = np.empty(who.size, dtype=np.int64)
    kept = np.empty(who.size, dtype=np.int64)
    n = 0
    for i in range(who.size):
        j = who[i]
        mate = roster_pick(roster, count, wing[j], u[i])
        person = members[j]
        if mate < 0 or mate == person or isolated_col[mate]:
            continue
        src[n], tgt[n], kept[n] = person, mate, j
        n += 1
    return src[:n].copy(), tgt[:n].copy(), kept[:n].copy()


@compiled
def _recruit_chances(
    t,
    o,
    w,
    debt,
    release_week,
    skills,
    crime_types,
    week,
    pressured,
    faction,
    strength,
    base,
    debt_multiplier,
    short_weeks,
    short_multiplier,
    skill_multiplier,
    pressure_factor,
    faction_multiplier,
):
    """The recruitment chance of each contact of member ``w[i]`` (OCG ``o[i]``) with ``t[i]``.

    The base chance, multiplied in turn by each factor whose condition holds: the target's drug
    debt, a short time left to serve, skills of use to the OCG, the member's local strength,
    fresh intelligence on the member, a faction-run prison; at most 1.
    """
    p = np.empty(t.size)
    for i in range(t.size):
        x = base
        x *= debt_multiplier if debt[t[i]] else 1.0
        x *= short_multiplier if release_week[t[i]] - week <= short_weeks else 1.0
        x *= skill_multiplier if (skills[t[i]] & crime_types[o[i]]) != 0 else 1.0
        x *= strength[w[i]]
        x *= pressure_factor if pressured[w[i]] else 1.0
        x *= faction_multiplier if faction[w[i]] else 1.0
        p[i] = min(x, 1.0)
    return p


def _local_strength(model: OCGModel, wing: np.ndarray, ocg: np.ndarray) -> np.ndarray:
    """For each member inside: members of their OCG in their wing (themselves included).

    Args:
        model: The model.
        wing: The wings of the members inside.
        ocg: Their OCGs.
    """
    return _same_group_counts(wing, ocg, model.world.n_wings, len(model.ocgs.alive))


@compiled
def _same_group_counts(wing, ocg, n_wings, n_groups):
    """For each entry, how many entries share its wing and its OCG (as floats).

    The entries are bucketed by wing (a counting sort), then each wing's OCGs are counted.
    """
    start = np.zeros(n_wings + 1, dtype=np.int64)
    for i in range(wing.size):
        start[wing[i] + 1] += 1
    for k in range(n_wings):
        start[k + 1] += start[k]
    order = np.empty(wing.size, dtype=np.int64)
    fill = start[:-1].copy()
    for i in range(wing.size):
        order[fill[wing[i]]] = i
        fill[wing[i]] += 1
    seen = np.zeros(n_groups, dtype=np.int64)
    out = np.empty(wing.size)
    for k in range(n_wings):
        for j in range(start[k], start[k + 1]):
            seen[ocg[order[j]]] += 1
        for j in range(start[k], start[k + 1]):
            out[order[j]] = seen[ocg[order[j]]]
        for j in range(start[k], start[k + 1]):
            seen[ocg[order[j]]] = 0
    return out


def _random_bit(rng: np.random.Generator, masks: np.ndarray) -> np.ndarray:
    """One uniformly chosen set bit of each (non-zero) 10-bit mask."""
    bits = ((masks[:, None].astype(np.int64) >> np.arange(10)) & 1).astype(float)
    cum = np.cumsum(bits, axis=1)
    pick = (rng.random(len(masks)) * cum[:, -1])[:, None]
    which = (cum <= pick).sum(axis=1)
    return (1 << which).astype(np.uint16)
