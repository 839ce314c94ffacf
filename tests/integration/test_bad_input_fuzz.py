"""Bad input never stops the hub: 100,000 malformed and random payloads thrown at it while valid
presses flow. Zero crashes, every bad message counted and dead-lettered, every valid press stored."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

import aiohttp

from devices.contract import Topics
from devices.link import DeviceLink
from simulators.button import press_payload
from tests.integration.conftest import HubUnderTest, eventually, fetch_value

BAD = 100_000
VALID = 2_000


def bad_messages(topics: Topics, count: int, seed: int = 2026) -> list[tuple[str, bytes]]:
    """(topic, payload) of `count` bad messages of many kinds."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    ok_topic = topics.button_event("site-07", "btn-07-0")

    def event(**fields: object) -> bytes:
        body = {"event_id": f"x{rng.getrandbits(40)}", "type": "panic", "ts": now.isoformat(), **fields}
        return json.dumps(body).encode()

    makers = [
        lambda: (ok_topic, rng.randbytes(rng.randint(0, 300))),
        lambda: (ok_topic, event()[: rng.randint(1, 40)]),
        lambda: (ok_topic, b"[" * rng.randint(1, 2000)),
        lambda: (ok_topic, json.dumps(rng.choice([1, "x", None, [], 3.5, True])).encode()),
        lambda: (ok_topic, event(type=rng.choice(["", "PANIC", "fire", 7, None]))),
        lambda: (ok_topic, event(event_id=rng.choice([1, None, "", [], "x" * 500]))),
        lambda: (ok_topic, event(ts=rng.choice(["now", 17, "2026-13-45T99:00:00Z", "2026-11-21T10:00:00"]))),
        lambda: (ok_topic, event(ts=(now + timedelta(days=rng.randint(1, 900))).isoformat())),
        lambda: (ok_topic, event(ts=(now - timedelta(days=rng.randint(2, 900))).isoformat())),
        lambda: (ok_topic, event(battery=rng.choice([-1, 101, "full", 1e300]))),
        lambda: (ok_topic, event(pad="x" * rng.randint(70_000, 120_000))),
        lambda: (topics.button_event("site-07", f"ghost-{rng.randint(0, 99)}"), event()),
        lambda: (topics.button_event("site-03", "btn-07-0"), event()),  # another site's button
        lambda: (topics.camera_event("site-07", "btn-07-0"), event(type="intrusion")),  # wrong kind
        lambda: (topics.device_status("site-07", "button", "btn-07-0"), b'{"state": "sleepy"}'),
        lambda: (topics.officer_reply(f"nobody-{rng.randint(0, 9)}"), b'{"dispatch_id": "1"}'),
        lambda: (ok_topic, '{"event_id": "\ud800"}'.encode("utf-8", "surrogatepass")),
    ]
    return [rng.choice(makers)() for _ in range(count)]


def publish_all(link: DeviceLink, messages: list[tuple[str, bytes]], window: int = 2000) -> None:
    """Publish at QoS 1 keeping at most `window` unconfirmed (packet ids never wrap)."""
    pending = []
    for topic, payload in messages:
        pending.append(link.publish(topic, payload))
        if len(pending) >= window:
            for info in pending:
                info.wait_for_publish(60)
            pending.clear()
    for info in pending:
        info.wait_for_publish(60)


async def test_100k_bad_payloads_next_to_valid_presses_crash_nothing_and_lose_nothing(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db, topics = hub.settings.database_url, hub.topics
    assert db
    bad = bad_messages(topics, BAD)
    valid = [
        (topics.button_event(f"site-{n % 10:02d}", f"btn-{n % 10:02d}-{n % 5}"), press_payload("panic", f"ok-{n}")[1])
        for n in range(VALID)
    ]
    # Interleave: a valid press after every 50 bad messages.
    mixed: list[tuple[str, bytes]] = []
    for n, message in enumerate(bad):
        mixed.append(message)
        if n % 50 == 0 and valid:
            mixed.append(valid.pop())
    mixed.extend(valid)
    started = time.monotonic()
    publisher = threading.Thread(target=publish_all, args=(device_link, mixed))
    publisher.start()
    await eventually(lambda: fetch_value(db, f"SELECT count(*) >= {BAD} FROM dead_letters"), timeout=240, interval=1)
    # Presses only: on a slow run the test district's silent cameras go offline (supervision events).
    presses = "SELECT count(*) FROM events WHERE device_kind = 'button'"
    await eventually(lambda: fetch_value(db, f"SELECT count(*) = {VALID} FROM events WHERE device_kind = 'button'"), 60)
    publisher.join(60)
    elapsed = time.monotonic() - started
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters") == BAD
    assert await fetch_value(db, presses) == VALID
    assert await fetch_value(db, "SELECT count(*) FROM dead_letters WHERE reason = ''") == 0

    async def rejections_counted() -> float:
        async with aiohttp.ClientSession() as session, session.get(f"{hub.http}/metrics") as response:
            metrics = await response.text()
        rejected = [line for line in metrics.splitlines() if line.startswith("sentinel_messages_rejected_total{")]
        return sum(float(line.rsplit(" ", 1)[1]) for line in rejected)

    # With the routine lane in a process of its own, its counts reach /metrics with its next tick (0.5 s).
    await eventually(lambda: _equal(rejections_counted(), BAD), timeout=5)
    assert await rejections_counted() == BAD
    reasons = await fetch_value(db, "SELECT count(DISTINCT reason) FROM dead_letters")
    assert reasons >= 8  # malformed_json, invalid_payload, unknown_device, site_mismatch, kind_mismatch, ...
    print(f"{BAD + VALID} messages in {elapsed:.1f}s ({(BAD + VALID) / elapsed:.0f}/s); {reasons} reasons")
    async with aiohttp.ClientSession() as session, session.get(f"{hub.http}/readyz") as response:
        assert response.status == 200


async def _equal(value: Awaitable[float], expected: float) -> bool:
    return await value == expected
