"""The model: state, initial conditions and the weekly step order.

One step is one week: the processes of ``PROCESSES`` in order (``docs/odd.md`` section 1.3 says
what each does, what it reads of the others and why the order is as it is), then the records:

0. schedule     — dated lever changes and one-off operations of the scenario
1. justice      — releases, arrests, sentencing, allocation, recall, progression transfers
2. prison_life  — contacts in wings: recruitment, joint ventures, skills, ties
3. market       — illicit supply, searches and finds, drug debt, phones
4. intelligence — PIOs detect OCG activity and grade risk
5. sharing      — items travel to police tiers; police share back
6. disruption   — prisons separate/transfer; police act on intelligence
7. trust        — trust between each prison and each police tier
8. community    — exits, desistance and entrants, recruitment at large, leaders, splits
9. harm         — the week's offences by OCG members and their harm
10. costs       — the week's cost of the levers in force
then the DataCollector records the week's metrics. The model rebuilds the week index
(``sim.model.week``) before prison life and at the end of the week.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import metrics
from sim.model.invariants import check_invariants
from sim.model.week import WeekIndex
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
    CORE,
    LAST_WEEK,
    LEADER,
    Population,
    new_skills,
)
from sim.state.world import build_world

__all__ = ["OCGModel", "PROCESSES", "Records"]

#: The processes of the week, in step order: adding a process is one line here (its module,
#: test and parameters aside). Each is a ``sim.process.Process`` with a unique ``name``.
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

#: Random streams the model itself draws from (the processes' streams are named after them).
MODEL_STREAMS = ("world", "init")


def named_stream(root: np.random.Generator, name: str) -> np.random.Generator:
    """The random stream called ``name``: a child of ``root``'s seed, keyed by the name.

    The key is a hash of the name, not a position, so adding, removing or reordering a process
    leaves every other stream's draws alone (common random numbers across model versions as
    well as across scenarios).

    Args:
        root: The model's generator (its seed sequence is the parent of every stream).
        name: The stream's name (a process's ``name``, or one of ``MODEL_STREAMS``).

    Returns:
        A generator of the same kind as ``root``'s, seeded by (root's seed, name).
    """
    return np.random.Generator(type(root.bit_generator)(_child_sequence(root, name)))


def _child_sequence(root: np.random.Generator, name: str) -> np.random.SeedSequence:
    seq = root.bit_generator.seed_seq
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")
    return np.random.SeedSequence(
        seq.entropy, spawn_key=(*seq.spawn_key, key), pool_size=seq.pool_size
    )


def stream_key(root: np.random.Generator, name: str) -> int:
    """A 64-bit key of the stream called ``name``, for keyed draws (``sim.fast.keyed``).

    Args:
        root: The model's generator.
        name: The stream's name.
    """
    return int(_child_sequence(root, name).generate_state(1, np.uint64)[0])


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
        self.streams = {name: self.stream(name) for name in MODEL_STREAMS}

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

        # every process, in step order, each also an attribute named after it (model.justice)
        self.processes: tuple[Process, ...] = tuple(cls(self) for cls in PROCESSES)
        for process in self.processes:
            if hasattr(self, process.name):  # (a second process of the name, or a model field)
                raise TypeError(f"OCGModel: the process name {process.name!r} is already taken")
            setattr(self, process.name, process)
        self._init_population(n_at_large, n_prisoners)
        for process in self.processes:
            process.start()

        self.refresh_week_index()
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

    def stream(self, name: str) -> np.random.Generator:
        """A new random stream named ``name``, derived from the model's seed (:func:`named_stream`).

        Args:
            name: The stream's name; each process draws from the stream of its own name.
        """
        return named_stream(self.rng, name)

    def stream_key(self, name: str) -> int:
        """The 64-bit key of the stream named ``name`` (:func:`stream_key`), for keyed draws."""
        return stream_key(self.rng, name)

    # ----------------------------------------------------------------------------------------
    # who is who (index arrays)
    # ----------------------------------------------------------------------------------------
    def refresh_week_index(self) -> None:
        """Rebuild the week index (members, members inside: ``sim.model.week``)."""
        self.week_index = WeekIndex(self)

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
                which a week stamp would not fit its two bytes.
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
            if process.INDEX_BEFORE:
                self.refresh_week_index()
            process.step()
        self.refresh_week_index()  # end-of-week state for the records
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
