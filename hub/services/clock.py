"""The hub's wall clock: services and adapters take a `Clock` (tests pass a fake), whose default is `utc_now`.
The domain never reads a clock: it is given `now`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
