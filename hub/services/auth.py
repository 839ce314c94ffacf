"""Who may do what, and how people and programs prove who they are: `AuthService` (logins with throttling,
sessions with idle and absolute timeouts, bearer API tokens, accounts and the audit log) over the
`AccountStore` port. Only SHA-256 digests of session and API tokens are ever stored; the clock is injected
so timeouts can be tested without waiting. Its parts: the access model (hub.services.access), passwords and
tokens (hub.services.passwords), login throttling (hub.services.throttle); their names are importable from
here too.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from ipaddress import IPv4Network, IPv6Network
from typing import Any, Protocol

import structlog

from hub.services.access import ROLE_PERMISSIONS as ROLE_PERMISSIONS
from hub.services.access import AuthKind as AuthKind
from hub.services.access import Permission as Permission
from hub.services.access import Principal as Principal
from hub.services.access import Role as Role
from hub.services.access import role_may as role_may
from hub.services.clock import Clock, utc_now
from hub.services.passwords import API_TOKEN_PREFIX as API_TOKEN_PREFIX
from hub.services.passwords import Passwords as Passwords
from hub.services.passwords import new_token as new_token
from hub.services.passwords import token_digest as token_digest
from hub.services.throttle import MemoryThrottleStore as MemoryThrottleStore
from hub.services.throttle import ThrottlePolicy as ThrottlePolicy
from hub.services.throttle import ThrottleState as ThrottleState
from hub.services.throttle import ThrottleStore as ThrottleStore
from hub.services.throttle import client_address as client_address
from hub.services.throttle import throttle_wait as throttle_wait

log = structlog.get_logger(__name__)


# ---- what the store keeps ----------------------------------------------------------------------


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    password_hash: str
    role: Role
    officer_id: str | None
    display_name: str
    disabled: bool = False


@dataclass(frozen=True)
class SessionRecord:
    id: int
    user: UserRecord
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class ApiTokenRecord:
    id: int
    name: str
    role: Role
    officer_id: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class AccountExists(Exception):
    """A username, or the name of an active API token, is taken."""


class AccountStore(Protocol):
    """Users, sessions, API tokens and the audit log (the PostgreSQL adapter: PostgresAccounts).

    Session and API tokens are looked up by their SHA-256 digest; the store never sees a token."""

    async def find_user(self, username: str) -> UserRecord | None: ...

    async def add_user(
        self, username: str, password_hash: str, role: Role, officer_id: str | None, display_name: str
    ) -> UserRecord:
        """Raises AccountExists when the username is taken."""
        ...

    async def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    async def add_session(self, token_hash: bytes, user_id: int, csrf_token: str, now: datetime) -> int: ...

    async def find_session(self, token_hash: bytes) -> SessionRecord | None: ...

    async def touch_session(self, session_id: int, now: datetime) -> None: ...

    async def revoke_session(self, session_id: int, now: datetime) -> None: ...

    async def add_api_token(
        self, token_hash: bytes, name: str, role: Role, officer_id: str | None, now: datetime
    ) -> ApiTokenRecord:
        """Raises AccountExists when an active token has this name."""
        ...

    async def find_api_token(self, token_hash: bytes) -> ApiTokenRecord | None: ...

    async def touch_api_token(self, token_id: int, now: datetime) -> None: ...

    async def revoke_api_token(self, name: str, now: datetime) -> bool:
        """Revoke the active token of this name; False when there is none."""
        ...

    async def audit(self, actor: str, action: str, target: str, detail: Mapping[str, Any]) -> None: ...


_MAX_TOKEN_LENGTH = 200


# ---- the service -------------------------------------------------------------------------------

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
TOKEN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024


class AccountError(ValueError):
    """An account that cannot be created as asked (bad name, role, officer, weak password)."""


@dataclass(frozen=True)
class AuthPolicy:
    idle_timeout: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)  # a duty shift, however busy
    touch_every: timedelta = timedelta(minutes=1)  # last_seen_at / last_used_at write at most this often
    stream_recheck: timedelta = timedelta(seconds=30)  # how often an open WebSocket re-checks its credential
    secure_cookie: bool = False  # the console is served over HTTPS: cookies get `Secure`
    allowed_origins: frozenset[str] = frozenset()  # besides the hub's own, e.g. its address behind a proxy
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    # Reverse proxies whose X-Forwarded-For tells the client's address (see client_address).
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()


@dataclass(frozen=True)
class Credential:
    """What a request presented: a session cookie or a bearer token (never stored as such)."""

    kind: AuthKind
    secret: str = field(repr=False)


@dataclass(frozen=True)
class LoggedIn:
    principal: Principal
    session_token: str = field(repr=False)


@dataclass(frozen=True)
class LoginRefused:
    pass


@dataclass(frozen=True)
class LoginThrottled:
    retry_after_s: float


LoginOutcome = LoggedIn | LoginRefused | LoginThrottled


@dataclass(frozen=True)
class IssuedToken:
    record: ApiTokenRecord
    token: str = field(repr=False)  # shown once; only its digest is kept


class AuthService:
    def __init__(
        self,
        store: AccountStore,
        policy: AuthPolicy | None = None,
        passwords: Passwords | None = None,
        clock: Clock = utc_now,
        throttle: ThrottleStore | None = None,
    ) -> None:
        self.store = store
        self.policy = policy or AuthPolicy()
        self.passwords = passwords or Passwords()
        self.clock = clock
        self.throttle = throttle or MemoryThrottleStore()
        # Checking and counting an attempt is one step per instance: a burst of concurrent guesses
        # cannot slip past the limit while their hashes are still being checked.
        self._throttle_step = asyncio.Lock()

    # -- logins and sessions --

    async def login(self, username: str, password: str, client: str) -> LoginOutcome:
        now = self.clock()
        account = username.casefold()
        limits = self.policy.throttle
        async with self._throttle_step:
            state = await self.throttle.state(account, client, now, limits.window, limits.known_for)
            wait = throttle_wait(state, limits, now)
            if wait is None:
                await self.throttle.count_attempt(account, client, now)
        if wait is not None:
            seconds, scope = wait
            await self.audit(
                "anonymous",
                "auth.login_throttled",
                username,
                client=client,
                retry_after_s=round(seconds, 3),
                limit=scope,
            )
            return LoginThrottled(seconds)
        user = await self.store.find_user(username) if USERNAME.fullmatch(username) else None
        if user is None:
            await self.passwords.burn(password)
            matches, rehash = False, False
        else:
            matches, rehash = await self.passwords.verify(user.password_hash, password)
        if user is None or not matches or user.disabled:
            reason = "unknown_user" if user is None else "disabled" if matches else "wrong_password"
            await self.audit("anonymous", "auth.login_failed", username, client=client, reason=reason)
            return LoginRefused()
        await self.throttle.succeeded(account, client, now)
        if rehash:
            await self.store.set_password_hash(user.id, await self.passwords.hash(password))
        token, digest = new_token()
        csrf_token = secrets.token_urlsafe(32)
        session_id = await self.store.add_session(digest, user.id, csrf_token, now)
        principal = _user_principal(user, session_id, csrf_token)
        await self.audit(principal.actor, "auth.login", f"session:{session_id}", client=client)
        return LoggedIn(principal, token)

    async def authenticate(self, credential: Credential) -> Principal | None:
        """The principal a credential stands for now, or None (unknown, revoked, expired, disabled)."""
        if not credential.secret or len(credential.secret) > _MAX_TOKEN_LENGTH:
            return None
        if credential.kind is AuthKind.SESSION:
            return await self._session_principal(credential.secret)
        return await self._token_principal(credential.secret)

    async def logout(self, principal: Principal) -> None:
        if principal.session_id is None:
            return
        await self.store.revoke_session(principal.session_id, self.clock())
        await self.audit(principal.actor, "auth.logout", f"session:{principal.session_id}")

    async def _session_principal(self, token: str) -> Principal | None:
        session = await self.store.find_session(token_digest(token))
        if session is None or session.revoked_at is not None or session.user.disabled:
            return None
        now = self.clock()
        idle = now - session.last_seen_at
        if now - session.created_at >= self.policy.lifetime or idle >= self.policy.idle_timeout:
            await self.store.revoke_session(session.id, now)
            reason = "idle" if idle >= self.policy.idle_timeout else "lifetime"
            await self.audit(
                f"user:{session.user.username}", "auth.session_expired", f"session:{session.id}", reason=reason
            )
            return None
        if idle >= self.policy.touch_every:
            await self.store.touch_session(session.id, now)
        return _user_principal(session.user, session.id, session.csrf_token)

    async def _token_principal(self, token: str) -> Principal | None:
        record = await self.store.find_api_token(token_digest(token))
        if record is None or record.revoked_at is not None:
            return None
        now = self.clock()
        if record.last_used_at is None or now - record.last_used_at >= self.policy.touch_every:
            await self.store.touch_api_token(record.id, now)
        return Principal(
            name=record.name,
            role=record.role,
            kind=AuthKind.TOKEN,
            officer_id=record.officer_id,
            display_name=record.name,
            token_id=record.id,
        )

    # -- accounts --

    async def create_user(
        self,
        username: str,
        password: str,
        role: Role | str,
        actor: str,
        officer_id: str | None = None,
        display_name: str = "",
        min_password_length: int = MIN_PASSWORD_LENGTH,
    ) -> UserRecord:
        role = _role(role)
        if not USERNAME.fullmatch(username):
            raise AccountError("a username is 1 to 64 letters, digits and . _ @ -, starting with a letter or digit")
        if not min_password_length <= len(password) <= MAX_PASSWORD_LENGTH:
            raise AccountError(f"a password has {min_password_length} to {MAX_PASSWORD_LENGTH} characters")
        _check_officer(role, officer_id)
        user = await self.store.add_user(username, await self.passwords.hash(password), role, officer_id, display_name)
        await self.audit(actor, "auth.user_created", f"user:{username}", role=role.value, officer_id=officer_id)
        return user

    async def create_api_token(
        self, name: str, role: Role | str, actor: str, officer_id: str | None = None
    ) -> IssuedToken:
        role = _role(role)
        if not TOKEN_NAME.fullmatch(name):
            raise AccountError("a token name is 1 to 64 letters, digits and . _ : @ -, starting with a letter or digit")
        _check_officer(role, officer_id)
        token, digest = new_token(API_TOKEN_PREFIX)
        record = await self.store.add_api_token(digest, name, role, officer_id, self.clock())
        await self.audit(actor, "auth.token_created", f"token:{name}", role=role.value, officer_id=officer_id)
        return IssuedToken(record, token)

    async def revoke_api_token(self, name: str, actor: str) -> bool:
        revoked = await self.store.revoke_api_token(name, self.clock())
        if revoked:
            await self.audit(actor, "auth.token_revoked", f"token:{name}")
        return revoked

    async def unlock_logins(self, actor: str, username: str | None = None, client: str | None = None) -> int:
        """Forget failed logins of an account (from every address), of an address, or of the pair."""
        if username is None and client is None:
            raise AccountError("name an account, an address, or both")
        cleared = await self.throttle.unlock(username.casefold() if username else None, client)
        await self.audit(actor, "auth.login_unlocked", username or "", client=client, cleared=cleared)
        return cleared

    # -- audit --

    async def audit(self, actor: str, action: str, target: str = "", **detail: Any) -> None:
        """Append to the audit log. A failure to write is logged, never raised: it must not turn a
        refusal into a 500 or let an error escape a login."""
        try:
            await self.store.audit(actor, action, target, detail)
        except Exception:
            log.exception("auth.audit_failed", actor=actor, action=action, target=target)


def _user_principal(user: UserRecord, session_id: int, csrf_token: str) -> Principal:
    return Principal(
        name=user.username,
        role=user.role,
        kind=AuthKind.SESSION,
        officer_id=user.officer_id,
        display_name=user.display_name,
        session_id=session_id,
        csrf_token=csrf_token,
    )


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"role must be one of: {', '.join(r.value for r in Role)}") from None


def _check_officer(role: Role, officer_id: str | None) -> None:
    if role is Role.OFFICER and not officer_id:
        raise AccountError("an officer account needs the officer's id (--officer)")
