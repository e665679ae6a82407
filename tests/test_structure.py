"""The house rules of the code's layout, checked on the source (no simulation).

- a process is its module and one line in the step order: every reads of another process's state
  is declared in its ``READS``, the declarations match the code and ``docs/odd.md``'s table, and
  no process module imports another (what they share lives in ``sim.processes.custody``);
- random streams are keyed by name, so a new process leaves every other stream's draws alone;
- no import cycle inside ``sim/`` (counting imports inside functions), no file over the line limit
  and no function over about 80 lines.
"""

import ast
import re
from pathlib import Path

import numpy as np
import pytest

from sim.model.core import PROCESSES, OCGModel, named_stream
from sim.process import MODEL_SURFACE, Process

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "sim"
PROCESS_NAMES = {cls.name for cls in PROCESSES}

#: The line limit of a file in sim/, and the files allowed above it, each with its reason.
MAX_LINES = 500
OVER_THE_LIMIT: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in SIM.rglob("*.py")}


def imports(path: Path) -> set[str]:
    """Modules of sim/ that ``path`` imports at run time (in functions too; not TYPE_CHECKING)."""
    out: set[str] = set()

    def visit(node: ast.AST, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            tc = type_checking or (
                isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test)
            )
            if (
                not tc
                and isinstance(child, ast.ImportFrom)
                and (child.module or "").startswith("sim")
            ):
                for alias in child.names:
                    full = f"{child.module}.{alias.name}"
                    out.add(full if full in MODULES else child.module)
            elif not tc and isinstance(child, ast.Import):
                out.update(a.name for a in child.names)
            visit(child, tc)

    visit(ast.parse(path.read_text()), False)
    return {m for m in out if m in MODULES}


def cross_reads(path: Path) -> set[str]:
    """``process.attribute`` for every ``model.<process>.<attribute>`` in a module's code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            owner = inner.value
            on_model = (isinstance(owner, ast.Name) and owner.id in ("model", "m")) or (
                isinstance(owner, ast.Attribute) and owner.attr == "model"
            )
            if on_model and inner.attr in PROCESS_NAMES:
                found.add(f"{inner.attr}.{node.attr}")
    return found


@pytest.mark.parametrize("cls", PROCESSES, ids=lambda c: c.name)
def test_a_process_declares_what_it_reads_of_the_others(cls):
    # the process's module, and those of its base classes among the processes' modules
    paths = {
        Path(__import__(base.__module__, fromlist=["x"]).__file__)
        for base in cls.__mro__
        if base.__module__.startswith("sim.processes.")
    }
    in_code = {r for p in paths for r in cross_reads(p) if not r.startswith(f"{cls.name}.")}
    assert in_code == set(cls.READS), f"{cls.name}: READS {cls.READS}, code reads {in_code}"
    for read in cls.READS:
        owner, attribute = read.split(".", 1)
        assert owner in PROCESS_NAMES and owner != cls.name


def model_reads(path: Path) -> set[str]:
    """Every attribute read of ``model`` or ``<anything>.model`` in a module's code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute):
            owner = node.value
            if (isinstance(owner, ast.Name) and owner.id == "model") or (
                isinstance(owner, ast.Attribute) and owner.attr == "model"
            ):
                found.add(node.attr)
    return found


def test_processes_read_only_the_declared_surface_of_the_model():
    for path in sorted((SIM / "processes").glob("*.py")):
        outside = model_reads(path) - MODEL_SURFACE - PROCESS_NAMES
        assert not outside, f"{path.name} reads model.{sorted(outside)} (not in MODEL_SURFACE)"


def test_the_odd_step_table_lists_each_process_and_its_reads():
    table = {}
    for line in (ROOT / "docs" / "odd.md").read_text().splitlines():
        m = re.match(r"\| \d+ \| `(\w+)` \(`\w+`\) \|[^|]*\| (.*) \|$", line)
        if m:
            table[m.group(1)] = set(re.findall(r"`(\w+\.\w+)`", m.group(2)))
    assert list(table) == [cls.name for cls in PROCESSES]  # the step order
    for cls in PROCESSES:
        assert table[cls.name] == set(cls.READS), cls.name


def test_no_process_module_imports_another_or_the_model():
    process_modules = {cls.__module__ for cls in PROCESSES}
    for module in process_modules:
        imported = imports(MODULES[module])
        assert not imported & (process_modules - {module}), module
        assert not any(m.startswith("sim.model") for m in imported), module


def test_no_import_cycle_inside_sim():
    graph = {m: imports(p) for m, p in MODULES.items()}
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph[module]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt] if nxt in path else [module, nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_cycle_check_finds_a_cycle(tmp_path, monkeypatch):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("def f():\n    from sim.b import g\n")
    b.write_text("from sim.a import f\n")
    monkeypatch.setitem(MODULES, "sim.a", a)
    monkeypatch.setitem(MODULES, "sim.b", b)
    assert imports(a) == {"sim.b"} and imports(b) == {"sim.a"}
    with pytest.raises(pytest.fail.Exception, match="import cycle"):
        test_no_import_cycle_inside_sim()


def test_no_file_in_sim_is_over_the_line_limit():
    over = {
        str(p.relative_to(ROOT)): n
        for p in SIM.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    unexplained = {f: n for f, n in over.items() if f not in OVER_THE_LIMIT}
    assert not unexplained, f"over {MAX_LINES} lines: {unexplained}"
    assert set(OVER_THE_LIMIT) <= set(over), "an exception no longer needed"


#: The length limit of a function in sim/ (lines from ``def`` to its end, docstring included).
MAX_FUNCTION_LINES = 85


def test_no_function_in_sim_is_over_the_length_limit():
    long = {}
    for path in SIM.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"] = lines
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def test_streams_are_keyed_by_name_not_position():
    root = np.random.default_rng(7)
    a, b = named_stream(root, "justice"), named_stream(root, "justice")
    assert np.array_equal(a.random(5), b.random(5))
    assert not np.array_equal(named_stream(root, "market").random(5), b.random(5))


def test_a_new_process_leaves_every_other_stream_alone(monkeypatch):
    class Probe(Process):
        name = "probe"

        def step(self) -> None:
            self.rng.random(1000)

    def first_draws(model):
        return {p.name: p.rng.bit_generator.state["state"]["state"] for p in model.processes}

    before = first_draws(OCGModel(rng=5, scale=0.02, years=1))
    monkeypatch.setattr("sim.model.core.PROCESSES", (Probe, *PROCESSES[::-1]))
    after = first_draws(OCGModel(rng=5, scale=0.02, years=1))
    assert after.pop("probe")
    assert after == before


def test_a_process_without_a_name_is_refused():
    class Nameless(Process):
        def step(self) -> None:
            pass

    with pytest.raises(TypeError, match="no name"):
        Nameless(OCGModel(rng=1, scale=0.02, years=1))


def test_a_process_may_not_take_a_name_already_used_on_the_model(monkeypatch):
    class World(Process):
        name = "world"

        def step(self) -> None:
            pass

    monkeypatch.setattr("sim.model.core.PROCESSES", (*PROCESSES, World))
    with pytest.raises(TypeError, match="'world' is already taken"):
        OCGModel(rng=1, scale=0.02, years=1)
