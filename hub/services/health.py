"""Which of the hub's dependencies are up, and since when: the degraded state the desk must see.

One `Watch` per dependency (the database, the broker link, the database's change feed, the routine
process where it runs apart) checks it
over and over; the monitor keeps each one's state and, whenever a state changes, publishes a
`{"type": "health", ...}` frame straight to the live views (never through the database, which may
be the thing that is down).

A dependency's state: not checked yet (None), then "up", "down", or "starting". "Starting" is for a
dependency that takes a while to come up with the hub (the routine process imports, connects and
subscribes before it reports ready): its check says so (raises `Starting`), and until it is first up it is shown
as starting, not as an outage, for at most its watch's `start_s`; past that, or once it has been up
or down, a failed check is "down" whatever it says.

Waiters can be told the moment a dependency comes back, so whoever backs off while it is away
(ingest, the change listener, the outbox relay) retries at once instead of sleeping out its backoff.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import structlog

from hub.services.auth import Clock, utc_now
from hub.services.changes import Frame
from hub.services.polling import wait_at_most
from hub.services.ports import DependencyCheck, JsonObject
from hub.services.views.health import Dependency, HealthFrame

log = structlog.get_logger(__name__)

DATABASE = "database"
BROKER = "broker"
CHANGE_FEED = "change_feed"
ROUTINE_PROCESS = "routine_process"  # when the routine lane runs apart: its process runs and ticks

Status = Literal["starting", "up", "down"]

# A link the hub holds (the broker, LISTEN, the routine process's broker session) down for less than this is
# reconnecting, not down: a reconnect that takes a moment must not flash a banner.
LINK_GRACE_S = 2.0


@dataclass(frozen=True)
class Watch:
    """How one dependency is checked. A failure counts as "down" once checks have failed for
    `grace_s` in a row (0: at once), so a reconnect that takes a moment does not flash a banner."""

    check: DependencyCheck
    every_s: float = 1.0  # between checks while up
    every_down_s: float = 0.5  # while down: notice the return quickly
    timeout_s: float = 1.5  # a check slower than this is a failure
    grace_s: float = 0.0
    # A check that raises `Starting` before the dependency was first up is "starting" for at most this
    # long from its first check (0: never starting; it is down at once).
    start_s: float = 0.0


@dataclass(frozen=True)
class DependencyState:
    name: str
    status: Status | None  # None: not checked yet
    since: datetime  # when the current state began (for "down": the first failed check)
    error: str = ""  # the kind of failure, for operators (never shown to the desk)

    @property
    def up(self) -> bool | None:
        """True when up, False when down, None when neither (not checked yet, or starting)."""
        return None if self.status in (None, "starting") else self.status == "up"

    def view(self, with_error: bool = False) -> Dependency:
        error = self.error if with_error and self.error else None
        return Dependency.model_validate(
            {"name": self.name, "state": self.status or "unchecked", "up": self.up, "since": self.since, "error": error}
        )


class HealthMonitor:
    """Runs the watches (`run()` as a task) and answers what is up. Single event loop, no locks."""

    def __init__(self, watches: Sequence[Watch], publish: Callable[[JsonObject], None], clock: Clock = utc_now) -> None:
        self._watches = {w.check.name: w for w in watches}
        self._publish = publish
        self._clock = clock
        started = clock()
        self._states = {name: DependencyState(name, None, started) for name in self._watches}
        self._wake = {name: asyncio.Event() for name in self._watches}
        self._recovery_waiters: dict[str, list[asyncio.Future[None]]] = {name: [] for name in self._watches}
        self._failing_since: dict[str, datetime] = {}  # first failure of the current run of failures

    # ---- what is up -------------------------------------------------------------------------------
    @property
    def states(self) -> list[DependencyState]:
        return list(self._states.values())

    def state(self, name: str) -> DependencyState:
        return self._states[name]

    def is_up(self, name: str) -> bool:
        return self._states[name].up is True

    @property
    def ok(self) -> bool:
        """Every dependency is up: what /readyz answers. One still starting holds it too (the routine
        process: a heartbeat or a speaker's ack sent now might find no broker session to take it)."""
        return all(s.status == "up" for s in self._states.values())

    def not_up(self) -> list[str]:
        """The dependencies that are not up (starting, down or not checked yet)."""
        return [s.name for s in self._states.values() if s.status != "up"]

    def frame(self) -> Frame:
        """The live views' health frame: every dependency checked so far, up, down or starting since when;
        `ok` while none is down (one starting is no outage)."""
        known = [s for s in self._states.values() if s.status is not None]
        views = [s.view() for s in known]
        return Frame(HealthFrame(ok=all(s.status != "down" for s in known), dependencies=views).dump())

    # ---- hooks for the rest of the hub ---------------------------------------------------------
    def suspect(self, name: str) -> None:
        """Something failed in a way that smells of this dependency: check it now, not at the next tick."""
        if name in self._wake:
            self._wake[name].set()

    async def recovered(self, name: str) -> None:
        """Return at this dependency's next return to "up" (not at once if it is up now)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters = self._recovery_waiters[name]
        waiters.append(future)
        try:
            await future
        finally:
            if future in waiters:
                waiters.remove(future)

    # ---- the watches ----------------------------------------------------------------------------
    async def run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            for name, watch in self._watches.items():
                tasks.create_task(self._watch(watch), name=f"health-{name}")

    async def check_once(self, name: str) -> DependencyState:
        """One check of one dependency, applied to its state (`run` does this forever)."""
        watch = self._watches[name]
        error, starting = await _attempt(watch)
        now = self._clock()
        current = self._states[name]
        if error is None:
            self._failing_since.pop(name, None)
            self._change(DependencyState(name, "up", now))
            return self._states[name]
        first = self._failing_since.setdefault(name, now)
        if starting and watch.start_s > 0 and current.status in (None, "starting"):
            if (now - first).total_seconds() < watch.start_s:
                self._change(DependencyState(name, "starting", first))
                return self._states[name]
            error = f"not up within {watch.start_s:g} s of its start"
        elif current.status == "up" and (now - first).total_seconds() < watch.grace_s:
            return current
        elif current.status is None and (now - current.since).total_seconds() < watch.grace_s:
            return current  # starting up: give it its grace from the monitor's start
        self._change(DependencyState(name, "down", current.since if current.status == "down" else first, error))
        return self._states[name]

    async def _watch(self, watch: Watch) -> None:
        name = watch.check.name
        wake = self._wake[name]
        while True:
            wake.clear()
            await self.check_once(name)
            interval = watch.every_s if self.is_up(name) else watch.every_down_s
            await wait_at_most(interval, wake.wait())

    def _change(self, new: DependencyState) -> None:
        old = self._states[new.name]
        if old.status == new.status:
            if new.status != "up" and new.error != old.error:
                self._states[new.name] = replace(old, error=new.error)
            return
        self._states[new.name] = new
        if new.status == "down":
            log.warning("dependency down", dependency=new.name, since=new.since.isoformat(), error=new.error)
        elif new.status == "starting":
            log.info("dependency starting", dependency=new.name)
        elif old.status == "starting":
            log.info("dependency up", dependency=new.name, start_s=round((new.since - old.since).total_seconds(), 1))
        elif old.status == "down":
            log.info("dependency back", dependency=new.name, down_s=round((new.since - old.since).total_seconds(), 1))
            for future in self._recovery_waiters[new.name]:
                if not future.done():
                    future.set_result(None)
        if old.status is None and new.status == "up":
            return  # found up at start: no news for the live views (each gets the frame on connecting)
        self._publish(self.frame())


class NotReady(ConnectionError):
    pass


class Starting(NotReady):
    """Not up yet, and on its way: what a check raises for a dependency still coming up with the hub."""


def _never() -> bool:
    return False


@dataclass(frozen=True)
class FlagCheck:
    """A dependency whose link the hub holds anyway (the broker, LISTEN, the routine process): its own
    flag says it all; `is_starting` says whether one not ready is still coming up (the hub's start)."""

    name: str
    is_ready: Callable[[], bool]
    is_starting: Callable[[], bool] = _never

    async def check(self) -> None:
        if not self.is_ready():
            if self.is_starting():
                raise Starting(f"{self.name} is starting")
            raise NotReady(f"{self.name} is not connected")


async def _attempt(watch: Watch) -> tuple[str | None, bool]:
    """(None when the check passed, else the kind of failure; whether the check said it is starting)."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(watch.timeout_s):
            await watch.check.check()
    except TimeoutError:
        return f"no answer within {watch.timeout_s:g} s", False
    except Starting as exc:
        return type(exc).__name__, True
    except Exception as exc:
        return type(exc).__name__, False
    if time.monotonic() - started > watch.timeout_s:
        return f"no answer within {watch.timeout_s:g} s", False
    return None, False


async def sleep_or_recovered(delay: float, recovered: Callable[[], Awaitable[None]] | None) -> None:
    """Sleep out a backoff, but end it early when the awaited dependency comes back."""
    if recovered is None:
        await asyncio.sleep(delay)
        return
    await wait_at_most(delay, recovered())


@dataclass(frozen=True)
class Availability:
    """What a service needs to ride out one dependency's outage: whether an error means the
    dependency is away (not that the work is bad), and a way to wait for its return."""

    is_outage: Callable[[BaseException], bool]
    recovered: Callable[[], Awaitable[None]]


def availability(monitor: HealthMonitor, name: str, is_outage: Callable[[BaseException], bool]) -> Availability:
    def classify(error: BaseException) -> bool:
        outage = is_outage(error)
        if outage:
            monitor.suspect(name)
        return outage

    return Availability(classify, lambda: monitor.recovered(name))
