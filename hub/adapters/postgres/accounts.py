"""Users, sessions, API tokens and the audit log in PostgreSQL (the AccountStore port), and the
demo district's ready-made accounts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from hub.adapters.postgres.login_throttle import PostgresLoginThrottle
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.rows import record
from hub.adapters.postgres.schema import migrate
from hub.domain.district import District
from hub.services.auth import (
    AccountExists,
    ApiTokenRecord,
    AuthService,
    Passwords,
    Role,
    SessionRecord,
    UserRecord,
)

_USER_COLUMNS = "u.id, u.username, u.password_hash, u.role, u.officer_id, u.display_name, u.disabled"
_TOKEN_COLUMNS = "id, name, role, officer_id, created_at, last_used_at, revoked_at"
_JSON_SCALARS = (str, int, float, bool, type(None))


def _user(row: asyncpg.Record) -> UserRecord:
    return record(UserRecord, row, role=Role(row["role"]))


def _token(row: asyncpg.Record) -> ApiTokenRecord:
    return record(ApiTokenRecord, row, role=Role(row["role"]))


class PostgresAccounts:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    # -- users --

    async def find_user(self, username: str) -> UserRecord | None:
        row = await self._pool.fetchrow(f"SELECT {_USER_COLUMNS} FROM users u WHERE u.username = $1", username)
        return None if row is None else _user(row)

    async def add_user(
        self, username: str, password_hash: str, role: Role, officer_id: str | None, display_name: str
    ) -> UserRecord:
        try:
            row = await self._pool.fetchrow(
                "INSERT INTO users AS u (username, password_hash, role, officer_id, display_name)"
                f" VALUES ($1, $2, $3, $4, $5) RETURNING {_USER_COLUMNS}",
                username,
                password_hash,
                role.value,
                officer_id,
                display_name,
            )
        except asyncpg.UniqueViolationError:
            raise AccountExists(f"user {username!r} already exists") from None
        assert row is not None
        return _user(row)

    async def set_password_hash(self, user_id: int, password_hash: str) -> None:
        await self._pool.execute("UPDATE users SET password_hash = $2 WHERE id = $1", user_id, password_hash)

    # -- sessions --

    async def add_session(self, token_hash: bytes, user_id: int, csrf_token: str, now: datetime) -> int:
        session_id = await self._pool.fetchval(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at)"
            " VALUES ($1, $2, $3, $4, $4) RETURNING id",
            token_hash,
            user_id,
            csrf_token,
            now,
        )
        return int(session_id)

    async def find_session(self, token_hash: bytes) -> SessionRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT s.id AS session_id, s.csrf_token, s.created_at, s.last_seen_at, s.revoked_at, {_USER_COLUMNS}"
            " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
            token_hash,
        )
        if row is None:
            return None
        return SessionRecord(
            id=row["session_id"],
            user=_user(row),
            csrf_token=row["csrf_token"],
            created_at=row["created_at"],
            last_seen_at=row["last_seen_at"],
            revoked_at=row["revoked_at"],
        )

    async def touch_session(self, session_id: int, now: datetime) -> None:
        await self._pool.execute(
            "UPDATE sessions SET last_seen_at = $2 WHERE id = $1 AND last_seen_at < $2", session_id, now
        )

    async def revoke_session(self, session_id: int, now: datetime) -> None:
        await self._pool.execute(
            "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", session_id, now
        )

    # -- API tokens --

    async def add_api_token(
        self, token_hash: bytes, name: str, role: Role, officer_id: str | None, now: datetime
    ) -> ApiTokenRecord:
        try:
            row = await self._pool.fetchrow(
                "INSERT INTO api_tokens (token_hash, name, role, officer_id, created_at)"
                f" VALUES ($1, $2, $3, $4, $5) RETURNING {_TOKEN_COLUMNS}",
                token_hash,
                name,
                role.value,
                officer_id,
                now,
            )
        except asyncpg.UniqueViolationError:
            raise AccountExists(f"an active token named {name!r} already exists") from None
        assert row is not None
        return _token(row)

    async def find_api_token(self, token_hash: bytes) -> ApiTokenRecord | None:
        row = await self._pool.fetchrow(f"SELECT {_TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1", token_hash)
        return None if row is None else _token(row)

    async def touch_api_token(self, token_id: int, now: datetime) -> None:
        await self._pool.execute("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", token_id, now)

    async def revoke_api_token(self, name: str, now: datetime) -> bool:
        status = await self._pool.execute(
            "UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL", name, now
        )
        return status != "UPDATE 0"

    # -- audit --

    async def audit(self, actor: str, action: str, target: str, detail: Mapping[str, Any]) -> None:
        await self._pool.execute(
            "INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4)",
            actor,
            action,
            target,
            {key: value if isinstance(value, _JSON_SCALARS) else str(value) for key, value in detail.items()},
        )


@contextlib.asynccontextmanager
async def accounts_service(dsn: str, passwords: Passwords | None = None) -> AsyncIterator[AuthService]:
    """An AuthService over a small pool of its own, for commands (`sentinel user add`, the demo).
    Applies pending migrations first, so it works on a database the hub has not started on yet."""
    await migrate(dsn)
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        yield AuthService(PostgresAccounts(pool), passwords=passwords, throttle=PostgresLoginThrottle(pool))
    finally:
        await pool.close()


# ---- the demo ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    officer_id: str | None = None
    display_name: str = ""


def demo_accounts(district: District) -> list[DemoAccount]:
    """Desk accounts whose password is their name, and one per officer whose password is the
    officer id (the district's supervisors get the supervisor role)."""
    accounts = [
        DemoAccount("duty", "duty", Role.DUTY, display_name="值班员"),
        DemoAccount("super", "super", Role.SUPERVISOR, display_name="值班领导"),
        DemoAccount("admin", "admin", Role.ADMIN, display_name="管理员"),
    ]
    for officer in district.officers.values():
        role = Role.SUPERVISOR if officer.role == "supervisor" else Role.OFFICER
        accounts.append(DemoAccount(officer.id, officer.id, role, officer.id, officer.name))
    return accounts


async def ensure_demo_accounts(dsn: str, district: District) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet (an existing one is left as it is) and return
    them all, for the demo's banner. For demos only: the passwords are printed and guessable."""
    accounts = demo_accounts(district)
    async with accounts_service(dsn) as auth:

        async def ensure(account: DemoAccount) -> None:
            if await auth.store.find_user(account.username) is not None:
                return
            with contextlib.suppress(AccountExists):  # another demo created it meanwhile
                await auth.create_user(
                    account.username,
                    account.password,
                    account.role,
                    actor="demo",
                    officer_id=account.officer_id,
                    display_name=account.display_name,
                    min_password_length=1,
                )

        # Hashing is the slow part; Passwords runs a few at a time on worker threads.
        await asyncio.gather(*(ensure(account) for account in accounts))
    return accounts
