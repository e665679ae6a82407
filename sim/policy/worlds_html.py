"""The HTML report of a comparison over plausible worlds (``ocgsim compare --ensemble``).

One self-contained page: the effects across worlds with the structural column (police tasked
from prison intelligence only), the "A beats B" table and the assurance appendix. The tables
come from :mod:`sim.policy.worlds` and :mod:`sim.policy.worlds_report`.
"""

from __future__ import annotations

import html

import pandas as pd

from sim.io.files import git_commit, versions
from sim.policy.outcomes import PRIMARY_OUTCOME
from sim.policy.report.assurance import ANCHORS, BY_THE_SUITE, anchors_table
from sim.policy.worlds import TASKINGS, main_tasking

__all__ = ["report_html"]


#: The page's head: title and style.
_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>ocgsim: comparison over plausible worlds</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.4}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:.3em .6em}
th{background:#eee}pre{background:#f6f6f6;padding:1em;overflow-x:auto}</style></head>
"""

#: The yardstick's bands, as the page states them.
_YARDSTICK = """<p>Probability yardstick: remote (&le; 5%), highly unlikely (10&ndash;20%), unlikely
(25&ndash;35%), a realistic possibility (40&ndash;50%), likely (55&ndash;75%), highly likely
(80&ndash;90%), almost certain (&ge; 95%); a share between two bands takes the nearer.</p>"""


def _table(frame: pd.DataFrame, columns: dict[str, str], ident: str) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for label in columns.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row[c]))}</td>" for c in columns) + "</tr>"
        for _, row in frame.iterrows()
    )
    return f'<table id="{ident}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _share_text(row) -> str:
    """A share with its exact 95% interval and its words: ``83% [65-94%] (likely)``."""
    share = getattr(row, "share_reducing", getattr(row, "share", float("nan")))
    return f"{share:.0%} [{row.share_low:.0%}-{row.share_high:.0%}] ({row.words})"


def _effects_rows(by_tasking: pd.DataFrame) -> pd.DataFrame:
    """One row per intervention: the default tasking's effect and share, then prison-only's."""
    by = by_tasking.copy()
    by["effect"] = [
        f"mean {r.mean:+.1f}% [{r.mean_low:+.1f}, {r.mean_high:+.1f}]; single runs: median "
        f"{r.median:+.1f}% [{r.low:+.1f}, {r.high:+.1f}]"
        for r in by.itertuples()
    ]
    by["reduces"] = [_share_text(r) + " of worlds" for r in by.itertuples()]
    first = main_tasking(by)
    main = by[by["tasking"] == first].set_index("scenario")
    other = by[(by["tasking"] == TASKINGS[1]) & (first != TASKINGS[1])].set_index("scenario")
    return pd.DataFrame(
        {
            "scenario": main.index,
            "effect": main["effect"].to_numpy(),
            "reduces": main["reduces"].to_numpy(),
            "prison_only": other["effect"].reindex(main.index).fillna("not run").to_numpy(),
            "prison_only_reduces": other["reduces"].reindex(main.index).fillna("").to_numpy(),
        }
    )


def _sections(tables: dict[str, pd.DataFrame], context: dict) -> dict[str, str]:
    """The tables of the page as HTML: effects, beats, assumptions, noise."""
    beats = tables["beats"].assign(share=lambda f: [_share_text(r) for r in f.itertuples()])
    noise = tables["noise"].assign(
        noise_share=lambda f: [f"{v:.0%}" for v in f["noise_share"]],
        p_between=lambda f: [f"{v:.2g}" for v in f["p_between"]],
        within=lambda f: [f"{v:.2f}" for v in f["within"]],
        between=lambda f: [f"{v:.2f}" for v in f["between"]],
    )
    shares = tables["assumptions"]
    top = (
        shares[shares["tasking"] == main_tasking(tables["by_tasking"])]
        .sort_values(["scenario", "share"], ascending=[True, False])
        .groupby("scenario")
        .head(3)
        .assign(
            share=lambda f: [f"{v:.0%}" for v in f["share"]],
            r2=lambda f: [f"{v:.2f}" for v in f["r2"]],
            p_fit=lambda f: [f"{v:.2g}" for v in f["p_fit"]],
        )  # fmt: skip
    )
    out = {
        "effects": _table(
            _effects_rows(tables["by_tasking"]),
            {
                "scenario": "intervention",
                "effect": "effect on harm: mean [95% CI]; single runs: median [95% of them]",
                "reduces": "reduces harm in",
                "prison_only": "prison-only tasking: effect (the same)",
                "prison_only_reduces": "prison-only: reduces harm in",
            },
            "effects-table",
        ),
        "beats": _table(
            beats, {"a": "A", "b": "B", "share": "A cuts harm more than B in"}, "beats-table"
        ),
        "assumptions": _table(
            top,
            {
                "scenario": "intervention",
                "parameter": "parameter",
                "share": "share",
                "r2": "R² of the fit",
                "p_fit": "p-value of the fit",
            },
            "assumptions-table",
        ),  # fmt: skip
        "noise": _table(
            noise,
            {
                "tasking": "tasking",
                "scenario": "intervention",
                "within": "within worlds",
                "between": "between worlds",
                "noise_share": "noise share",
                "p_between": "p (worlds differ)",
            },
            "noise-table",
        ),  # fmt: skip
    }
    if beats.empty:
        out["beats"] = '<p id="beats-none">One intervention: no pair to compare.</p>'
    if top.empty:
        need = len(context["parameters"]) + 2
        out["assumptions"] = (
            f'<p id="assumptions-none">Too few worlds ({context["worlds"]}) for the fit: it '
            f"needs at least {need} (the parameters of the ensemble + 2).</p>"
        )
    return out


def _heldout(context: dict) -> str:
    """The held-out scorecard over the worlds' baselines (each world the mean of its seeds)."""
    from sim.heldout import heldout_table

    return heldout_table(context["baseline_means"], context["settings"]["run.scale"], over="worlds")


def _provenance(context: dict) -> tuple[str, str, str, str]:
    """The held-out table, the commit, the libraries' versions and a warning of few worlds."""
    few = (
        f" <strong>Only {context['worlds']} worlds: the shares are coarse; use 30 or more for "
        "a finding.</strong>"
        if context["worlds"] < 20
        else ""
    )
    libs = ", ".join(f"{k} {v}" for k, v in versions().items())
    return html.escape(_heldout(context)), html.escape(git_commit()), html.escape(libs), few


def _what_ran(tables: dict[str, pd.DataFrame], context: dict) -> dict[str, str]:
    """The words of the page that depend on what ran: baseline, seeds, taskings (HTML).

    ``compare --ensemble`` runs the England & Wales baseline with seeds 1..r under both
    taskings; an experiment over plausible worlds (``sim.analysis.worlds``) has its own baseline
    label, the engine's replicate seeds and the one tasking it sets.
    """
    label = context.get("baseline")
    seeds = [int(s) for s in context["seeds"]]
    by = tables["by_tasking"]
    main = main_tasking(by)
    if set(TASKINGS) <= set(by["tasking"]):
        variant = (
            "The last two columns are the <strong>structural variant</strong>: police tasked "
            'from prison intelligence only (<code>disruption.tasking = "prison_only"</code>), '
            "so a reader sees whether a finding depends on how police are tasked."
        )
    else:
        variant = (
            "These runs were made under one police tasking, <code>disruption.tasking = "
            f'"{html.escape(main)}"</code>, and the effects are under it; the '
            "<strong>structural variant</strong> (the last two columns) was not run."
        )
    return {
        "baseline": "The baseline (England &amp; Wales)"
        if label is None
        else f"The baseline <code>{html.escape(str(label))}</code>",
        "seeds": f"seeds {seeds[0]}&ndash;{seeds[-1]}"
        if seeds == list(range(seeds[0], seeds[0] + len(seeds)))
        else f"the same {len(seeds)} seeds",
        "variant": variant,
        "beats": f'police tasking <code>"{html.escape(main)}"</code>',
    }


def report_html(tables: dict[str, pd.DataFrame], context: dict) -> str:
    """The self-contained HTML report of a comparison over plausible worlds.

    Args:
        tables: :func:`sim.policy.worlds_report.run_worlds_comparison`'s tables.
        context: What was run (scenarios, ensemble and its hash, worlds, seeds, settings, the
            baseline's mean summary in each world, replicates, the ensemble's parameters).
    """
    parts = _sections(tables, context)
    effects_html, beats_html = parts["effects"], parts["beats"]
    assumptions_html, noise_html = parts["assumptions"], parts["noise"]
    heldout, commit, libs, few = _provenance(context)
    anchors = anchors_table([BY_THE_SUITE] * len(ANCHORS))
    noise_r2 = min(1.0, len(context["parameters"]) / max(context["worlds"] - 1, 1))
    s, ran = context["settings"], _what_ran(tables, context)
    return f"""{_HEAD}<body>
<h1>Comparison over plausible worlds</h1>
<p>{ran["baseline"]} against {html.escape(", ".join(context["scenarios"]))},
each run in {context["worlds"]} plausible worlds (parameter sets the calibration targets cannot
rule out) with {ran["seeds"]} in every world and arm
(paired), at scale {s["run.scale"]:g}, {s["run.years"]} years, levers from week
{s["run.intervention_week"]}. The outcome is OC harm in pounds a year
(<code>{PRIMARY_OUTCOME}</code>), as a % of the baseline in the same world.</p>
<section id="effects"><h2>Effects across plausible worlds</h2>
<p>The mean effect over every world and seed with its 95% confidence interval (the seed as the
unit: the seeds are shared by every world); the median single run with the interval holding 95%
of single runs (parameter and seed uncertainty together); and the share of worlds whose mean
effect is below zero, with its exact 95% interval and the words of the UK intelligence
probability yardstick for the interval's end nearer one half ("no evidence either way" when the
interval holds one half). The worlds are a uniform sample of the parameter sets the targets do
not rule out, not a probability distribution over the truth: a share is of that sample.
{ran["variant"]}</p>
{effects_html}
<p>How to read a share: with {context["worlds"]} worlds it moves in steps of
{100 / context["worlds"]:.0f} points; each world's effect is the mean of its
{context["replicates"]} seeds, so seed noise can carry a world across zero and pulls every share
towards 50% (a share near 50% is no evidence either way, not evidence of no effect).{few}</p>
</section>
<section id="beats"><h2>Which intervention cuts harm more</h2>
<p>For each pair, the share of plausible worlds in which the first cuts harm more than the
second (each world's effect the mean over its seeds), {ran["beats"]}, with
its exact 95% interval and words as above.</p>
{beats_html}
</section>
<section id="assurance"><h2>Assurance appendix</h2>
<h3>Assumptions that matter</h3>
<p>For each intervention, the three parameters of the ensemble that explain most of the
across-worlds variance of its effect (a linear fit of each world's mean effect on its
standardised parameters: a parameter's share is its squared coefficient over the variance of
the world means; R&sup2; is the fit's). <strong>Read a share only when the fit's p-value is
small</strong>: a fit of {len(context["parameters"])} parameters to {context["worlds"]} worlds of
pure noise has an R&sup2; of about {noise_r2:.2f}.
Parameters not in the ensemble (the levers, the police's use of intelligence, harm's valuation)
do not vary here: see <code>docs/sensitivity.md</code>.</p>
{assumptions_html}
<h3>Seed noise against parameter uncertainty</h3>
<p>Two-way analysis of variance of the effects, world &times; seed (% of baseline harm,
squared; the seeds are shared by every world): the noise of one run (seed and residual), the
variance of the worlds' true effects (estimated), the share of the total that is seed noise, and
the F-test's p-value against "the effect is the same in every world". A large p-value says
that, with these seeds, the plausible worlds do not move the effect detectably more than the
seeds do: the shares of worlds above then measure seed noise as much as parameter
uncertainty.</p>
{noise_html}
<h3>Held-out scorecard over the worlds</h3>
<p>Published figures never used to set a parameter (<code>sim/data/heldout.toml</code>), against
the baseline in each world (model mean and range over worlds, each world the mean of its
seeds).</p>
<pre id="heldout">{heldout}</pre>
<h3>Patterns of the anchor models</h3>
<p>The test named checks each at every commit (<code>make test</code>); these runs keep no
weekly series, so none is measured on them. The figures are in
<code>docs/validation.md</code>.</p>
{anchors}
<h3>What this ran on</h3>
<ul><li>ensemble: <code>{html.escape(context["ensemble"])}</code>, sha256
<code>{html.escape(context["sha256"])}</code>, its first {context["worlds"]} worlds</li>
<li>seeds {context["seeds"]}; scale {s["run.scale"]:g}; {s["run.years"]} years</li>
<li>commit <code>{commit}</code></li><li>{libs}</li></ul>
</section>
{_YARDSTICK}
</body></html>
"""
