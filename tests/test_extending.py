"""A new process with two parameters, a metric and a costed lever is its files and one line.

The walk-through of ``docs/extending.md``, done for real on a copy of the package: a process
module, a parameter section (with its lever) and one line in the step order. Nothing else is
edited, and the run, the summary, the lever registry, the in-run cost and the optimiser's budget
all know the new process.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SECTION = '''"""Parameters of probation supervision (a test's new process)."""

from sim.params.schema import A, LeverSpec, ParamSpec

PARAMETERS = (
    ParamSpec("probation.contact_rate", 0.2, "1/week", "Weekly chance of a contact.", A, 0.0,
              1.0, lever=True),
    ParamSpec("probation.officer_cost", 50_000.0, "GBP/year", "Cost of an officer.", A, 0.0,
              1e7),
)
LEVERS = (
    LeverSpec("probation.contact_rate", "contact_rate", "float", "Probation contacts", "1/week",
              0.0, 1.0, 0.1, (0.0, 1.0), ("probation.officer_cost",), "per_region"),
)
'''

PROCESS = '''"""Probation supervision (a test's new process)."""

from sim.metrics import flow
from sim.process import Process


class Probation(Process):
    """Contacts with people on licence."""

    name = "probation"
    READS = ("justice.on_licence",)
    METRICS = (flow("supervision_contacts", "contacts", "Probation contacts this week."),)

    def step(self) -> None:
        """This week's contacts."""
        people = self.model.justice.on_licence
        rate = self.model.params.probation.contact_rate
        self.count.supervision_contacts += int((self.rng.random(people.size) < rate).sum())
'''

CHECK = """
import json
from sim.levers import DECLARED
from sim.model.core import OCGModel
from sim.policy.budget import AnnualCost

def run(rate):
    model = OCGModel(rng=3, scale=0.02, years=2, intervention_week=52,
                     **{"probation.contact_rate": rate})
    model.run()
    return model.summary()

on, off = run(0.5), run(0.0)
budget = AnnualCost()
print(json.dumps({
    "declared": [s.param for s in DECLARED],
    "contacts_on": on["supervision_contacts_per_year"],
    "contacts_off": off["supervision_contacts_per_year"],
    "cost_on": on["cost_million_per_year"],
    "cost_off": off["cost_million_per_year"],
    "budget_step": budget.total({"probation.contact_rate": 0.5})
    - budget.total({"probation.contact_rate": 0.0}),
    "regions": budget.world.regions,
}))
"""


def test_a_new_process_is_its_module_its_parameters_and_one_line(tmp_path):
    copy = tmp_path / "sim"
    shutil.copytree(ROOT / "sim", copy, ignore=shutil.ignore_patterns("__pycache__", "data"))
    (copy / "data").symlink_to(ROOT / "sim" / "data")
    (copy / "params" / "sections" / "probation.py").write_text(SECTION)
    (copy / "processes" / "probation.py").write_text(PROCESS)
    core = copy / "model" / "core.py"
    text = core.read_text()
    step_order = "    Harm,\n    Costs,\n)"
    assert step_order in text
    text = text.replace(step_order, "    Harm,\n    Probation,\n    Costs,\n)")  # the one line
    text = text.replace(
        "from sim.processes.prison_life import PrisonLife\n",
        "from sim.processes.prison_life import PrisonLife\n"
        "from sim.processes.probation import Probation\n",
    )
    core.write_text(text)
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=tmp_path,
        env={
            "PYTHONPATH": str(tmp_path),
            "PATH": "/usr/bin:/bin",
            "NUMBA_CACHE_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["declared"] == ["probation.contact_rate"]
    assert out["contacts_on"] > 0 and out["contacts_off"] == 0  # drawn, counted and summarised
    # priced per region by the registry's one formula, in the run and in the budget alike
    expected = 0.5 * out["regions"] * 50_000.0 / 1e6  # GBP million a year at full scale
    assert abs(out["budget_step"] - expected) < 1e-9
    assert out["cost_on"] > out["cost_off"]
