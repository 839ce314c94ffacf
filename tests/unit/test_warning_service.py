"""The warning service on in-memory ports (tests/unit/fakes): a warning is written with its command, acked,
resent and given up on. The same through PostgreSQL and MQTT: tests/integration/test_warnings.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest

from hub.domain.escalation import TimerKind
from hub.domain.events import DeviceEvent
from hub.domain.warnings import WarningState
from hub.services.warnings import UnknownTarget, WarningRequest, WarningService
from tests.unit.fakes.world import TOPICS, World, district, press


@dataclass(frozen=True)
class Audio:
    key: str
    duration_s: float


class Speech:
    async def render(self, text: str, lang: str) -> Audio:
        return Audio(f"{lang}-{abs(hash(text))}", 4.0)


def warnings(world: World) -> WarningService:
    return WarningService(
        world.store, world.district, TOPICS, Speech(), lambda key: f"http://hub/audio/{key}", world.clock
    )


LEAVE = WarningRequest(("spk-01",), "en", message_id="leave-now", repeat=2)


async def test_a_warning_is_written_with_its_command_queued_audited_and_noted_on_the_incident() -> None:
    world = World()
    incident_id = await world.open_incident(1)

    request = WarningRequest(("spk-01",), "en", message_id="leave-now", repeat=2, incident_id=incident_id)

    (warning_id,) = await warnings(world).warn(request, "user:desk")

    tables = world.store.tables
    row = tables.warnings.rows[warning_id]
    assert (row["speaker_id"], row["state"], row["incident_id"]) == ("spk-01", "sent", incident_id)
    (command,) = [m for m in tables.outbox.messages if m.topic == TOPICS.speaker_command("site-01", "spk-01")]
    assert command.payload == row["command"] and json.loads(command.payload)["command_id"] == row["command_id"]
    assert tables.audit_log.actions()[-1] == "warning.send"
    assert tables.incidents.actions_of(incident_id)[-1] == "warning"
    assert tables.changes.warnings == [warning_id] and incident_id in tables.changes.incidents


async def test_a_warning_to_a_device_that_is_no_speaker_is_refused_before_anything_is_written() -> None:
    world = World()
    with pytest.raises(UnknownTarget):
        await warnings(world).warn(WarningRequest(("cam-01",), "en", message_id="leave-now"), "user:desk")
    assert world.store.tables.warnings.rows == {} and world.store.tables.outbox.messages == []


async def test_a_speakers_acks_move_the_warning_to_done_each_ack_kept() -> None:
    world = World()
    service = warnings(world)
    (warning_id,) = await service.warn(LEAVE, "user:desk")
    command_id = world.store.tables.warnings.rows[warning_id]["command_id"]

    for state in (WarningState.RECEIVED, WarningState.PLAYING, WarningState.DONE):
        assert await service.acknowledge("spk-01", command_id, state, world.clock())

    tables = world.store.tables
    assert tables.warnings.rows[warning_id]["state"] == "done"
    assert [a[1] for a in tables.warnings.acks] == ["received", "playing", "done"]
    assert tables.warnings.rows[warning_id]["next_resend_at"] is None  # a finished warning is not watched


async def test_an_ack_from_another_speaker_is_refused() -> None:
    world = World()
    service = warnings(world)
    (warning_id,) = await service.warn(LEAVE, "user:desk")
    command_id = world.store.tables.warnings.rows[warning_id]["command_id"]

    assert not await service.acknowledge("spk-02", command_id, WarningState.DONE, world.clock())
    assert world.store.tables.warnings.rows[warning_id]["state"] == "sent"


async def test_an_unanswered_warning_is_resent_as_the_same_command_and_watched_again_later() -> None:
    world = World()
    service = warnings(world)
    (warning_id,) = await service.warn(LEAVE, "user:desk")
    first_look = world.store.tables.warnings.rows[warning_id]["next_resend_at"]
    world.clock.now = first_look

    assert await service.resend_due() == 1

    tables = world.store.tables
    sent = [m.payload for m in tables.outbox.messages if m.topic == TOPICS.speaker_command("site-01", "spk-01")]
    assert len(sent) == 2 and sent[0] == sent[1]
    assert tables.warnings.rows[warning_id]["attempts"] == 2
    assert tables.warnings.rows[warning_id]["next_resend_at"] > first_look


async def test_a_warning_not_played_before_it_expires_is_given_up_as_expired() -> None:
    world = World()
    service = warnings(world)
    incident_id = await world.open_incident(1)
    request = WarningRequest(("spk-01",), "en", message_id="leave-now", incident_id=incident_id, expires_s=60)
    (warning_id,) = await service.warn(request, "user:desk")
    world.clock.advance(61)

    await service.resend_due()

    tables = world.store.tables
    assert tables.warnings.rows[warning_id]["state"] == WarningState.EXPIRED.value
    assert tables.incidents.actions_of(incident_id)[-1] == "warning_expired"


def talkdown_world() -> World:
    rule = {"id": "banks", "site_kinds": ["bank"], "window_s": 45, "firmer_message": "police-coming"}
    return World(district=district(sites=2, extra={"talkdown": [rule]}))


async def played_to_the_end(world: World, event: DeviceEvent) -> int:
    """The incident `event` opens, warned about on its site's speaker, which reports `done`: its id."""
    service = warnings(world)
    incident_id = (await world.record(event)).incident_of_site[event.site_id]
    request = WarningRequest(("spk-01",), "en", message_id="leave-now", incident_id=incident_id)
    (warning_id,) = await service.warn(request, "user:desk")
    command_id = world.store.tables.warnings.rows[warning_id]["command_id"]
    await service.acknowledge("spk-01", command_id, WarningState.DONE, world.clock())
    return incident_id


async def test_a_warning_played_to_the_end_about_an_intrusion_arms_the_talkdown_verdict_after_the_window() -> None:
    world = talkdown_world()
    at = world.clock()
    intrusion = DeviceEvent("site-01", "cam-01", "camera", "cam-ev-1", "intrusion", at, at, zone="door")

    incident_id = await played_to_the_end(world, intrusion)

    tables = world.store.tables
    (verdict,) = [t for t in tables.timers.pending.values() if t.kind is TimerKind.TALKDOWN]
    assert verdict.incident_id == incident_id and verdict.due_at == at + timedelta(seconds=45)
    assert tables.incidents.actions_of(incident_id)[-1] == "talkdown_watch"
    assert "site-01" in tables.incidents.locked  # `done` writes under the site's lock


async def test_a_warning_played_to_the_end_about_a_press_arms_no_talkdown_verdict() -> None:
    world = talkdown_world()

    incident_id = await played_to_the_end(world, press(1, world.clock()))

    assert TimerKind.TALKDOWN not in world.store.tables.timers.kinds_of(incident_id)
