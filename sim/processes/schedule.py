"""Dated interventions: lever changes and one-off operations at given weeks.

A scenario's ``[[schedule]]`` entries (validated like everything else) say what happens when::

    [[schedule]]                 # double police capacity from week 156
    week = 156
    disruption.police_actions_per_region = 8.0

    [[schedule]]                 # arrest 30% of the members at large of one region's groups
    week = 156
    operation = "arrest_members"
    share = 0.3
    region = "Yorkshire and the Humber"

    [[schedule]]                 # remove the leaders of the 20 largest groups
    week = 200
    operation = "remove_leaders"
    groups = 20

Operations: ``arrest_members`` (police arrest each member at large of the chosen groups with
chance ``share``; courts and convictions follow as for any arrest), ``remove_members`` (a
``share`` of the chosen groups' members, wherever they are, leave their groups at once, and the
groups lose ``role_loss`` of those members' roles to the open market), ``remove_leaders`` (the
chosen groups' leaders are arrested if at large, and lose the leadership). The chosen groups
are every group, or a region's (``region``), or the ``groups`` largest of those.

``run.intervention_week`` is the common case: at that week every lever takes the scenario's
value (before, levers are at their baseline default). The schedule process runs first in the
week, after the intervention switch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.metrics import flow
from sim.params import Parameters, ScenarioError
from sim.process import Process
from sim.processes.custody import CourtDraws
from sim.scenario import ScheduleEntry, schedule_check
from sim.state.population import AT_LARGE

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = ["Schedule"]


class Schedule(Process):
    """The week's scheduled lever changes and one-off operations (first in the week).

    Attributes:
        entries: The scenario's schedule.
        levers_set: Every lever value the schedule has set so far (the intervention switch
            keeps them).
    """

    name = "schedule"
    READS = ("justice.take_many_into_custody",)
    METRICS = (
        flow("scheduled_arrests", "people", "Members arrested by scheduled one-off operations."),
        flow("scheduled_removals", "people", "Members removed by scheduled one-off operations."),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.entries = model.scenario.schedule
        self.levers_set: dict[str, object] = {}
        names = model.world.region_names
        where = str(model.scenario.path or model.scenario.name)
        # an entry after the last week would be dropped silently: refused (the commands check
        # it before anything runs, with a warning for entries in the burn-in)
        schedule_check(
            self.entries,
            model.scenario_params.run.years,
            model.scenario_params.run.intervention_week,
            where,
        )
        for entry in self.entries:
            if entry.region and entry.region not in names:
                where = model.scenario.path or "scenario"
                raise ScenarioError(
                    f"{where}: schedule region {entry.region!r} is not in this world; allowed: "
                    + ", ".join(names)
                )

    def step(self) -> None:
        """Switch levers and run the operations scheduled for this week."""
        model = self.model
        for entry in self.entries:
            if entry.week != model.week:
                continue
            if entry.levers:
                self.levers_set.update(entry.levers)
                old = model.params
                model.params = Parameters({**old.as_dict(), **entry.levers})
                for process in model.processes:
                    process.levers_changed(old)
            if entry.operation:
                self._operate(entry)

    def _targets(self, entry: ScheduleEntry) -> np.ndarray:
        """The groups an operation is aimed at."""
        ocgs = self.model.ocgs
        groups = np.flatnonzero(ocgs.alive[: ocgs.n])
        if entry.region:
            region = self.model.world.region_names.index(entry.region)
            groups = groups[ocgs.home_region[groups] == region]
        if entry.groups:
            groups = groups[np.argsort(-ocgs.size[groups], kind="stable")[: entry.groups]]
        return np.sort(groups)

    def _operate(self, entry: ScheduleEntry) -> None:
        model = self.model
        rng = self.rng
        pop = model.population
        ocgs = model.ocgs
        groups = self._targets(entry)
        members = ocgs.member_rows()
        members = members[np.isin(pop.ocg[members], groups)]
        if entry.operation == "remove_leaders":
            leaders = ocgs.leader[groups]
            people = leaders[leaders >= 0]
            for group in groups[leaders >= 0].tolist():
                ocgs.depose(pop, group)
            self._arrest(people[pop.status[people] == AT_LARGE])
        elif entry.operation == "arrest_members":
            at_large = members[pop.status[members] == AT_LARGE]
            self._arrest(at_large[rng.random(at_large.size) < entry.share])
        else:  # remove_members
            leaving = members[rng.random(members.size) < entry.share]
            lost = np.bincount(pop.ocg[leaving], minlength=ocgs.n)
            ocgs.remove_many(pop, leaving)
            for group in np.flatnonzero(lost).tolist():
                ocgs.release_roles(group, int(rng.binomial(lost[group], entry.role_loss)))
            self.count.scheduled_removals += int(leaving.size)

    def _arrest(self, people: np.ndarray) -> None:
        """Take ``people`` (at large) into custody in one batch."""
        if not people.size:
            return
        model = self.model
        pop = model.population
        recall = pop.licence_end[people] > model.week
        draws = CourtDraws(model, self.rng, people.size)
        model.justice.take_many_into_custody(people, recall, draws, np.arange(people.size))
        self.count.scheduled_arrests += int((pop.status[people] != AT_LARGE).sum())
