"""Who may do what: roles, their permissions, and the `Principal` a request acts as (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    DUTY = "duty"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    OFFICER = "officer"


class Permission(StrEnum):
    VIEW_CONSOLE = "console:view"
    READ_INCIDENTS = "incidents:read"  # incidents, their detail and the live stream
    READ_REGISTRY = "registry:read"  # sites, devices, officers
    ACT_ON_INCIDENTS = "incidents:act"  # acknowledge, dispatch, resolve, loudspeaker warnings
    SUPERVISE = "supervision:view"  # escalations, history, response-time reports
    MANAGE_ACCOUNTS = "accounts:manage"  # users and API tokens
    OWN_DISPATCHES = "dispatches:own"  # an officer's own dispatches (scoped by officer_id)


_DESK = frozenset(
    {
        Permission.VIEW_CONSOLE,
        Permission.READ_INCIDENTS,
        Permission.READ_REGISTRY,
        Permission.ACT_ON_INCIDENTS,
    }
)
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.DUTY: _DESK,
    Role.SUPERVISOR: _DESK | {Permission.SUPERVISE},
    Role.ADMIN: _DESK | {Permission.SUPERVISE, Permission.MANAGE_ACCOUNTS},
    Role.OFFICER: frozenset({Permission.OWN_DISPATCHES}),
}


def role_may(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


class AuthKind(StrEnum):
    SESSION = "session"  # the console's cookie
    TOKEN = "token"  # a bearer API token


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a signed-in user (session) or an API token."""

    name: str  # the username, or the token's name
    role: Role
    kind: AuthKind
    officer_id: str | None = None
    display_name: str = ""
    session_id: int | None = None
    token_id: int | None = None
    csrf_token: str | None = field(default=None, repr=False)  # sessions only

    @property
    def actor(self) -> str:
        """How the audit log and incident timelines name this principal."""
        return f"{'user' if self.kind is AuthKind.SESSION else 'token'}:{self.name}"

    def may(self, permission: Permission) -> bool:
        return role_may(self.role, permission)

    def may_see_officer(self, officer_id: str) -> bool:
        """An officer sees only their own dispatches; the desk, supervisors and admins see all."""
        if self.role is Role.OFFICER:
            return self.officer_id is not None and self.officer_id == officer_id
        return self.may(Permission.READ_INCIDENTS)
