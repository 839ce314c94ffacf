"""Event identity at the hub: a plain resend of a stored event is a duplicate the guard's button gets
`received` for again (the contract's resend rule); the same event id with any other content is a
reused id, dead-lettered and not confirmed."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import UTC, datetime, timedelta, timezone

from devices.link import DeviceLink
from tests.integration.conftest import HubUnderTest, eventually, fetch_value

SITE, DEVICE = "site-08", "btn-08-0"


class Feedback:
    """What the hub tells the button, in order."""

    def __init__(self, link: DeviceLink, hub: HubUnderTest) -> None:
        self._lock = threading.Lock()
        self.messages: list[dict[str, object]] = []
        link.subscribe(hub.topics.button_feedback(SITE, DEVICE), self._on_message)

    def _on_message(self, _topic: str, body: bytes) -> None:
        with self._lock:
            self.messages.append(json.loads(body))

    def received(self, event_id: str) -> int:
        with self._lock:
            return sum(1 for m in self.messages if m["event_id"] == event_id and m["state"] == "received")


async def publish(link: DeviceLink, hub: HubUnderTest, payload: dict[str, object]) -> None:
    await asyncio.to_thread(link.publish_and_wait, hub.topics.button_event(SITE, DEVICE), json.dumps(payload).encode())


async def test_a_resend_of_a_stored_press_gets_received_again_and_stays_one_event(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    feedback = Feedback(device_link, hub)
    await asyncio.sleep(0.3)  # the subscription settles
    press = {"event_id": "r-1", "type": "panic", "ts": datetime.now(UTC).isoformat(), "seq": 1, "battery": 80}
    await publish(device_link, hub, press)
    await eventually(lambda: asyncio.sleep(0, feedback.received("r-1") == 1))
    for n in (2, 3):  # the button did not hear it (lost with the broker): it resends, and hears it again
        await publish(device_link, hub, press)
        await eventually(lambda n=n: asyncio.sleep(0, feedback.received("r-1") == n))  # type: ignore[misc]
    assert await fetch_value(db, "SELECT count(*) FROM events") == 1
    assert await fetch_value(db, "SELECT event_count FROM incidents") == 1
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 0


async def test_a_replay_with_the_same_id_type_and_time_but_other_fields_is_dead_lettered_as_reused(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    feedback = Feedback(device_link, hub)
    await asyncio.sleep(0.3)
    at = datetime.now(UTC) - timedelta(seconds=1)
    press = {"event_id": "p-1", "type": "panic", "ts": at.isoformat(), "seq": 4, "battery": 90}
    await publish(device_link, hub, press)
    await eventually(lambda: asyncio.sleep(0, feedback.received("p-1") == 1))
    for replay in ({**press, "seq": 5}, {**press, "battery": 10}):
        await publish(device_link, hub, replay)
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 2 FROM dead_letters"))
    reasons = await fetch_value(db, "SELECT array_agg(DISTINCT reason) FROM dead_letters")
    assert reasons == ["event_id_reused"]
    assert await fetch_value(db, "SELECT count(*) FROM events") == 1
    assert await fetch_value(db, "SELECT (payload->>'seq')::int FROM events") == 4
    # The same content in another form (key order, time zone, an unknown extra field) is a plain resend.
    same = {"note": "newer firmware", **dict(reversed(press.items()))}
    same["ts"] = at.astimezone(timezone(timedelta(hours=8))).isoformat()
    await publish(device_link, hub, same)
    await eventually(lambda: asyncio.sleep(0, feedback.received("p-1") == 2))
    await asyncio.sleep(0.5)
    assert feedback.received("p-1") == 2  # the replays were not confirmed
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 2


async def test_events_stored_without_a_fingerprint_are_compared_on_type_and_time(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    at = datetime.now(UTC).isoformat()
    await publish(device_link, hub, {"event_id": "old-1", "type": "panic", "ts": at, "seq": 1})
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM events"))
    await fetch_value(db, "UPDATE events SET fingerprint = NULL RETURNING 1")  # as stored before migration 011
    await publish(
        device_link, hub, {"event_id": "old-1", "type": "panic", "ts": at, "seq": 2}
    )  # today's rule: a duplicate
    await publish(device_link, hub, {"event_id": "old-1", "type": "cancel", "ts": at})
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM dead_letters"))
    await asyncio.sleep(0.5)
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == 1
    assert await fetch_value(db, "SELECT count(*) FROM events") == 1
