"""The model: state, initial conditions and the weekly step order.

One step is one week. The order of a step (DESIGN.md, with one departure noted in
``docs/odd.md``: releases come before arrests so that places freed this week can be used):

1. justice      — releases, arrests, sentencing, allocation, recall, progression transfers
2. prison_life  — contacts in wings: recruitment, joint ventures, skills, ties
3. market       — illicit supply, searches and finds, drug debt, phones
4. intelligence — PIOs detect OCG activity and grade risk
5. sharing      — items travel to police tiers; police share back
6. disruption   — prisons separate/transfer; police act on intelligence
7. trust        — trust between each prison and each police tier
8. community    — exits, desistance and entrants, recruitment at large, leaders, splits
9. record       — the DataCollector records the week's metrics
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import (
    community,
    costs,
    disruption,
    intelligence,
    justice,
    market,
    metrics,
    prison_life,
    sharing,
    trust,
)
from sim.agents import TIERS, Offender, PoliceUnit, PrisonIntelligenceOfficer
from sim.intelligence import IntelligenceItems
from sim.ocg import DRUGS, OCGRegistry
from sim.params import Parameters
from sim.population import (
    ASSOCIATE,
    AT_LARGE,
    CORE,
    GONE,
    LEADER,
    Population,
    Roster,
)
from sim.scenario import Scenario, load_scenario
from sim.world import build_world

__all__ = ["OCGModel"]

_STREAMS = (
    "world",
    "init",
    "justice",
    "prison_life",
    "market",
    "intelligence",
    "sharing",
    "disruption",
    "trust",
    "community",
)


def _normalise_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """Accept ``section.key`` and ``section__key`` names (the latter for keyword arguments)."""
    out = {}
    for name, value in overrides.items():
        out[name.replace("__", ".", 1) if "__" in name else name] = value
    # convenient short names used by mesa.batch_run and the CLI
    for short in ("scale", "years", "intervention_week", "world"):
        if short in out:
            out[f"run.{short}"] = out.pop(short)
    return out


class OCGModel(mesa.Model):
    """Organised crime groups in the prisons and communities of England & Wales.

    Args:
        scenario: A ``Scenario``, a scenario file path or name, or None for the baseline.
        rng: Seed or generator; the run is a function of (scenario, overrides, rng).
        **overrides: Parameter values that override the scenario, by dotted name
            (``**{"justice.offence_hazard": 0.01}``), as ``section__key`` keywords, or the short
            names ``scale``, ``years``, ``intervention_week`` and ``world``.

    Attributes:
        params: The parameters in force this week (levers at baseline before the intervention).
        scenario_params: The scenario's parameters (levers at their scenario values).
        world: Regions, prisons and wings.
        population: Per-offender state arrays.
        ocgs: The OCG registry.
        items: Intelligence items.
        trust: Trust between each prison and each police tier, shape (prisons, 3).
        week: The number of weeks simulated so far.
    """

    def __init__(
        self,
        scenario: Scenario | str | Path | None = None,
        *,
        rng: Any = None,
        **overrides: Any,
    ):
        super().__init__(rng=rng)
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        self.scenario_params: Parameters = scenario.parameters(_normalise_overrides(overrides))
        sp = self.scenario_params
        self.intervention_week = int(sp.run.intervention_week)
        self.params = sp if self.intervention_week <= 0 else sp.with_levers_at_baseline()
        self.weeks_total = int(round(sp.run.years * 52))
        self.week = 0
        self.scale = sp.run.scale
        children = self.rng.spawn(len(_STREAMS))
        self.streams: dict[str, np.random.Generator] = dict(zip(_STREAMS, children, strict=True))

        self.world = build_world(sp, self.streams["world"])
        w = self.world
        self.wing_capacity = np.maximum(
            1, np.round(w.wing_capacity * sp.estate.overcrowding).astype(np.int64)
        )
        # a prison holds exactly what its wings hold
        self.prison_capacity = np.bincount(
            w.wing_prison, weights=self.wing_capacity, minlength=w.n_prisons
        ).astype(np.int64)
        self.prison_occupancy = np.zeros(w.n_prisons, dtype=np.int64)
        self.prison_free = self.prison_capacity.copy()
        self.wing_free = self.wing_capacity.copy()
        self.first_wing = np.array([int(ws[0]) for ws in w.prison_wings], dtype=np.int64)
        self.last_wing = np.array([int(ws[-1]) + 1 for ws in w.prison_wings], dtype=np.int64)
        # prisons a faction would run under the scenario's regime (in force once the lever is)
        self.faction_mask = np.zeros(w.n_prisons, dtype=bool)
        n_faction = int(round(sp.regime.faction_control * w.n_prisons))
        if n_faction:
            chosen = self.streams["world"].choice(w.n_prisons, n_faction, replace=False)
            self.faction_mask[chosen] = True

        n_at_large = int(round(sp.population.offenders_at_large * self.scale))
        n_prisoners = int(round(self.prison_capacity.sum() * sp.estate.initial_occupancy))
        self.population = Population(int((n_at_large + n_prisoners) * 1.6) + 64)
        self.ocgs = OCGRegistry(int(sp.population.ocgs * self.scale * 1.5) + 16)
        self.items = IntelligenceItems()
        self.at_large = Roster(w.n_regions, 64, self.population, "slot")
        self.wings = Roster(w.n_wings, int(self.wing_capacity.max()), self.population, "slot")
        self.offenders: list[Offender | None] = []
        self.trust = np.full((w.n_prisons, len(TIERS)), sp.trust.initial, dtype=float)
        self.release_calendar: dict[int, list[int]] = {}
        self.police_queue: list[list[tuple[int, int]]] = [[] for _ in range(w.n_regions)]
        self.counts = metrics.WeekCounts(w.n_prisons)
        self.cost_week = 0.0
        self.items_sent = 0
        self.delivery_calendar: dict[int, list[tuple[int, int]]] = {}
        self.leaderless: set[int] = set()
        self.seeded_prisons: set[int] = set()
        self.market_volume = np.zeros(w.n_prisons)
        # releases per week, and how many of each week's releases reoffended within a year
        self.releases_by_week = np.zeros(self.weeks_total + 2, dtype=np.int64)
        self.reoffended_by_week = np.zeros(self.weeks_total + 2, dtype=np.int64)

        self.preferences = justice.preference_lists(self)
        self.strict_preferences = justice.preference_lists(self, strict=True)
        self._init_population(n_at_large, n_prisoners)
        self.pios: list[PrisonIntelligenceOfficer] = []
        self._post_pios()
        self.police_units = [PoliceUnit(self, r, t) for r in range(w.n_regions) for t in TIERS[:2]]
        self.police_units.append(PoliceUnit(self, -1, "national"))
        self.niches = np.bincount(
            self.ocgs.home_region[: self.ocgs.n], minlength=w.n_regions
        ).astype(np.int64)

        self.cache = metrics.WeekCache(self)
        self.datacollector = mesa.DataCollector(model_reporters=metrics.reporters())
        self.running = self.weeks_total > 0

    # ----------------------------------------------------------------------------------------
    # initial conditions
    # ----------------------------------------------------------------------------------------
    def _init_population(self, n_at_large: int, n_prisoners: int) -> None:
        """Create offenders, OCGs and the initial prison population near the stationary state."""
        sp = self.scenario_params
        rng = self.streams["init"]
        pop = self.population
        w = self.world
        n = n_at_large + n_prisoners
        idx = pop.add(n)
        pop.region[idx] = rng.choice(w.n_regions, size=n, p=w.region_share)
        pop.skills[idx] = new_skills(rng, n, sp.population.skills_mean, sp.population.drugs_share)
        self.offenders.extend(Offender(self, i) for i in idx)

        # OCGs with target sizes (their number of roles)
        n_ocgs = int(round(sp.population.ocgs * self.scale))
        sizes = ocg_target_sizes(rng, n_ocgs, sp.population)
        regions = rng.choice(w.n_regions, size=n_ocgs, p=w.region_share)
        by_region = [
            rng.permutation(np.flatnonzero(pop.region[idx] == r)) for r in range(w.n_regions)
        ]
        cursor = np.zeros(w.n_regions, dtype=np.int64)
        # start near the stationary state: each role is vacant with the equilibrium share
        # exits / (exits + refilling); about 80% of members are at large to refill roles, and
        # recruitment in prison and through ties covers about a quarter of exits (measured)
        c = sp.community
        exits = 0.75 * (c.member_exit_hazard + 0.8 * c.desistance_hazard)
        vacant = exits / (exits + 0.8 * c.vacancy_fill_rate) if exits > 0 else 0.0
        filled = np.maximum(2, sizes - rng.binomial(sizes, vacant))
        for target, size, r in zip(sizes, filled, regions, strict=True):
            o = self.ocgs.create(int(r), int(target), ocg_crime_types(rng, sp.population), week=-1)
            take = by_region[r][cursor[r] : cursor[r] + size]
            cursor[r] += len(take)
            for j, person in enumerate(take):
                role = (
                    LEADER
                    if j == 0
                    else (CORE if rng.random() < sp.population.core_share else ASSOCIATE)
                )
                self.ocgs.join(pop, int(person), o, role, week=-1)
        members = idx[pop.ocg[idx] >= 0]
        pop.high_risk[members] = (
            rng.random(len(members)) < sp.population.high_risk_share_members
        ) | (pop.role[members] == LEADER)

        # live prison ties at their stationary share, to OCGs of the same region (by size)
        free = idx[pop.ocg[idx] < 0]
        tied = free[rng.random(free.size) < sp.community.initial_tie_share]
        for r in range(w.n_regions):
            here = tied[pop.region[tied] == r]
            groups = np.flatnonzero(self.ocgs.home_region[: self.ocgs.n] == r)
            if here.size and groups.size:
                weight = self.ocgs.size[groups] / self.ocgs.size[groups].sum()
                pop.tie_ocg[here] = rng.choice(groups, size=here.size, p=weight)
                memory = sp.community.tie_memory_weeks
                pop.tie_week[here] = -rng.integers(0, memory + 1, size=here.size)

        # everyone starts at large, then the initial prisoners are drawn uniformly and placed
        for person in idx:
            self.at_large.add(int(pop.region[person]), int(person))
        prisoners = rng.choice(idx, size=min(n_prisoners, n), replace=False)
        justice.place_initial_prisoners(self, prisoners, rng)

    def _post_pios(self) -> None:
        """Post PIOs to prisons to match ``intelligence.pios_per_1000``.

        ``pio_count`` holds each prison's PIO posts in full-time equivalents (exact at any scale,
        so a lever works in small runs too); one PIO agent stands for each whole post, at least
        one in a prison with any posts.
        """
        for pio in self.pios:
            pio.remove()
        per_1000 = self.params.intelligence.pios_per_1000
        self.pio_count = per_1000 * self.world.prison_capacity / 1000.0
        counts = np.where(self.pio_count > 0, np.maximum(1, np.round(self.pio_count)), 0)
        rpp = self.params.intelligence.reports_per_pio
        self.pios = [
            PrisonIntelligenceOfficer(self, p, rpp)
            for p in range(self.world.n_prisons)
            for _ in range(int(counts[p]))
        ]

    # ----------------------------------------------------------------------------------------
    # movement primitives shared by the mechanisms
    # ----------------------------------------------------------------------------------------
    def admit(self, person: int, prison: int, status: int) -> None:
        """Move an offender at large into a wing of ``prison`` with legal ``status``."""
        pop = self.population
        self.at_large.remove(int(pop.region[person]), person)
        self._into_wing(person, prison)
        pop.status[person] = status

    def _into_wing(self, person: int, prison: int) -> None:
        first = self.first_wing[prison]
        wing = int(first + self.wing_free[first : self.last_wing[prison]].argmax())
        self.wings.add(wing, person)
        self.wing_free[wing] -= 1
        pop = self.population
        pop.prison[person] = prison
        pop.wing[person] = wing
        self.prison_occupancy[prison] += 1
        self.prison_free[prison] -= 1

    def _out_of_wing(self, person: int) -> None:
        pop = self.population
        wing = int(pop.wing[person])
        prison = int(pop.prison[person])
        self.wings.remove(wing, person)
        self.wing_free[wing] += 1
        self.prison_occupancy[prison] -= 1
        self.prison_free[prison] += 1
        self._clear_prison_state(person)

    def _clear_prison_state(self, people: int | np.ndarray) -> None:
        """Reset what belongs to a stay in a wing (for one person or an array of people)."""
        pop = self.population
        pop.prison[people] = -1
        pop.wing[people] = -1
        pop.separated[people] = False
        pop.phone[people] = False

    def transfer(self, person: int, prison: int) -> None:
        """Move a prisoner to another prison (which must have a free place)."""
        self._out_of_wing(person)
        self._into_wing(person, prison)

    def discharge_many(self, people: np.ndarray) -> None:
        """Release prisoners to their home regions, in the order given.

        The rosters change one by one (a release takes a prisoner out of a wing and puts them
        at large in their home region); the rest is array bookkeeping.
        """
        if not people.size:
            return
        pop = self.population
        wings = pop.wing[people].astype(np.int64)
        prisons = pop.prison[people].astype(np.int64)
        wing_roster, at_large = self.wings, self.at_large
        for person, wing, region in zip(
            people.tolist(), wings.tolist(), pop.region[people].tolist(), strict=True
        ):
            wing_roster.remove(wing, person)
            at_large.add(region, person)
        np.add.at(self.wing_free, wings, 1)
        freed = np.bincount(prisons, minlength=self.prison_free.size)
        self.prison_occupancy -= freed
        self.prison_free += freed
        self._clear_prison_state(people)
        pop.status[people] = AT_LARGE
        pop.debt[people] = False
        pop.isolated[people] = False
        pop.release_week[people] = -1

    def remove_offenders(self, region: int, people: np.ndarray) -> None:
        """Offenders at large in ``region`` desist and leave the population (rows are kept)."""
        at_large, offenders = self.at_large, self.offenders
        for person in people.tolist():
            at_large.remove(region, person)
            agent = offenders[person]
            if agent is not None:
                agent.remove()
                offenders[person] = None
        self.population.status[people] = GONE

    def add_offenders(self, regions: np.ndarray) -> np.ndarray:
        """New entrants at large in the given regions; returns their indices."""
        sp = self.scenario_params
        rng = self.streams["community"]
        pop = self.population
        idx = pop.add(len(regions))
        pop.region[idx] = regions
        pop.skills[idx] = new_skills(
            rng, len(idx), sp.population.skills_mean, sp.population.drugs_share
        )
        for person, region in zip(idx, regions, strict=True):
            self.at_large.add(int(region), int(person))
            self.offenders.append(Offender(self, person))
        return idx

    def prisoners(self) -> np.ndarray:
        """Everyone in prison, wing by wing."""
        m = self.wings.members
        return m[m >= 0]

    def members_at_large(self) -> np.ndarray:
        """OCG members at large (a scan of the population arrays)."""
        pop = self.population
        members = np.flatnonzero(pop.ocg[: pop.n] >= 0)
        return members[pop.status[members] == AT_LARGE]

    def licensees(self) -> np.ndarray:
        """Offenders at large on licence."""
        pop = self.population
        n = pop.n
        return np.flatnonzero((pop.status[:n] == AT_LARGE) & (pop.licence_end[:n] > self.week))

    def tied_at_large(self) -> np.ndarray:
        """Unaffiliated offenders at large with a tie made in prison."""
        pop = self.population
        n = pop.n
        memory = self.params.community.tie_memory_weeks
        return np.flatnonzero(
            (pop.tie_ocg[:n] >= 0)
            & (pop.ocg[:n] < 0)
            & (pop.status[:n] == AT_LARGE)
            & (self.week - pop.tie_week[:n] <= memory)
        )

    @property
    def faction_run(self) -> np.ndarray:
        """Which prisons are run by factions this week (Brazil-like regime); read-only."""
        mask = (
            self.faction_mask
            if self.params.regime.faction_control > 0
            else np.zeros_like(self.faction_mask)
        )
        view = mask.view()
        view.flags.writeable = False
        return view

    # ----------------------------------------------------------------------------------------
    # the week
    # ----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the model by one week."""
        self.week += 1
        if self.week >= len(self.releases_by_week):  # run() past run.years
            grow = np.zeros(len(self.releases_by_week), dtype=np.int64)
            self.releases_by_week = np.concatenate([self.releases_by_week, grow])
            self.reoffended_by_week = np.concatenate([self.reoffended_by_week, grow])
        if self.intervention_week > 0 and self.week == self.intervention_week:
            self._start_intervention()
        self.counts.reset()
        justice.step(self)
        self.cache = metrics.WeekCache(self)
        prison_life.step(self)
        self.cache = metrics.WeekCache(self)  # this week's recruits are members from here on
        market.step(self)
        intelligence.step(self)
        sharing.step(self)
        disruption.step(self)
        trust.step(self)
        community.step(self)
        self.cost_week = costs.weekly_cost(self)
        self.cache = metrics.WeekCache(self)  # end-of-week state for the records
        self.datacollector.collect(self)
        if self.week >= self.weeks_total:
            self.running = False

    def _start_intervention(self) -> None:
        """Switch the policy levers to the scenario's values."""
        old = self.params
        self.params = self.scenario_params
        if not self.params.sharing.enabled:
            self.delivery_calendar.clear()  # silos: nothing in transit arrives either
        if old.intelligence.pios_per_1000 != self.params.intelligence.pios_per_1000:
            self._post_pios()

    def run(self, weeks: int | None = None) -> OCGModel:
        """Run for ``weeks`` weeks, or to the end of the scenario's run length.

        Args:
            weeks: Number of weeks; None runs until ``run.years`` are done.

        Returns:
            The model itself, for chaining.
        """
        remaining = self.weeks_total - self.week if weeks is None else int(weeks)
        for _ in range(max(0, remaining)):
            self.step()
        return self

    # ----------------------------------------------------------------------------------------
    # outputs
    # ----------------------------------------------------------------------------------------
    def timeseries(self) -> pd.DataFrame:
        """The weekly metrics, one row per simulated week, starting with a ``week`` column."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "week", np.arange(1, len(df) + 1, dtype=np.int64))
        return df

    def summary(self) -> dict[str, float]:
        """Run summary over the window from the intervention week to the end."""
        return metrics.summarise(self)

    def check_invariants(self) -> None:
        """Raise AssertionError if the state is inconsistent (used by the tests)."""
        metrics.check_invariants(self)


# --------------------------------------------------------------------------------------------
# draws shared by initialisation and the community process
# --------------------------------------------------------------------------------------------
def new_skills(rng: np.random.Generator, n: int, mean: float, drugs_share: float) -> np.ndarray:
    """Skill masks for ``n`` new offenders: drugs with ``drugs_share``, then Poisson extras."""
    skills = np.where(rng.random(n) < drugs_share, 1 << DRUGS, 0).astype(np.uint16)
    extra = rng.poisson(max(0.0, mean - drugs_share), size=n)
    for k in range(1, int(extra.max(initial=0)) + 1):
        who = extra >= k
        bits = rng.integers(0, 10, size=int(who.sum()))
        skills[who] |= (1 << bits).astype(np.uint16)
    return skills


def ocg_target_sizes(rng: np.random.Generator, n: int, population) -> np.ndarray:
    """Target sizes of ``n`` OCGs: log-normal with the given mean, at least 2."""
    sigma = population.ocg_size_sigma
    mu = np.log(population.ocg_size_mean) - sigma**2 / 2
    return np.maximum(2, np.round(rng.lognormal(mu, sigma, size=n))).astype(np.int64)


def ocg_crime_types(rng: np.random.Generator, population) -> int:
    """Crime-type mask of a new OCG: drugs with ``drugs_share``, else another type; maybe more."""
    first = DRUGS if rng.random() < population.drugs_share else int(rng.integers(1, 10))
    mask = 1 << first
    if rng.random() < 0.3:
        mask |= 1 << int(rng.integers(0, 10))
    return mask
