"""ocgsim: an agent-based model of organised crime groups in prisons and of multi-agency disruption.

Quick start::

    from sim import OCGModel, load_scenario

    model = OCGModel(load_scenario("more_pios"), rng=42, scale=0.05, years=3)
    model.run()
    print(model.summary()["recruits_prison_per_1000_py"])
"""

from importlib.metadata import PackageNotFoundError, version

from sim.model import OCGModel
from sim.params import Parameters, ScenarioError
from sim.scenario import Scenario, load_scenario

try:
    __version__ = version("ocgsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["OCGModel", "Parameters", "Scenario", "ScenarioError", "load_scenario", "__version__"]
