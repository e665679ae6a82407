from __future__ import annotations

from pathlib import Path

import pytest

from sim.params import SECTIONS, ScenarioError, spec
from sim.scenario import load_scenario, parse_override, scenarios_dir

SCENARIO_FILES = sorted(scenarios_dir().glob("*.toml"))


def test_the_scenarios_the_design_asks_for_exist():
    names = {p.stem for p in SCENARIO_FILES}
    for needed in (
        "england_wales",
        "humberside",
        "recommendations",
        "italy_41bis",
        "brazil_factions",
        "shared_database",
        "simplified_software",
        "common_protocol",
        "more_pios",
        "liaison_officers",
        "trust_building",
    ):
        assert needed in names, needed


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_every_shipped_scenario_loads(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description
    params = scenario.parameters()
    for name, value in scenario.values.items():
        assert params[name] == value


def test_load_by_name_and_baseline():
    assert load_scenario("more_pios").values == {"intelligence.pios_per_1000": 3.0}
    assert load_scenario(None).values == {}


def test_overrides_win_over_the_scenario():
    params = load_scenario("more_pios").parameters({"intelligence.pios_per_1000": 5.0})
    assert params["intelligence.pios_per_1000"] == 5.0


def _write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD_FILES = {
    "unknown_section": ("[nonsense]\nx = 1\n", ["[nonsense]", "allowed sections", "justice"]),
    "unknown_key": ("[justice]\nofence_hazard = 0.01\n", ["justice.ofence_hazard", "allowed"]),
    "wrong_type": ('[justice]\noffence_hazard = "high"\n', ["justice.offence_hazard", "allowed"]),
    "out_of_range": ("[justice]\noffence_hazard = 2.0\n", ["justice.offence_hazard", "[0, 1]"]),
    "bad_choice": (
        '[disruption]\ntransfer_policy = "scatter"\n',
        ["disruption.transfer_policy", "'disperse'"],
    ),
    "malformed": ("[justice\noffence_hazard = 0.01\n", ["malformed TOML"]),
    "not_a_table": ("justice = 3\n", ["justice", "allowed sections"]),
    "bad_meta": ("[scenario]\ncolour = 'red'\n", ["scenario.colour", "name"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_raises_one_line(tmp_path, case):
    text, words = BAD_FILES[case]
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg, msg
    assert str(path) in msg, msg
    for w in words:
        assert w in msg, (w, msg)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and "no such scenario file" in msg


def test_missing_scenario_name():
    with pytest.raises(ScenarioError, match="no such scenario file") as err:
        load_scenario("no_such_scenario_name")
    assert "did you mean" not in str(err.value) and "the baseline is england_wales" in str(
        err.value
    )


def test_a_misspelt_scenario_name_gets_a_suggestion():
    with pytest.raises(ScenarioError, match="did you mean 'more_pios'"):
        load_scenario("more_pio")


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("intelligence.pios_per_1000=3", "intelligence.pios_per_1000", 3.0),
        ("sharing.common_database=true", "sharing.common_database", True),
        ("disruption.transfer_policy=disperse", "disruption.transfer_policy", "disperse"),
        ('disruption.transfer_policy="concentrate"', "disruption.transfer_policy", "concentrate"),
        ("estate.prisons = 12", "estate.prisons", 12),
    ],
)
def test_parse_override(text, name, value):
    got_name, got_value = parse_override(text)
    assert got_name == name
    assert got_value == value and type(got_value) is spec(name).kind


@pytest.mark.parametrize(
    "text",
    [
        "bad.key=1",
        "justice.nothing=1",
        "intelligence.pios_per_1000=-1",
        "novalue",
        "sharing.enabled=2",
    ],
)
def test_parse_override_rejects(text):
    with pytest.raises(ScenarioError) as err:
        parse_override(text)
    msg = str(err.value)
    assert "\n" not in msg and msg.startswith("--set")


def test_sections_are_the_documented_processes():
    for section in ("justice", "prison_life", "market", "intelligence", "sharing", "trust"):
        assert section in SECTIONS
