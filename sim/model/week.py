"""The week index: who is a member, and who is a member in prison, this week.

Several processes need the OCG members (every member, and those in prison) as sorted index
arrays. The model builds them at declared points of the week, not a process: before each process
whose ``INDEX_BEFORE`` is true (prison life, after justice's releases and arrests), and at the end
of the week for the records. Prison life adds its recruits as it makes them
(:meth:`WeekIndex.add_members_inside`), so the index stays true until the police operations and
the community's exits, which read it as "the members indexed this week" and check membership
where it may have changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.state.population import AT_LARGE

if TYPE_CHECKING:
    from sim.model.core import OCGModel

__all__ = ["WeekIndex"]


class WeekIndex:
    """Index arrays of the week (see the module's docstring for when they are made).

    Args:
        model: The model.

    Attributes:
        members: Every OCG member.
        members_inside: Members in prison.
    """

    def __init__(self, model: OCGModel):
        pop = model.population
        self.members = model.ocgs.member_rows()
        self.members_inside = self.members[pop.status[self.members] != AT_LARGE]

    def add_members_inside(self, people: np.ndarray) -> None:
        """Count ``people`` (sorted, in prison, who were in no OCG) among the members now."""
        for name in ("members", "members_inside"):
            rows = getattr(self, name)
            setattr(self, name, np.insert(rows, np.searchsorted(rows, people), people))
