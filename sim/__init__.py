"""ocgsim: an agent-based model of organised crime groups in prisons and of multi-agency disruption.

Quick start::

    from sim import OCGModel, load_scenario

    model = OCGModel(load_scenario("more_pios"), rng=42, scale=0.05, years=3)
    model.run()
    print(model.summary()["recruits_prison_per_1000_py"])

The exports are loaded lazily, so that ``import sim.experiments`` (and every experiment worker)
does not pay for importing the model and Mesa unless it runs them.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ocgsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

_EXPORTS = {
    "OCGModel": "sim.model.core",
    "Parameters": "sim.params",
    "ScenarioError": "sim.params",
    "Scenario": "sim.scenario",
    "load_scenario": "sim.scenario",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    """Import an export on first use."""
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
