"""Who acts on a street's directory and rosters: the street admin, a community's staff, the server."""

from __future__ import annotations

import dataclasses
import enum


class StaffRole(enum.StrEnum):
    STREET_ADMIN = "street_admin"  # 街道管理员: creates communities and staff accounts
    STAFF = "staff"  # 社工: works for one community (its roster, later its meetings, topics and publicity)
    # The server itself, acting on the admin token: it may only create the first street admin.
    SYSTEM = "system"


ACCOUNT_ROLES: tuple[StaffRole, ...] = (StaffRole.STREET_ADMIN, StaffRole.STAFF)


@dataclasses.dataclass(frozen=True, slots=True)
class StaffActor:
    """A signed-in account as the edge resolved it once: its id, role and (for staff) its community."""

    account_id: str
    role: StaffRole
    community_id: str | None = None

    @classmethod
    def system(cls) -> StaffActor:
        return cls("system", StaffRole.SYSTEM)

    def serves(self, community_id: str) -> bool:
        """Whether this actor may work on ``community_id`` (the street admin on every community)."""
        if self.role is StaffRole.STREET_ADMIN:
            return True
        return self.role is StaffRole.STAFF and self.community_id == community_id
