"""Login throttling, and the client address it keys on.

Throttling slows guessing without handing anyone a lockout lever:
* per (account, address): a few free failures, then an exponential backoff (capped) before the
  next attempt of that account from that address; a success clears it. The right password from
  another address is never held up by someone else's guesses.
* per address: a looser cap on failures across accounts (password spraying). Past it, attempts
  from that address wait, except for accounts that have signed in from that address before: the
  desk behind a NAT or a reverse proxy keeps signing in while someone guesses other accounts there.
The state is kept in PostgreSQL (shared by hub instances, cleared by `sentinel user unlock`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Network, IPv6Network, ip_address
from typing import Protocol


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
