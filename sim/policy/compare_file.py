"""The experiment file that ``ocgsim compare`` generates, and the scenario files it names.

:func:`check_scenarios` checks the scenarios named and reads each file's SHA-256;
:func:`experiment_text` writes the experiment file, with these in one comment line per scenario
(:data:`SHA_PREFIX`), so the files' contents are part of the comparison's identity.
:func:`check_scenario_files` reads them back when a folder is resumed and names, in one line, the
file that changed since its runs were made.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from sim.params import ScenarioError

__all__ = [
    "SHA_PREFIX",
    "check_scenario_files",
    "check_scenarios",
    "experiment_text",
    "recorded_digests",
    "slug",
]

#: How the generated experiment file records a scenario file's contents: ``<prefix><label> <sha>``.
SHA_PREFIX = "# sha256 of scenario "


def slug(text: str) -> str:
    """``text`` as a part of a file or experiment name (letters, digits, ``_.-``)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "scenario"


def _toml_str(text: str) -> str:
    return json.dumps(text)


def check_scenarios(refs: Sequence[str]) -> list[tuple[str, str, str]]:
    """Check the scenarios of a comparison and read their files' contents.

    Args:
        refs: Scenario names (shipped or in ``./scenarios/``) or files.

    Returns:
        ``(label, reference for the experiment, SHA-256 of the file's contents)`` per scenario.

    Raises:
        ScenarioError: One line naming the scenario and what is allowed.
    """
    from sim.scenario import load_scenario, scenarios_dir

    if not refs:
        raise ScenarioError(
            "SCENARIO: none given; allowed: one or more scenario names or files (ocgsim "
            "scenarios lists the shipped ones)"
        )
    out: list[tuple[str, str]] = []
    baseline = load_scenario(None)
    baseline_values = baseline.parameters().as_dict()
    for ref in refs:
        scenario = load_scenario(ref)  # one line naming the file and what is allowed
        if scenario.path is None:
            raise ScenarioError(f"{ref}: not a scenario file")
        same = scenario.parameters().as_dict() == baseline_values
        if same and scenario.schedule == baseline.schedule:
            raise ScenarioError(
                f"{ref}: changes nothing from the baseline ({baseline.name}), which every "
                "comparison runs already; allowed: scenarios that change a parameter or a schedule"
            )
        if scenario.path.resolve().parent == scenarios_dir():
            resolved = scenario.path.stem
        else:
            resolved = str(scenario.path.resolve())
        try:
            digest = hashlib.sha256(scenario.path.read_bytes()).hexdigest()
        except OSError as exc:
            raise ScenarioError(f"{scenario.path}: cannot be read ({exc.strerror})") from None
        label = scenario.name
        if label in ("baseline", *(lab for lab, _, _ in out)):
            raise ScenarioError(
                f"{ref}: scenario name {label!r} is given twice (or is 'baseline', the name of "
                "the comparison's baseline); allowed: each scenario once"
            )
        out.append((label, resolved, digest))
    return out


def experiment_text(
    chosen: Sequence[tuple[str, str, str]],
    settings: dict[str, Any],
    short_window: bool,
    series: Sequence[str],
) -> str:
    """The generated experiment file of a comparison (the baseline and each scenario).

    Args:
        chosen: ``(label, reference, SHA-256)`` per scenario (from :func:`check_scenarios`).
        settings: The checked ``replicates``, ``scale``, ``years``, ``intervention_week`` and
            ``seed`` (see :func:`sim.policy.compare.comparison_experiment`).
        short_window: Whether the experiment allows a short summary window.
        series: The weekly series to keep.
    """
    labels = [label for label, _, _ in chosen]
    name = "compare-" + "-".join(slug(label) for label in labels)
    if len(name) > 80:
        name = name[:70] + "-" + hashlib.sha256(name.encode()).hexdigest()[:8]
    listed = ", ".join(_toml_str(ref) for _, ref, _ in chosen)
    metrics = ", ".join(_toml_str(s) for s in series)
    digests = "".join(f"\n{SHA_PREFIX}{label} {digest}" for label, _, digest in chosen)
    return f"""# Written by ocgsim compare: the baseline against {", ".join(labels)}.
# Replicate r has the same seed in every scenario (common random numbers).
# The contents of the scenario files (SHA-256) are part of the comparison: after an edit the
# stored runs are not reused.{digests}

[experiment]
name = {_toml_str(name)}
description = {_toml_str("Baseline (England & Wales) against " + ", ".join(labels) + ".")}
seed = {settings["seed"]}
replicates = {settings["replicates"]}
years = {settings["years"]}
burn_in_weeks = {settings["intervention_week"]}
scale = {settings["scale"]!r}
allow_short_window = {"true" if short_window else "false"}

[design]
type = "scenarios"
baseline = "baseline"
scenarios = [{listed}]

[output]
series = true
series_metrics = [{metrics}]
"""


def recorded_digests(text: str) -> dict[str, str]:
    """Scenario label -> SHA-256 of its file, from a generated experiment file's text."""
    out = {}
    for line in text.splitlines():
        if line.startswith(SHA_PREFIX):
            label, _, digest = line[len(SHA_PREFIX) :].rpartition(" ")
            out[label] = digest
    return out


def check_scenario_files(experiment: Any, store: Any) -> None:
    """Refuse, in one line naming the file, a folder whose runs used another version of it.

    The contents of the scenario files are part of the comparison (their SHA-256 is in its
    experiment file, so in its digest): after an edit the folder holds a different comparison,
    which the engine refuses; this says which file changed. A folder of an earlier ocgsim, which
    recorded no contents, is refused too: whether its files changed cannot be told.

    Raises:
        ScenarioError: If the folder holds this comparison made with other file contents.
    """
    if not store.exists():
        return
    try:
        if store.manifest().get("experiment_sha256") == experiment.digest():
            return
        stored = (store.path / "experiment.toml").read_text(encoding="utf-8")
    except (OSError, ValueError):
        return  # not this comparison's folder: the engine's check says so

    def settings(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("#")]

    if settings(stored) != settings(experiment.text):
        return  # another comparison (other files or settings): the engine's check says so
    theirs = recorded_digests(stored)
    if not theirs:
        raise ScenarioError(
            f"--out {store.path}: holds this comparison made by an earlier ocgsim, which did not "
            "record the contents of its scenario files, so whether they changed since cannot be "
            f"told; allowed: another --out, or delete {store.path} to run it again"
        )
    refs = {label: ref for label, ref, _ in experiment.scenarios}
    for label, digest in recorded_digests(experiment.text).items():
        if label in theirs and theirs[label] != digest:
            raise ScenarioError(
                f"{refs.get(label, label)}: the scenario file has changed since the runs in "
                f"{store.path} were made (its SHA-256 differs from the one recorded there); "
                "allowed: the file as it was, to continue that comparison, or another --out "
                f"(or delete {store.path}) to start again"
            )
