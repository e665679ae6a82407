"""The experiment package's modules: what they share is public, and every export resolves."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sim.experiments

ROOT = Path(__file__).resolve().parents[1]


def _private_imports(path: Path) -> list[str]:
    """``module.name`` of every private name ``path`` imports from ``sim``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sim"):
            found += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
    return found


def test_no_private_name_is_imported_from_another_module():
    files = sorted((ROOT / "sim" / "experiments").glob("*.py"))
    files.append(ROOT / "sim" / "policy" / "compare.py")
    assert len(files) > 10
    offenders = {str(f.relative_to(ROOT)): _private_imports(f) for f in files}
    assert {f: names for f, names in offenders.items() if names} == {}


def test_the_check_finds_a_private_import(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from sim.experiments.folder import _record, run_prefix\n")
    assert _private_imports(path) == ["sim.experiments.folder._record"]


@pytest.mark.parametrize("name", sim.experiments.__all__)
def test_every_export_resolves_to_a_public_name_of_its_module(name):
    obj = getattr(sim.experiments, name)
    module = obj.__module__
    assert module.startswith("sim.experiments.")
    assert getattr(__import__(module, fromlist=[name]), name) is obj
