"""Community: membership turnover, recruitment at large, leadership, splits and new groups.

Research trace:
- "you've joined a new network (of OCG) and it's a bigger network coming out of prison because
  then you understand that people with different skills whom you know can further your OCG"
  (police officer) -> unaffiliated offenders at large with a tie made in prison join that OCG at
  their own rate, wherever the OCG is based (cross-region reach).
- Phones let members inside run operations outside (HMPPS OC Unit) -> a member inside with a
  phone counts toward the group's capacity to recruit outside.
- Leadership from inside prison continues unless leaders are isolated (41-bis-like regime).
- Stationarity without interventions (design brief): OCGs fill vacant roles (target size), members
  leave at a constant hazard, offenders at large desist and are replaced by new entrants, and new
  OCGs form at a rate that balances dissolution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast.arrays import chosen, grouped, unique
from sim.fast.kernels import multi_region_groups
from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.processes import reach
from sim.state.ocg import ocg_crime_types, ocg_target_sizes
from sim.state.population import ASSOCIATE, AT_LARGE, CORE, GONE, LEADER, new_skills

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.core import OCGModel

__all__ = ["Community"]

#: The list of prison ties is pruned of forgotten ties every so many weeks.
TIE_PRUNE_WEEKS = 13

#: A group that dissolves within this many weeks of a police operation counts as dismantled.
DISMANTLED_WITHIN_WEEKS = 52


def _ocgs_multi_region(p: Community) -> int:
    """OCGs with members from more than one home region."""
    m = p.model
    pop = m.population
    members = m.week_index.members
    if not members.size:
        return 0
    return multi_region_groups(members, pop.ocg, pop.region, len(m.ocgs.alive))


def _drift(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    """Membership in the last year against the first (NaN for runs shorter than two years)."""
    first, last = df["ocg_members"].iloc[:52].mean(), df["ocg_members"].iloc[-52:].mean()
    enough = len(df) >= 104 and first > 0
    return float(last / first - 1.0) if enough else float("nan")


class Community(Process):
    """Membership turnover, recruitment at large, leadership, splits and new groups.

    Attributes:
        founding: Per region, open market roles set aside to found new groups.
        next_size: Per region, the target size of the next new group.
        tied: Offenders listed with a tie made in prison (some may be inside, in an OCG, or
            past the tie's memory until the next pruning): see :meth:`tie_candidates`.

    Reads: ``model.prison_life.new_ties`` (prisoners who made a tie this week).
    """

    name = "community"
    READS = ("prison_life.new_ties",)
    METRICS = (
        stock(
            "ocg_members",
            "people",
            "OCG members, in prison and at large.",
            lambda p: int(p.model.week_index.members.size),
            headline=3,
            label="OCG members (mean)",
        ),
        stock(
            "ocg_members_at_large",
            "people",
            "OCG members at large.",
            lambda p: int(p.model.week_index.members.size - p.model.week_index.members_inside.size),
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
        *reach.METRICS,
        flow("member_exits", "people", "Members who left their OCG (and stayed offenders)."),
        flow("desisted", "people", "Offenders at large who desisted and left the population."),
        flow("entrants", "people", "New offenders entering the population at large."),
        flow("leader_replacements", "people", "Members promoted to lead a leaderless OCG."),
        flow("splits", "groups", "OCGs that split after losing their leader."),
        flow("dissolutions", "groups", "OCGs dissolved (fewer than two members)."),
        flow(
            "formations",
            "groups",
            "New OCGs founded on open market roles of their region.",
        ),
        flow(
            "groups_dismantled",
            "groups",
            f"OCGs dissolved within {DISMANTLED_WITHIN_WEEKS} weeks of a police operation.",
        ),
        flow(
            "roles_taken_over",
            "roles",
            "Open market roles taken up by existing rival groups (displacement).",
        ),
        stock(
            "open_roles",
            "roles",
            "Market roles held by no group (left by disrupted or dissolved groups).",
            lambda p: int(p.model.ocgs.open_roles.sum() + p.founding.sum()),
        ),
        stock(
            "ocg_roles",
            "roles",
            "Roles (target sizes) of all OCGs: their hold on the criminal markets.",
            lambda p: int(p.model.ocgs.target_size[p.model.ocgs.alive].sum()),
        ),
        derived(
            "recruits_community_per_week",
            "people/week",
            "Community recruits per week (window mean).",
            lambda win, df, model: float(win["recruits_community"].mean()),
            headline=6,
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
        self.founding = np.zeros(model.world.n_regions, dtype=np.int64)
        population = model.scenario_params.population
        self.next_size = ocg_target_sizes(self.rng, model.world.n_regions, population)
        self.tied = np.zeros(0, dtype=np.int64)
        self.reach = reach.Reach(model, self.key)

    def start(self) -> None:
        """List the prison ties of the initial conditions."""
        pop = self.model.population
        self.tied = np.flatnonzero(pop.tie_ocg[: pop.n] >= 0)
        pop.tie_listed[self.tied] = True

    def step(self) -> None:
        """Run the week's community process."""
        self._member_exits()
        self._desistance()
        self._tie_recruitment()
        self._vacancy_recruitment()
        self._ventures_end()
        self._leadership()
        self._dissolution()
        self._capability_recovery()
        self._market_recovery()

    def _recruit(self, people: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Offenders at large join ``groups[i]`` as associates, in order.

        Someone who joined a group earlier in the batch (drawn twice) stays where they joined.

        Returns:
            Which of them joined.
        """
        model = self.model
        pop = model.population
        # the unaffiliated among them, each at their first appearance
        free = np.flatnonzero(pop.ocg[people] < 0)
        _, first = np.unique(people[free], return_index=True)
        joined = np.zeros(people.size, dtype=bool)
        joined[free[first]] = True
        model.ocgs.join_many(pop, people[joined], groups[joined], ASSOCIATE, model.week)
        share_high = model.params.population.high_risk_share_members
        recruits = people[joined]
        pop.high_risk[recruits] = self.rng.random(recruits.size) < share_high
        self.count.recruits_community += int(recruits.size)
        return joined

    def _member_exits(self) -> None:
        """Members leave at a constant hazard, and surplus members (beyond the roles) faster.

        A group holding more members than market roles (after losing roles to disruption, or
        recruiting in prison beyond its vacancies) has no work for the surplus: each surplus
        member leaves with ``surplus_exit_hazard`` a week, so membership follows the market.
        """
        model = self.model
        pop = model.population
        ocgs = model.ocgs
        c = model.params.community
        # the members indexed this week (before prison life, with its recruits): some may have
        # left their group since (remove_many counts only those still in one)
        leavers = chosen(self.rng, model.week_index.members, c.member_exit_hazard)
        self.count.member_exits += int((ocgs.remove_many(pop, leavers) >= 0).sum())
        n = ocgs.n
        surplus = np.where(ocgs.alive[:n], np.maximum(ocgs.size[:n] - ocgs.target_size[:n], 0), 0)
        leaving = self.rng.binomial(surplus, c.surplus_exit_hazard)
        surplus_leavers = []
        for group in np.flatnonzero(leaving).tolist():
            leader = int(ocgs.leader[group])  # the leader stays
            pool = [m for m in ocgs.members_of(group) if m != leader]
            k = min(int(leaving[group]), len(pool))
            surplus_leavers.append(self.rng.choice(pool, size=k, replace=False))
        if surplus_leavers:
            people = np.concatenate(surplus_leavers).astype(np.int64)
            self.count.member_exits += int((ocgs.remove_many(pop, people) >= 0).sum())

    def _desistance(self) -> None:
        """Offenders at large desist; each is replaced by a new entrant in the same region."""
        model = self.model
        rng = self.rng
        pop = model.population
        at_large = model.places.at_large
        hazard = model.params.community.desistance_hazard
        regions = []
        gone = []
        for region in range(model.world.n_regions):
            n = int(at_large.count[region])
            k = int(rng.binomial(n, hazard))
            if not k:
                continue
            picks = np.sort(rng.choice(n, size=k, replace=False))
            leavers = at_large.members[region, picks].copy()
            model.places.exit(region, leavers)
            gone.append(leavers)
            regions.extend([region] * leavers.size)
            self.count.desisted += int(leavers.size)
        if gone:
            model.ocgs.remove_many(pop, np.concatenate(gone))  # they leave their OCGs too
            sp = model.scenario_params
            idx = model.add_offenders(np.array(regions, dtype=np.int16))
            pop.skills[idx] = new_skills(
                rng, len(idx), sp.population.skills_mean, sp.population.drugs_share
            )
            self.count.entrants += len(regions)

    def _tie_recruitment(self) -> None:
        """Unaffiliated offenders at large with a prison tie join the OCG they are tied to.

        Each week, each of them joins with ``tie_recruit_rate``. The draw is made over everyone
        listed with a tie (:meth:`tie_candidates`) and only those drawn are checked (thinning):
        an eligible candidate is drawn with the same chance as in a draw over the eligible
        alone, and the cost grows with the draws, not with the ~60,000 listed at full scale.
        """
        model = self.model
        pop = model.population
        c = model.params.community
        drawn = chosen(self.rng, self.tie_candidates(), c.tie_recruit_rate)
        people = drawn[self._tied_at_large(drawn)]
        groups = pop.tie_ocg[people].astype(np.int64)
        self._recruit(people, groups)
        self.count.recruits_via_ties += int(people.size)
        other_region = pop.region[people] != model.ocgs.home_region[groups]
        self.count.cross_region_recruits += int(other_region.sum())

    def _tied_at_large(self, people: np.ndarray) -> np.ndarray:
        """Which of ``people`` are unaffiliated and at large with a live tie to a living group."""
        model = self.model
        pop = model.population
        live = model.week - pop.tie_week[people] <= model.params.community.tie_memory_weeks
        free = (pop.ocg[people] < 0) & (pop.status[people] == AT_LARGE)
        return live & free & model.ocgs.alive[pop.tie_ocg[people]]

    def tie_candidates(self) -> np.ndarray:
        """Everyone listed with a tie made in prison: a superset of those a tie may recruit.

        This week's new ties are listed once each (``tie_listed``), in the order their ties were
        made. Every ``TIE_PRUNE_WEEKS`` weeks the list is pruned of forgotten ties (older than
        ``community.tie_memory_weeks``) and of those who left the population, so it stays near
        the number of live ties without a pass over it every week. Some listed may be inside, in
        an OCG or past their tie's memory: :meth:`_tied_at_large` checks those drawn.
        """
        model = self.model
        pop = model.population
        new = unique(model.prison_life.new_ties)
        new = new[~pop.tie_listed[new]]
        pop.tie_listed[new] = True
        tied = np.concatenate([self.tied, new])
        if model.week % TIE_PRUNE_WEEKS == 0:
            memory = model.params.community.tie_memory_weeks
            keep = (model.week - pop.tie_week[tied] <= memory) & (pop.status[tied] != GONE)
            pop.tie_listed[tied[~keep]] = False
            tied = tied[keep]
        self.tied = tied
        return tied

    def _vacancy_recruitment(self) -> None:
        """OCGs fill vacant roles from the people they can reach (``sim.processes.reach``)."""
        hires = self.reach.hires(self.tied, self.rng)
        joined = self._recruit(hires.people, hires.groups)
        tier = hires.tier[joined]
        self.count.vacancy_recruits += int(tier.size)
        self.count.vacancy_recruits_tied += int((tier == reach.TIED).sum())
        self.count.vacancy_recruits_skilled += int((tier == reach.SKILLED).sum())
        self.count.vacancy_recruits_region += int((tier == reach.REGION).sum())

    def _ventures_end(self) -> None:
        ocgs = self.model.ocgs
        if not ocgs.ventures:
            return
        pairs = list(ocgs.ventures)
        hazard = self.model.params.prison_life.joint_venture_end_hazard
        ending = self.rng.random(len(pairs)) < hazard
        roles = self.model.params.community.venture_roles
        for i in np.flatnonzero(ending).tolist():
            ocgs.end_venture(pairs[i], roles)

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
        # the loss of a leader disorganises the group until a successor has taken over
        hit = 1.0 - model.params.community.leader_loss_capability
        for group in lost:
            ocgs.capability[group] *= hit
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
        leader = pool[int(self.rng.integers(len(pool)))]  # any of them, not the oldest row
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
        leaving = [m for m in members if rng.random() < c.split_share]
        if len(leaving) < 2:
            return
        # the breakaway takes its share of the market roles (at least two, at most all of them;
        # the roles of the group's joint ventures stay with the ventures)
        target = int(ocgs.target_size[group] - ocgs.venture_roles[group])
        roles = min(target, max(2, int(round(target * len(leaving) / len(members)))))
        new = ocgs.create(
            int(ocgs.home_region[group]), roles, int(ocgs.crime_types[group]), model.week
        )
        ocgs.target_size[group] -= roles  # its venture roles stay
        ocgs.capability[new] = ocgs.capability[group]  # as disorganised as the group it left
        for j, person in enumerate(leaving):
            ocgs.leave(pop, person)
            ocgs.join(pop, person, new, LEADER if j == 0 else ASSOCIATE, model.week)
        self.count.splits += 1

    def _dissolution(self) -> None:
        """Groups under two members dissolve; their roles are left open in their region."""
        model = self.model
        ocgs = model.ocgs
        n = ocgs.n
        roles = model.params.community.venture_roles
        dying = np.flatnonzero(ocgs.alive[:n] & (ocgs.size[:n] < 2))
        for group in dying.tolist():
            if model.week - ocgs.last_operation[group] <= DISMANTLED_WITHIN_WEEKS:
                self.count.groups_dismantled += 1
            ocgs.dissolve(model.population, group, roles)
            self.count.dissolutions += 1

    def _capability_recovery(self) -> None:
        """Groups rebuild the capability seizures took from them."""
        ocgs = self.model.ocgs
        n = ocgs.n
        rate = self.model.params.community.capability_recovery_rate
        alive = ocgs.alive[:n]
        ocgs.capability[:n][alive] += rate * (1.0 - ocgs.capability[:n][alive])

    def _market_recovery(self) -> None:
        """Open market roles are taken up again: by rivals in the region, or by new groups.

        Each open role is taken up this week with ``market_recovery_rate`` (the displacement /
        recovery rate); a ``takeover_share`` of those go to existing groups of the region in
        proportion to their size, the rest are set aside to found new groups, each with a
        target size drawn as at the start and two founders at large.
        """
        model = self.model
        rng = self.rng
        ocgs = model.ocgs
        c = model.params.community
        n = ocgs.n
        taken = rng.binomial(ocgs.open_roles, c.market_recovery_rate)
        to_rivals = rng.binomial(taken, c.takeover_share)
        alive = np.flatnonzero(ocgs.alive[:n])
        by_region = dict(grouped(ocgs.home_region[alive]))
        for region in np.flatnonzero(to_rivals).tolist():
            rivals = alive[by_region.get(region, alive[:0])]
            weight = ocgs.size[rivals].astype(float)
            if not rivals.size or weight.sum() <= 0:
                continue  # nobody to take them: they found new groups instead
            shares = rng.multinomial(to_rivals[region], weight / weight.sum())
            for group, k in zip(
                rivals[shares > 0].tolist(), shares[shares > 0].tolist(), strict=True
            ):
                ocgs.take_roles(group, k)
            self.count.roles_taken_over += int(to_rivals[region])
            taken[region] -= to_rivals[region]
        ocgs.open_roles -= taken
        self.founding += taken
        self._found_groups()

    def _found_groups(self) -> None:
        """New groups form where enough roles are set aside for the next group's target size."""
        model = self.model
        rng = self.rng
        ocgs = model.ocgs
        pop = model.population
        population = model.scenario_params.population
        for region in range(model.world.n_regions):
            while self.founding[region] >= self.next_size[region]:
                leader, partner = model.places.at_large.sample(np.array([region, region]), rng)
                if min(leader, partner) < 0 or leader == partner or pop.ocg[leader] >= 0:
                    break  # no founders this week
                if pop.ocg[partner] >= 0:
                    break
                size = int(self.next_size[region])
                group = ocgs.create(region, size, ocg_crime_types(rng, population), model.week)
                ocgs.join(pop, leader, group, LEADER, model.week)
                ocgs.join(pop, partner, group, ASSOCIATE, model.week)
                pop.high_risk[leader] = True
                self.founding[region] -= size
                self.next_size[region] = ocg_target_sizes(rng, 1, population)[0]
                self.count.formations += 1
