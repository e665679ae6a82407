"""The report for policy readers: one self-contained HTML file from an experiment's results.

``ocgsim report DIR`` (and the end of ``ocgsim compare``) writes ``DIR/report.html``: a page
that opens offline (figures embedded as ``data:`` URIs, no scripts, fonts or style sheets from
elsewhere) and prints well to PDF (print CSS, A4). It holds

* for scenario comparisons and grids with a baseline point: the "In short" box (one sentence per
  intervention on the primary outcome and the cost, and a warning in the box when there are
  fewer than five replicates), the **headline table** (each intervention against the baseline
  on OC harm, the pre-specified primary outcome, then OCG membership, recruitment in prison per
  member inside and per 1,000 prisoner-years, recruitment in the community, cost a year, and the
  ratio of harm averted to cost), with 95% corrected intervals, full-scale equivalents and a row
  in plain words per intervention on its other outcomes; the levels of each outcome; and
  figures (harm and membership over time from the intervention week: each scenario minus the
  baseline on the same seed with its band, the levels below for context; a forest plot of the
  effects; cost against harm averted);
* for designs without a baseline (Latin hypercube, a single point): the mean outcomes;
* for Sobol and Morris designs: their sensitivity indices;
* the main assumptions behind the result (``docs/sensitivity.md``'s ranking when it exists),
  caveats, and what was run (scenarios, parameters that differ from the baseline, seeds, scale,
  replicates, version, commit).

**Intervals.** Every paired difference (intervention minus baseline, replicate by replicate:
common random numbers) is tested with a paired t-test. The primary outcome
(:data:`sim.policy.outcomes.PRIMARY_OUTCOME`) across the interventions is one family,
corrected with Holm's step-down method; the secondary outcomes are another, corrected with Holm
within it; the page states both. Each interval is a t interval at the level Holm's procedure
applies to that comparison (:func:`sim.analysis.stats.holm_levels`), so it excludes zero
exactly when the correction finds an effect; one that includes zero is said in what it rules
out ("rules out a cut in OC harm larger than 1.5% and a rise larger than 0.8%"). **Harm against
cost**: with the primary outcome in harm-days, the cost per harm-day averted (mean extra cost /
mean harm averted, both full-scale, a year), with Fieller's interval from the paired replicates
(:func:`sim.analysis.stats.fieller`) at the level of the harm comparison, given only when its
interval on harm averted excludes zero; with the primary outcome in pounds, harm averted in £
and the benefit-cost ratio (harm averted £ / extra cost £) with its Fieller interval. Money
has one format: ``£3.3m``.

The page is a function of the results folder, ``docs/sensitivity.md`` (the current folder's,
else the project's) and the ocgsim version (its parameter documentation and defaults): with the
same three it has the same bytes, except the time the report was written, in the "What was
run" block. The scenarios are described as ``manifest.json`` recorded them when the runs were
made, not from the scenario files as they are now (only a results folder of an earlier ocgsim,
which recorded none, has them read from the files, and the report says so); the results folder
is shown by its name, not by a path that depends on the current folder.

The headline table is :func:`sim.analysis.comparison.comparison_table`, the one ``ocgsim
analyse`` writes to ``differences.csv``: the report shows its Holm-level intervals
(``pct_holm_low``/``pct_holm_high``), the file has them beside the unadjusted ones.

Modules: :mod:`~sim.policy.report.page` (build and write the page), ``table`` (the comparison
and harm against cost), ``prose`` (sentences and the correction in words), ``html`` (tables),
``figures``, ``sensitivity`` (Sobol and Morris designs), ``caveats`` (assumptions and caveats),
``provenance`` (what was run), ``words`` (names and number formats), ``markup`` and ``style``.
"""

from __future__ import annotations

from sim.policy.report.page import (
    GENERATOR,
    GENERATOR_TAG,
    REPORT_NAME,
    Report,
    build_report,
    is_report,
    write_report,
)
from sim.policy.report.table import Comparison, compare_table
from sim.policy.report.words import PLAIN

__all__ = [
    "GENERATOR",
    "GENERATOR_TAG",
    "PLAIN",
    "REPORT_NAME",
    "Comparison",
    "Report",
    "build_report",
    "compare_table",
    "is_report",
    "write_report",
]
