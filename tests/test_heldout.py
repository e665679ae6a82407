"""The held-out scorecard: the frozen file, its validation, its table, a guard against tuning."""

from __future__ import annotations

import math
import re
import textwrap

import pytest
from clihelp import ROOT, cli

from sim.analysis import units
from sim.calibration import TARGETS
from sim.heldout import heldout_table, load_heldout, resolve_metric
from sim.params import PARAMETERS, ScenarioError

GOOD = textwrap.dedent("""
    frozen = "2026-12-05"

    [figure.share]
    label = "share of prisoners linked to OCGs"
    published = "0.5"
    value = [0.5]
    low = 0.4
    high = 0.6
    unit = "1"
    source = "a test"
    status = "V"
    metric = "prisoners_ocg_share"
    how = "window mean"
    why = "a test"

    [figure.members]
    label = "members inside per member"
    published = "0.2"
    value = [0.2]
    low = 0.1
    high = 0.3
    unit = "1"
    source = "a test"
    status = "D"
    metric = "ocg_members_in_prison"
    denominator = "ocg_members"
    how = "ratio of window means"
    why = "a test"

    [figure.recalls]
    label = "recalls a year"
    published = "at most 1,000"
    value = [1000.0]
    low = 0.0
    high = 1000.0
    unit = "people a year"
    source = "a test"
    status = "V"
    metric = "recalls"
    how = "full-scale equivalent"
    why = "a test"

    [figure.future]
    label = "a metric still to come"
    published = "1"
    value = [1.0]
    low = 0.5
    high = 1.5
    unit = "1"
    source = "a test"
    status = "V"
    metric = "not_reported_yet"
    how = "later"
    why = "a test"
    awaiting = true
    """)


def _write(tmp_path, text, name="figures.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_shipped_file_loads_and_every_figure_names_a_reported_or_awaited_metric():
    figures = load_heldout()
    assert figures, "no held-out figure"
    names = units.summary_names()
    for f in figures:
        reported = all(resolve_metric(m, names) for m in (f.metric, f.denominator) if m)
        assert reported or f.awaiting, f"{f.name}: {f.metric} is neither reported nor awaited"
        assert f.low <= f.high and f.source and f.why and f.how
    assert len({f.name for f in figures}) == len(figures)


#: Equal numbers that are not a use of the figure: (figure, parameter, why).
COINCIDENCES = {
    ("mdt_positive_rate", "estate.share_open"): "7% of prisons are open prisons (an assumption)",
}


def _uses(figures) -> list[str]:
    """Where a held-out figure's published numbers are used to tune: a calibration target's
    bound, a parameter's default or plausible bound, or a number quoted in calibration.md's
    tables of sources and targets."""
    used: list[tuple[str, float]] = []
    for t in TARGETS:
        used += [(f"target {t.metric}", t.low), (f"target {t.metric}", t.high)]
    for p in PARAMETERS:
        for x in (p.default, *(p.plausible or ())):
            if isinstance(x, int | float) and not isinstance(x, bool):
                used.append((p.name, float(x)))
    used = [(who, u) for who, u in used if u != 0]
    doc = (ROOT / "docs" / "calibration.md").read_text()
    quoted = doc.split("## Parameters with a published source", 1)[1].split("## Derivations")[0]
    quoted += doc.split("## Calibration targets", 1)[1].split("**What was tuned")[0]
    found = []
    for f in figures:
        for v in (*f.value, *(b for b in (f.low, f.high) if b)):
            found += [
                f"{f.name}: {v} is a value of {who}"
                for who, u in used
                if math.isclose(u, v, rel_tol=1e-6) and (f.name, who) not in COINCIDENCES
            ]
        for v in f.value:
            if v >= 1000 and v == int(v) and v < 1e9 and f"{int(v):,}" in quoted:
                found.append(f"{f.name}: {int(v):,} is quoted in calibration.md")
    return found


def test_no_held_out_figure_was_used_as_a_target_or_a_parameter_default(tmp_path):
    assert _uses(load_heldout()) == []
    # the guard finds a figure that is a parameter's source (capacity 89,543) or a target's
    planted = GOOD.replace("value = [0.5]", "value = [89543.0, 74000.0]", 1)
    uses = _uses(load_heldout(_write(tmp_path, planted)))
    assert any("estate.capacity" in u for u in uses), uses
    assert any("89,543 is quoted" in u for u in uses), uses


def test_the_table_compares_the_model_with_each_figure(tmp_path):
    figures = load_heldout(_write(tmp_path, GOOD))
    scale = 0.1
    runs = [
        {
            "prisoners_ocg_share": 0.5,
            "ocg_members_in_prison": 2.0,
            "ocg_members": 10.0,
            "recalls_per_year": 90.0,
        },
        {
            "prisoners_ocg_share": 0.7,
            "ocg_members_in_prison": 2.0,
            "ocg_members": 10.0,
            "recalls_per_year": 110.0,
        },
    ]
    table = heldout_table(runs, scale, figures)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines()}
    assert "| 0.600 | 0.500-0.700 | yes |" in rows["share of prisoners linked to OCGs"]
    assert "| 0.200 | 0.200-0.200 | yes |" in rows["members inside per member"]
    # recalls are a count: 100 a year at scale 0.1 is 1,000 at full scale, on the bound
    assert "| <= 1,000 | 1,000 | 900-1,100 | yes |" in rows["recalls a year"]
    assert "awaiting metric" in rows["a metric still to come"]
    assert "1 of 4 figures await a metric" in table
    runs[0]["prisoners_ocg_share"] = runs[1]["prisoners_ocg_share"] = 0.9
    assert "| NO |" in heldout_table(runs, scale, figures)


def _broken(tmp_path, old, new):
    assert old in GOOD
    return _write(tmp_path, GOOD.replace(old, new, 1))


BAD = {
    "missing_key": ('how = "window mean"\n', "", ["figure.share.how", "missing"]),
    "unknown_key": ('why = "a test"\n', 'why = "a test"\nweight = 2\n', ["weight", "allowed"]),
    "band_reversed": ("high = 0.6", "high = 0.3", ["figure.share.high", ">= low"]),
    "value_not_list": ("value = [0.5]", "value = 0.5", ["figure.share.value", "list"]),
    "value_empty": ("value = [0.5]", "value = []", ["figure.share.value", "list"]),
    "low_not_number": ("low = 0.4", 'low = "0.4"', ["figure.share.low", "a number"]),
    "low_nan": ("low = 0.4", "low = nan", ["figure.share.low", "a number"]),
    "bad_status": ('status = "V"', 'status = "R"', ["figure.share.status", "V or D"]),
    "bad_metric_name": ('"prisoners_ocg_share"', '"Share of X"', ["figure.share.metric"]),
    "unreported_metric": (
        '"prisoners_ocg_share"',
        '"no_such_metric"',
        ["figure.share.metric", "no_such_metric", "awaiting = true"],
    ),
    "awaiting_not_bool": ("awaiting = true", 'awaiting = "yes"', ["figure.future.awaiting"]),
    "no_frozen": ('frozen = "2026-12-05"', "", ["frozen"]),
    "unknown_top": ('frozen = "2026-12-05"', 'frozen = "x"\nnote = 1', ["note", "allowed"]),
    "malformed": ("[figure.share]", "[figure.share", ["malformed TOML"]),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_file_is_refused_in_one_line_naming_file_and_key(tmp_path, case):
    old, new, words = BAD[case]
    path = _broken(tmp_path, old, new)
    with pytest.raises(ScenarioError) as exc:
        load_heldout(path)
    message = str(exc.value)
    assert "\n" not in message and str(path) in message, message
    if case != "malformed":
        assert "allowed" in message, message
    for word in words:
        assert word in message, message


def test_a_file_without_figures_or_missing_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="figure: missing"):
        load_heldout(_write(tmp_path, 'frozen = "2026-12-05"\n'))
    with pytest.raises(ScenarioError, match="no such file"):
        load_heldout(tmp_path / "absent.toml")


def test_calibrate_refuses_a_bad_held_out_file_before_any_run(tmp_path, capsys):
    path = _broken(tmp_path, 'status = "V"', 'status = "R"')
    code, text, err = cli(
        capsys, ["calibrate", "--seeds", "1", "--scale", "0.02", "--heldout", str(path)]
    )
    assert code == 2 and text == ""
    assert len(err) == 1
    assert str(path) in err[0] and "figure.share.status" in err[0]


def test_calibrate_prints_the_held_out_table_beside_the_targets(tmp_path, capsys):
    path = _write(tmp_path, GOOD)
    # 4 years: over a 3-year run, proven reoffending is counted on too few releases and can miss
    # its target by chance, which would set the exit status this test is not about
    args = ["calibrate", "--seeds", "1", "--scale", "0.02", "--years", "4", "--quiet"]
    code, text, _ = cli(capsys, [*args, "--heldout", str(path)])
    assert code == 0, text
    targets, heldout = text.split("Held out (never used to set a parameter)")
    assert "| quantity | target | model mean |" in targets
    assert all(t.label in targets for t in TARGETS)
    assert "| figure | published | band | model mean |" in heldout
    share = next(line for line in heldout.splitlines() if line.startswith("| share of"))
    assert re.search(r"\| 0\.\d{3} \| 0\.\d{3}-0\.\d{3} \| (yes|NO) \|", share), share
    assert "awaiting metric" in heldout
