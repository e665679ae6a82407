"""The parameter schema: every parameter of the model with unit, default, range and source.

A scenario sets any subset of these; everything else takes the default documented here.
Parameters are named ``section.key``. Parameters marked as *levers* are policy levers: before the
scenario's ``run.intervention_week`` they keep their baseline default, from that week on they take
the scenario's value, so that every scenario shares its burn-in with the baseline and paired
before/after comparisons are possible.

Sources are abbreviated; ``docs/calibration.md`` gives them in full. "assumption" marks a value
for which no published figure exists: those are factors of the sensitivity analysis.

The package:

- ``sim.params.schema``: :class:`ParamSpec` (one parameter and its validation) and
  :class:`ScenarioError`.
- ``sim.params.sections``: the table, one module per section (``run``, ``population``, ...,
  ``cost``), each a tuple ``PARAMETERS`` of specs, joined in the order of ``SECTION_MODULES``.
- ``sim.params.table``: the joined ``PARAMETERS`` and ``SECTIONS``, the look-ups :func:`spec`,
  :func:`known` and :func:`defaults`, the :class:`Parameters` of a run and
  :func:`parameters_markdown`.

**Adding parameters.** A new parameter of an existing section is one more ``_P(...)`` entry in
that section's module (``sim/params/sections/<section>.py``), at the place it should take in
``docs/parameters.md``. A new process with its own section is one new module
``sim/params/sections/<section>.py`` holding ``PARAMETERS: tuple[ParamSpec, ...]`` (every name
``<section>.<key>``); ``sim/params/sections/__init__.py`` picks it up, after the model's own
sections (listed in ``SECTION_MODULES``), in alphabetical order. The process then reads
``model.params.<section>.<key>``.
Give each entry a unit, a meaning, a source (or ``A`` for an assumption) and its allowed range;
``tests/test_params.py`` checks the table, and ``ocgsim docs > docs/parameters.md`` and
``docs/odd.md`` must name the new parameters (``tests/test_cli.py``, ``tests/test_params.py``).

**Adding a costed lever.** A parameter marked ``lever=True`` becomes a lever the dashboard, the
optimiser, the EMA adapter and the costs all know when its section module also declares it in a
tuple ``LEVERS`` of :class:`sim.params.schema.LeverSpec`, with the price's ``basis`` (one of
``sim.params.schema.BASES``: per 1,000 places, per region, per region-week, when on, below one)
and its one cost parameter (which may sit in the same section). ``sim.levers`` collects them
(``DECLARED``) and prices them by the same formula in a run and in the optimiser's budget.
"""

from __future__ import annotations

from sim.params.schema import ParamSpec, ScenarioError
from sim.params.table import (
    PARAMETERS,
    SECTIONS,
    Parameters,
    defaults,
    known,
    parameters_markdown,
    spec,
)

__all__ = [
    "PARAMETERS",
    "ParamSpec",
    "Parameters",
    "ScenarioError",
    "SECTIONS",
    "defaults",
    "known",
    "parameters_markdown",
    "spec",
]
