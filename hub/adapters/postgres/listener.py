"""LISTEN/NOTIFY → live views: every hub instance hears every committed change."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import asyncpg
import structlog

from hub.adapters.postgres.changes import CHANGES_CHANNEL
from hub.adapters.postgres.queries import PostgresIncidentQueries
from hub.services.backoff import Backoff
from hub.services.changes import RESYNC, Broadcaster
from hub.services.health import sleep_or_recovered
from hub.services.views.changes import DispatchChange, IncidentChange, WarningChange, frame

log = structlog.get_logger(__name__)


class PostgresChangeListener:
    """Holds one dedicated connection LISTENing for changes; loads the changed incidents and
    publishes them to the broadcaster. After a lost connection it reconnects with backoff and tells
    views to resync, since notifications sent meanwhile are gone. Given `database_back`, a backoff
    ends the moment the database is known to be back, so live views resume at once."""

    name = "database-listener"

    def __init__(
        self,
        dsn: str,
        queries: PostgresIncidentQueries,
        broadcaster: Broadcaster,
        database_back: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._dsn = dsn
        self._database_back = database_back
        self._queries = queries
        self._broadcaster = broadcaster
        self._pending: asyncio.Queue[tuple[str, list[int]]] = asyncio.Queue()
        self._connected = False

    def is_ready(self) -> bool:
        return self._connected

    async def run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._listen(), name="db-listen")
            tasks.create_task(self._publish(), name="db-publish")

    async def _listen(self) -> None:
        backoff = Backoff(initial_s=0.5, maximum_s=15.0, jitter=0.2)
        first = True
        while True:
            try:
                conn = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as exc:
                delay = backoff.next_delay()
                log.warning("change listener cannot connect; retrying", error=str(exc), retry_in_s=round(delay, 1))
                await sleep_or_recovered(delay, self._database_back)
                continue
            lost = asyncio.Event()
            conn.add_termination_listener(lambda _c, done=lost: done.set())
            try:
                await conn.add_listener(CHANGES_CHANNEL, self._on_notify)
                self._connected = True
                backoff.reset()
                if not first:
                    log.info("change listener reconnected")
                    self._broadcaster.publish(RESYNC)
                first = False
                await lost.wait()
                log.warning("change listener lost its database connection")
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError) as exc:
                log.warning("change listener failed", error=repr(exc))
            finally:
                self._connected = False
                if not conn.is_closed():
                    conn.terminate()

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        assert isinstance(payload, str)
        message = json.loads(payload)
        if message.get("type") in ("incidents", "dispatches", "warnings"):
            self._pending.put_nowait((message["type"], [int(i) for i in message["ids"]]))

    async def _publish(self) -> None:
        while True:
            changed: dict[str, set[int]] = {"incidents": set(), "dispatches": set(), "warnings": set()}
            kind, ids = await self._pending.get()
            changed[kind].update(ids)
            while not self._pending.empty():  # coalesce a burst into one query per kind
                kind, ids = self._pending.get_nowait()
                changed[kind].update(ids)
            try:
                # Only the kinds that changed: an alarm's incident is not held up by two empty queries.
                q = self._queries
                incidents = await q.incidents_by_id(sorted(changed["incidents"])) if changed["incidents"] else []
                dispatches = await q.dispatches_by_id(sorted(changed["dispatches"])) if changed["dispatches"] else []
                warnings = await q.warnings_by_id(sorted(changed["warnings"])) if changed["warnings"] else []
            except Exception as exc:  # whatever the connection does as it dies, the feed goes on
                log.warning("cannot load changes; views told to resync", error=repr(exc))
                self._broadcaster.publish(RESYNC)
                continue
            for incident in incidents:
                self._broadcaster.publish(frame(IncidentChange(incident=incident)))
            for dispatch in dispatches:
                self._broadcaster.publish(frame(DispatchChange(dispatch=dispatch)))
            for warning in warnings:
                self._broadcaster.publish(frame(WarningChange(warning=warning)))
