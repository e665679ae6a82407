"""The parameter table, one module per section, joined in the order of ``SECTION_MODULES``.

Each module holds one tuple ``PARAMETERS`` of :class:`sim.params.schema.ParamSpec`, all named
``<module name>.<key>`` (and may declare costed levers in ``LEVERS``). The order of
``SECTION_MODULES`` (and of the specs within a module) is the order of ``docs/parameters.md`` and
of every listing of the parameters: the model's sections in the order below, then any other module
of this package (a new process's section) in alphabetical order, so that adding a section is
adding its file.
"""

from __future__ import annotations

import importlib
import pkgutil

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
_LISTED = {m.__name__ for m in SECTION_MODULES}
SECTION_MODULES += tuple(
    importlib.import_module(f"{__name__}.{info.name}")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
    if f"{__name__}.{info.name}" not in _LISTED
)

#: Every parameter, section by section.
PARAMETERS: tuple[ParamSpec, ...] = tuple(p for m in SECTION_MODULES for p in m.PARAMETERS)
