"""The illicit prison market: supply by OCGs, searches and finds, drug debt and phones.

Research trace: "There's a big business within the prison for organised crime [...] the supply
of mobile phones, of drugs, and of any illicit commodity within the prison" (HMPPS OC Unit).
Supply comes with the OCG members inside (through visits, drones and corrupt staff); searches
cut it, and searches guided by intelligence find more; non-members who buy fall into debt, which
makes them recruitable (``sim.prison_life``); phones let members inside direct operations and
recruitment outside (``sim.community``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.metrics import flow, stock
from sim.prison_life import isolated
from sim.process import Process

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["PHONE_SHARE_OF_FINDS", "Market"]

#: Share of finds that are phones (the rest drugs and other items).
PHONE_SHARE_OF_FINDS = 0.35


class Market(Process):
    """Supply, searches and finds, drug debt and phones in every prison.

    Attributes:
        volume: Illicit supply that got through in each prison this week (units).
    """

    name = "market"
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
            lambda p: int(p.model.population.debt[p.model.cache.prisoners].sum()),
        ),
        flow("searches", "searches", "Searches of cells and people."),
        flow("finds_phones", "finds", "Searches that found a phone."),
        flow("finds_drugs", "finds", "Searches that found drugs or other illicit items."),
    )

    def __init__(self, model: OCGModel):
        super().__init__(model)
        self.volume = np.zeros(model.world.n_prisons)

    def step(self) -> None:
        """Run the week's market in every prison."""
        model = self.model
        model.refresh_cache()  # this week's recruits are members from here on
        rng = self.rng
        pop = model.population
        m = model.params.market
        n_prisons = model.world.n_prisons
        members = model.cache.members_inside
        occupancy_now = model.places.occupancy
        occupancy = np.maximum(occupancy_now, 1).astype(float)
        inside = np.bincount(pop.prison[members], minlength=n_prisons).astype(float)
        supply = m.supply_per_member * inside

        fresh = model.params.disruption.intel_shelf_life_weeks
        known = (model.week - pop.prison_intel_week[members]) <= fresh
        known_share = np.bincount(
            pop.prison[members], weights=known, minlength=n_prisons
        ) / np.maximum(inside, 1)
        searches = rng.poisson(m.searches_per_1000 * occupancy_now / 1000.0)
        searches[model.faction_run] = 0
        hit = np.minimum(
            1.0, supply / occupancy * (1.0 + (m.targeted_search_gain - 1.0) * known_share)
        )
        finds = rng.binomial(searches, np.minimum(1.0, hit * m.search_find_probability))
        seized = np.minimum(finds, supply)
        volume = supply - seized
        self.volume = volume
        phones_found = rng.binomial(finds, PHONE_SHARE_OF_FINDS)
        self.count.searches += int(searches.sum())
        self.count.finds_phones += int(phones_found.sum())
        self.count.finds_drugs += int((finds - phones_found).sum())

        # drug debt among non-members inside
        prisoners = model.cache.prisoners
        non_members = prisoners[pop.ocg[prisoners] < 0]
        if non_members.size:
            per_100 = volume / occupancy * 100.0
            p_debt = np.minimum(1.0, m.debt_probability * per_100[pop.prison[non_members]])
            u = rng.random(non_members.size)
            in_debt = pop.debt[non_members]
            clear = in_debt & (u < m.debt_clear_hazard)
            new = ~in_debt & (u < p_debt)
            pop.debt[non_members[clear]] = False
            pop.debt[non_members[new]] = True

        # phones among members inside: fewer when supply is cut, none when communications are
        # restricted
        if members.size:
            reach = np.where(supply > 0, volume / np.maximum(supply, 1e-12), 0.0)
            has_phone = rng.random(members.size) < m.phone_share * reach[pop.prison[members]]
            if model.params.disruption.restrict_communications:
                has_phone &= ~known
            has_phone &= ~isolated(model, members)
            pop.phone[members] = has_phone
