"""Device supervision: who has been heard from, who went silent, who came back.

Every message from a device moves its deadline (in the ingest transaction). The leader scans for
overdue deadlines every few seconds and records an `offline` event for each, which correlation
turns into one device-offline incident per site (a site going dark is one incident, not a storm).
When a device is heard again, an `online` event is recorded; once every device of the site is back,
a device-offline incident closes by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import structlog

from hub.domain.district import District
from hub.domain.events import DeviceEvent
from hub.domain.supervision import LOW_BATTERY_PERCENT, OFFLINE, ONLINE, Heard, deadline, fault_change, grace_for
from hub.services.clock import utc_now
from hub.services.intake import AcceptedEvent, StatusReport
from hub.services.lifecycle import LifecycleService
from hub.services.polling import every
from hub.services.ports import Lease, LeaseLost
from hub.services.ports.transaction import Store, Transaction
from hub.services.recording import EventRecorder

log = structlog.get_logger(__name__)

_CLOSING_AT_ONCE = 4  # fault incidents closed concurrently (pool connections they may hold)


class SupervisionService:
    def __init__(
        self,
        store: Store,
        district: District,
        recorder: EventRecorder,
        lifecycle: LifecycleService,
        clock: Callable[[], datetime] = utc_now,
        on_outbox: asyncio.Event | None = None,
    ) -> None:
        self._store = store
        self._district = district
        self._recorder = recorder
        self._lifecycle = lifecycle
        self._clock = clock
        self._outbox_nudge = on_outbox
        self.offline_raised = 0
        # Sites heard back (a device online again, a fault ended) whose fault incident may now close:
        # closed by `run_restorer`, off the ingest path, so a district coming back at once does not
        # stall ingest behind one lifecycle transaction per site.
        self._restore_pending: set[str] = set()
        self._restore_nudge = asyncio.Event()

    def _deadline_of(self, heard: Heard) -> datetime:
        interval = self._district.devices[heard.device_id].report_interval_s
        grace = self._district.supervision_grace_s or grace_for(interval)
        return deadline(heard, interval, grace)

    async def heard(
        self,
        tx: Transaction,
        events: Sequence[AcceptedEvent],
        statuses: Sequence[StatusReport],
        now: datetime,
    ) -> list[tuple[str, str]]:
        """Move the deadlines of everyone heard in this batch, note faults starting and ending;
        record `online` for those who were offline. Returns (site, device) of the devices that came
        back or whose fault ended (their site's fault incident may now close)."""
        latest: dict[str, Heard] = {}
        for accepted in events:
            e = accepted.event
            battery = accepted.payload.get("battery")
            starts, ends = fault_change(e.detail) if e.type == "tamper" else (None, None)
            if e.type == "low_battery" and battery is None:
                battery = 0  # the device says its battery is low without a figure: treat it as low
            latest[e.device_id] = Heard(
                e.device_id, e.site_id, e.device_kind, now, battery=battery, fault=starts, fault_cleared=ends
            )
        for status in statuses:
            r = status.report
            device = self._district.devices[r["device_id"]]
            latest[device.id] = Heard(
                device.id, device.site_id, device.kind, now, r["state"] == "offline", r["battery"]
            )
        if not latest:
            return []
        rows = [
            (h, self._deadline_of(h), h.battery is not None and h.battery < LOW_BATTERY_PERCENT)
            for h in latest.values()
        ]
        returned = await tx.devices.record_heard(rows)
        cleared = [(h.site_id, h.device_id) for h in latest.values() if h.fault_cleared]
        if returned:
            online = [
                (
                    DeviceEvent(
                        site,
                        device,
                        self._district.devices[device].kind,
                        f"supervision-online-{now.isoformat()}",
                        ONLINE,
                        now,
                        now,
                    ),
                    {"source": "supervision"},
                )
                for site, device in returned
            ]
            await self._recorder.record(tx, online, now)
            log.info("devices back online", devices=len(returned), sites=len({site for site, _ in returned}))
            for site_id, device_id in returned:
                log.debug("device back online", site=site_id, device=device_id)
        return returned + cleared

    async def scan(self, lease: Lease | None = None, limit: int = 2000) -> int:
        """Mark overdue devices offline (leader only, while `lease` is held). Returns how many went offline."""
        now = self._clock()
        async with self._store.transaction() as tx:
            if lease is not None:
                await tx.lease.hold_lease(lease)
            candidates = await tx.devices.overdue_devices(now, limit)
            # The sites' locks before the devices' rows, as ingest takes them; a site another writer
            # holds waits for the next scan rather than hold up (or deadlock with) that writer.
            free = await tx.incidents.lock_sites(sorted({site for _, site in candidates}), wait=False)
            overdue = await tx.devices.mark_overdue([d for d, site in candidates if site in free], now)
            if not overdue:
                return 0
            events: list[tuple[DeviceEvent, dict[str, Any]]] = [
                (
                    DeviceEvent(site, device, kind, f"supervision-offline-{due.isoformat()}", OFFLINE, due, now),
                    {"source": "supervision", "silent_since": last_seen.isoformat()},
                )
                for device, site, kind, due, last_seen in overdue
            ]
            recorded = await self._recorder.record(tx, events, now)
            if recorded.outbound:
                await tx.outbox.enqueue(recorded.outbound)
            if recorded.touched:
                await tx.changes.announce(sorted(recorded.touched))
        log.warning("devices offline", devices=len(overdue), sites=len({site for _, site, _, _, _ in overdue}))
        for device, site, _kind, _due, last_seen in overdue:
            log.debug("device offline", site=site, device=device, last_seen=last_seen.isoformat())
        self.offline_raised += len(overdue)
        return len(overdue)

    def restored(self, site_ids: Sequence[str]) -> None:
        """Sites where devices came back or faults ended: their fault incident is closed by the
        restorer task soon (and by the leader's sweep, should this instance die first)."""
        if site_ids:
            self._restore_pending.update(site_ids)
            self._restore_nudge.set()

    async def close_restored(self, site_ids: Sequence[str] | None = None) -> int:
        """Close the self-clearing incidents of these sites (None: of every site) whose devices are
        all back: one query finds them, then one lifecycle transaction per incident that closes."""
        async with self._store.transaction() as tx:
            closable = await tx.devices.restorable_sites(site_ids)
        # A few sites at a time: each close is its own transaction of round trips, and sites do not
        # share locks, so a district coming back closes its incidents several times faster.
        slots = asyncio.Semaphore(_CLOSING_AT_ONCE)

        async def close(site_id: str) -> bool:
            async with slots:
                return await self._lifecycle.close_if_restored(site_id) is not None

        return sum(await asyncio.gather(*(close(site_id) for site_id in closable)))

    async def run_restorer(self) -> None:
        """Close fault incidents of the sites `restored` names, in batches, beside ingest."""
        while True:
            await self._restore_nudge.wait()
            self._restore_nudge.clear()
            sites, self._restore_pending = sorted(self._restore_pending), set()
            try:
                await self.close_restored(sites)
            except Exception as exc:  # the database may be away: the leader's sweep closes them later
                log.warning("closing restored sites failed; the sweep will retry", error=repr(exc), sites=len(sites))

    async def seed(self) -> None:
        """Every registered device is supervised from the start, even one never heard from."""
        now = self._clock()
        async with self._store.transaction() as tx:
            await tx.devices.seed_health(
                [
                    (Heard(d.id, d.site_id, d.kind, now), self._deadline_of(Heard(d.id, d.site_id, d.kind, now)))
                    for d in self._district.devices.values()
                ]
            )

    async def run(self, lease: Lease | None = None, interval_s: float = 2.0, sweep_every: int = 15) -> None:
        scans = 0

        async def scan_round() -> None:
            nonlocal scans
            await self.scan(lease)
            scans += 1
            if scans % sweep_every == 0:  # what a crashed instance's restorer left open
                await self.close_restored()

        await every(interval_s, scan_round, "supervision scan failed; will retry", stop_on=(LeaseLost,))
