"""The report of Sobol and Morris designs: which factors drive the outcomes."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import units
from sim.analysis.results import Results
from sim.analysis.sensitivity import morris_indices, point_means, sobol_indices
from sim.analysis.stats import metric_columns
from sim.policy.report.markup import data_uri, figure, html_table
from sim.policy.report.words import PLAIN, sig

__all__ = ["indices_table", "param_cell", "sensitivity_section"]


def sensitivity_section(res: Results, work: Path, resamples: int = 1000) -> str:
    """Sobol or Morris indices of the headline outcomes (or all, for another model)."""
    design = res.manifest["design"]
    available = metric_columns(res.runs, res.factors)
    metrics = [m for m in units.headline_names() if m in available] if res.is_sim else []
    metrics = metrics or available[:6]
    blocks = []
    shown = ""
    for m in metrics:
        try:
            y = point_means(res.runs, m, design["n_points"])
        except ValueError as exc:
            blocks.append(f"<p>{escape(str(exc))}</p>")
            continue
        if not np.isfinite(y).all() or float(np.std(y)) == 0.0:
            blocks.append(f"<p>{escape(m)}: the output does not vary; no indices.</p>")
            continue
        table, header, rows, plot = indices_table(res, y, resamples)
        if not shown:
            path = work / f"indices_{m}.png"
            plot(table, m, path)
            shown = figure(
                data_uri(path),
                f"sensitivity indices of {m}",
                f"<b>Sensitivity indices of {escape(m)}</b> with bootstrap 95% intervals.",
                "fig-indices",
            )
        name = PLAIN.get(m, (m,))[0]
        blocks.append(
            f"<h3>{escape(name)} <small>({escape(m)})</small></h3>"
            + html_table(header, rows, f"indices-{m}", "indices")
        )
    what = (
        "Sobol indices: shares of the output's variance due to each factor alone (S1) and with "
        "its interactions (ST); the same in any unit."
        if res.kind == "sobol"
        else "Morris screening: mu* is the mean absolute elementary effect of moving a factor "
        "across its range (in the outcome's model units at the run scale); sigma shows "
        "interactions and non-linearity."
    )
    return (
        "<section id='indices'><h2>What drives the outcomes: sensitivity indices</h2>"
        f"<p>{what} The 15 most influential factors per outcome, with bootstrap 95% "
        "intervals.</p>" + shown + "".join(blocks) + "</section>"
    )


def indices_table(
    res: Results, y: np.ndarray, resamples: int
) -> tuple[pd.DataFrame, list[str], list[list[str]], Callable[..., Any]]:
    """One outcome's indices, most influential first, as a table of the 15 largest.

    Args:
        res: Loaded results of a Sobol or Morris design.
        y: The outcome's mean at each design point.
        resamples: Bootstrap resamples.

    Returns:
        ``(indices, header, rows, plot)``: the indices, the HTML table's header and rows, and
        the function of :mod:`sim.analysis.plots` that draws them.
    """
    from sim.analysis import plots as figs

    design = res.manifest["design"]
    problem = design["problem"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if res.kind == "sobol":
            table = sobol_indices(
                problem,
                y,
                second_order=bool(design["settings"].get("second_order")),
                resamples=resamples,
                seed=0,
            )["indices"].sort_values("ST", ascending=False, kind="stable")
            rows = [
                [
                    param_cell(r.factor),
                    f"{r.S1:.3f} <small>± {r.S1_conf:.3f}</small>",
                    f"{r.ST:.3f} <small>± {r.ST_conf:.3f}</small>",
                ]
                for r in table.head(15).itertuples()
            ]
            return table, ["factor", "first order S1", "total ST"], rows, figs.sobol_bars
        x = res.design[[f"sample:{f}" for f in problem["names"]]].to_numpy(dtype=float)
        table = morris_indices(
            problem,
            x,
            y,
            levels=design["settings"].get("levels", 4),
            resamples=resamples,
            seed=0,
        ).sort_values("mu_star", ascending=False, kind="stable")
    rows = [
        [
            param_cell(r.factor),
            f"{sig(r.mu_star)} <small>± {sig(r.mu_star_conf, 2)}</small>",
            sig(r.sigma),
        ]
        for r in table.head(15).itertuples()
    ]
    return table, ["factor", "mu*", "sigma"], rows, figs.morris_bars


def param_cell(name: str) -> str:
    """A factor: its name, whether it is an assumption, and what it means (ocgsim's)."""
    from sim.params import known, spec

    if not known(name):
        return f"<code>{escape(name)}</code>"
    p = spec(name)
    tag = " <small>(assumption)</small>" if "assumption" in p.source.lower() else ""
    return f"<code>{escape(name)}</code>{tag}<br><small>{escape(p.doc)}</small>"
