"""The world builder: regions, prisons and wings.

England & Wales has ten regions, one per regional organised crime unit area, with 2021 census
populations; prisons of four categories are spread over the regions in proportion to population.
The Humberside case is the research's local site: one region with HMP Hull (local) and HMP Humber
(training).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import Parameters

__all__ = ["CATEGORIES", "HIGH_SECURITY", "LOCAL", "OPEN", "TRAINING", "World", "build_world"]

HIGH_SECURITY, LOCAL, TRAINING, OPEN = 0, 1, 2, 3
CATEGORIES = ("high_security", "local", "training", "open")

#: Regions of England & Wales and their populations (millions, 2021 census, approximate).
ENGLAND_WALES_REGIONS: tuple[tuple[str, float], ...] = (
    ("North East", 2.65),
    ("North West", 7.42),
    ("Yorkshire and the Humber", 5.48),
    ("East Midlands", 4.88),
    ("West Midlands", 5.95),
    ("East of England", 6.34),
    ("London", 8.80),
    ("South East", 9.28),
    ("South West", 5.70),
    ("Wales", 3.11),
)

#: Police officers by region (full-time equivalents at 31 March 2019): the officers of the forces
#: of each Home Office statistical region, summed (Home Office, *Police workforce, England and
#: Wales, 31 March 2019*, open data tables; 123,171 in the 43 forces). Police operations are shared
#: out in proportion (``World.police_share``). Humberside Police: 1,889.
POLICE_OFFICERS: dict[str, float] = {
    "North East": 5_398.0,
    "North West": 15_901.0,
    "Yorkshire and the Humber": 10_772.0,
    "East Midlands": 7_815.0,
    "West Midlands": 10_868.0,
    "East of England": 10_471.0,
    "London": 31_175.0,
    "South East": 14_909.0,
    "South West": 8_964.0,
    "Wales": 6_898.0,
    "Humberside": 1_889.0,
}

#: The Humberside case: one region (Humberside Police area, about 0.93 million people).
HUMBERSIDE_REGIONS: tuple[tuple[str, float], ...] = (("Humberside", 0.93),)
HUMBERSIDE_PRISONS: tuple[tuple[str, int, float], ...] = (
    ("HMP Hull", LOCAL, 0.5),
    ("HMP Humber", TRAINING, 0.5),
)


@dataclass
class World:
    """The fixed structure of the world (regions, prisons, wings), as arrays.

    Attributes:
        region_names: Name of each region.
        region_population: Population of each region (millions).
        region_police: Police officers of each region's forces (full-time equivalents).
        prison_names: Name of each prison.
        prison_region: Region of each prison.
        prison_category: Category of each prison (HIGH_SECURITY, LOCAL, TRAINING, OPEN).
        prison_capacity: Places in each prison.
        wing_prison: Prison of each wing.
        wing_capacity: Places in each wing.
        prison_wings: For each prison, the indices of its wings.
    """

    region_names: list[str]
    region_population: np.ndarray
    region_police: np.ndarray
    prison_names: list[str]
    prison_region: np.ndarray
    prison_category: np.ndarray
    prison_capacity: np.ndarray
    wing_prison: np.ndarray
    wing_capacity: np.ndarray
    prison_wings: list[np.ndarray]

    @property
    def n_regions(self) -> int:
        """Number of regions."""
        return len(self.region_names)

    @property
    def n_prisons(self) -> int:
        """Number of prisons."""
        return len(self.prison_names)

    @property
    def n_wings(self) -> int:
        """Number of wings."""
        return len(self.wing_prison)

    @property
    def region_share(self) -> np.ndarray:
        """Each region's share of the population."""
        return self.region_population / self.region_population.sum()

    @property
    def police_share(self) -> np.ndarray:
        """Each region's share of the police officers (its share of police operations)."""
        return self.region_police / self.region_police.sum()


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights, summing exactly to total."""
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    short = total - out.sum()
    if short > 0:
        out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def build_world(params: Parameters, rng: np.random.Generator) -> World:
    """Build regions, prisons and wings from the parameters.

    Args:
        params: The resolved parameters (``estate.*``, ``run.world``, ``run.scale``).
        rng: The generator for the layout (prison sizes and regions).

    Returns:
        The world.
    """
    est = params.estate
    scale = params.run.scale
    capacity = max(2, int(round(est.capacity * scale)))
    if params.run.world == "humberside":
        regions = HUMBERSIDE_REGIONS
        names = [n for n, _, _ in HUMBERSIDE_PRISONS]
        cats = np.array([c for _, c, _ in HUMBERSIDE_PRISONS], dtype=np.int8)
        caps = _largest_remainder(capacity, np.array([s for _, _, s in HUMBERSIDE_PRISONS]))
        prison_region = np.zeros(len(names), dtype=np.int16)
    else:
        regions = ENGLAND_WALES_REGIONS
        # at least one prison per region: police act only on intelligence from their own
        # region's prisons, so a region without one would lose its local route at small scales
        n_prisons = max(len(regions), 4, int(round(est.prisons * scale)))
        n_prisons = min(n_prisons, capacity)
        share_training = max(0.0, 1.0 - est.share_high_security - est.share_local - est.share_open)
        shares = np.array(
            [est.share_high_security, est.share_local, share_training, est.share_open]
        )
        if shares.sum() <= 0:
            shares = np.array([0.0, 1.0, 0.0, 0.0])
        shares = shares / shares.sum()
        per_cat = _largest_remainder(n_prisons, shares)
        # every category with a capacity share gets at least one prison where possible
        for c in np.flatnonzero((shares > 0) & (per_cat == 0)):
            donor = int(np.argmax(per_cat))
            if per_cat[donor] > 1:
                per_cat[donor] -= 1
                per_cat[c] += 1
        cap_per_cat = _largest_remainder(capacity, shares)
        cats_list, caps_list = [], []
        for c in range(4):
            if per_cat[c] == 0:
                continue
            weights = rng.lognormal(0.0, 0.35, size=per_cat[c])
            caps_list.append(_largest_remainder(int(cap_per_cat[c]), weights))
            cats_list.append(np.full(per_cat[c], c, dtype=np.int8))
        cats = np.concatenate(cats_list)
        caps = np.concatenate(caps_list)
        pops = np.array([p for _, p in regions])
        # regions in proportion to population, assigned to prisons in a random order
        # one prison in each region (where there are enough), the rest by population
        base = np.ones(len(regions), dtype=np.int64) if len(cats) >= len(regions) else 0
        per_region = base + _largest_remainder(len(cats) - int(np.sum(base)), pops)
        prison_region = np.repeat(np.arange(len(regions), dtype=np.int16), per_region)
        prison_region = rng.permutation(prison_region)
        label = [c.replace("_", " ").title() for c in CATEGORIES]
        names = [
            f"{regions[r][0]} {label[c]} {i + 1}"
            for i, (r, c) in enumerate(zip(prison_region, cats, strict=True))
        ]
    keep = caps > 0
    names = [n for n, k in zip(names, keep, strict=True) if k]
    cats, caps, prison_region = cats[keep], caps[keep], prison_region[keep]
    wing_prison, wing_capacity, prison_wings = [], [], []
    for p, cap in enumerate(caps):
        n_w = max(1, int(np.ceil(cap / est.wing_size)))
        first = len(wing_prison)
        wing_capacity.extend(_largest_remainder(int(cap), np.ones(n_w)))
        wing_prison.extend([p] * n_w)
        prison_wings.append(np.arange(first, first + n_w))
    return World(
        region_names=[n for n, _ in regions],
        region_population=np.array([p for _, p in regions], dtype=float),
        region_police=np.array([POLICE_OFFICERS[n] for n, _ in regions], dtype=float),
        prison_names=names,
        prison_region=prison_region.astype(np.int16),
        prison_category=cats.astype(np.int8),
        prison_capacity=caps.astype(np.int64),
        wing_prison=np.array(wing_prison, dtype=np.int32),
        wing_capacity=np.array(wing_capacity, dtype=np.int64),
        prison_wings=prison_wings,
    )
