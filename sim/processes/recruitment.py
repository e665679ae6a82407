"""The chance that a contact in prison recruits: the factors of prison life's recruitment.

Research trace: see ``sim.processes.prison_life`` ("the university of crime") and ``docs/odd.md``
section 3.3.2. A contact's chance of recruiting an unaffiliated wing-mate is
``prison_life.recruit_probability`` times the recruiter group's local strength in the wing and the
multipliers that apply to the target (drug debt, a short time left, the skills the group's markets
want) and to the recruiter (fresh intelligence on them, a faction-run prison). Prison life draws
the contacts; this module says what each one's chance is, in compiled passes over the few drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.fast.kernels import compiled

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = [
    "RecruitFactors",
    "Recruiters",
    "Targets",
    "local_strength",
    "recruit_chances",
    "same_group_counts",
]


class Targets(NamedTuple):
    """The population columns read for the target of a contact, by offender row."""

    debt: np.ndarray  # owes a drug debt inside
    release_week: np.ndarray  # week of release
    skills: np.ndarray  # crime skills (bits)


class Recruiters(NamedTuple):
    """The recruiter's side of each contact that may recruit, one entry per contact."""

    ocg: np.ndarray  # the recruiter's OCG
    strength: np.ndarray  # the factor of the OCG's local strength in the recruiter's wing
    pressured: np.ndarray  # fresh intelligence on the recruiter
    faction: np.ndarray  # in a faction-run prison


class RecruitFactors(NamedTuple):
    """The base recruitment chance and what multiplies it when its condition holds."""

    base: float  # prison_life.recruit_probability
    debt: float  # prison_life.debt_multiplier
    short_weeks: float  # prison_life.short_sentence_weeks: a short time left to serve
    short_sentence: float  # prison_life.short_sentence_multiplier
    skill: float  # prison_life.skill_multiplier
    pressure: float  # prison_life.intel_pressure_factor
    faction: float  # regime.faction_recruit_multiplier

    @classmethod
    def of(cls, model: OCGModel) -> RecruitFactors:
        """The factors in force in ``model``."""
        pl = model.params.prison_life
        return cls(
            base=pl.recruit_probability,
            debt=pl.debt_multiplier,
            short_weeks=pl.short_sentence_weeks,
            short_sentence=pl.short_sentence_multiplier,
            skill=pl.skill_multiplier,
            pressure=pl.intel_pressure_factor,
            faction=model.params.regime.faction_recruit_multiplier,
        )


@compiled
def recruit_chances(targets, columns, recruiters, crime_types, week, factors):
    """The recruitment chance of each contact ``i``: of recruiter ``i`` with ``targets[i]``.

    The base chance, multiplied in turn by each factor whose condition holds: the target's drug
    debt, a short time left to serve, skills of use to the recruiter's OCG, the OCG's local
    strength, fresh intelligence on the recruiter, a faction-run prison; at most 1.

    Args:
        targets: The target of each contact (offender rows).
        columns: The targets' columns (:class:`Targets`).
        recruiters: The recruiter of each contact (:class:`Recruiters`).
        crime_types: Each OCG's crime types (bits).
        week: This week.
        factors: The base chance and its multipliers (:class:`RecruitFactors`).
    """
    f = factors
    p = np.empty(targets.size)
    for i in range(targets.size):
        t = targets[i]
        x = f.base
        x *= f.debt if columns.debt[t] else 1.0
        x *= f.short_sentence if columns.release_week[t] - week <= f.short_weeks else 1.0
        x *= f.skill if (columns.skills[t] & crime_types[recruiters.ocg[i]]) != 0 else 1.0
        x *= recruiters.strength[i]
        x *= f.pressure if recruiters.pressured[i] else 1.0
        x *= f.faction if recruiters.faction[i] else 1.0
        p[i] = min(x, 1.0)
    return p


def local_strength(model: OCGModel, wing: np.ndarray, ocg: np.ndarray) -> np.ndarray:
    """For each member inside: members of their OCG in their wing (themselves included).

    Args:
        model: The model.
        wing: The wings of the members inside.
        ocg: Their OCGs.
    """
    return same_group_counts(wing, ocg, model.world.n_wings, len(model.ocgs.alive))


@compiled
def same_group_counts(wing, ocg, n_wings, n_groups):
    """For each entry, how many entries share its wing and its OCG (as floats).

    The entries are bucketed by wing (a counting sort), then each wing's OCGs are counted.
    """
    start = np.zeros(n_wings + 1, dtype=np.int64)
    for i in range(wing.size):
        start[wing[i] + 1] += 1
    for k in range(n_wings):
        start[k + 1] += start[k]
    order = np.empty(wing.size, dtype=np.int64)
    fill = start[:-1].copy()
    for i in range(wing.size):
        order[fill[wing[i]]] = i
        fill[wing[i]] += 1
    seen = np.zeros(n_groups, dtype=np.int64)
    out = np.empty(wing.size)
    for k in range(n_wings):
        for j in range(start[k], start[k + 1]):
            seen[ocg[order[j]]] += 1
        for j in range(start[k], start[k + 1]):
            out[order[j]] = seen[ocg[order[j]]]
        for j in range(start[k], start[k + 1]):
            seen[ocg[order[j]]] = 0
    return out
