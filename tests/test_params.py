from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from sim.params import PARAMETERS, SECTIONS, Parameters, ScenarioError, defaults, spec


def test_every_parameter_is_documented_and_its_default_is_valid():
    names = [p.name for p in PARAMETERS]
    assert len(names) == len(set(names)), "duplicate parameter names"
    for p in PARAMETERS:
        assert p.section in SECTIONS
        assert p.doc and p.unit and p.source, p.name
        assert p.check(p.default, "defaults") == p.default
        if p.kind in (int, float):
            assert p.low is not None and p.high is not None and p.low <= p.high, p.name
        if p.kind is str:
            assert p.choices and p.default in p.choices, p.name


def test_each_section_module_holds_its_own_section_in_table_order():
    """One module per section of the table: its specs are all ``<module>.<key>``, and the table
    (hence ``SECTIONS`` and docs/parameters.md) follows ``SECTION_MODULES`` module by module."""
    from sim.params.sections import SECTION_MODULES

    names = [m.__name__.rsplit(".", 1)[1] for m in SECTION_MODULES]
    assert list(SECTIONS) == names
    joined = []
    for module, name in zip(SECTION_MODULES, names, strict=True):
        assert module.PARAMETERS, name
        assert {p.section for p in module.PARAMETERS} == {name}
        joined += module.PARAMETERS
    assert tuple(joined) == PARAMETERS


def test_odd_names_every_parameter():
    """docs/odd.md stays in step with the schema: each parameter is named in code font, in full
    (``section.key``) or by its key within its section's text."""
    odd = (Path(__file__).resolve().parents[1] / "docs" / "odd.md").read_text(encoding="utf-8")
    words = set()
    for span in re.findall(r"`([^`]+)`", odd):
        words.update(re.split(r"[\s,=()/]+", span))
    missing = [p.name for p in PARAMETERS if p.name not in words and p.key not in words]
    assert not missing, f"docs/odd.md does not name: {missing}"


def test_levers_include_the_research_recommendations():
    levers = {p.name for p in PARAMETERS if p.lever}
    for name in (
        "intelligence.pios_per_1000",
        "intelligence.common_protocol",
        "sharing.enabled",
        "sharing.common_database",
        "sharing.software_complexity",
        "sharing.approval_weeks",
        "sharing.liaison_officers",
        "trust.meetings_local",
        "trust.meetings_regional",
        "trust.meetings_national",
        "disruption.transfer_policy",
        "regime.isolate_leaders",
    ):
        assert name in levers, name


def test_defaults_resolve_and_attribute_access_matches_item_access():
    params = Parameters()
    assert params.as_dict() == defaults()
    assert params.justice.offence_hazard == params["justice.offence_hazard"]
    assert params.changed() == {}


def test_int_is_coerced_to_float():
    params = Parameters({"justice.offence_hazard": 0})
    assert isinstance(params["justice.offence_hazard"], float)


def test_with_levers_at_baseline_resets_only_levers():
    values = {"intelligence.pios_per_1000": 8.0, "justice.offence_hazard": 0.01}
    base = Parameters(values).with_levers_at_baseline()
    assert base["intelligence.pios_per_1000"] == spec("intelligence.pios_per_1000").default
    assert base["justice.offence_hazard"] == 0.01


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("justice.offence_hazard", 1.5, "out of range"),
        ("justice.offence_hazard", -0.1, "out of range"),
        ("justice.offence_hazard", "high", "wrong type"),
        ("justice.offence_hazard", True, "wrong type"),
        ("justice.offence_hazard", math.nan, "NaN"),
        ("estate.prisons", 2.5, "wrong type"),
        ("sharing.enabled", 1, "wrong type"),
        ("disruption.transfer_policy", "scatter", "not allowed"),
        ("run.world", 3, "wrong type"),
    ],
)
def test_bad_values_raise_one_line_naming_key_and_rule(name, value, words):
    with pytest.raises(ScenarioError) as err:
        Parameters({name: value}, where="here.toml")
    msg = str(err.value)
    assert "\n" not in msg
    assert "here.toml" in msg and name in msg and words in msg and "allowed" in msg


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("justice.no_such_key", "allowed keys in [justice]"),
        ("nosection.key", "allowed sections"),
        ("nodot", "section.key"),
    ],
)
def test_unknown_names_raise_with_suggestion(name, hint):
    with pytest.raises(ScenarioError) as err:
        Parameters({name: 1}, where="x.toml")
    msg = str(err.value)
    assert "\n" not in msg and name in msg and hint in msg


def test_every_test_the_odd_names_exists():
    """docs/odd.md §4.1 names a test for each barrier and recommendation: it must exist."""
    import ast

    tests = Path(__file__).resolve().parent
    odd = (tests.parent / "docs" / "odd.md").read_text(encoding="utf-8")
    table = odd[odd.index("### 4.1") : odd.index("### 4.2")]
    named = re.findall(r"`(?:(test_\w+\.py)::)?(test_\w+)`", table)
    assert len(named) >= 15
    defined: dict[str, set[str]] = {}
    for path in tests.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined[path.name] = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    for file, name in named:
        assert name in defined[file or "test_paths.py"], f"{file or 'test_paths.py'}::{name}"
