"""The report for policy readers: one self-contained HTML file from an experiment's results.

``ocgsim report DIR`` (and the end of ``ocgsim compare``) writes ``DIR/report.html``: a page
that opens offline (figures embedded as ``data:`` URIs, no scripts, fonts or style sheets from
elsewhere) and prints well to PDF (print CSS, A4). It holds

* for scenario comparisons and grids with a baseline point: the **headline table** (each
  intervention against the baseline on OC harm, OCG membership, recruitment in prison per member
  inside and per 1,000 prisoner-years, recruitment in the community, cost a year, and cost per
  harm-day averted), with 95% intervals at the levels of Holm's correction over the whole table,
  full-scale equivalents and a plain-language sentence per row; the levels of each outcome; and
  figures (harm and membership over time from the intervention week: each scenario minus the
  baseline on the same seed with its band, the levels below for context; a forest plot of the
  effects; cost against harm averted);
* for designs without a baseline (Latin hypercube, a single point): the mean outcomes;
* for Sobol and Morris designs: their sensitivity indices;
* the main assumptions behind the result (``docs/sensitivity.md``'s ranking when it exists),
  caveats, and what was run (scenarios, parameters that differ from the baseline, seeds, scale,
  replicates, version, commit).

**Intervals.** Every paired difference (intervention minus baseline, replicate by replicate:
common random numbers) is tested with a paired t-test; the p-values of the whole headline table
are corrected with Holm's step-down method, and each interval is a t interval at the level
Holm's procedure applies to that comparison (:func:`sim.analysis.stats.holm_levels`), so an
interval excludes zero exactly when the correction finds an effect. **Cost per harm-day
averted** is the ratio of the mean extra cost to the mean harm averted (both full-scale, a
year), with Fieller's interval from the paired replicates (:func:`sim.analysis.stats.fieller`)
at the level of the harm comparison: it is bounded exactly when harm is detectably averted;
otherwise the report says so and gives no ratio.

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
and cost per harm-day averted), ``prose`` (sentences), ``html`` (tables), ``figures``,
``sensitivity`` (Sobol and Morris designs), ``caveats`` (assumptions and caveats),
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
