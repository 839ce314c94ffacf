"""Principals this hub instance verified lately, for riding out a database outage.

While the database is away no credential can be checked. A desk that reloads its page or whose stream
reconnects would then be refused, and would lose the very banner that says the database is down. So a
credential this instance verified within `ttl` still counts while the database is unreachable, for
reading only (GET/HEAD: the pages and the live streams); nothing that changes anything is allowed,
and a signed-out credential is forgotten at once. Once the database is back, every request (and each
open stream's periodic re-check) is verified against it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from hub.services.auth import Credential, Principal, token_digest

MAX_ENTRIES = 10_000


class RecentPrincipals:
    def __init__(self, ttl: timedelta, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl.total_seconds()
        self._clock = clock
        self._seen: dict[tuple[str, bytes], tuple[Principal, float]] = {}

    def remember(self, credential: Credential, principal: Principal | None) -> None:
        key = _key(credential)
        if principal is None:
            self._seen.pop(key, None)
            return
        self._seen.pop(key, None)  # re-insert: the dict stays in order of last verification
        self._seen[key] = (principal, self._clock())
        if len(self._seen) > MAX_ENTRIES:
            del self._seen[next(iter(self._seen))]

    def forget(self, credential: Credential) -> None:
        self._seen.pop(_key(credential), None)

    def get(self, credential: Credential) -> Principal | None:
        entry = self._seen.get(_key(credential))
        if entry is None or self._clock() - entry[1] > self._ttl_s:
            return None
        return entry[0]


def _key(credential: Credential) -> tuple[str, bytes]:
    return credential.kind.value, token_digest(credential.secret)
