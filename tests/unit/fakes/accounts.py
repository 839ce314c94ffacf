"""The account store and the clock in memory: what the auth service's and the web adapter's unit tests
authenticate with (FakeAccounts has the PostgreSQL adapter's semantics), and the fixtures that hand them out."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from hub.services.auth import (
    API_TOKEN_PREFIX,
    AccountExists,
    ApiTokenRecord,
    Role,
    SessionRecord,
    UserRecord,
    new_token,
)

# Cheap argon2id parameters: unit tests check behaviour, not cost.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class FakeAccounts:
    """The AccountStore port in memory, with the PostgreSQL adapter's semantics."""

    def __init__(self) -> None:
        self.users: dict[str, UserRecord] = {}
        self.sessions: dict[int, SessionRecord] = {}
        self.session_hashes: dict[bytes, int] = {}
        self.tokens: dict[int, ApiTokenRecord] = {}
        self.token_hashes: dict[bytes, int] = {}
        self.audit_log: list[tuple[str, str, str, dict[str, Any]]] = []
        self.touches = 0
        self.audit_failure: Exception | None = None
        self._ids = itertools.count(1)

    async def find_user(self, username: str) -> UserRecord | None:
        return self.users.get(username)

    async def add_user(
        self, username: str, password_hash: str, role: Role, officer_id: str | None, display_name: str
    ) -> UserRecord:
        if username in self.users:
            raise AccountExists(username)
        user = UserRecord(next(self._ids), username, password_hash, role, officer_id, display_name)
        self.users[username] = user
        return user

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        for name, user in self.users.items():
            if user.id == user_id:
                self.users[name] = dataclasses.replace(user, password_hash=password_hash)

    async def add_session(self, token_hash: bytes, user_id: int, csrf_token: str, now: datetime) -> int:
        user = next(u for u in self.users.values() if u.id == user_id)
        session_id = next(self._ids)
        self.sessions[session_id] = SessionRecord(session_id, user, csrf_token, now, now, None)
        self.session_hashes[token_hash] = session_id
        return session_id

    async def find_session(self, token_hash: bytes) -> SessionRecord | None:
        session_id = self.session_hashes.get(token_hash)
        if session_id is None:
            return None
        session = self.sessions[session_id]
        return dataclasses.replace(session, user=self.users[session.user.username])

    async def touch_session(self, session_id: int, now: datetime) -> None:
        self.touches += 1
        self.sessions[session_id] = dataclasses.replace(self.sessions[session_id], last_seen_at=now)

    async def revoke_session(self, session_id: int, now: datetime) -> None:
        session = self.sessions[session_id]
        if session.revoked_at is None:
            self.sessions[session_id] = dataclasses.replace(session, revoked_at=now)

    async def add_api_token(
        self, token_hash: bytes, name: str, role: Role, officer_id: str | None, now: datetime
    ) -> ApiTokenRecord:
        if any(t.name == name and t.revoked_at is None for t in self.tokens.values()):
            raise AccountExists(name)
        record = ApiTokenRecord(next(self._ids), name, role, officer_id, now, None, None)
        self.tokens[record.id] = record
        self.token_hashes[token_hash] = record.id
        return record

    async def find_api_token(self, token_hash: bytes) -> ApiTokenRecord | None:
        token_id = self.token_hashes.get(token_hash)
        return None if token_id is None else self.tokens[token_id]

    async def touch_api_token(self, token_id: int, now: datetime) -> None:
        self.tokens[token_id] = dataclasses.replace(self.tokens[token_id], last_used_at=now)

    async def revoke_api_token(self, name: str, now: datetime) -> bool:
        for token_id, record in self.tokens.items():
            if record.name == name and record.revoked_at is None:
                self.tokens[token_id] = dataclasses.replace(record, revoked_at=now)
                return True
        return False

    async def audit(self, actor: str, action: str, target: str, detail: Mapping[str, Any]) -> None:
        if self.audit_failure is not None:
            raise self.audit_failure
        self.audit_log.append((actor, action, target, dict(detail)))

    # -- for tests --

    def issue_token(self, role: Role = Role.DUTY, name: str | None = None, officer_id: str | None = None) -> str:
        """A working bearer token of this role, added directly (no audit row)."""
        token, digest = new_token(API_TOKEN_PREFIX)
        record = ApiTokenRecord(next(self._ids), name or f"test-{role.value}", role, officer_id, T0, None, None)
        self.tokens[record.id] = record
        self.token_hashes[digest] = record.id
        return token

    def actions(self) -> list[str]:
        return [action for _, action, _, _ in self.audit_log]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
