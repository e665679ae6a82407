"""Metrics: the week's event counts, the DataCollector's reporters, run summaries, invariants."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import AT_LARGE, GONE, HIGH, LEADER, REMAND

if TYPE_CHECKING:
    from sim.model import OCGModel

__all__ = ["WeekCache", "WeekCounts", "check_invariants", "reporters", "summarise"]


class WeekCounts:
    """Counts of the events of one week (reset at the start of every step)."""

    SCALARS = (
        "receptions",
        "recalls",
        "releases",
        "diverted",
        "offences",
        "arrests_intel",
        "progressions",
        "contacts",
        "recruits_prison",
        "recruits_community",
        "recruits_via_ties",
        "cross_region_recruits",
        "skills_passed",
        "new_ventures",
        "market_entries",
        "searches",
        "finds_phones",
        "finds_drugs",
        "items_created",
        "items_shared_any",
        "items_usable",
        "items_acted",
        "deliveries_ignored",
        "delay_sum",
        "shared_back",
        "separations",
        "transfers",
        "transfers_seeded",
        "police_arrests",
        "leader_removals",
        "meetings",
        "member_exits",
        "desisted",
        "entrants",
        "leader_replacements",
        "splits",
        "dissolutions",
        "formations",
    )

    def __init__(self, n_prisons: int = 0):
        self.n_prisons = n_prisons
        self.reset()

    def reset(self) -> None:
        """Zero every count."""
        for name in self.SCALARS:
            setattr(self, name, 0)
        self.items_shared = [0, 0, 0]
        self.acted = np.zeros((self.n_prisons, 3))
        self.ignored = np.zeros((self.n_prisons, 3))
        self.recruiters = np.zeros(0, dtype=np.int64)


class WeekCache:
    """Index arrays computed once a week, after the justice process, for the later processes.

    Attributes:
        members: Every OCG member.
        members_inside: Members in prison.
        prisoners: Everyone in prison (wing by wing).
    """

    def __init__(self, model: OCGModel):
        pop = model.population
        self.members = np.flatnonzero(pop.ocg[: pop.n] >= 0)
        self.members_inside = self.members[pop.status[self.members] != AT_LARGE]
        self.prisoners = model.prisoners()


def _trust(tier: int):
    return lambda m: float(m.trust[:, tier].mean()) if m.trust.size else 0.0


def _members_in_prison(m: OCGModel) -> int:
    return int(m.cache.members_inside.size)


def _graded_correctly(m: OCGModel) -> float:
    """Share of truly high-risk members whom the police grade as high risk."""
    pop = m.population
    members = m.cache.members
    high = members[pop.high_risk[members]]
    return float((pop.police_grade[high] == HIGH).mean()) if high.size else 0.0


def _presence(m: OCGModel) -> int:
    return int(np.unique(m.population.prison[m.cache.members_inside]).size)


def _cross_region_ventures(m: OCGModel) -> int:
    home = m.ocgs.home_region
    return sum(1 for a, b in m.ocgs.ventures if home[a] != home[b])


def _ocgs_multi_region(m: OCGModel) -> int:
    pop = m.population
    members = m.cache.members
    if not members.size:
        return 0
    present = np.zeros((len(m.ocgs.alive), m.world.n_regions), dtype=bool)
    present[pop.ocg[members], pop.region[members]] = True
    return int((present.sum(axis=1) > 1).sum())


def reporters() -> dict:
    """Model reporters for Mesa's DataCollector: metric name -> function of the model."""
    c = lambda name: lambda m: getattr(m.counts, name)  # noqa: E731
    return {
        "prison_population": lambda m: int(m.prison_occupancy.sum()),
        "remand_population": lambda m: int(
            (m.population.status[m.cache.prisoners] == REMAND).sum()
        ),
        "capacity": lambda m: int(m.prison_capacity.sum()),
        "offenders_at_large": lambda m: int(m.at_large.count.sum()),
        "receptions": c("receptions"),
        "recalls": c("recalls"),
        "releases": c("releases"),
        "diverted": c("diverted"),
        "ocg_members": lambda m: int(m.cache.members.size),
        "ocg_members_in_prison": _members_in_prison,
        "ocg_members_at_large": lambda m: int(m.cache.members.size - m.cache.members_inside.size),
        "prisoners_ocg_share": lambda m: _members_in_prison(m) / max(1, m.prison_occupancy.sum()),
        "recruits_prison": c("recruits_prison"),
        "recruits_community": c("recruits_community"),
        "recruits_via_ties": c("recruits_via_ties"),
        "cross_region_recruits": c("cross_region_recruits"),
        "prisons_with_ocg_presence": _presence,
        "active_ocgs": lambda m: int(m.ocgs.alive[: m.ocgs.n].sum()),
        "joint_ventures": lambda m: len(m.ocgs.ventures),
        "cross_region_ventures": _cross_region_ventures,
        "new_joint_ventures": c("new_ventures"),
        "market_entries": c("market_entries"),
        "ocgs_multi_region": _ocgs_multi_region,
        "market_volume": lambda m: float(m.market_volume.sum()),
        "finds_phones": c("finds_phones"),
        "finds_drugs": c("finds_drugs"),
        "prisoners_in_debt": lambda m: int(m.population.debt[m.cache.prisoners].sum()),
        "items_created": c("items_created"),
        "items_shared_local": lambda m: m.counts.items_shared[0],
        "items_shared_regional": lambda m: m.counts.items_shared[1],
        "items_shared_national": lambda m: m.counts.items_shared[2],
        "items_shared": c("items_shared_any"),
        "items_acted": c("items_acted"),
        "deliveries_ignored": c("deliveries_ignored"),
        "delay_sum": c("delay_sum"),
        "shared_back": c("shared_back"),
        "trust_local": _trust(0),
        "trust_regional": _trust(1),
        "trust_national": _trust(2),
        "separations": c("separations"),
        "transfers": c("transfers"),
        "transfers_seeded": c("transfers_seeded"),
        "prisons_seeded": lambda m: len(m.seeded_prisons),
        "police_arrests": c("police_arrests"),
        "leader_removals": c("leader_removals"),
        "arrests_intel": c("arrests_intel"),
        "high_risk_correctly_graded": _graded_correctly,
        "leaders_in_prison": lambda m: int(
            (
                m.population.status[m.ocgs.leader[: m.ocgs.n][m.ocgs.leader[: m.ocgs.n] >= 0]]
                != AT_LARGE
            ).sum()
        ),
        "meetings": c("meetings"),
        "pios": lambda m: float(m.pio_count.sum()),
        "cost": lambda m: float(m.cost_week),
        "desisted": c("desisted"),
        "entrants": c("entrants"),
        "splits": c("splits"),
        "dissolutions": c("dissolutions"),
        "formations": c("formations"),
    }


def summarise(model: OCGModel) -> dict[str, float]:
    """Run summary over the window from the intervention week (at least week 1) to the end."""
    df = model.timeseries()
    if df.empty:
        return {}
    start = max(1, model.intervention_week)
    win = df[df["week"] >= start]
    if win.empty:  # the run ends before the intervention week: summarise the whole run
        win, start = df, 1
    years = len(win) / 52.0
    prison_years = win["prison_population"].mean() * years
    out: dict[str, float] = {
        "weeks": float(len(df)),
        "window_weeks": float(len(win)),
        "window_start_week": float(start),
    }
    for stock in (
        "prison_population",
        "remand_population",
        "offenders_at_large",
        "ocg_members",
        "ocg_members_in_prison",
        "ocg_members_at_large",
        "prisoners_ocg_share",
        "prisons_with_ocg_presence",
        "active_ocgs",
        "joint_ventures",
        "cross_region_ventures",
        "ocgs_multi_region",
        "market_volume",
        "prisoners_in_debt",
        "trust_local",
        "trust_regional",
        "trust_national",
        "high_risk_correctly_graded",
        "leaders_in_prison",
        "pios",
    ):
        out[stock] = float(win[stock].mean())
    out["mean_trust"] = (out["trust_local"] + out["trust_regional"] + out["trust_national"]) / 3
    out["max_occupancy_rate"] = float((df["prison_population"] / df["capacity"]).max())
    for flow in (
        "receptions",
        "recalls",
        "releases",
        "diverted",
        "recruits_prison",
        "recruits_community",
        "recruits_via_ties",
        "cross_region_recruits",
        "new_joint_ventures",
        "market_entries",
        "finds_phones",
        "finds_drugs",
        "items_created",
        "items_shared",
        "items_shared_local",
        "items_shared_regional",
        "items_shared_national",
        "items_acted",
        "deliveries_ignored",
        "separations",
        "transfers",
        "transfers_seeded",
        "police_arrests",
        "leader_removals",
        "splits",
        "dissolutions",
        "formations",
    ):
        out[f"{flow}_per_year"] = float(win[flow].sum() / years)
    out["recruits_prison_per_1000_py"] = float(
        1000.0 * win["recruits_prison"].sum() / max(prison_years, 1e-9)
    )
    out["recruits_community_per_week"] = float(win["recruits_community"].mean())
    created = win["items_created"].sum()
    out["share_rate"] = float(win["items_shared"].sum() / created) if created else 0.0
    acted = win["items_acted"].sum()
    out["mean_delay_weeks"] = float(win["delay_sum"].sum() / acted) if acted else float("nan")
    out["acted_rate"] = float(acted / created) if created else 0.0
    out["cost_million_per_year"] = float(win["cost"].sum() / years / 1e6)
    # last year against the first (NaN for runs shorter than two years)
    first, last = df["ocg_members"].iloc[:52].mean(), df["ocg_members"].iloc[-52:].mean()
    enough = len(df) >= 104 and first > 0
    out["ocg_members_drift"] = float(last / first - 1.0) if enough else float("nan")
    # proven reoffending: releases in the window with a full year of follow-up
    end = model.week - 52
    if end >= start:
        rel = model.releases_by_week[start : end + 1].sum()
        reo = model.reoffended_by_week[start : end + 1].sum()
        out["proven_reoffending"] = float(reo / rel) if rel else float("nan")
    else:
        out["proven_reoffending"] = float("nan")
    return out


def check_invariants(model: OCGModel) -> None:
    """Assert the state is consistent.

    - every offender is in exactly one place: at large in the roster of their home region, or in
      exactly one wing of the prison they are recorded in; desisted offenders in neither;
    - no prison or wing holds more than its capacity;
    - OCG membership records agree with the offenders' OCG fields.

    Raises:
        AssertionError: If any invariant fails.
    """
    pop = model.population
    n = pop.n
    status = pop.status[:n]
    region_members = np.concatenate([model.at_large.group(r) for r in range(model.world.n_regions)])
    wing_members = model.prisoners()
    both = np.concatenate([region_members, wing_members])
    assert np.unique(both).size == both.size, "an offender is in two places"
    at_large = np.flatnonzero(status == AT_LARGE)
    inside = np.flatnonzero((status != AT_LARGE) & (status != GONE))
    assert np.array_equal(np.sort(region_members), at_large), "at-large roster mismatch"
    assert np.array_equal(np.sort(wing_members), inside), "wing roster mismatch"
    assert (
        pop.region[region_members]
        == np.repeat(np.arange(model.world.n_regions), model.at_large.count)
    ).all(), "an offender at large is outside their home region"
    wings_of = np.repeat(np.arange(model.world.n_wings), model.wings.count)
    assert (pop.wing[wing_members] == wings_of).all(), "wing field mismatch"
    assert (model.world.wing_prison[wings_of] == pop.prison[wing_members]).all(), "prison mismatch"
    assert (model.wings.count <= model.wing_capacity).all(), "a wing is over capacity"
    assert (model.wing_free == model.wing_capacity - model.wings.count).all(), "wing_free"
    assert (model.prison_free == model.prison_capacity - model.prison_occupancy).all(), "free"
    assert (model.prison_occupancy <= model.prison_capacity).all(), "a prison is over capacity"
    assert (
        np.bincount(pop.prison[wing_members], minlength=model.world.n_prisons)
        == model.prison_occupancy
    ).all(), "occupancy count mismatch"
    ocgs = model.ocgs
    sizes = np.bincount(pop.ocg[:n][pop.ocg[:n] >= 0], minlength=ocgs.n)
    assert (sizes == ocgs.size[: ocgs.n]).all(), "OCG size mismatch"
    assert not (pop.ocg[:n][status == GONE] >= 0).any(), "a desisted offender is still a member"
    leaders = ocgs.leader[: ocgs.n]
    has = leaders >= 0
    assert (pop.ocg[leaders[has]] == np.flatnonzero(has)).all(), "a leader is not a member"
    is_leader = np.zeros(n, dtype=bool)
    is_leader[leaders[has]] = True
    assert np.array_equal(is_leader, pop.role[:n] == LEADER), "role and leadership disagree"
    for o in range(ocgs.n):
        members = np.fromiter(ocgs.members[o], dtype=np.int64, count=len(ocgs.members[o]))
        assert (pop.ocg[members] == o).all(), "an OCG's member set disagrees with pop.ocg"
        assert ocgs.alive[o] or not members.size, "a dissolved OCG still has members"
