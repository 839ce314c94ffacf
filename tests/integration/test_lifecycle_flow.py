"""Whole incidents through MQTT: press → dispatch on the right officer's topic → replies → resolved,
the guard told at each step; silent officers, escalation, restarts and two instances."""

from __future__ import annotations

import asyncio
import json
import queue
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from devices.contract import Topics
from devices.link import DeviceLink
from hub.config import Settings
from simulators.button import press_payload
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, running_hub, write_district


class Listener:
    """Collects JSON messages published on some topics; `next` takes the first matching one,
    leaving the others for later calls."""

    def __init__(self, link: DeviceLink) -> None:
        self.link = link
        self.messages: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self.seen: list[tuple[str, dict[str, Any]]] = []

    def watch(self, topic: str) -> None:
        self.link.subscribe(topic, lambda t, body: self.messages.put((t, json.loads(body))))

    def _take(self, topic: str, match: dict[str, object]) -> dict[str, Any] | None:
        for n, (got_topic, body) in enumerate(self.seen):
            if got_topic == topic and all(body.get(k) == v for k, v in match.items()):
                del self.seen[n]
                return body
        return None

    async def next(self, topic: str, timeout: float = 10.0, **match: object) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (found := self._take(topic, match)) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"nothing on {topic} matching {match} within {timeout}s; seen {self.seen}")
            try:
                self.seen.append(await asyncio.to_thread(self.messages.get, True, min(remaining, 0.5)))
            except queue.Empty:
                continue
        return found


@pytest.fixture
async def listener(mqtt_broker: Any) -> AsyncIterator[Listener]:
    link = DeviceLink(mqtt_broker.url, f"listener-{uuid.uuid4().hex[:6]}").connect()
    yield Listener(link)
    link.close()


def reply(link: DeviceLink, topics: Topics, officer: str, dispatch_id: str, action: str, **extra: object) -> None:
    body = {"dispatch_id": dispatch_id, "action": action, "ts": datetime.now(UTC).isoformat(), **extra}
    link.publish_and_wait(topics.officer_reply(officer), json.dumps(body).encode())


def press(link: DeviceLink, topics: Topics, site: str, device: str) -> str:
    event_id, payload = press_payload("panic")
    link.publish_and_wait(topics.button_event(site, device), payload)
    return event_id


@pytest.mark.routine_process  # production layout: officers' replies in the routine process
async def test_a_press_is_dispatched_to_the_grid_officer_who_accepts_arrives_and_resolves(
    hub: HubUnderTest, listener: Listener
) -> None:
    db, topics, lifecycle = hub.settings.database_url, hub.topics, hub.running.lifecycle
    assert db
    await lifecycle.sign_on("o1", True, "officer:o1")  # grid g1's officer; site-01 is in g1
    await lifecycle.sign_on("o3", True, "officer:o3")
    listener.watch(topics.officer_dispatch("o1"))
    listener.watch(topics.officer_dispatch("o3"))
    listener.watch(topics.button_feedback("site-01", "btn-01-0"))
    await asyncio.sleep(0.3)
    event_id = await asyncio.to_thread(press, listener.link, topics, "site-01", "btn-01-0")

    dispatch = await listener.next(topics.officer_dispatch("o1"))
    assert dispatch["site"]["id"] == "site-01" and dispatch["site"]["name"] == "测试银行01"
    assert dispatch["priority"] == 1 and dispatch["navigation"].startswith("geo:39.901,116.401")
    feedback_topic = topics.button_feedback("site-01", "btn-01-0")
    await listener.next(feedback_topic, state="received", event_id=event_id)
    await listener.next(feedback_topic, state="dispatched", event_id=event_id)

    incident_id = int(dispatch["incident_id"])
    await lifecycle.acknowledge(incident_id, "user:duty")
    await listener.next(feedback_topic, state="acknowledged")
    for action, extra in [("accept", {}), ("en_route", {"lat": 39.95, "lon": 116.45}), ("on_scene", {})]:
        await asyncio.to_thread(reply, listener.link, topics, "o1", dispatch["dispatch_id"], action, **extra)
    en_route = await listener.next(feedback_topic, state="en_route")
    assert 500 < en_route["eta_s"] < 2000  # about 7 km at city speed
    await listener.next(feedback_topic, state="on_scene")
    await asyncio.to_thread(
        reply, listener.link, topics, "o1", dispatch["dispatch_id"], "resolved", note="误报，已核实"
    )
    await listener.next(feedback_topic, state="resolved")

    row = await eventually(lambda: _incident(db, incident_id, "resolved"))
    for clock in ("created_at", "acknowledged_at", "dispatched_at", "accepted_at", "en_route_at", "on_scene_at"):
        assert row[clock] is not None, clock
    assert row["created_at"] <= row["dispatched_at"] <= row["accepted_at"] <= row["on_scene_at"] <= row["resolved_at"]
    assert row["resolution_note"] == "误报，已核实"
    actions = await fetch_value(
        db, "SELECT array_agg(action ORDER BY id) FROM incident_timeline WHERE incident_id = $1", incident_id
    )
    assert actions == ["opened", "dispatch", "acknowledge", "accept", "en_route", "on_scene", "resolve"]
    assert (
        await fetch_value(db, "SELECT state FROM dispatches WHERE id = $1", int(dispatch["dispatch_id"])) == "completed"
    )
    assert await fetch_value(db, "SELECT count(*) FROM dispatches WHERE officer_id = 'o3'") == 0


async def _incident(db: str, incident_id: int, state: str) -> Any:
    import asyncpg

    conn = await asyncpg.connect(db)
    try:
        return await conn.fetchrow("SELECT * FROM incidents WHERE id = $1 AND state = $2", incident_id, state)
    finally:
        await conn.close()


async def test_a_reply_to_another_officers_dispatch_is_dead_lettered(hub: HubUnderTest, listener: Listener) -> None:
    db, topics = hub.settings.database_url, hub.topics
    assert db
    await hub.running.lifecycle.sign_on("o0", True, "officer:o0")
    listener.watch(topics.officer_dispatch("o0"))
    await asyncio.sleep(0.3)
    await asyncio.to_thread(press, listener.link, topics, "site-00", "btn-00-0")
    dispatch = await listener.next(topics.officer_dispatch("o0"))
    await asyncio.to_thread(reply, listener.link, topics, "o2", dispatch["dispatch_id"], "accept")
    await eventually(lambda: fetch_value(db, "SELECT reason FROM dead_letters"))
    assert await fetch_value(db, "SELECT reason FROM dead_letters") == "not_allowed"
    assert await fetch_value(db, "SELECT state FROM incidents") == "dispatched"


FAST = {"P1": {"ack_s": 5, "accept_s": 5, "arrival_s": 600}}


@pytest.fixture
def fast_district(tmp_path: Path) -> Path:
    return write_district(tmp_path / "fast.yaml", sites=6, buttons_per_site=1, targets=FAST)


async def test_a_silent_officer_is_replaced_and_an_unacknowledged_p1_escalates_across_a_hub_restart(
    hub_settings: Settings, fast_district: Path, listener: Listener
) -> None:
    settings = hub_settings.model_copy(update={"district_file": fast_district})
    db, topics = settings.database_url, Topics(settings.topic_prefix)
    assert db
    listener.watch(topics.officer_dispatch("o0"))
    listener.watch(topics.officer_dispatch("o2"))
    async with running_hub(settings) as hub:
        await hub.running.lifecycle.sign_on("o0", True, "officer:o0")
        await hub.running.lifecycle.sign_on("o2", True, "officer:o2")
        await hub.running.lifecycle.report_location("o2", 39.9, 116.4)
        await asyncio.sleep(0.3)
        await asyncio.to_thread(press, listener.link, topics, "site-00", "btn-00-0")
        first = await listener.next(topics.officer_dispatch("o0"))
    # The hub is down while the officer stays silent and the desk does not acknowledge.
    await asyncio.sleep(6)
    async with running_hub(settings):
        second = await listener.next(topics.officer_dispatch("o2"), timeout=10)
        timed_out = await listener.next(topics.officer_dispatch("o0"), status="timed_out")
        assert timed_out["dispatch_id"] == first["dispatch_id"]
        assert second["incident_id"] == first["incident_id"]
        await eventually(lambda: fetch_value(db, "SELECT escalation_count >= 1 FROM incidents"))
    states = await fetch_value(db, "SELECT array_agg(officer_id || ':' || state ORDER BY id) FROM dispatches")
    assert states == ["o0:timed_out", "o2:offered"]
    reasons = await fetch_value(
        db, "SELECT array_agg(reason ORDER BY id) FROM incident_timeline WHERE action IN ('decline', 'escalated')"
    )
    assert any("o0 did not accept within 5 s" in r for r in reasons)
    assert any("not acknowledged after" in r for r in reasons)


async def test_two_hub_instances_fire_each_timer_exactly_once_and_the_survivor_takes_over(
    hub_settings: Settings, fast_district: Path, listener: Listener
) -> None:
    base = hub_settings.model_copy(update={"district_file": fast_district, "shared_subscription_group": "hubs"})
    db, topics = base.database_url, Topics(base.topic_prefix)
    assert db
    one = base.model_copy(update={"instance_id": base.instance_id + "-a"})
    two = base.model_copy(update={"instance_id": base.instance_id + "-b", "http": _other_port()})
    async with running_hub(one) as first, running_hub(two) as second:
        for site in range(6):
            await asyncio.to_thread(press, listener.link, topics, f"site-{site:02d}", f"btn-{site:02d}-0")
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 6 FROM incidents"))
        # Every incident's first ack deadline (5 s) passes: each fires once, on one instance.
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 6 FROM incidents WHERE escalation_count = 1"), 10)
        leaders = [h for h in (first, second) if h.running.leader.is_leader]
        assert len(leaders) == 1
        fired_by = await fetch_value(db, "SELECT array_agg(DISTINCT fired_by) FROM timers WHERE fired_at IS NOT NULL")
        assert fired_by == [leaders[0].settings.instance_id]
    survivor = two if leaders[0] is first else one
    async with running_hub(survivor) as alone:
        # The next ack deadline (5 s later) is fired by the survivor, once per incident.
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 6 FROM incidents WHERE escalation_count = 2"), 15)
        assert alone.running.leader.is_leader
    escalations = await fetch_value(db, "SELECT count(*) FROM incident_timeline WHERE action = 'escalated'")
    fired = await fetch_value(db, "SELECT count(*) FROM timers WHERE kind = 'ack' AND fired_at IS NOT NULL")
    assert escalations == fired >= 12
    assert await fetch_value(db, "SELECT count(*) FROM events") == 6  # shared subscription: no double intake


def _other_port() -> str:
    from sentinel_dev.services import free_port

    return f"127.0.0.1:{free_port()}"


@pytest.mark.routine_process  # production layout: officers' presence in the routine process
async def test_simulated_officers_sign_on_over_mqtt_and_a_declining_officer_passes_the_dispatch_on(
    hub: HubUnderTest, listener: Listener
) -> None:
    from hub.config import load_district
    from simulators.officer import Behaviour, Mode, officer_simulators

    db, topics = hub.settings.database_url, hub.topics
    assert db
    district = load_district(hub.settings.district_file)
    fast = Behaviour(Mode.ACCEPT, accept_after_s=0.2, speed_m_s=5000, update_every_s=0.2, on_scene_s=0.5)
    decliner = officer_simulators(listener.link, topics, district, Behaviour(Mode.DECLINE, 0.2), ["o0"])
    helpers = officer_simulators(listener.link, topics, district, fast, ["o2"])
    for sim in decliner + helpers:
        sim.start()
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 2 FROM officer_presence WHERE signed_on"))
    await asyncio.to_thread(press, listener.link, topics, "site-00", "btn-00-0")
    await eventually(lambda: fetch_value(db, "SELECT state = 'resolved' FROM incidents"), timeout=15)
    states = await fetch_value(db, "SELECT array_agg(officer_id || ':' || state ORDER BY id) FROM dispatches")
    assert states == ["o0:declined", "o2:completed"]
    for sim in decliner + helpers:
        sim.stop()
    await eventually(lambda: fetch_value(db, "SELECT count(*) = 0 FROM officer_presence WHERE signed_on"))
    log = await fetch_value(db, "SELECT array_agg(action ORDER BY id) FROM officer_duty_log WHERE officer_id = 'o2'")
    assert log == ["sign_on", "sign_off"]
