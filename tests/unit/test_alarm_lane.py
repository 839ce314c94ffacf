"""Which messages take the alarm lane (hub.services.intake.is_alarm)."""

from __future__ import annotations

import json

import pytest

from devices.contract import DeviceState, Topics
from devices.link import status_payload
from hub.services.intake import is_alarm
from simulators.button import press_payload

TOPICS = Topics("sentinel")


@pytest.mark.parametrize("kind", ["panic", "duress", "tamper"])
def test_panic_duress_and_tamper_presses_take_the_alarm_lane(kind: str) -> None:
    _, payload = press_payload(kind, "e1")
    assert is_alarm(TOPICS.button_event("site-1", "btn-1"), payload)


def test_a_camera_tamper_takes_the_alarm_lane_and_camera_motion_does_not() -> None:
    topic = TOPICS.camera_event("site-1", "cam-1")
    tamper = json.dumps({"event_id": "c1", "type": "tamper", "ts": "2026-01-01T00:00:00+00:00"}).encode()
    motion = json.dumps({"event_id": "c2", "type": "motion", "ts": "2026-01-01T00:00:00+00:00"}).encode()
    assert is_alarm(topic, tamper)
    assert not is_alarm(topic, motion)


@pytest.mark.parametrize("kind", ["test", "cancel", "low_battery"])
def test_every_other_button_event_takes_the_alarm_lane_so_a_cancel_never_overtakes_its_panic(kind: str) -> None:
    _, payload = press_payload(kind, "e1")
    assert is_alarm(TOPICS.button_event("site-1", "btn-1"), payload)


def test_heartbeats_and_speaker_acks_take_the_routine_lane() -> None:
    assert not is_alarm(TOPICS.device_status("site-1", "button", "btn-1"), status_payload(DeviceState.ONLINE))
    ack = json.dumps({"command_id": "tamper", "state": "done", "ts": "2026-01-01T00:00:00+00:00"}).encode()
    assert not is_alarm(TOPICS.speaker_ack("site-1", "spk-1"), ack)
