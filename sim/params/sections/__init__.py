"""The parameter table, one module per section, joined in the order of ``SECTION_MODULES``.

Each module holds one tuple ``PARAMETERS`` of :class:`sim.params.schema.ParamSpec`, all named
``<module name>.<key>``. The order of ``SECTION_MODULES`` (and of the specs within a module) is
the order of ``docs/parameters.md`` and of every listing of the parameters.
"""

from __future__ import annotations

from sim.params.schema import ParamSpec
from sim.params.sections import (
    community,
    cost,
    disruption,
    estate,
    harm,
    intelligence,
    justice,
    market,
    population,
    prison_life,
    regime,
    run,
    sharing,
    trust,
)

__all__ = ["PARAMETERS", "SECTION_MODULES"]

#: The section modules in table order.
SECTION_MODULES = (
    run,
    population,
    estate,
    justice,
    prison_life,
    community,
    market,
    intelligence,
    sharing,
    trust,
    disruption,
    regime,
    harm,
    cost,
)

#: Every parameter, section by section.
PARAMETERS: tuple[ParamSpec, ...] = tuple(p for m in SECTION_MODULES for p in m.PARAMETERS)
