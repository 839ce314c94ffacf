"""Who may do what, and how people and programs prove who they are.

* The access model (pure): roles, permissions, and the `Principal` a request acts as.
* Passwords: argon2id, hashed and verified on a worker thread (deliberately slow, never on the loop).
* `AuthService`: logins with throttling, sessions with idle and absolute timeouts, bearer API tokens,
  accounts and the audit log, over the `AccountStore` port. Only SHA-256 digests of session and API
  tokens are ever stored; the clock is injected so timeouts can be tested without waiting.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Any, Protocol

import structlog
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hub.services.clock import Clock, utc_now

log = structlog.get_logger(__name__)


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
#
# Throttling slows guessing without handing anyone a lockout lever:
# * per (account, address): a few free failures, then an exponential backoff (capped) before the
#   next attempt of that account from that address; a success clears it. The right password from
#   another address is never held up by someone else's guesses.
# * per address: a looser cap on failures across accounts (password spraying). Past it, attempts
#   from that address wait, except for accounts that have signed in from that address before: the
#   desk behind a NAT or a reverse proxy keeps signing in while someone guesses other accounts there.
# The state is kept in PostgreSQL (shared by hub instances, cleared by `sentinel user unlock`).


@dataclass(frozen=True)
class ThrottleState:
    failures: int  # of this account from this address since its last success
    last_failure_at: datetime | None
    known: bool  # this account signed in from this address within the policy's `known_for`
    address_failures: int  # of every account from this address within the policy's window
    address_last_failure_at: datetime | None


class ThrottleStore(Protocol):
    """Failed logins per (account, address) (the PostgreSQL adapter: PostgresLoginThrottle)."""

    async def state(
        self, username: str, client: str, now: datetime, window: timedelta, known_for: timedelta
    ) -> ThrottleState: ...

    async def count_attempt(self, username: str, client: str, now: datetime) -> None:
        """Count an attempt as a failure when it starts (a success clears it)."""
        ...

    async def succeeded(self, username: str, client: str, now: datetime) -> None: ...

    async def unlock(self, username: str | None, client: str | None) -> int:
        """Forget the failures of an account (every address), of an address, or of the pair."""
        ...


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 3  # per account and address before the backoff starts
    backoff_base: timedelta = timedelta(seconds=1)  # doubled at every further failure...
    backoff_max: timedelta = timedelta(seconds=60)  # ...up to this
    address_failures: int = 30  # across accounts from one address within `window`...
    address_backoff: timedelta = timedelta(seconds=30)  # ...then unknown accounts from it wait this long
    window: timedelta = timedelta(minutes=10)
    known_for: timedelta = timedelta(days=30)  # a sign-in this recent makes the pair known


def throttle_wait(state: ThrottleState, policy: ThrottlePolicy, now: datetime) -> tuple[float, str] | None:
    """Seconds to wait before this attempt, and which limit it hit ('account_address' or 'address')."""
    waits: list[tuple[float, str]] = []
    if state.failures >= policy.free_failures and state.last_failure_at is not None:
        steps = min(state.failures - policy.free_failures, 30)
        delay = min(policy.backoff_base * (2**steps), policy.backoff_max)
        waits.append(((state.last_failure_at + delay - now).total_seconds(), "account_address"))
    if (
        not state.known
        and state.address_failures >= policy.address_failures
        and state.address_last_failure_at is not None
    ):
        waits.append(((state.address_last_failure_at + policy.address_backoff - now).total_seconds(), "address"))
    wait = max(waits, default=(0.0, ""))
    return wait if wait[0] > 0 else None


@dataclass
class _Pair:
    failures: int = 0
    last_failure_at: datetime | None = None
    last_success_at: datetime | None = None


class MemoryThrottleStore:
    """The throttle in memory, for one process (unit tests, `accounts_service` without a pool); at
    most `max_keys` pairs, least recently used forgotten first."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self.max_keys = max_keys
        self._pairs: OrderedDict[tuple[str, str], _Pair] = OrderedDict()

    def __len__(self) -> int:
        return len(self._pairs)

    async def state(
        self, username: str, client: str, now: datetime, window: timedelta, known_for: timedelta
    ) -> ThrottleState:
        pair = self._pairs.get((username, client), _Pair())
        recent = [
            p
            for (_, c), p in self._pairs.items()
            if c == client and p.last_failure_at is not None and now - p.last_failure_at < window
        ]
        return ThrottleState(
            failures=pair.failures,
            last_failure_at=pair.last_failure_at,
            known=pair.last_success_at is not None and now - pair.last_success_at < known_for,
            address_failures=sum(p.failures for p in recent),
            address_last_failure_at=max((p.last_failure_at for p in recent if p.last_failure_at), default=None),
        )

    async def count_attempt(self, username: str, client: str, now: datetime) -> None:
        pair = self._pair(username, client)
        pair.failures += 1
        pair.last_failure_at = now

    async def succeeded(self, username: str, client: str, now: datetime) -> None:
        pair = self._pair(username, client)
        pair.failures, pair.last_success_at = 0, now

    async def unlock(self, username: str | None, client: str | None) -> int:
        cleared = 0
        for (user, address), pair in self._pairs.items():
            if (username is None or user == username) and (client is None or address == client) and pair.failures:
                pair.failures, cleared = 0, cleared + 1
        return cleared

    def _pair(self, username: str, client: str) -> _Pair:
        key = (username, client)
        pair = self._pairs.get(key)
        if pair is None:
            while len(self._pairs) >= self.max_keys:
                self._pairs.popitem(last=False)
            pair = self._pairs[key] = _Pair()
        self._pairs.move_to_end(key)
        return pair


def client_address(peer: str | None, forwarded_for: str | None, trusted: Iterable[IPv4Network | IPv6Network]) -> str:
    """The address a request comes from: the peer's, unless the peer is a trusted proxy; then the
    last address in X-Forwarded-For that is not itself a trusted proxy (anything to its left could
    have been written by the client)."""
    trusted = tuple(trusted)

    def is_trusted(address: str) -> bool:
        try:
            ip = ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    address = peer or "unknown"
    if not forwarded_for or not is_trusted(address):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        address = hop
        if not is_trusted(hop):
            break
    try:
        return str(ip_address(address))
    except ValueError:
        return peer or "unknown"  # a garbled header: keep the proxy's own address


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
