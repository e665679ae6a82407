"""The live dashboard, by Mesa's convention: ``solara run app.py`` (or ``ocgsim dashboard``).

The page is :func:`sim.policy.dashboard.Page`; it needs the optional extra ``viz``
(``pip install -e '.[viz]'``).
"""

from sim.policy.dashboard import Page

__all__ = ["Page"]
