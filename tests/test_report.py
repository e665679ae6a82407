"""``ocgsim compare`` and ``ocgsim report``: one command to an HTML report, tested in a browser."""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import json
import math
import re
import shutil
import textwrap
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser_support import ARTIFACTS, browser, local_page  # noqa: F401 - fixtures
from clihelp import cli, snapshot

from sim.analysis.stats import fieller, holm, holm_levels
from sim.experiments import ResultsStore, parse_experiment, run_experiment
from sim.params import ScenarioError
from sim.policy.compare import run_compare
from sim.policy.outcomes import PRIMARY_OUTCOME
from sim.policy.report import REPORT_NAME, build_report, compare_table, write_report
from sim.policy.report.figures import SERIES_NAMES as PLAIN
from sim.policy.report.prose import correction_text

#: The tiny comparison of the suite: 2 years, interventions from week 52, scale 0.01.
TINY = {
    "replicates": 3,
    "scale": 0.01,
    "years": 2,
    "intervention_week": 52,
    "seed": 7,
    "executor": "serial",
    "progress": False,
    "estimate": False,
    "echo": None,
}
TINY_ARGS = [
    "--replicates",
    "3",
    "--scale",
    "0.01",
    "--years",
    "2",
    "--intervention-week",
    "52",
    "--seed",
    "7",
    "--executor",
    "serial",
    "--no-progress",
]
SCENARIOS = ["more_pios", "shared_database"]
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "policy_comparison.py"
#: The one row of "What was run" that holds times: when the runs and the report were made.
WHEN = re.compile(r"(<tr><td>when</td><td>)[^<]*(</td></tr>)")
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare") / "cmp"
    result = run_compare(SCENARIOS, out=out, **TINY)
    return result


def _without_times(html: str) -> str:
    """The page without the times of the runs and of the report (nothing else removed)."""
    out, n = WHEN.subn(r"\1\2", html)
    assert n == 1, "the 'when' row is missing"
    return out


def _pct(x: float) -> str:
    return f"{x:+.1f}%".replace("-", "−")


def test_compare_writes_results_analysis_and_report(compared):
    out = compared.out_dir
    assert compared.exit_code == 0 and compared.run.done == 9 and compared.run.failed == 0
    assert (out / REPORT_NAME).is_file() and (out / "analysis" / "differences.csv").is_file()
    text = (out / "experiment.toml").read_text()
    assert 'scenarios = ["more_pios", "shared_database"]' in text and "burn_in_weeks = 52" in text
    comp = compared.comparison
    assert comp.baseline == "baseline" and comp.interventions == SCENARIOS
    assert comp.metrics[0] == PRIMARY_OUTCOME and "cost_million_per_year" in comp.metrics
    assert comp.family == 2 * len(comp.metrics)
    html = (out / REPORT_NAME).read_text()
    for part in ("headline-table", "levels-table", "effectiveness-table", "assumptions", "caveats"):
        assert part in html, part
    assert html.count('<img src="data:image/png;base64,') == 4  # harm, members, forest, cost
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html), "external reference"
    # the note states the primary family, the secondary one and their corrections
    assert comp.families == {"primary": 2, "secondary": 2 * (len(comp.metrics) - 1)}
    assert escape(correction_text(comp)) in html
    assert "Holm's correction over its family of 2 comparisons (one per intervention)" in (
        correction_text(comp)
    )
    headline = html[html.index('id="headline-table"') : html.index("id='effectiveness'")]
    assert headline.count('<span class="sig">') == int(comp.table["significant"].sum())
    assert "intelligence.pios_per_1000</code> = 3" in html  # what differs from the baseline
    # each sentence says what its row of the table says
    t = comp.table.set_index([comp.label, "metric"])
    for name in SCENARIOS:
        harm, cost = t.loc[(name, PRIMARY_OUTCOME)], t.loc[(name, "cost_million_per_year")]
        sentence = comp.sentences[name]
        if harm["significant"]:
            lo, hi = sorted((abs(harm["pct_holm_low"]), abs(harm["pct_holm_high"])))
            verb = "Cuts" if harm["diff"] < 0 else "Raises"
            assert sentence.startswith(f"{verb} OC harm by {lo:.1f}–{hi:.1f}%"), sentence
        else:  # what the interval rules out, on each side
            lo, hi = harm["pct_holm_low"], harm["pct_holm_high"]
            expected = (
                f"Rules out a cut in OC harm larger than {abs(lo):.1f}% and a rise larger than "
                f"{hi:.1f}% ({_pct(lo)} to {_pct(hi)})"
            )
            assert sentence.startswith(expected), sentence
        assert ("cost: rules out a saving" in sentence) == (not cost["significant"])
        # the sentence is in the "In short" box; the plain-words row says the other outcomes
        assert f"{escape(sentence)}</li>" in html
        assert f"In plain words: {escape(comp.details[name])}" in html
        # (the harm-days reading of OC harm is a secondary outcome: it may appear there)
        assert comp.details[name].startswith("Other outcomes: ")
        assert "OC harm:" not in comp.details[name] and sentence not in comp.details[name]
    assert "detectable effect" not in html.lower() and "no detectable" not in html.lower()
    # one money format: £ with m for millions, nowhere GBP or thousands as k
    # (in the text: the embedded figures' base64 can hold any three letters by chance)
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)
    assert "GBP" not in text and not re.search(r"£[\d.,]+k\b", text)
    amounts = re.findall(r"£(\d[\d.,]*)(\w*)", html)
    assert len(amounts) > 10
    for number, suffix in amounts:  # millions with m; whole pounds only under a million
        assert suffix in ("m", ""), (number, suffix)
        assert suffix == "m" or float(number.replace(",", "")) < 1e6, number
    assert "£8.0m <small>a year</small>" in html  # cost.common_database, as the outcomes
    # three replicates: the warning is in the "In short" box, not only in the caveats
    box = html[html.index("<section id='summary'") :]
    box = box[: box.index("</section>")]
    assert "Only 3 replicates:</b> too few for decisions" in box


def test_analyse_csv_and_report_read_the_same_table(compared):
    """differences.csv (written by ocgsim compare's analysis) holds the report's numbers."""
    comp = compared.comparison
    csv = pd.read_csv(compared.out_dir / "analysis" / "differences.csv")
    csv = csv.set_index(["scenario", "metric"])
    table = comp.table.set_index(["scenario", "metric"])
    assert sorted(csv.index) == sorted(table.index) and len(csv) == comp.family
    columns = ["diff", "p_holm", "holm_level", "diff_holm_low", "diff_holm_high", "pct_holm_low"]
    for col in [*columns, "pct_holm_high", "diff_ci_low", "pct_ci_high", "diff_full_scale"]:
        np.testing.assert_allclose(csv.loc[table.index, col], table[col], rtol=1e-12, err_msg=col)
    assert (csv.loc[table.index, "significant"] == table["significant"]).all()
    html = (compared.out_dir / REPORT_NAME).read_text()
    headline = html[html.index('id="headline-table"') : html.index("id='effectiveness'")]
    for (_, metric), row in csv.iterrows():
        if metric not in ("cost_million_per_year", "oc_harm_gbp_per_year"):  # £ cells show £
            interval = f"({_pct(row['pct_holm_low'])} to {_pct(row['pct_holm_high'])})"
            assert interval in headline, (metric, interval)
        excludes = row["diff_holm_low"] > 0 or row["diff_holm_high"] < 0
        assert excludes == row["significant"], (metric, row)


def test_same_inputs_same_report_and_the_same_command_resumes(
    compared, tmp_path, capsys, monkeypatch
):
    import sim.experiments.engine as engine

    # a second comparison in a folder of the same name elsewhere: the same runs, the same report
    other = tmp_path / compared.out_dir.name
    again = run_compare(SCENARIOS, out=other, **TINY)
    a = ResultsStore(compared.out_dir).runs()
    b = ResultsStore(other).runs()
    pd.testing.assert_frame_equal(a, b)
    html_a = (compared.out_dir / REPORT_NAME).read_text()
    html_b = (again.out_dir / REPORT_NAME).read_text()
    assert html_a != html_b  # the times differ (a check that the next line checks something)
    assert _without_times(html_a) == _without_times(html_b)
    # one folder, the same time: the same bytes
    assert build_report(other, now=NOW).html == build_report(other, now=NOW).html
    # the same command continues: nothing left to run, so no timing runs either
    calibrations = []
    plan = engine.plan_experiment

    def spy(experiment, **kwargs):
        calibrations.append(kwargs.get("calibrate"))
        return plan(experiment, **kwargs)

    monkeypatch.setattr(engine, "plan_experiment", spy)
    code, out, err = cli(capsys, ["compare", *SCENARIOS, *TINY_ARGS, "--out", other])
    assert code == 0, err
    assert calibrations == [0]
    assert "resuming: 9 runs already stored, 0 to go" in out and "runs: 0" in out
    assert "estimated time" not in out and "Holm-corrected" in out
    assert "more_pios: " in out and f"report: {other / REPORT_NAME}" in out
    assert _without_times((other / REPORT_NAME).read_text()) == _without_times(html_b)
    # with runs left, the plan times runs for its estimate
    calibrations.clear()
    code, out, err = cli(
        capsys, ["compare", *SCENARIOS, *TINY_ARGS, "--out", tmp_path / "fresh", "--seed", "8"]
    )
    assert code == 0 and calibrations == [2] and "estimated time" in out, err
    # the minimum detectable effect comes first, before the timing runs and the runs; the
    # printed table states the primary family and its correction
    mde = out.index("minimum detectable effect of this design, before it runs")
    assert mde < out.index("estimated time") < out.index("against baseline")
    assert out.count("minimum detectable effect") == 1
    assert "primary outcome: OC harm, Holm's correction over its family of 2 comparisons" in out
    assert "secondary outcomes: Holm's correction within their own family of" in out


def test_the_report_does_not_depend_on_the_current_folder(compared, tmp_path, monkeypatch):
    monkeypatch.chdir(compared.out_dir.parent)
    here = build_report(compared.out_dir.name, now=NOW).html
    monkeypatch.chdir(tmp_path)
    elsewhere = build_report(compared.out_dir, now=NOW).html
    assert here == elsewhere
    monkeypatch.chdir(compared.out_dir)
    assert build_report(".", now=NOW).html == here
    assert f"<code>{compared.out_dir.name}</code>" in here


def test_allow_short_window_names_the_same_comparison_when_it_is_not_needed(tmp_path):
    from sim.policy.compare import comparison_experiment

    settings = {k: TINY[k] for k in ("replicates", "scale", "seed")}
    long = {**settings, "years": 3, "intervention_week": 52}
    plain = comparison_experiment(SCENARIOS, **long)
    flagged = comparison_experiment(SCENARIOS, **long, allow_short_window=True)
    assert plain.out_dir == flagged.out_dir and plain.digest() == flagged.digest()
    # a short window needs the flag, and then it is recorded
    short = {**settings, "years": 2, "intervention_week": 80}
    with pytest.raises(ScenarioError, match="--years/--intervention-week"):
        comparison_experiment(SCENARIOS, **short)
    needed = comparison_experiment(SCENARIOS, **short, allow_short_window=True)
    assert "allow_short_window = true" in needed.text and needed.allow_short_window


def test_an_edited_scenario_file_is_not_resumed_and_the_report_keeps_what_was_run(tmp_path, capsys):
    policy = tmp_path / "my_policy.toml"
    policy.write_text(
        '[scenario]\ndescription = "Version one."\n\n[intelligence]\npios_per_1000 = 3.5\n',
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    args = ["compare", policy, *TINY_ARGS[:1], "2", *TINY_ARGS[2:], "--out", out]
    code, _, err = cli(capsys, args)
    assert code == 0, err
    assert "# sha256 of scenario my_policy " in (out / "experiment.toml").read_text()
    # edited after the runs: the report still describes the version that was run
    policy.write_text(
        '[scenario]\ndescription = "Version two."\n\n[intelligence]\npios_per_1000 = 4.5\n',
        encoding="utf-8",
    )
    html = write_report(out).read_text()
    assert "Version one." in html and "pios_per_1000</code> = 3.5" in html
    assert "Version two." not in html and "= 4.5" not in html
    # the same command is refused in one line naming the file, and nothing is written
    before = snapshot(out)
    code, _, err = cli(capsys, args)
    assert code == 2 and len(err) == 1, err
    assert str(policy) in err[0] and "changed" in err[0] and "--out" in err[0], err
    assert snapshot(out) == before
    # so is ocgsim resume (the manifest records the file's contents too)
    code, _, err = cli(capsys, ["resume", out])
    assert code == 2 and len(err) == 1 and "my_policy.toml" in err[0] and "changed" in err[0]
    assert snapshot(out) == before
    # a removed file: the report is the same as before
    policy.unlink()
    assert _without_times(write_report(out).read_text()) == _without_times(html)


def test_a_comparison_folder_that_recorded_no_file_contents_is_refused(compared, tmp_path, capsys):
    old = tmp_path / "old"
    shutil.copytree(compared.out_dir, old)
    # as an earlier ocgsim left it: no SHA-256 lines in the experiment file (so another digest in
    # the manifest) and no record of the scenarios
    from sim.policy.compare import comparison_experiment

    text = (old / "experiment.toml").read_text()
    stripped = "".join(line for line in text.splitlines(True) if not line.startswith("#"))
    (old / "experiment.toml").write_text(stripped)
    settings = {k: TINY[k] for k in ("replicates", "scale", "seed", "years", "intervention_week")}
    ours = comparison_experiment(SCENARIOS, out=old, **settings)
    assert ours.digest() == json.loads((old / "manifest.json").read_text())["experiment_sha256"]
    manifest = json.loads((old / "manifest.json").read_text())
    manifest["experiment_sha256"] = dataclasses.replace(ours, text=stripped).digest()
    manifest.pop("scenarios")
    (old / "manifest.json").write_text(json.dumps(manifest))
    before = snapshot(old)
    code, _, err = cli(capsys, ["compare", *SCENARIOS, *TINY_ARGS, "--out", old])
    assert code == 2 and len(err) == 1 and "earlier ocgsim" in err[0], err
    assert snapshot(old) == before


def test_default_settings_are_explained(monkeypatch, tmp_path, capsys):
    import sim.policy.compare as compare

    seen = {}

    def fake(scenarios, **kwargs):
        seen.update(kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(compare, "run_compare", fake)
    code, out, err = cli(capsys, ["compare", "more_pios"])
    assert code == 130 and "same command again" in err[0]
    assert "defaults chosen so the headline intervals are useful" in out
    assert seen["replicates"] == 12 and seen["scale"] == 0.25 and seen["years"] == 10


# --------------------------------------------------------------------------------------------
# the numbers behind the report
# --------------------------------------------------------------------------------------------
def test_holm_levels_agree_with_holm():
    rng = np.random.default_rng(3)
    for _ in range(200):
        p = rng.uniform(0, 0.08, rng.integers(1, 15)) ** rng.uniform(0.5, 3)
        p[rng.random(p.size) < 0.1] = np.nan
        levels = holm_levels(p)
        finite = np.isfinite(p)
        assert np.array_equal((p < levels)[finite], (holm(p) < 0.05)[finite])
        assert np.isnan(levels[~finite]).all()


def test_fieller_is_bounded_exactly_when_the_denominator_is_significant():
    from scipy import stats

    rng = np.random.default_rng(5)
    for shift in (0.2, 1.0, 5.0):
        b = rng.normal(shift, 2.0, 12)
        a = 3.0 * b + rng.normal(1.0, 0.5, 12)
        out = fieller(a, b, 0.05)
        p = stats.ttest_1samp(b, 0.0).pvalue
        assert out["bounded"] == (p < 0.05)
        assert out["ratio"] == pytest.approx(a.mean() / b.mean())
        if out["bounded"]:
            assert out["low"] < out["ratio"] < out["high"]
    # large samples: close to the delta method
    b = rng.normal(10.0, 1.0, 4000)
    a = 2.0 * b + rng.normal(0.0, 1.0, 4000)
    out = fieller(a, b)
    r = a.mean() / b.mean()
    var = (a.var(ddof=1) - 2 * r * np.cov(a, b)[0, 1] + r * r * b.var(ddof=1)) / b.mean() ** 2
    half = 1.96 * math.sqrt(var / a.size)
    assert out["low"] == pytest.approx(r - half, rel=1e-3)
    assert out["high"] == pytest.approx(r + half, rel=1e-3)


TOY_POLICY = textwrap.dedent("""
    [experiment]
    name = "toy_policy"
    model = "toymodels:policy"
    schema = "toymodels:SCHEMA"
    seed = 11
    replicates = 12

    [design]
    type = "scenarios"
    scenarios = ["cuts", "nothing", "dominant", "worse"]

    [execution]
    executor = "serial"
    """)


def test_sentences_and_benefit_cost_ratio_on_a_toy_with_known_effects(tmp_path):
    out = tmp_path / "toy"
    run_experiment(parse_experiment(TOY_POLICY, overrides={"out": str(out)}), progress=False)
    comp = compare_table(build_report(out).results)
    s = comp.sentences
    assert s["cuts"].startswith("Cuts OC harm by ") and "a year more" in s["cuts"]
    assert "benefit-cost ratio" in s["cuts"]  # the primary outcome is in £
    assert s["nothing"].startswith("Rules out a cut in OC harm larger than ")
    assert "and saves money" in s["dominant"]  # the £ path: harm averted and money saved
    assert "Only 12 replicates" not in build_report(out).html  # enough: no warning
    assert s["worse"].startswith("Raises OC harm by ")
    eff = comp.effectiveness.set_index("label")
    # the primary outcome is in £: every row is a benefit-cost ratio (harm averted £ / extra
    # cost £) unless the intervention saves money
    assert (eff["kind"] == "bcr").all()
    assert eff.loc["dominant", "verdict"] == "dominant"
    nothing, worse, cuts = eff.loc["nothing"], eff.loc["worse"], eff.loc["cuts"]
    assert nothing["verdict"] == "bcr" and nothing["ratio_low"] < 0 < nothing["ratio_high"]
    assert worse["verdict"] == "bcr" and worse["ratio_high"] < 0  # harm rises at a cost
    # truth: £60m a year of harm averted (the toy's £1bn a year, cut 6%) for £2m a year more
    assert cuts["bounded"] and cuts["ratio_low"] < 60e6 / 2e6 < cuts["ratio_high"]
    assert cuts["ratio"] == pytest.approx(cuts["averted"] / (cuts["cost"] * 1e6))
    html = write_report(out).read_text()
    assert "Benefit-cost ratio" in html and "saves money and averts harm" in html
    assert "another model" in html  # assumptions of a model that is not ocgsim's


def test_report_on_a_grid_compares_with_the_default_point(tmp_path, capsys):
    text = textwrap.dedent("""
        [experiment]
        name = "grid"
        seed = 3
        replicates = 2
        years = 2
        burn_in_weeks = 52
        scale = 0.01

        [design]
        type = "grid"
        factors = { "intelligence.pios_per_1000" = [2.0, 3.0] }

        [execution]
        executor = "serial"
        """)
    path = tmp_path / "grid.toml"
    path.write_text(text)
    code, _, err = cli(capsys, ["experiment", path, "--out", tmp_path / "g", "--no-progress"])
    assert code == 0, err
    code, out, err = cli(capsys, ["report", tmp_path / "g"])
    assert code == 0, err
    html = (tmp_path / "g" / REPORT_NAME).read_text()
    assert "headline-table" in html and "pios_per_1000=3.0" in html
    assert "pios_per_1000=2.0" in html  # the baseline point, in the levels table


@pytest.mark.parametrize("kind", ["morris", "sobol", "lhs"])
def test_report_on_sensitivity_and_sampled_designs(tmp_path, kind):
    design = {
        "morris": 'type = "morris"\ntrajectories = 4',
        "sobol": 'type = "sobol"\nn = 16',
        "lhs": 'type = "lhs"\nn = 6',
    }[kind]
    text = textwrap.dedent(f"""
        [experiment]
        name = "toy_{kind}"
        model = "toymodels:ishigami"
        schema = "toymodels:SCHEMA"
        seed = 5

        [design]
        {design}
        factors = {{ "toy.x1" = [-3.0, 3.0], "toy.x2" = [-3.0, 3.0], "toy.x3" = [-3.0, 3.0] }}

        [execution]
        executor = "serial"
        """)
    out = tmp_path / kind
    run_experiment(parse_experiment(text, overrides={"out": str(out)}), progress=False)
    html = write_report(out).read_text()
    if kind == "morris":
        assert "indices-y" in html and "mu*" in html and "toy.x2" in html
        assert html.count("data:image/png;base64,") == 1
    elif kind == "sobol":
        assert "indices-y" in html and "total ST" in html and "toy.x3" in html
        assert html.count("data:image/png;base64,") == 1
    else:
        assert "means-table" in html and "no baseline point" in html


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
BAD_COMPARE = {
    "unknown scenario": (["nosuch"], ["nosuch", "no such scenario"]),
    "one replicate": (["more_pios", "--replicates", "1"], ["--replicates 1", ">= 2"]),
    "scale": (["more_pios", "--scale", "7"], ["--scale", "run.scale", "allowed"]),
    "short window": (["more_pios", "--years", "2"], ["--years", "--intervention-week", "52"]),
    "twice": (["more_pios", "more_pios"], ["more_pios", "given twice"]),
    "the baseline": (["england_wales", "more_pios"], ["england_wales", "changes nothing"]),
    "workers": (["more_pios", "--workers", "-1"], ["--workers -1"]),
    "scheduler": (["more_pios", "--scheduler", "nowhere"], ["--scheduler", "tcp://HOST:PORT"]),
    "seed": (["more_pios", "--seed", "-3"], ["--seed -3"]),
    "executor": (["more_pios", "--executor", "cloud"], ["--executor", "invalid choice"]),
}


@pytest.mark.parametrize("case", sorted(BAD_COMPARE))
def test_compare_bad_input_exits_2_writes_nothing(tmp_path, capsys, monkeypatch, case):
    monkeypatch.chdir(tmp_path)
    args, words = BAD_COMPARE[case]
    before = snapshot(tmp_path)
    code, _, err = cli(capsys, ["compare", *args, "--out", tmp_path / "out"])
    assert code == 2 and len(err) == 1, err
    for w in words:
        assert w in err[0], (w, err[0])
    assert snapshot(tmp_path) == before


def test_compare_refuses_a_folder_of_another_comparison(tmp_path, capsys, compared):
    theirs = snapshot(compared.out_dir)
    code, _, err = cli(capsys, ["compare", "double_pios", *TINY_ARGS, "--out", compared.out_dir])
    assert code == 2 and len(err) == 1 and "different experiment" in err[0], err
    assert snapshot(compared.out_dir) == theirs


def test_a_scheduled_scenario_is_compared_with_its_dated_changes(tmp_path):
    dated = tmp_path / "dated.toml"
    dated.write_text(
        '[scenario]\ndescription = "A raid."\n\n[[schedule]]\nweek = 60\n'
        'operation = "arrest_members"\nshare = 0.2\n',
        encoding="utf-8",
    )
    result = run_compare([str(dated)], out=tmp_path / "cmp", **{**TINY, "replicates": 2})
    html = result.report.read_text()
    assert "Dated changes ([[schedule]]): week 60: arrest_members (share 0.2)" in html
    harm = result.comparison.table.set_index("metric").loc[PRIMARY_OUTCOME]
    assert harm["diff"] != 0.0  # the raid happened in the runs


def test_report_bad_input_exits_2_writes_nothing(tmp_path, capsys, compared):
    (tmp_path / "notes.html").write_text("<p>mine</p>")
    (tmp_path / "afile").write_text("x")
    cases = {
        "no folder": ([tmp_path / "nothing"], ["no such folder"]),
        "not results": ([tmp_path], ["not a results folder"]),
        "not html": ([compared.out_dir, "--out", tmp_path / "r.pdf"], ["--out", ".html"]),
        "foreign file": (
            [compared.out_dir, "--out", tmp_path / "notes.html"],
            ["--out", "not an ocgsim report"],
        ),
        "under a file": ([compared.out_dir, "--out", tmp_path / "afile" / "r.html"], ["--out"]),
        "baseline": ([compared.out_dir, "--baseline", "nosuch"], ["--baseline nosuch", "allowed"]),
    }
    before, theirs = snapshot(tmp_path), snapshot(compared.out_dir)
    for case, (args, words) in cases.items():
        code, _, err = cli(capsys, ["report", *args])
        assert code == 2 and len(err) == 1, (case, err)
        for w in words:
            assert w in err[0], (case, w, err[0])
    assert snapshot(tmp_path) == before and snapshot(compared.out_dir) == theirs
    # a page that merely mentions the generator is not taken for a report
    mention = tmp_path / "mentions.html"
    mention.write_text("<!DOCTYPE html><html><head><title>made by ocgsim report</title></head>")
    code, _, err = cli(capsys, ["report", compared.out_dir, "--out", mention])
    assert code == 2 and "not an ocgsim report" in err[0], err
    # an earlier report is replaced; another baseline changes the table (written elsewhere:
    # the module's report is shared by the other tests)
    other = tmp_path / "other.html"
    write_report(compared.out_dir, other)
    assert "Against <b>baseline</b>" in other.read_text()
    code, out, err = cli(
        capsys, ["report", compared.out_dir, "--baseline", "more_pios", "--out", other]
    )
    assert code == 0, err
    assert "Against <b>more_pios</b>" in other.read_text()


# --------------------------------------------------------------------------------------------
# the figures over time: the paired difference first, readable axes
# --------------------------------------------------------------------------------------------
def test_the_paired_band_is_the_per_seed_difference_not_the_gap_between_level_bands():
    from sim.policy.report.figures import level_bands, paired_bands

    rng = np.random.default_rng(3)
    rows = []
    for rep in range(5):
        noise = rng.normal(0, 100, size=10)  # large seed-to-seed noise, shared by the pair
        for week in range(10):
            rows.append(("baseline", rep, week, 1000 + noise[week] + 50 * rep))
            rows.append(("cut", rep, week, 1000 + noise[week] + 50 * rep - 10 - 0.1 * rep))
    frame = pd.DataFrame(rows, columns=["scenario", "replicate", "week", "value"])
    diff = paired_bands(frame, "scenario", "baseline")
    assert set(diff["scenario"]) == {"cut"} and len(diff) == 10 and (diff["count"] == 5).all()
    np.testing.assert_allclose(diff["mean"], -10.2)
    assert (diff["high"] < 0).all(), "the paired band excludes zero"
    levels = level_bands(frame, "scenario").set_index(["scenario", "week"])
    base, cut = levels.loc["baseline"], levels.loc["cut"]
    assert (cut["high"] > base["low"]).all(), "the unpaired bands overlap: the toy is a fair one"


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (7_400_000, False, "7.4M"),
        (250_000, True, "+250k"),
        (-1_500, False, "−1.5k"),
        (950, False, "950"),
        (0.25, False, "0.25"),
        (0.0, True, "0"),
    ],
)
def test_tick_labels_read_as_thousands_and_millions(value, signed, text):
    from sim.policy.report.figures import tick_label

    assert tick_label(value, signed=signed) == text


def test_the_series_figure_shows_the_paired_difference_from_the_intervention_with_units(compared):
    from sim.analysis.results import load_results
    from sim.policy.report.figures import plain_axes, series_figure, series_frame

    res = load_results(compared.out_dir)
    series = res.series(["oc_harm"])
    assert series["week"].min() < TINY["intervention_week"], "the runs have a burn-in"
    frame = series_frame(
        series, res.runs, "scenario", "oc_harm", start=TINY["intervention_week"], per=100
    )
    assert frame["week"].min() == TINY["intervention_week"]
    unit = "harm-days/week, full-scale equivalent"
    with plain_axes():
        fig = series_figure(frame, "scenario", "oc_harm", baseline="baseline", unit=unit)
        fig.canvas.draw()
    main, context = fig.axes[:2]
    # the main panel is the paired difference, larger than the levels below it
    assert "minus the baseline on the same seed" in main.get_title()
    assert main.get_position().height > 1.5 * context.get_position().height
    assert {line.get_label() for line in main.get_lines()} >= set(SCENARIOS)
    assert "baseline" not in {line.get_label() for line in main.get_lines()}
    assert any(list(line.get_ydata()) == [0.0, 0.0] for line in main.get_lines()), "zero line"
    for ax in (main, context):
        assert f"({unit})" in ax.get_ylabel() and "oc_harm" not in ax.get_ylabel()
        assert ax.get_xlim()[0] == pytest.approx(TINY["intervention_week"] / 52)
        for axis in (ax.xaxis, ax.yaxis):
            assert axis.get_offset_text().get_text() == "", "offset notation"
            labels = [t.get_text() for t in axis.get_ticklabels() if t.get_text()]
            assert not any("e+" in t or "e-" in t or "×" in t for t in labels), labels
            # the main panel shares the years of the panel below it
            assert labels or axis is main.xaxis
    ylabels = [t.get_text() for t in main.yaxis.get_ticklabels() if t.get_text()]
    assert any(t.endswith(("k", "M")) for t in ylabels), ylabels


# --------------------------------------------------------------------------------------------
# the browser
# --------------------------------------------------------------------------------------------
def test_report_in_a_browser(compared, local_page):  # noqa: F811
    path = compared.out_dir / REPORT_NAME
    page = local_page(path, "report")
    assert page.errors == [], page.errors
    driver = page.driver
    for table in (
        "headline-table",
        "effectiveness-table",
        "levels-table",
        "anchors-table",
        "run-table",
    ):
        rows = driver.execute_script(
            "const t = document.getElementById(arguments[0]); return t ? t.rows.length : 0", table
        )
        assert rows >= 2, table
    widths = driver.execute_script(
        "return Array.from(document.images).map(i => i.complete ? i.naturalWidth : 0)"
    )
    assert len(widths) == 4 and all(w > 300 for w in widths), widths
    # the figures over time show the paired difference first, from the intervention, with units
    for name, unit in (("oc_harm_gbp", "£/week"), ("ocg_members", "people")):
        alt, caption = driver.execute_script(
            "const f = document.getElementById(arguments[0]);"
            "return [f.querySelector('img').alt, f.querySelector('figcaption').innerText]",
            f"fig-series-{name}",
        )
        assert alt.startswith(f"{PLAIN[name]}: paired difference against the baseline"), alt
        assert f"({unit}, full-scale equivalent)" in alt and "from week 52" in alt, alt
        assert "Top, the paired difference" in caption and "for context only" in caption
    # nothing was fetched: every resource the page loaded is the file itself or a data: URI
    requested = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert all(u.startswith(("data:", "file:")) for u in requested), requested
    for name in SCENARIOS:
        assert name in page.text
    assert "Holm" in page.text and "What was run" in page.text
    # the assurance appendix: what the intervals hold, the held-out scorecard, the anchors
    assert "Assurance appendix" in page.text and "one parameter set" in page.text
    heldout = driver.execute_script("return document.getElementById('assurance-heldout').innerText")
    assert "modern slavery" in heldout and "model range (seeds)" in heldout
    anchors = driver.execute_script("return document.getElementById('anchors-table').innerText")
    assert "in this report" in anchors and "drift at most" in anchors
    assert page.screenshot.stat().st_size > 20_000
    # it prints: Chromium's print-to-PDF (print CSS, A4) gives a document of several pages
    pdf = base64.b64decode(
        driver.execute_cdp_cmd("Page.printToPDF", {"printBackground": True})["data"]
    )
    (ARTIFACTS / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pdf.startswith(b"%PDF") and pages >= 3, pages


def test_the_appendix_measures_stationarity_on_the_baselines_own_runs(compared):
    from sim.analysis.comparison import baseline_point
    from sim.analysis.results import load_results
    from sim.policy.report.assurance import STATIONARY_DRIFT, stationarity

    res = load_results(compared.out_dir)
    base = baseline_point(res)
    drift, n = stationarity(res, base)
    # by hand: each baseline run's yearly mean membership against its first year's
    ids = res.runs[res.runs["point_id"] == base]["run_id"]
    series = res.series(["ocg_members"])
    worst = 0.0
    for run_id in ids:
        weekly = series[series["run_id"] == run_id].sort_values("week")["value"].to_numpy()
        yearly = [weekly[i : i + 52].mean() for i in range(0, len(weekly), 52)]
        worst = max(worst, max(abs(y / yearly[0] - 1) for y in yearly))
    assert n == len(ids) and drift == pytest.approx(worst)
    word = "pass" if drift < STATIONARY_DRIFT else "FAIL"
    html = (compared.out_dir / REPORT_NAME).read_text()
    assert f"<strong>{word}</strong>: the baseline's {n} runs drift at most {drift:.1%}" in html


def test_the_html_has_no_scripts_and_a_strict_content_policy(compared):
    html = (compared.out_dir / REPORT_NAME).read_text()
    assert "<script" not in html.lower() and "@import" not in html and "url(" not in html
    assert "default-src 'none'" in html
    data = json.loads((compared.out_dir / "manifest.json").read_text())
    assert data["experiment"].startswith("compare-")


def test_copying_the_report_alone_keeps_it_whole(compared, tmp_path):
    """The page needs no other file: every image is inline, every link is within the page."""
    html = (compared.out_dir / REPORT_NAME).read_text()
    targets = re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html)
    assert targets, "no images or links found: the pattern is wrong"
    outside = [t for t in targets if not t.startswith(("data:image/png;base64,", "#"))]
    assert not outside, outside
    copy = tmp_path / "sent-by-email.html"
    shutil.copy(compared.out_dir / REPORT_NAME, copy)
    assert copy.stat().st_size < 2_000_000


def test_worked_example_goes_from_question_to_report(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("policy_comparison", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    out = tmp_path / "example"
    args = TINY_ARGS[:-1] + ["--replicates", "2", "--out", str(out)]
    assert example.main(args) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("question: ") and "answer:" in printed
    assert "estimated time" in printed and "more_pios: OC harm" in printed
    assert (out / REPORT_NAME).is_file() and (out / "analysis").is_dir()
    # bad input: one line, exit 2, nothing written
    assert example.main(["--replicates", "1", "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--replicates 1" in err[0]
    assert not (tmp_path / "bad").exists()


def test_the_ranking_in_docs_sensitivity_is_read_into_the_report(compared, tmp_path, monkeypatch):
    from sim.policy.assumptions import doc_ranking

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "sensitivity.md").write_text(
        "# Sensitivity\n\nText.\n\n## Ranking for OC harm\n\n"
        "| rank | parameter | mu* |\n|---:|---|---|\n"
        "| 1 | `justice.conviction_exit_probability` | 0.31 |\n"
        "| 2 | **community.market_recovery_rate** | 0.22 |\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    ranking = doc_ranking()
    assert ranking.caption == "Ranking for OC harm" and ranking.header == [
        "rank",
        "parameter",
        "mu*",
    ]
    assert ranking.parameters == [
        "justice.conviction_exit_probability",
        "community.market_recovery_rate",
    ]
    html = build_report(compared.out_dir).html
    assert "ranking-table" in html and "Ranking for OC harm" in html
    assert 'id="assumptions-table"' not in html  # the ranking replaces the list


def test_influential_assumptions_come_from_morris_results_else_defaults(tmp_path):
    from sim.policy.assumptions import DEFAULT_ROBUSTNESS, influential, morris_ranking

    text = textwrap.dedent("""
        [experiment]
        name = "toy_morris"
        model = "toymodels:ishigami"
        schema = "toymodels:SCHEMA"
        seed = 5

        [design]
        type = "morris"
        trajectories = 6
        factors = { "toy.x1" = [-3.0, 3.0], "toy.x2" = [-3.0, 3.0], "toy.x3" = [-3.0, 3.0] }

        [execution]
        executor = "serial"
        """)
    out = tmp_path / "morris"
    run_experiment(parse_experiment(text, overrides={"out": str(out)}), progress=False)
    ranking = morris_ranking(out, outcome="y")
    assert sorted(ranking.parameters) == ["toy.x1", "toy.x2", "toy.x3"]
    assert morris_ranking(out, outcome="nothing") is None
    assert morris_ranking(tmp_path / "none") is None
    # toy factors are not model assumptions: the documented defaults are used
    names, source = influential(3, outcome="y", results=out)
    assert names == list(DEFAULT_ROBUSTNESS) and "defaults" in source
