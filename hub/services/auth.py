"""Who may do what, and how people and programs prove who they are.

* The access model (pure): roles, permissions, and the `Principal` a request acts as.
* Passwords: argon2id, hashed and verified on a worker thread (deliberately slow, never on the loop).
* `AuthService`: logins with throttling, sessions with idle and absolute timeouts, bearer API tokens,
  accounts and the audit log, over the `AccountStore` port. Only SHA-256 digests of session and API
  tokens are ever stored; the clock is injected so timeouts can be tested without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import secrets
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import structlog
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


# ---- the access model --------------------------------------------------------------------------


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


# ---- secrets -----------------------------------------------------------------------------------

API_TOKEN_PREFIX = "sentinel_"  # recognisable by secret scanners; session tokens have no prefix
_MAX_TOKEN_LENGTH = 200


def token_digest(token: str) -> bytes:
    """What the store keeps of a session or API token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def new_token(prefix: str = "") -> tuple[str, bytes]:
    """A fresh 32-byte random token (URL-safe text) and its digest."""
    token = prefix + secrets.token_urlsafe(32)
    return token, token_digest(token)


# argon2id with argon2-cffi's default parameters (m=64 MiB, t=3, p=4) of a password nobody has.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$GvD7YpxWfNwnbEpNPHmvKw$iHr29VvokHsq/vFUBcWodRI+Udi4QuyJcVOoyfnn4kw"


class Passwords:
    """argon2id hashing on worker threads, a few at a time (each takes ~64 MiB and ~0.1 s)."""

    def __init__(self, hasher: PasswordHasher | None = None, max_concurrent: int = 4) -> None:
        self._hasher = hasher or PasswordHasher(type=Type.ID)
        self._slots = asyncio.Semaphore(max_concurrent)
        # A hash made with the hasher's own parameters, so that checking it costs what a real one does.
        self._dummy: str | None = None if hasher else _DUMMY_HASH

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> tuple[bool, bool]:
        """(matches, needs rehash with the current parameters)."""
        async with self._slots:
            return await asyncio.to_thread(self._verify, password_hash, password)

    async def burn(self, password: str) -> None:
        """Spend the time a real verification would, so an unknown username is not told apart."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy, password)

    def _verify(self, password_hash: str, password: str) -> tuple[bool, bool]:
        try:
            self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, False
        return True, self._hasher.check_needs_rehash(password_hash)


# ---- login throttling --------------------------------------------------------------------------


class LoginThrottle:
    """At most `max_failures` failed logins per key (a username, a client address) in `window`.

    Attempts count when they start, and a success takes its own back: a burst of concurrent guesses
    cannot slip past the limit while their hashes are still being checked. In memory, per instance,
    bounded to `max_keys` keys (least recently used forgotten first)."""

    def __init__(self, max_failures: int = 5, window: timedelta = timedelta(minutes=5), max_keys: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window = window
        self.max_keys = max_keys
        self._attempts: OrderedDict[str, deque[datetime]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._attempts)

    def attempt(self, keys: Iterable[str], now: datetime) -> float | None:
        """Count an attempt, or return the seconds to wait when any key is at its limit."""
        keys = tuple(keys)
        wait = max((self._wait(key, now) for key in keys), default=0.0)
        if wait > 0:
            return wait
        for key in keys:
            stamps = self._attempts.get(key)
            if stamps is None:
                while len(self._attempts) >= self.max_keys:
                    self._attempts.popitem(last=False)
                stamps = self._attempts[key] = deque()
            self._attempts.move_to_end(key)
            stamps.append(now)
        return None

    def succeeded(self, keys: Iterable[str], attempted_at: datetime) -> None:
        for key in keys:
            stamps = self._attempts.get(key)
            if stamps is not None:
                with contextlib.suppress(ValueError):
                    stamps.remove(attempted_at)
                if not stamps:
                    del self._attempts[key]

    def _wait(self, key: str, now: datetime) -> float:
        stamps = self._attempts.get(key)
        if not stamps:
            return 0.0
        while stamps and now - stamps[0] >= self.window:
            stamps.popleft()
        if len(stamps) < self.max_failures:
            return 0.0
        # Wait until enough of them have aged out to allow one more.
        oldest_blocking = stamps[len(stamps) - self.max_failures]
        return max((oldest_blocking + self.window - now).total_seconds(), 0.001)


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
    max_failures: int = 5
    failure_window: timedelta = timedelta(minutes=5)
    throttle_max_keys: int = 10_000


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
    ) -> None:
        self.store = store
        self.policy = policy = policy or AuthPolicy()
        self.passwords = passwords or Passwords()
        self.clock = clock
        self.throttle = LoginThrottle(policy.max_failures, policy.failure_window, policy.throttle_max_keys)

    # -- logins and sessions --

    async def login(self, username: str, password: str, client: str) -> LoginOutcome:
        now = self.clock()
        keys = (f"user:{username.casefold()}", f"client:{client}")
        wait = self.throttle.attempt(keys, now)
        if wait is not None:
            await self.audit("anonymous", "auth.login_throttled", username, client=client, retry_after_s=wait)
            return LoginThrottled(wait)
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
        self.throttle.succeeded(keys, now)
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
