"""What :func:`sim.analysis.analyse` found and wrote, and its printed summary."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.comparison import TABLE_COLUMNS

__all__ = ["MAX_PRINTED", "AnalysisReport", "finite"]

#: Lines of paired differences printed (all are in differences.csv).
MAX_PRINTED = 30


def finite(x: Any) -> bool:
    """Whether ``x`` is a finite number (False for None, text and NaN)."""
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


@dataclass
class AnalysisReport:
    """What :func:`analyse` found and wrote.

    Attributes:
        path: Folder the tables and figures were written to.
        tables: Name -> DataFrame.
        files: Files written.
        warnings: Precision and data warnings (one line each).
        alerts: Warnings that may change how results are read (e.g. a summary window too
            short); ``ocgsim analyse`` prints them on stderr too.
        notes: What the tables and figures contain (units, corrections).
        work: The temporary folder being written (renamed to ``path`` when complete).
    """

    path: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    work: Path = field(default=Path("."), repr=False)

    def text(self) -> str:
        """A short printed summary."""
        lines = [f"analysis written to {self.path} ({len(self.files)} files)"]
        lines += [f"WARNING: {a}" for a in self.alerts]
        lines += [f"note: {n}" for n in self.notes]
        diffs = self.tables.get("differences")
        if diffs is not None and not diffs.empty:
            label = [c for c in diffs.columns if c not in TABLE_COLUMNS]
            sig = diffs[diffs["significant"]]
            lines.append(
                f"paired differences vs baseline: {len(sig)} of {len(diffs)} significant after "
                "Holm correction within each family (the primary outcome; the others) (% "
                "change, unadjusted 95% CI; all in differences.csv):"
            )
            undefined = diffs[~diffs["pct_change"].map(finite)]
            shown = 0
            for d in [*sig.to_dict("records"), *undefined.to_dict("records")]:
                if shown >= MAX_PRINTED:
                    lines.append(f"  ... and more in {self.path / 'differences.csv'}")
                    break
                shown += 1
                name = ", ".join(f"{d[c]}" for c in label)
                if not finite(d["pct_change"]):
                    lines.append(f"  {name} {d['metric']}: undefined (no finite pairs)")
                    continue
                lines.append(
                    f"  {name} {d['metric']}: {d['pct_change']:+.1f}% "
                    f"[{d['pct_ci_low']:+.1f}, {d['pct_ci_high']:+.1f}] *"
                )
        for key in [k for k in self.tables if k.startswith("sobol_") and "conv" not in k]:
            lines.append(f"{key}:")
            for row in self.tables[key].itertuples(index=False):
                lines.append(
                    f"  {row.factor}: S1 {row.S1:.3f} ± {row.S1_conf:.3f}, "
                    f"ST {row.ST:.3f} ± {row.ST_conf:.3f}"
                )
        for key in [k for k in self.tables if k.startswith("morris_") and "conv" not in k]:
            lines.append(f"{key} (top 10 by mu*):")
            for row in self.tables[key].head(10).itertuples(index=False):
                lines.append(
                    f"  {row.factor}: mu* {row.mu_star:.3g} ± {row.mu_star_conf:.3g}, "
                    f"sigma {row.sigma:.3g}"
                )
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def write_table(self, name: str, table: pd.DataFrame, parquet: bool = False) -> None:
        """Keep ``table`` as ``tables[name]`` and write it as CSV (and Parquet) to ``work``."""
        from sim.io.files import atomic_write_bytes

        self.tables[name] = table
        path = self.work / f"{name}.csv"
        atomic_write_bytes(path, table.to_csv(index=False).encode("utf-8"))
        self.files.append(self.path / path.name)
        if parquet:
            ppath = self.work / f"{name}.parquet"
            atomic_write_bytes(ppath, table.to_parquet(index=False))
            self.files.append(self.path / ppath.name)
