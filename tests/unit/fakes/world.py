"""A small world for service tests on the fakes: a parsed synthetic district, a clock the test moves, and
button presses recorded the way ingest records them (hub.services.recording)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from devices.contract import Topics
from hub.config.district import parse_district
from hub.domain.district import District
from hub.domain.events import DeviceEvent
from hub.services.recording import EventRecorder, Recorded
from simulators.districts import synthetic_district
from tests.unit.fakes.transaction import FakeStore

TOPICS = Topics("sentinel")
START = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
_event_ids = count(1)


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def district(**options: Any) -> District:
    """`synthetic_district` (site-NN in grid gN%2 whose officer is oN%2; buttons btn-NN-k, cam-NN, spk-NN),
    with `extra` keys merged into the file."""
    extra = options.pop("extra", {})
    return parse_district({**synthetic_district(**options), **extra})


def press(site: int, at: datetime, button: int = 0, kind: str = "panic", event_id: str | None = None) -> DeviceEvent:
    event_id = event_id or f"ev-{next(_event_ids)}"
    return DeviceEvent(
        f"site-{site:02d}", f"btn-{site:02d}-{button}", "button", event_id, kind, at, at, fingerprint=f"{kind}@{at}"
    )


@dataclass
class World:
    district: District = field(default_factory=lambda: district(sites=4))
    clock: Clock = field(default_factory=Clock)
    store: FakeStore = field(default_factory=FakeStore)

    async def record(self, *events: DeviceEvent, defer_busy_sites: bool = False) -> Recorded:
        recorder = EventRecorder(self.district, TOPICS)
        async with self.store.transaction() as tx:
            return await recorder.record(tx, [(e, {}) for e in events], self.clock(), defer_busy_sites)

    async def open_incident(self, site: int = 1) -> int:
        """A panic at the site, recorded: its incident's id."""
        recorded = await self.record(press(site, self.clock()))
        return recorded.incident_of_site[f"site-{site:02d}"]
