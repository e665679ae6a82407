"""Justice: releases, arrests, sentencing, allocation to prisons, recall and progression.

Research trace: prisons receive OCG members and unaffiliated offenders alike; where they are held
decides whom they meet (design brief, step 1). Sentence lengths, remand and served fractions follow
published England & Wales figures (``docs/calibration.md``).

Arrests are drawn per region as a count (Binomial) and the arrested are drawn from the region's
roster, so the cost is proportional to arrests, not to the offenders at large. OCG members and
members known to the police get their own hazard by thinning or adding to the uniform draw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast import passes
from sim.fast.arrays import chosen, chosen_among, unique
from sim.metrics import derived, flow, stock
from sim.process import Process
from sim.processes.custody import (
    MAX_SENTENCE_WEEKS,
    CourtDraws,
    ReleaseCalendar,
    custody_weeks,
    preference_lists,
    sentence_mu,
    sentence_weeks,
)
from sim.state.places import Preferences
from sim.state.population import AT_LARGE, HIGH, REMAND, SENTENCED
from sim.state.world import HIGH_SECURITY, LOCAL, OPEN, TRAINING

if TYPE_CHECKING:
    import pandas as pd

    from sim.model.core import OCGModel

__all__ = ["Justice"]


def _max_occupancy(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    return float((df["prison_population"] / df["capacity"]).max())


def _proven_reoffending(win: pd.DataFrame, df: pd.DataFrame, model: OCGModel) -> float:
    """Releases in the window with a full year of follow-up: share reconvicted within a year."""
    justice = model.justice
    start = int(win["week"].iloc[0])
    end = model.week - 52
    if end < start:
        return float("nan")
    rel = justice.releases_by_week[start : end + 1].sum()
    reo = justice.reoffended_by_week[start : end + 1].sum()
    return float(reo / rel) if rel else float("nan")


class Justice(Process):
    """Releases, arrests, sentencing, allocation to prisons, recall and progression.

    Attributes:
        release_calendar: For each week, offenders whose custody (remand or term) ends then.
        preferences: Prisons to try for an admission, by home region and category.
        strict_preferences: The same, only prisons of the category (progression transfers).
        releases_by_week: Releases in each week.
        reoffended_by_week: Of each week's releases, how many offended again within a year.
        on_licence: Offenders who may be at large on licence (last week's licensees and this
            week's releases with a licence): the candidates that :meth:`licensees` checks.

    Reads: ``model.sharing`` (police share back what they know of an arriving member).
    """

    name = "justice"
    READS = ("sharing.share_back_on_arrival",)
    METRICS = (
        stock(
            "prison_population",
            "people",
            "Prisoners (remand and sentenced) at the end of the week.",
            lambda p: int(p.model.places.occupancy.sum()),
            label="prison population (mean)",
        ),
        stock(
            "remand_population",
            "people",
            "Prisoners on remand at the end of the week.",
            lambda p: p.model.places.remand,
        ),
        stock(
            "capacity",
            "places",
            "Prison places (operational capacity after overcrowding).",
            lambda p: int(p.model.places.capacity.sum()),
            summarise=False,
        ),
        stock(
            "offenders_at_large",
            "people",
            "Active offenders at large at the end of the week.",
            lambda p: int(p.model.places.at_large.count.sum()),
        ),
        flow(
            "receptions",
            "people",
            "First receptions into custody (remand or sentence; recalls not included).",
            label="first receptions per year",
        ),
        flow("recalls", "people", "Recalls to custody of people on licence."),
        flow("releases", "people", "Releases from custody (end of term or of remand)."),
        flow(
            "diverted",
            "people",
            "Custodial decisions with no free place in the estate (served in the community).",
        ),
        flow("offences", "offences", "Proven offences by offenders at large."),
        flow(
            "arrests_intel",
            "people",
            "Arrests of OCG members at large added on top of the base offence hazard: by police "
            "intelligence (arrest pressure) and, if it is above 1, the OCG offence multiplier.",
        ),
        flow("progressions", "people", "Progression transfers (local to training, to open)."),
        flow(
            "conviction_exits",
            "people",
            "OCG members whose custodial sentence ended their membership.",
        ),
        derived(
            "max_occupancy_rate",
            "1",
            "Highest weekly prisoners / places over the whole run.",
            _max_occupancy,
            extensive=False,
            label="highest occupancy / capacity",
            fmt="{:.3f}",
        ),
        derived(
            "remand_share",
            "1",
            "Remand prisoners / prisoners (window means).",
            lambda win, df, m: float(
                win["remand_population"].mean() / win["prison_population"].mean()
            ),
            extensive=False,
        ),
        derived(
            "proven_reoffending",
            "1",
            "Share of the window's releases proven to offend again within a year.",
            _proven_reoffending,
            extensive=False,
            label="proven reoffending within a year",
            fmt="{:.3f}",
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.release_calendar = ReleaseCalendar(model.population, model.weeks_total + 64)
        w = model.world
        self.preferences = Preferences(preference_lists(w), w.n_regions)
        self.strict_preferences = Preferences(preference_lists(w, strict=True), w.n_regions)
        self.releases_by_week = np.zeros(model.weeks_total + 2, dtype=np.int64)
        self.reoffended_by_week = np.zeros(model.weeks_total + 2, dtype=np.int64)
        self.on_licence = np.zeros(0, dtype=np.int64)

    def step(self) -> None:
        """Run the week's justice process: releases, arrests, recalls, progression."""
        week = self.model.week
        if week >= len(self.releases_by_week):  # run() past run.years
            grow = np.zeros(len(self.releases_by_week), dtype=np.int64)
            self.releases_by_week = np.concatenate([self.releases_by_week, grow])
            self.reoffended_by_week = np.concatenate([self.reoffended_by_week, grow])
        self._releases()
        self._offences()
        self._technical_recalls()
        self._progression()

    # -----------------------------------------------------------------------------------------
    # sentencing and allocation
    # -----------------------------------------------------------------------------------------
    def take_many_into_custody(
        self, people: np.ndarray, recall: np.ndarray, draws: CourtDraws, ks: np.ndarray
    ) -> None:
        """Take several offenders at large into custody, in the order given.

        Remand or sentence, time held, and a place in a prison of the right category (a court
        decision with no free place in the estate is served in the community: ``diverted``).
        Person ``i`` uses entry ``ks[i]`` of ``draws``. Only the choice of prison and wing is
        sequential (each admission uses up a place, in a compiled kernel); the decisions and the
        bookkeeping are array operations. This is the justice step's hot path.

        Args:
            people: Offenders at large, each once.
            recall: Per person, whether this is a recall on licence.
            draws: Sentencing draws.
            ks: Per person, which entry of ``draws`` to use.
        """
        n = people.size
        if not n:
            return
        model = self.model
        pop = model.population
        week = model.week
        remand = draws.remand[ks] & ~recall
        sentence = np.where(recall | remand, 0, draws.sentence[ks]).astype(np.int64)
        recall_hold = np.minimum(
            np.maximum(2, pop.licence_end[people] - week), model.params.justice.recall_max_weeks
        )
        served = custody_weeks(model.params.justice, sentence)
        hold = np.where(
            recall, recall_hold, np.where(remand, draws.remand_hold[ks], served)
        ).astype(np.int64)
        high = ~remand & (
            (sentence >= model.params.justice.high_security_sentence_weeks)
            | (pop.prison_grade[people] == HIGH)
            | (pop.police_grade[people] == HIGH)
        )
        category = np.where(high, HIGH_SECURITY, LOCAL)
        status = np.where(remand, REMAND, SENTENCED)

        placed = model.places.admit_many(people, category, status, self.preferences)
        count = self.count
        count.diverted += int(n - placed.sum())
        p = people[placed]
        if not p.size:
            return
        pop.sentence_weeks[p] = sentence[placed]
        pop.licence_end[p[~recall[placed]]] = -1
        self.release_calendar.add(p, week + hold[placed])
        n_recalls = int(recall[placed].sum())
        count.recalls += n_recalls
        count.receptions += int(p.size) - n_recalls
        direct = sentence[placed] > 0  # sentenced at court (not remanded, not recalled)
        self._conviction_exits(p[direct], draws.exit[ks[placed]][direct])
        model.sharing.share_back_on_arrival(p, draws.share_back[ks[placed]])

    def _conviction_exits(self, sentenced: np.ndarray, u: np.ndarray) -> None:
        """Some OCG members among the newly sentenced leave their group for good.

        Args:
            sentenced: The newly sentenced.
            u: A uniform draw for each, from the stream of whoever brought them to court (so a
                police lever leaves the justice process's draws alone).
        """
        model = self.model
        pop = model.population
        p = model.params.justice.conviction_exit_probability
        leaving = sentenced[(pop.ocg[sentenced] >= 0) & (u < p)]
        model.ocgs.remove_many(pop, leaving)
        self.count.conviction_exits += int(leaving.size)

    def place_initial_prisoners(self, prisoners: np.ndarray, rng: np.random.Generator) -> None:
        """Place the initial prison population, with remaining times from the stationary state.

        A prisoner seen at a random moment is length-biased: their sentence is drawn from the
        length-biased log-normal (mu + sigma^2) and the time left is uniform over the time served.
        """
        model = self.model
        j = model.params.justice
        pop = model.population
        n = len(prisoners)
        sigma = j.sentence_sigma
        mu = sentence_mu(j)
        on_remand = rng.random(n) < model.params.estate.initial_remand_share
        sentence = np.clip(
            np.round(rng.lognormal(mu + sigma**2, sigma, size=n)), 1, MAX_SENTENCE_WEEKS
        ).astype(np.int64)
        served_total = custody_weeks(j, sentence)
        left = 1 + (rng.random(n) * served_total).astype(np.int64)
        remand_left = 1 + rng.geometric(1.0 / j.remand_weeks, size=n)
        # sentenced prisoners: long or high-risk ones in high security, the rest 30% local
        draws = np.zeros(n)
        draws[~on_remand] = rng.random(int((~on_remand).sum()))
        long = (sentence >= j.high_security_sentence_weeks) | pop.high_risk[prisoners]
        local = draws < model.params.estate.initial_local_share
        category = np.where(
            on_remand, LOCAL, np.where(long, HIGH_SECURITY, np.where(local, LOCAL, TRAINING))
        )
        status = np.where(on_remand, REMAND, SENTENCED)
        hold = np.where(on_remand, remand_left, left)
        # the estate fills in this order; the first prisoner with no place ends the filling
        placed = model.places.admit_many(
            prisoners, category, status, self.preferences, stop_when_full=True
        )
        pop.sentence_weeks[prisoners[placed]] = np.where(on_remand, 0, sentence)[placed]
        self.release_calendar.add(prisoners[placed], model.week + hold[placed])

    # -----------------------------------------------------------------------------------------
    # the weekly flows
    # -----------------------------------------------------------------------------------------
    def _releases(self) -> None:
        """Ends of remand (release or sentence) and releases at the end of the custodial term."""
        model = self.model
        rng = self.rng
        pop = model.population
        j = model.params.justice
        week = model.week
        due = self.release_calendar.take(week)
        if not due.size:
            return
        due = due[(pop.release_week[due] == week) & (pop.status[due] != AT_LARGE)]
        # remand ends: convicted (sentence starts now, same prison) or released
        remand = np.flatnonzero(pop.status[due] == REMAND)  # positions in ``due``
        stays = remand[rng.random(remand.size) >= j.remand_release_probability]
        convicted = due[stays]
        if convicted.size:
            sentence = sentence_weeks(model, rng, convicted.size)
            model.places.convict(convicted)
            pop.sentence_weeks[convicted] = sentence
            self.release_calendar.add(convicted, week + custody_weeks(j, sentence))
            self._conviction_exits(convicted, rng.random(convicted.size))
        leaving = np.delete(due, stays)
        if not leaving.size:
            return
        sentence = pop.sentence_weeks[leaving].astype(np.int64)
        sentenced = (pop.status[leaving] == SENTENCED) & (sentence > 0)
        model.places.discharge_many(leaving)
        self.count.releases += int(leaving.size)
        served = custody_weeks(j, sentence)
        licence_end = np.where(
            sentenced, week + np.maximum(1, sentence - served), pop.licence_end[leaving]
        )
        licence_end = np.where(licence_end > week, licence_end, -1)
        pop.licence_end[leaving] = licence_end
        self.on_licence = np.concatenate([self.on_licence, leaving[licence_end > week]])
        fresh = model.params.disruption.intel_shelf_life_weeks
        known = (week - pop.police_intel_week[leaving]) <= fresh
        pop.licence_intel[leaving] = np.where(
            sentenced, known & (pop.ocg[leaving] >= 0), pop.licence_intel[leaving]
        )
        pop.last_release[leaving] = week
        pop.reoffended[leaving] = False
        self.releases_by_week[week] += leaving.size

    def _offences(self) -> None:
        """Proven offences by offenders at large; each may lead to custody or recall."""
        model = self.model
        rng = self.rng
        pop = model.population
        j = model.params.justice
        h = j.offence_hazard
        at_large = model.places.at_large
        counts = at_large.count
        caught: list[np.ndarray] = []
        for region in range(model.world.n_regions):
            k = int(rng.binomial(counts[region], h))
            if k:
                picks = rng.choice(counts[region], size=k, replace=False)
                caught.append(at_large.members[region, np.sort(picks)])
        base = unique(np.concatenate(caught)) if caught else np.zeros(0, dtype=np.int64)

        # members at large: their own hazard, by thinning or adding to the uniform draw
        d = model.params.disruption
        members, known, hazard = passes.own_hazards(
            model.ocgs.member_rows(),
            pop.status,
            pop.police_intel_week,
            model.week,
            d.intel_shelf_life_weeks,
            h,
            h * j.ocg_offence_multiplier,
            d.arrest_multiplier,
            AT_LARGE,
        )
        if members.size:
            u = rng.random(members.size)
            dropped, added, intel = passes.thin_or_add(
                members, known, hazard, u, base, h, max(h, 1e-12), max(1.0 - h, 1e-12)
            )
            self.count.arrests_intel += intel
            if dropped.size:
                base = base[~np.isin(base, dropped)]
            base = unique(np.concatenate([base, added]))
        arrested = base[pop.status[base] == AT_LARGE] if base.size else base
        if not arrested.size:
            return
        arrested = arrested[rng.permutation(len(arrested))]
        self.count.offences += int(arrested.size)
        since = model.week - pop.last_release[arrested]
        first = (since >= 0) & (since <= 52) & ~pop.reoffended[arrested]
        pop.reoffended[arrested[first]] = True
        np.add.at(self.reoffended_by_week, pop.last_release[arrested[first]], 1)
        on_licence = pop.licence_end[arrested] > model.week
        to_custody = on_licence | (rng.random(arrested.size) < j.custody_probability)
        draws = CourtDraws(model, rng, arrested.size)
        ks = np.flatnonzero(to_custody)
        self.take_many_into_custody(arrested[ks], on_licence[ks], draws, ks)

    def _technical_recalls(self) -> None:
        """Recall of people on licence without a new offence.

        Intelligence-led licence conditions multiply the recall hazard
        (``justice.intel_recall_multiplier``).
        """
        model = self.model
        rng = self.rng
        pop = model.population
        hazard = model.params.justice.recall_hazard
        if hazard <= 0:
            return
        on_licence = self.licensees()
        if not on_licence.size:
            return
        intel = pop.licence_intel[on_licence]
        recalled = np.concatenate(
            [
                chosen(rng, on_licence[~intel], hazard),
                chosen(
                    rng, on_licence[intel], hazard * model.params.justice.intel_recall_multiplier
                ),
            ]
        )
        recalled.sort()
        draws = CourtDraws(model, rng, recalled.size)
        ks = np.arange(recalled.size)
        self.take_many_into_custody(recalled, np.ones(recalled.size, dtype=bool), draws, ks)

    def licensees(self) -> np.ndarray:
        """Offenders at large on licence, in row order.

        A licence starts only at a release, so the candidates are last week's licensees and
        this week's releases with a licence; the list is pruned to this week's licensees.
        """
        pop = self.model.population
        self.on_licence = passes.live_licensees(
            self.on_licence, pop.status, pop.licence_end, self.model.week, AT_LARGE
        )
        return self.on_licence

    def _progression(self) -> None:
        """Progression transfers: local to training, training to open (low risk, near release)."""
        model = self.model
        rng = self.rng
        pop = model.population
        j = model.params.justice
        if j.progression_hazard <= 0:
            return
        # the hazard first: the eligibility look-ups touch only the few drawn
        places = model.places
        drawn = places.prisoners_at(
            chosen_among(rng, int(places.occupancy.sum()), j.progression_hazard)
        )
        cats = model.world.prison_category[pop.prison[drawn]]
        left = pop.release_week[drawn] - model.week
        sentenced = pop.status[drawn] == SENTENCED
        to_training = sentenced & (cats == LOCAL) & (left > j.open_max_remaining_weeks)
        to_open = (
            sentenced
            & (cats == TRAINING)
            & (left <= j.open_max_remaining_weeks)
            & (pop.prison_grade[drawn] != HIGH)
            & (pop.police_grade[drawn] != HIGH)
        )
        moving = drawn[to_training | to_open]
        if moving.size:
            here = model.world.prison_category[pop.prison[moving]]
            target = np.where(here == LOCAL, TRAINING, OPEN)
            moved = model.places.transfer_many(moving, target, self.strict_preferences)
            self.count.progressions += int(moved.sum())
