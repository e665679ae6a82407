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

from sim import metrics
from sim.model.invariants import check_invariants
from sim.params import Parameters
from sim.process import Process
from sim.processes.community import Community
from sim.processes.costs import Costs
from sim.processes.disruption import Disruption
from sim.processes.harm import Harm
from sim.processes.intelligence import Intelligence, IntelligenceItems
from sim.processes.justice import Justice
from sim.processes.market import Market
from sim.processes.prison_life import PrisonLife
from sim.processes.schedule import Schedule
from sim.processes.sharing import Sharing
from sim.processes.trust import Trust
from sim.scenario import Scenario, load_scenario
from sim.state.agents import OffenderView
from sim.state.ocg import OCGRegistry, ocg_crime_types, ocg_target_sizes
from sim.state.places import Places
from sim.state.population import (
    ASSOCIATE,
    AT_LARGE,
    CORE,
    LAST_WEEK,
    LEADER,
    Population,
    new_skills,
)
from sim.state.world import build_world

__all__ = ["OCGModel", "PROCESSES", "Records"]

#: The processes of the week, in step order (DESIGN.md). Each is a ``sim.process.Process``.
PROCESSES: tuple[type[Process], ...] = (
    Schedule,
    Justice,
    PrisonLife,
    Market,
    Intelligence,
    Sharing,
    Disruption,
    Trust,
    Community,
    Harm,
    Costs,
)

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
    "schedule",
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
        places: Prison places, wings and who is where.
        ocgs: The OCG registry.
        items: Intelligence items.
        processes: The processes of the week in step order; each is also an attribute named
            after it (``model.justice``, ``model.prison_life``, ..., ``model.costs``).
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
        # the order in which factions take prisons: the first round(faction_control x prisons)
        # of it are faction-run while the lever is in force (so a changed value takes effect)
        self.faction_order = self.streams["world"].permutation(w.n_prisons)

        n_at_large = int(round(sp.population.offenders_at_large * self.scale))
        # rows to allocate: the starting population and the entrants the run should need (rows
        # are never reused), so that the arrays rarely have to grow (and double) mid-run
        start = n_at_large + w.prison_capacity.sum() * sp.estate.overcrowding
        entrants = n_at_large * sp.community.desistance_hazard * self.weeks_total
        self.population = Population(int(1.05 * (start + entrants)) + 64)
        self.places = Places(w, self.population, sp.estate.overcrowding)
        n_prisoners = int(round(self.places.capacity.sum() * sp.estate.initial_occupancy))
        self.ocgs = OCGRegistry(int(sp.population.ocgs * self.scale * 1.5) + 16, w.n_regions)
        self.items = IntelligenceItems()

        self.schedule = Schedule(self)
        self.justice = Justice(self)
        self._init_population(n_at_large, n_prisoners)
        self.prison_life = PrisonLife(self)
        self.market = Market(self)
        self.intelligence = Intelligence(self)
        self.sharing = Sharing(self)
        self.disruption = Disruption(self)
        self.trust = Trust(self)
        self.community = Community(self)
        self.harm = Harm(self)
        self.costs = Costs(self)
        self.processes: tuple[Process, ...] = tuple(getattr(self, c.name) for c in PROCESSES)

        self.refresh_cache()
        reporters = metrics.reporters(self.processes)
        self.datacollector = Records(model_reporters=reporters)
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

        # OCGs with target sizes (their number of roles)
        n_ocgs = int(round(sp.population.ocgs * self.scale))
        sizes = ocg_target_sizes(rng, n_ocgs, sp.population)
        regions = rng.choice(w.n_regions, size=n_ocgs, p=w.region_share)
        by_region = [
            rng.permutation(np.flatnonzero(pop.region[idx] == r)) for r in range(w.n_regions)
        ]
        cursor = np.zeros(w.n_regions, dtype=np.int64)
        # start near the stationary state: each role is vacant with its stationary share
        filled = np.maximum(2, sizes - rng.binomial(sizes, sp.population.initial_vacancy_share))
        # the first of each group leads; each other member is core with ``core_share``
        joiners, groups, core = [], [], []
        for target, size, r in zip(sizes, filled, regions, strict=True):
            o = self.ocgs.create(int(r), int(target), ocg_crime_types(rng, sp.population), week=-1)
            take = by_region[r][cursor[r] : cursor[r] + size]
            cursor[r] += len(take)
            if take.size:
                self.ocgs.join(pop, int(take[0]), o, LEADER, week=-1)
                joiners.append(take[1:])
                groups.append(np.full(take.size - 1, o))
                core.append(rng.random(take.size - 1) < sp.population.core_share)
        if joiners:
            joiners, groups, core = (np.concatenate(x) for x in (joiners, groups, core))
            self.ocgs.join_many(pop, joiners[core], groups[core], CORE, week=-1)
            self.ocgs.join_many(pop, joiners[~core], groups[~core], ASSOCIATE, week=-1)
        # joint ventures at their stationary number, between groups drawn by size
        n_ventures = int(round(sp.population.initial_ventures_per_ocg * n_ocgs))
        if n_ventures and n_ocgs > 1:
            pairs = rng.choice(n_ocgs, size=(n_ventures, 2), p=sizes / sizes.sum())
            for a, b in pairs[pairs[:, 0] != pairs[:, 1]].tolist():
                self.ocgs.add_venture(a, b, -1, sp.community.venture_roles)
        # and a stationary share of each region's market roles open (held by no group)
        held = np.bincount(regions, weights=sizes, minlength=w.n_regions)
        share = sp.community.initial_open_share
        self.ocgs.open_roles[:] = np.round(held * share / (1.0 - share)).astype(np.int64)
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
        self.places.enter(idx)
        prisoners = rng.choice(idx, size=min(n_prisoners, n), replace=False)
        self.justice.place_initial_prisoners(prisoners, rng)

    # ----------------------------------------------------------------------------------------
    # entries to the population (the community process decides who and when)
    # ----------------------------------------------------------------------------------------
    def add_offenders(self, regions: np.ndarray) -> np.ndarray:
        """New entrants at large in the given regions; returns their indices."""
        pop = self.population
        idx = pop.add(len(regions))
        pop.region[idx] = regions
        self.places.enter(idx)
        return idx

    # ----------------------------------------------------------------------------------------
    # who is who (index arrays)
    # ----------------------------------------------------------------------------------------
    def refresh_cache(self) -> None:
        """Recompute the week's index arrays (members, members inside)."""
        self.cache = WeekCache(self)

    def members_at_large(self) -> np.ndarray:
        """OCG members at large, in row order."""
        members = self.ocgs.member_rows()
        return members[self.population.status[members] == AT_LARGE]

    def offender(self, index: int) -> OffenderView:
        """A view of offender ``index`` (a row of the population arrays) as an object.

        Offenders are not Mesa agents (``model.agents`` holds the PIOs and police units): they
        are rows of ``model.population``, and this view reads them on demand.

        Raises:
            IndexError: If there is no such row.
        """
        return OffenderView(self, index)

    @property
    def faction_run(self) -> np.ndarray:
        """Which prisons are run by factions this week (Brazil-like regime)."""
        n = self.world.n_prisons
        mask = np.zeros(n, dtype=bool)
        mask[self.faction_order[: int(round(self.params.regime.faction_control * n))]] = True
        return mask

    # ----------------------------------------------------------------------------------------
    # the week
    # ----------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the model by one week: every process in step order, then the records.

        Raises:
            RuntimeError: Past week ``sim.state.population.LAST_WEEK`` (about 385 years), beyond
                which a
                week stamp would not fit its two bytes.
        """
        if self.week >= LAST_WEEK:
            raise RuntimeError(
                f"OCGModel.step: the model cannot run past week {LAST_WEEK} (week stamps are int16)"
            )
        self.week += 1
        if self.intervention_week > 0 and self.week == self.intervention_week:
            self._start_intervention()
        for process in self.processes:
            process.count.reset()
        for process in self.processes:
            process.step()
        self.refresh_cache()  # end-of-week state for the records
        self.datacollector.collect(self)
        if self.week >= self.weeks_total:
            self.running = False

    def _start_intervention(self) -> None:
        """Switch the levers to the scenario's values (earlier scheduled changes stay)."""
        old = self.params
        self.params = self.scenario_params
        if self.schedule.levers_set:
            self.params = Parameters({**self.params.as_dict(), **self.schedule.levers_set})
        for process in self.processes:
            process.levers_changed(old)

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

    def close(self) -> None:
        """Let the model be garbage-collected: remove its agents and Mesa's reference to it.

        Mesa 3.3 keeps every model alive through a class-level table of agent ids
        (``mesa.Agent._ids``; mesa issue #3179, fixed after 3.3), so a process that runs many
        models (an experiment worker) would grow by a few megabytes a run. Call this when a run
        is done and only its outputs are needed; the model cannot step any more.
        """
        for agent in list(self.agents):
            agent.remove()
        mesa.Agent._ids.pop(self, None)
        self.running = False

    def check_invariants(self) -> None:
        """Raise AssertionError if the state is inconsistent (used by the tests)."""
        check_invariants(self)


class Records(mesa.DataCollector):
    """Mesa's DataCollector for the week's metrics, keeping each value as its reporter gave it.

    Mesa's ``collect`` deep-copies every value, in case a reporter returns an object that changes
    later. The model's reporters (``sim.metrics.reporters``) return numbers, which cannot change,
    so this ``collect`` appends each value as it is, without the copy; the records are the same.
    Everything else is Mesa's: the reporters, the ``model_vars`` and ``get_model_vars_dataframe``.
    """

    def collect(self, model: mesa.Model) -> None:
        """Record every model reporter's value for this week.

        With agent reporters (which the model does not use), Mesa's own ``collect`` does it all.
        """
        if self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        for name, reporter in self.model_reporters.items():
            self.model_vars[name].append(reporter(model))


class WeekCache:
    """Index arrays of the week: made after justice and at the end of the week.

    Prison life adds its recruits (:meth:`add_members_inside`), so the members stay up to date
    until the police operations and the community's exits.

    Args:
        model: The model.

    Attributes:
        members: Every OCG member.
        members_inside: Members in prison.
    """

    def __init__(self, model: OCGModel):
        pop = model.population
        self.members = model.ocgs.member_rows()
        self.members_inside = self.members[pop.status[self.members] != AT_LARGE]

    def add_members_inside(self, people: np.ndarray) -> None:
        """Count ``people`` (sorted, in prison, who were in no OCG) among the members now."""
        for name in ("members", "members_inside"):
            rows = getattr(self, name)
            setattr(self, name, np.insert(rows, np.searchsorted(rows, people), people))
