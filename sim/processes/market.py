"""The illicit prison market: supply by OCGs, searches and finds, drug debt and phones.

Research trace: "There's a big business within the prison for organised crime [...] the supply
of mobile phones, of drugs, and of any illicit commodity within the prison" (HMPPS OC Unit).
Supply comes with the OCG members inside (through visits, drones and corrupt staff); searches cut
it, and searches guided by intelligence find more; non-members who buy fall into debt, which makes
them recruitable (``sim.processes.prison_life``); phones let members inside direct operations and
recruitment outside (``sim.processes.community``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.fast.arrays import chosen_among
from sim.fast.kernels import compiled
from sim.metrics import flow, stock
from sim.process import Process
from sim.processes.custody import isolated

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = ["Market"]


class Market(Process):
    """Supply, searches and finds, drug debt and phones in every prison.

    Attributes:
        volume: Illicit supply that got through in each prison this week (units).
        debtors: Prisoners with a drug debt (a release clears it), in no particular order.
    """

    name = "market"
    READS = ()
    METRICS = (
        stock(
            "market_volume",
            "units",
            "Illicit supply that got through in all prisons this week.",
            lambda p: float(p.volume.sum()),
        ),
        stock(
            "prisoners_in_debt",
            "people",
            "Prisoners with a drug debt at the end of the week.",
            lambda p: int(p.debtors.size),
        ),
        flow("searches", "searches", "Searches of cells and people."),
        flow("finds_phones", "finds", "Searches that found a phone."),
        flow("finds_drugs", "finds", "Searches that found drugs or other illicit items."),
        flow(
            "debt_violence",
            "assaults",
            "Debt-linked assaults in prison (drug debts enforced by violence).",
        ),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.volume = np.zeros(model.world.n_prisons)
        self.debtors = np.zeros(0, dtype=np.int64)

    def step(self) -> None:
        """Run the week's market in every prison."""
        model = self.model
        rng = self.rng
        pop = model.population
        m = model.params.market
        n_prisons = model.world.n_prisons
        members = model.week_index.members_inside
        occupancy_now = model.places.occupancy
        occupancy = np.maximum(occupancy_now, 1).astype(float)
        fresh = model.params.disruption.intel_shelf_life_weeks
        # (nobody moves in the market)
        where, known = _prison_and_intel(
            members, pop.prison, pop.prison_intel_week, model.week, fresh
        )
        members_by_prison = np.bincount(where, minlength=n_prisons)
        inside = members_by_prison.astype(float)
        supply = m.supply_per_member * inside

        known_share = np.bincount(where, weights=known, minlength=n_prisons) / np.maximum(inside, 1)
        searches = rng.poisson(m.searches_per_1000 * occupancy_now / 1000.0)
        searches[model.faction_run] = 0
        hit = np.minimum(
            1.0, supply / occupancy * (1.0 + (m.targeted_search_gain - 1.0) * known_share)
        )
        finds = rng.binomial(searches, np.minimum(1.0, hit * m.search_find_probability))
        seized = np.minimum(finds, supply)
        volume = supply - seized
        self.volume = volume
        phones_found = rng.binomial(finds, m.phone_share_of_finds)
        self.count.searches += int(searches.sum())
        self.count.finds_phones += int(phones_found.sum())
        self.count.finds_drugs += int((finds - phones_found).sum())

        self._debt(volume / occupancy * 100.0, members_by_prison)

        # phones among members inside: fewer when supply is cut, none when communications are
        # restricted
        if members.size:
            reach = np.where(supply > 0, volume / np.maximum(supply, 1e-12), 0.0)
            has_phone = rng.random(members.size) < m.phone_share * reach[where]
            if model.params.disruption.restrict_communications:
                has_phone &= ~known
            has_phone &= pop.phone_banned_until[members] <= model.week  # taken in a search
            has_phone &= ~isolated(model, members)
            pop.phone[members] = has_phone

    def _debt(self, per_100: np.ndarray, members: np.ndarray) -> None:
        """Non-members inside fall into drug debt, or clear it, this week.

        Each non-member out of debt falls into it with a chance that rises with the supply that
        got through in their prison (``per_100``: units per 100 prisoners); each prisoner in debt
        (a recruit too) clears it with ``market.debt_clear_hazard``. Drawn as counts per prison,
        then who; the new debtors are drawn uniformly from the prison's prisoners, passing over
        members and those already in debt.

        Args:
            per_100: Supply that got through in each prison, per 100 prisoners.
            members: OCG members in each prison.
        """
        model = self.model
        rng = self.rng
        pop = model.population
        m = model.params.market
        places = model.places
        # a release clears a debt; a recruit keeps a debt until it clears
        debtors, in_debt = _debts_held(
            self.debtors, pop.debt, pop.ocg, pop.prison, model.world.n_prisons
        )
        cleared = chosen_among(rng, debtors.size, m.debt_clear_hazard)  # positions in ``debtors``
        eligible = places.occupancy - members - in_debt
        p_debt = np.minimum(1.0, m.debt_probability * per_100)
        new = rng.binomial(np.maximum(eligible, 0), p_debt)
        fallen = self._draw_eligible(new) if new.sum() else np.zeros(0, dtype=np.int64)
        pop.debt[debtors[cleared]] = False
        pop.debt[fallen] = True
        self.debtors = np.concatenate([np.delete(debtors, cleared), fallen])
        # "Debt is a key driver of violence" (HMPPS Annual Report 2017-18)
        self.count.debt_violence += int(rng.poisson(m.debt_violence_rate * self.debtors.size))

    def _draw_eligible(self, wanted: np.ndarray) -> np.ndarray:
        """``wanted[p]`` distinct non-members out of debt from each prison ``p``, at random."""
        model = self.model
        rng = self.rng
        pop = model.population
        occupancy = model.places.occupancy
        start = np.concatenate(([0], np.cumsum(occupancy)[:-1]))
        taken = np.zeros(pop.debt.size, dtype=np.bool_)  # one mark per row, as ``pop.debt``
        out: list[np.ndarray] = []
        need = wanted.astype(np.int64)  # a copy: counted down as prisoners are drawn
        while need.sum():
            prisons = np.repeat(np.arange(need.size), np.where(need > 0, 2 * need + 2, 0))
            u = rng.random(prisons.size)
            # (the prisoners are listed wing by wing, so prison by prison)
            picks = model.places.prisoners_at(
                start[prisons] + (u * occupancy[prisons]).astype(np.int64)
            )
            out.append(_take_eligible(picks, prisons, need, pop.ocg, pop.debt, taken))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


@compiled
def _prison_and_intel(members, prison, intel_week, week, fresh):
    """Each member's prison, and whether the prison's intelligence on them is fresh.

    Fresh means at most ``fresh`` weeks old in week ``week``.
    """
    where = np.empty(members.size, dtype=prison.dtype)
    known = np.empty(members.size, dtype=np.bool_)
    for i in range(members.size):
        person = members[i]
        where[i] = prison[person]
        known[i] = week - intel_week[person] <= fresh
    return where, known


@compiled
def _debts_held(debtors, debt, ocg, prison, n_prisons):
    """Of last week's debtors, those still in debt, and how many in no OCG each prison holds.

    Returns:
        Those still in debt (in the order given) and, per prison, the number of them in no
        OCG (everyone in debt is inside: a release clears a debt).
    """
    held = np.empty(debtors.size, dtype=np.int64)
    owing = np.zeros(n_prisons, dtype=np.int64)
    n = 0
    for person in debtors:
        if debt[person]:
            held[n] = person
            n += 1
            if ocg[person] < 0:
                where = prison[person]
                if where < 0 or where >= n_prisons:
                    raise ValueError("Market: a prisoner in debt is in no prison of the estate")
                owing[where] += 1
    return held[:n].copy(), owing


@compiled
def _take_eligible(picks, prisons, need, ocg, debt, taken):
    """One round of the draw of new debtors: of each prison's picks, the first ones wanted.

    Of ``picks`` (drawn in ``prisons``, prison by prison), the first ``need[p]`` distinct ones of
    each prison ``p`` in no OCG, out of debt and not taken before, in draw order. Counts ``need``
    down and marks those taken in ``taken`` (one mark per population row).
    """
    out = np.empty(picks.size, dtype=np.int64)
    passed = np.empty(picks.size, dtype=np.int64)  # seen this round, not taken: unmarked after
    n = 0
    n_passed = 0
    for i in range(picks.size):
        person = picks[i]
        if ocg[person] >= 0 or debt[person] or taken[person]:
            continue
        taken[person] = True  # (drawn twice: counted once)
        if need[prisons[i]] > 0:
            need[prisons[i]] -= 1
            out[n] = person
            n += 1
        else:
            passed[n_passed] = person
            n_passed += 1
    for j in range(n_passed):
        taken[passed[j]] = False
    return out[:n]
