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

from sim.arrays import chosen, unique
from sim.metrics import derived, flow, stock
from sim.ocg import ocg_crime_types, ocg_target_sizes
from sim.population import ASSOCIATE, AT_LARGE, CORE, LEADER, new_skills
from sim.process import Process

if TYPE_CHECKING:
    import pandas as pd

    from sim.model import OCGModel

__all__ = ["Community", "recruiting_strength"]


def _ocgs_multi_region(p: Community) -> int:
    """OCGs with members from more than one home region."""
    m = p.model
    pop = m.population
    members = m.cache.members
    if not members.size:
        return 0
    present = np.zeros((len(m.ocgs.alive), m.world.n_regions), dtype=bool)
    present[pop.ocg[members], pop.region[members]] = True
    return int((present.sum(axis=1) > 1).sum())


def _drift(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    """Membership in the last year against the first (NaN for runs shorter than two years)."""
    first, last = df["ocg_members"].iloc[:52].mean(), df["ocg_members"].iloc[-52:].mean()
    enough = len(df) >= 104 and first > 0
    return float(last / first - 1.0) if enough else float("nan")


class Community(Process):
    """Membership turnover, recruitment at large, leadership, splits and new groups.

    Attributes:
        niches: OCGs each region's criminal markets support (its count at the start).
        tied: Offenders with a tie made in prison within ``community.tie_memory_weeks`` (some
            may be inside or in an OCG): the candidates that :meth:`tied_at_large` checks.

    Reads: ``model.prison_life.new_ties`` (prisoners who made a tie this week).
    """

    name = "community"
    METRICS = (
        stock(
            "ocg_members",
            "people",
            "OCG members, in prison and at large.",
            lambda p: int(p.model.cache.members.size),
            headline=True,
            label="OCG members (mean)",
        ),
        stock(
            "ocg_members_at_large",
            "people",
            "OCG members at large.",
            lambda p: int(p.model.cache.members.size - p.model.cache.members_inside.size),
        ),
        stock(
            "active_ocgs",
            "groups",
            "OCGs that exist.",
            lambda p: int(p.model.ocgs.alive[: p.model.ocgs.n].sum()),
            label="active OCGs (mean)",
        ),
        stock(
            "ocgs_multi_region",
            "groups",
            "OCGs with members from more than one home region.",
            _ocgs_multi_region,
        ),
        flow("recruits_community", "people", "Offenders at large recruited into an OCG."),
        flow(
            "recruits_via_ties",
            "people",
            "Community recruits who joined the OCG they were tied to in prison.",
        ),
        flow(
            "cross_region_recruits",
            "people",
            "Recruits via prison ties into an OCG of another home region.",
        ),
        flow("member_exits", "people", "Members who left their OCG (and stayed offenders)."),
        flow("desisted", "people", "Offenders at large who desisted and left the population."),
        flow("entrants", "people", "New offenders entering the population at large."),
        flow("leader_replacements", "people", "Members promoted to lead a leaderless OCG."),
        flow("splits", "groups", "OCGs that split after losing their leader."),
        flow("dissolutions", "groups", "OCGs dissolved (fewer than two members)."),
        flow("formations", "groups", "New OCGs formed in vacant niches."),
        derived(
            "recruits_community_per_week",
            "people/week",
            "Community recruits per week (window mean).",
            lambda win, df, model: float(win["recruits_community"].mean()),
            headline=True,
            label="community recruits / week",
            fmt="{:.1f}",
        ),
        derived(
            "ocg_members_drift",
            "1",
            "OCG membership in the last year against the first, minus 1.",
            _drift,
            extensive=False,
            label="OCG membership drift (yr 1 to last)",
            fmt="{:+.3f}",
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        ocgs = model.ocgs
        self.niches = np.bincount(
            ocgs.home_region[: ocgs.n], minlength=model.world.n_regions
        ).astype(np.int64)
        pop = model.population
        self.tied = np.flatnonzero(pop.tie_ocg[: pop.n] >= 0)  # ties at the start

    def step(self) -> None:
        """Run the week's community process."""
        self._member_exits()
        self._desistance()
        self._tie_recruitment()
        self._vacancy_recruitment()
        self._ventures_end()
        self._leadership()
        self._dissolution_and_formation()

    def _leave(self, person: int) -> bool:
        """``person`` leaves their OCG; False if they had none.

        A group left without a leader is noted, as it may split.
        """
        ocgs = self.model.ocgs
        group = ocgs.leave(self.model.population, person)
        if group < 0:
            return False
        if ocgs.leader[group] < 0:
            ocgs.lost_leader.add(group)
        return True

    def _recruit(self, people: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Offenders at large join ``groups[i]`` as associates, in order.

        Someone who joined a group earlier in the batch (drawn twice) stays where they joined.

        Returns:
            Which of them joined.
        """
        model = self.model
        pop = model.population
        joined = np.zeros(people.size, dtype=bool)
        for i, (person, group) in enumerate(zip(people.tolist(), groups.tolist(), strict=True)):
            if pop.ocg[person] < 0:
                model.ocgs.join(pop, person, group, ASSOCIATE, model.week)
                joined[i] = True
        share_high = model.params.population.high_risk_share_members
        recruits = people[joined]
        pop.high_risk[recruits] = self.rng.random(recruits.size) < share_high
        self.count.recruits_community += int(recruits.size)
        return joined

    def _member_exits(self) -> None:
        members = self.model.cache.members
        hazard = self.model.params.community.member_exit_hazard
        for person in chosen(self.rng, members, hazard).tolist():
            self.count.member_exits += self._leave(person)

    def _desistance(self) -> None:
        """Offenders at large desist; each is replaced by a new entrant in the same region."""
        model = self.model
        rng = self.rng
        pop = model.population
        at_large = model.places.at_large
        hazard = model.params.community.desistance_hazard
        regions = []
        for region in range(model.world.n_regions):
            n = int(at_large.count[region])
            k = int(rng.binomial(n, hazard))
            if not k:
                continue
            picks = np.sort(rng.choice(n, size=k, replace=False))
            leavers = at_large.members[region, picks].copy()
            for person in leavers[pop.ocg[leavers] >= 0].tolist():
                self._leave(person)
            model.places.exit(region, leavers)
            regions.extend([region] * leavers.size)
            self.count.desisted += int(leavers.size)
        if regions:
            sp = model.scenario_params
            idx = model.add_offenders(np.array(regions, dtype=np.int16))
            pop.skills[idx] = new_skills(
                rng, len(idx), sp.population.skills_mean, sp.population.drugs_share
            )
            self.count.entrants += len(regions)

    def _tie_recruitment(self) -> None:
        """Unaffiliated offenders at large with a prison tie join the OCG they are tied to."""
        model = self.model
        pop = model.population
        c = model.params.community
        tied = self.tied_at_large()
        if not tied.size:
            return
        tied = tied[model.ocgs.alive[pop.tie_ocg[tied]]]
        people = chosen(self.rng, tied, c.tie_recruit_rate)
        groups = pop.tie_ocg[people].astype(np.int64)
        self._recruit(people, groups)
        self.count.recruits_via_ties += int(people.size)
        other_region = pop.region[people] != model.ocgs.home_region[groups]
        self.count.cross_region_recruits += int(other_region.sum())

    def tied_at_large(self) -> np.ndarray:
        """Unaffiliated offenders at large with a live tie made in prison, in row order."""
        model = self.model
        pop = model.population
        memory = model.params.community.tie_memory_weeks
        tied = unique(np.concatenate([self.tied, model.prison_life.new_ties]))
        self.tied = tied[model.week - pop.tie_week[tied] <= memory]  # older ties are forgotten
        tied = self.tied
        return tied[(pop.ocg[tied] < 0) & (pop.status[tied] == AT_LARGE)]

    def _vacancy_recruitment(self) -> None:
        """OCGs fill vacant roles from the unaffiliated offenders at large in their home region."""
        model = self.model
        ocgs = model.ocgs
        n = ocgs.n
        vacancies = np.where(ocgs.alive[:n], np.maximum(ocgs.target_size[:n] - ocgs.size[:n], 0), 0)
        p = model.params.community.vacancy_fill_rate * recruiting_strength(model)
        hires = self.rng.binomial(vacancies, np.clip(p, 0.0, 1.0))
        groups = np.repeat(np.arange(n), hires)
        people = model.places.at_large.sample(ocgs.home_region[groups].astype(np.int64), self.rng)
        found = people >= 0
        self._recruit(people[found], groups[found])

    def _ventures_end(self) -> None:
        ventures = self.model.ocgs.ventures
        if not ventures:
            return
        pairs = list(ventures)
        hazard = self.model.params.prison_life.joint_venture_end_hazard
        ending = self.rng.random(len(pairs)) < hazard
        for pair, end in zip(pairs, ending.tolist(), strict=True):
            if end:
                del ventures[pair]

    def _leadership(self) -> None:
        """Replace lost leaders (and, under isolation, leaders inside); groups may split."""
        model = self.model
        pop = model.population
        ocgs = model.ocgs
        if model.params.regime.isolate_leaders:
            leaders = ocgs.leader[: ocgs.n]
            inside = np.flatnonzero(
                (leaders >= 0) & (pop.status[np.maximum(leaders, 0)] != AT_LARGE)
            )
            for group in inside.tolist():
                if any(pop.status[m] == AT_LARGE for m in ocgs.members[group]):
                    ocgs.depose(pop, group)
        lost = sorted(ocgs.lost_leader)  # lost their leader this week: may split
        ocgs.lost_leader.clear()
        for group in lost:
            if ocgs.alive[group] and ocgs.leader[group] < 0 and ocgs.size[group] > 0:
                self._maybe_split(group)
        # every group without a leader tries to promote one (also groups that found nobody before)
        n = ocgs.n
        for group in np.flatnonzero(ocgs.alive[:n] & (ocgs.leader[:n] < 0) & (ocgs.size[:n] > 0)):
            self._promote(int(group))

    def _promote(self, group: int) -> None:
        """Promote a new leader: a core member at large, else any member at large.

        Unless leaders are isolated, a member inside may lead (leadership from inside prison).
        """
        model = self.model
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
        self.count.leader_replacements += 1

    def _maybe_split(self, group: int) -> None:
        model = self.model
        rng = self.rng
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
        self.count.splits += 1

    def _dissolution_and_formation(self) -> None:
        """Groups under two members dissolve; new groups take vacant niches of their region.

        A region's criminal markets support as many OCGs as it had at the start (its niches).
        """
        model = self.model
        rng = self.rng
        ocgs = model.ocgs
        pop = model.population
        n = ocgs.n
        dying = np.flatnonzero(ocgs.alive[:n] & (ocgs.size[:n] < 2))
        for group in dying.tolist():
            ocgs.dissolve(pop, group)
            self.count.dissolutions += 1
        active = np.bincount(ocgs.home_region[:n][ocgs.alive[:n]], minlength=model.world.n_regions)
        vacant_niches = np.maximum(self.niches - active, 0)
        per_region = rng.poisson(model.params.community.niche_fill_rate * vacant_niches)
        k = int(per_region.sum())
        if not k:
            return
        regions = np.repeat(np.arange(model.world.n_regions), per_region)
        population = model.scenario_params.population
        sizes = ocg_target_sizes(rng, k, population)
        founders = model.places.at_large.sample(np.repeat(regions, 2), rng).reshape(k, 2)
        for region, size, pair in zip(
            regions.tolist(), sizes.tolist(), founders.tolist(), strict=True
        ):
            leader, partner = pair
            if min(pair) < 0 or leader == partner or (pop.ocg[pair] >= 0).any():
                continue
            types = ocg_crime_types(rng, population)
            group = ocgs.create(region, size, types, model.week)
            ocgs.join(pop, leader, group, LEADER, model.week)
            ocgs.join(pop, partner, group, ASSOCIATE, model.week)
            pop.high_risk[leader] = True
            self.count.formations += 1


def recruiting_strength(model: OCGModel) -> np.ndarray:
    """Each OCG's capacity to recruit outside, relative to a group with every member at large.

    Members at large count 1 (less under intelligence-led licence conditions); members inside
    count ``phone_recruit_boost`` if they hold a phone, else 0.
    """
    pop = model.population
    c = model.params.community
    n = model.ocgs.n
    members = model.ocgs.member_rows()  # fresh: exits happened this week
    at_large = pop.status[members] == AT_LARGE
    weight = np.where(
        at_large,
        np.where(pop.licence_intel[members], 1.0 - model.params.disruption.licence_effect, 1.0),
        np.where(pop.phone[members], c.phone_recruit_boost, 0.0),
    )
    active = np.bincount(pop.ocg[members], weights=weight, minlength=n)
    size = np.maximum(model.ocgs.size[:n], 1)
    return np.minimum(1.0, active / size)
