"""Prison life: contacts within wings, in-prison recruitment, joint ventures, skills and ties.

Research trace:
- "OCGs continue to use prisons to network and recruit individuals with desirable skills"
  (NCA 2021, quoted in the research) -> recruitment chance rises with useful skills.
- "when OCGs get inside, they start networking, and then there are crossovers to other OCGs"
  (HMPPS OC Unit) -> contacts between members of different OCGs form joint ventures, which may
  take each group into the other's markets.
- "university of crime ... a bigger network coming out of prison" (police officer) -> contacts
  leave ties that persist after release (used by ``sim.processes.community``).
- drug debt makes prisoners recruitable (HMPPS OC Unit on the prison drug business).

Only OCG members initiate the contacts that matter, so the cost grows with the members inside,
not with the prison population. What a contact leads to (a recruit, a tie, a skill, a joint
venture) is rare, so the contacts are not drawn one by one: the number that lead to at least one
event is drawn as a Poisson count (a Poisson number of contacts, thinned), and only those get a
wing-mate and their events; a recruitment chance that differs by contact is drawn against a bound
and accepted with chance / bound (``PrisonLife.step``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.fast.arrays import unique
from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.processes.custody import isolated
from sim.processes.recruitment import (
    Recruiters,
    RecruitFactors,
    Targets,
    local_strength,
    recruit_chances,
)
from sim.state.population import ASSOCIATE, AT_LARGE, CRIME_TYPES

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.core import OCGModel

__all__ = ["PrisonLife", "contact_rates"]

#: Redraws of a wing-mate who cannot be met before giving up (each round redraws only those; a
#: wing with an eligible mate needs a few rounds, so this is reached only if the counts are wrong).
MAX_REDRAWS = 1000


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
    return int(p.model.week_index.members_inside.size)


def _presence(p: PrisonLife) -> int:
    prisons = p.model.population.prison[p.model.week_index.members_inside]
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


class Contacts(NamedTuple):
    """The week's contacts that flag an event: who met whom, and what each flagged."""

    src: np.ndarray  # the member making each contact
    tgt: np.ndarray  # the wing-mate met
    src_ocg: np.ndarray
    tgt_ocg: np.ndarray
    free: np.ndarray  # whether the wing-mate is in no OCG
    flags: np.ndarray  # (contacts x 4): recruitment, tie, skill, joint venture
    strength: np.ndarray  # the recruiter's local strength factor, per contact
    bound: float  # the bound on the recruitment chance (thinning)
    faction_run: np.ndarray  # which prisons are faction-run this week


class PrisonLife(Process):
    """Contacts between OCG members inside and their wing-mates.

    Attributes:
        recruiters: Members inside who recruited someone this week (read by intelligence:
            recruiting is a visible signal).
        new_ties: Prisoners who made a tie to an OCG this week (read by community).
        isolated_inside: Every prisoner isolated under a 41-bis-like regime (``pop.isolated``):
            each wing's isolated prisoners cannot be met.
    """

    name = "prison_life"
    READS = ()
    INDEX_BEFORE = True  # members inside after justice's releases and arrests
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
            headline=4,
            label="in-prison recruits / member inside / yr",
            fmt="{:.3f}",
        ),
        derived(
            "recruits_prison_per_1000_py",
            "people/1,000 prisoner-years",
            "In-prison recruits per 1,000 prisoner-years in the window.",
            _recruits_per_1000_py,
            extensive=False,
            headline=5,
            label="in-prison recruits / 1,000 prisoner-yrs",
            fmt="{:.1f}",
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.recruiters = np.zeros(0, dtype=np.int64)
        self.new_ties = np.zeros(0, dtype=np.int64)
        self.isolated_inside = np.zeros(0, dtype=np.int64)

    def step(self) -> None:
        """Run the week's contacts between OCG members and their wing-mates.

        Each member inside makes a Poisson number of contacts, each with a uniform member of
        their wing's roster; a contact with oneself or with someone isolated does not happen.
        A contact that happens may recruit an unaffiliated wing-mate (chance p, below), leave a
        tie (``tie_probability``), pass a skill (``skill_transfer_probability``) and, with a
        member of another OCG, form a joint venture (``joint_venture_probability``). These are
        rare, so the contacts are not drawn one by one. A Poisson number of contacts, thinned,
        is Poisson again, independently for each part:

        1. a member's contacts that happen are Poisson with mean: rate x eligible wing-mates /
           wing roster;
        2. each contact flags each event independently (recruitment with a bound on p); those
           that flag at least one are Poisson with that mean x the chance of any flag,
           independent of those that flag none (only their number is drawn, for ``contacts``).
           The number flagged is drawn for all members at once and shared out among them in
           proportion to their means; for each, the flags are drawn given at least one;
        3. only for those is the wing-mate drawn (uniform among the eligible) and the event
           decided; a recruitment flag is accepted with p / bound (thinning).

        Every contact thus has the chance of each event, and its events share one wing-mate, as
        in a draw per contact; the cost grows with the events, not with the contacts.
        """
        self.recruiters = np.zeros(0, dtype=np.int64)
        self.new_ties = np.zeros(0, dtype=np.int64)
        members = self.model.week_index.members_inside
        if not members.size:
            return
        self._isolate(members)
        contacts = self._flagged_contacts(members)
        if contacts is None:
            return
        self._recruitment_and_ties(contacts)
        self._skills(contacts)
        self._joint_ventures(contacts)

    def _isolate(self, members: np.ndarray) -> None:
        """Mark who is isolated inside; leaders stay isolated until release."""
        pop = self.model.population
        cut_off = isolated(self.model, members)
        self.isolated_inside = unique(
            np.concatenate(
                [self.isolated_inside[pop.isolated[self.isolated_inside]], members[cut_off]]
            )
        )
        pop.isolated[members] = cut_off

    def _flagged_contacts(self, members: np.ndarray) -> Contacts | None:
        """Steps 1 and 2 of :meth:`step`: the contacts that flag an event, with their wing-mates.

        Returns:
            The flagged contacts, or None if there are none this week.
        """
        model = self.model
        rng = self.rng
        pop = model.population
        pl = model.params.prison_life
        rate = contact_rates(model, members)
        # the members' own state is read once per member
        wing, ocg = pop.wing[members], pop.ocg[members]
        wings = model.places.wings
        roster = wings.count[wing]
        # wing-mates one can meet: not oneself (a member who makes contacts is not isolated),
        # not anyone isolated
        shut = np.bincount(pop.wing[self.isolated_inside], minlength=model.world.n_wings)
        eligible = np.maximum(roster - 1 - shut[wing], 0)
        happen = rate * (eligible / np.maximum(roster, 1))  # expected contacts that happen

        # the recruitment chance's bound: every factor at its highest this week
        strength = 1.0 + pl.strength_effect * np.log(local_strength(model, wing, ocg))
        multipliers = [
            pl.debt_multiplier,
            pl.short_sentence_multiplier,
            pl.skill_multiplier,
            pl.intel_pressure_factor,
        ]
        faction_run = model.faction_run  # (a property: the mask is made on each call)
        if faction_run.any() and faction_run[pop.prison[members]].any():
            multipliers.append(model.params.regime.faction_recruit_multiplier)
        bound = pl.recruit_probability * max(float(strength.max()), 0.0)
        bound = min(1.0, bound * float(np.prod([max(1.0, f) for f in multipliers])))
        chances = np.array(
            [bound, pl.tie_probability, pl.skill_transfer_probability, pl.joint_venture_probability]
        )
        any_flag = 1.0 - float(np.prod(1.0 - chances))
        # contacts that flag an event, and those that do not: independent Poisson counts
        # (a Poisson number of contacts, thinned); the flagged ones shared out among the members
        # in proportion to their expected number
        flagged = happen * any_flag
        total = float(flagged.sum())
        n_flagged = int(rng.poisson(total))
        self.count.contacts += n_flagged + int(rng.poisson(max(0.0, float(happen.sum()) - total)))
        if not n_flagged:
            return None
        cumulative = np.cumsum(flagged)
        u = np.sort(rng.random(n_flagged)) * cumulative[-1]
        last = int(np.flatnonzero(flagged)[-1])  # (u x total can round up to the total)
        who = np.minimum(np.searchsorted(cumulative, u, side="right"), last)
        flags = _flags_given_any(rng, who.size, chances)
        src = members[who]
        tgt = _eligible_mates(rng, wing[who], src, wings, pop.isolated)
        tgt_ocg = pop.ocg[tgt]
        return Contacts(
            src=src,
            tgt=tgt,
            src_ocg=ocg[who],
            tgt_ocg=tgt_ocg,
            free=tgt_ocg < 0,
            flags=flags,
            strength=strength[who],
            bound=bound,
            faction_run=faction_run,
        )

    def _recruitment_and_ties(self, c: Contacts) -> None:
        """Step 3 for recruitment (thinning to each recruit's own chance) and prison ties."""
        model = self.model
        rng = self.rng
        pop = model.population
        drawn = np.flatnonzero(c.flags[:, 0] & c.free)
        recruiter = c.src[drawn]  # the recruiter's own factors, for the few drawn
        fresh = model.params.disruption.intel_shelf_life_weeks
        pressured = (model.week - pop.prison_intel_week[recruiter]) <= fresh
        faction = c.faction_run[pop.prison[recruiter]]
        p = recruit_chances(
            c.tgt[drawn],
            Targets(debt=pop.debt, release_week=pop.release_week, skills=pop.skills),
            Recruiters(
                ocg=c.src_ocg[drawn],
                strength=c.strength[drawn],
                pressured=pressured,
                faction=faction,
            ),
            model.ocgs.crime_types,
            model.week,
            RecruitFactors.of(model),
        )
        joined = drawn[rng.random(drawn.size) * c.bound < p]
        # ties that outlast the prison term
        tie = np.flatnonzero(c.flags[:, 1] & c.free)
        pop.tie_ocg[c.tgt[tie]] = c.src_ocg[tie]
        pop.tie_week[c.tgt[tie]] = model.week
        self.new_ties = c.tgt[tie]
        if joined.size:
            t_j, o_j, s_j = c.tgt[joined], c.src_ocg[joined], c.src[joined]
            _, first = np.unique(t_j, return_index=True)
            t_j, o_j, s_j = t_j[first], o_j[first], s_j[first]
            high = rng.random(t_j.size) < model.params.population.high_risk_share_members
            model.ocgs.join_many(pop, t_j, o_j, ASSOCIATE, model.week)
            model.week_index.add_members_inside(t_j)  # (sorted by np.unique)
            pop.high_risk[t_j] = high
            self.count.recruits_prison += int(t_j.size)
            self.recruiters = unique(s_j)

    def _skills(self, c: Contacts) -> None:
        """Step 3 for skills: each flagged contact passes one skill the wing-mate lacks."""
        pop = self.model.population
        learn = np.flatnonzero(c.flags[:, 2])
        if learn.size:
            s_l, t_l = c.src[learn], c.tgt[learn]
            new = pop.skills[s_l] & ~pop.skills[t_l]
            has = new != 0
            bits = _random_bit(self.rng, new[has])
            np.bitwise_or.at(pop.skills, t_l[has], bits)
            self.count.skills_passed += int(has.sum())

    def _joint_ventures(self, c: Contacts) -> None:
        """Step 3 for joint ventures between members of different OCGs (and market entry)."""
        model = self.model
        form = np.flatnonzero(c.flags[:, 3] & ~c.free & (c.tgt_ocg != c.src_ocg))
        for x, y in zip(c.src_ocg[form].tolist(), c.tgt_ocg[form].tolist(), strict=True):
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


def _flags_given_any(rng: np.random.Generator, n: int, chances: np.ndarray) -> np.ndarray:
    """``n`` rows of independent flags (column i set with ``chances[i]``), given at least one.

    The first flag set is drawn from its distribution given at least one (column i with
    chances[i] x the chance that no earlier one is set, normalised); the flags after it are
    independent of it, each with its own chance.
    """
    none_before = np.concatenate(([1.0], np.cumprod(1.0 - chances)[:-1]))
    first_share = chances * none_before
    cumulative = np.cumsum(first_share)
    last = int(np.flatnonzero(first_share)[-1])  # (u x total can round up to the total)
    u = rng.random(n) * cumulative[-1]
    first = np.minimum(np.searchsorted(cumulative, u, side="right"), last)
    column = np.arange(chances.size)
    later = (rng.random((n, chances.size)) < chances) & (column > first[:, None])
    return later | (column == first[:, None])


def _eligible_mates(rng, wings_of, people, wings, isolated_col) -> np.ndarray:
    """A uniform wing-mate for each of ``people``: not themselves, and not isolated.

    Person ``i`` is in wing ``wings_of[i]``, which must hold such a wing-mate. Drawn by
    rejection from the roster (``Roster.sample``).
    """
    mates = wings.sample(wings_of, rng)
    bad = np.flatnonzero((mates == people) | isolated_col[mates])
    for _ in range(MAX_REDRAWS):
        if not bad.size:
            return mates
        mates[bad] = wings.sample(wings_of[bad], rng)
        bad = bad[(mates[bad] == people[bad]) | isolated_col[mates[bad]]]
    raise RuntimeError(
        "prison life: no eligible wing-mate after many draws (is every isolated prisoner in "
        "PrisonLife.isolated_inside?)"
    )


def _random_bit(rng: np.random.Generator, masks: np.ndarray) -> np.ndarray:
    """One uniformly chosen set bit of each (non-zero) mask of crime types."""
    bits = ((masks[:, None].astype(np.int64) >> np.arange(len(CRIME_TYPES))) & 1).astype(float)
    cum = np.cumsum(bits, axis=1)
    pick = (rng.random(len(masks)) * cum[:, -1])[:, None]
    which = (cum <= pick).sum(axis=1)
    return (1 << which).astype(np.uint16)
