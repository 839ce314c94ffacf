"""The wire contract: topics build and parse symmetrically; payloads reject wrong input with reasons."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.contract import (
    ButtonEvent,
    ButtonEventType,
    CameraEvent,
    ContractError,
    DeviceStatus,
    OfficerReply,
    SpeakerCommand,
    TopicKind,
    Topics,
    decode,
    encode,
)

topics = Topics("sentinel")
ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,20}", fullmatch=True)


@given(site=ids, device=ids)
def test_every_site_topic_parses_back_to_its_parts(site: str, device: str) -> None:
    for build, kind, device_kind in [
        (topics.button_event, TopicKind.BUTTON_EVENT, "button"),
        (topics.button_feedback, TopicKind.BUTTON_FEEDBACK, "button"),
        (topics.camera_event, TopicKind.CAMERA_EVENT, "camera"),
        (topics.speaker_command, TopicKind.SPEAKER_COMMAND, "speaker"),
        (topics.speaker_ack, TopicKind.SPEAKER_ACK, "speaker"),
    ]:
        match = topics.parse(build(site, device))
        assert match is not None
        assert (match.kind, match.site, match.device, match.device_kind) == (kind, site, device, device_kind)


def test_topics_follow_the_design_table() -> None:
    assert topics.button_event("s1", "b1") == "sentinel/v1/site/s1/button/b1/event"
    assert topics.device_status("s1", "camera", "c1") == "sentinel/v1/site/s1/camera/c1/status"
    assert topics.officer_dispatch("o1") == "sentinel/v1/officer/o1/dispatch"
    assert topics.officer_reply("o1") == "sentinel/v1/officer/o1/reply"
    assert topics.hub_status("main") == "sentinel/v1/hub/main/status"
    assert Topics("acme").button_event("s", "d") == "acme/v1/site/s/button/d/event"


@pytest.mark.parametrize(
    "topic",
    [
        "sentinel/v1/site/s1/button/b1/unknown",
        "sentinel/v2/site/s1/button/b1/event",
        "other/v1/site/s1/button/b1/event",
        "sentinel/v1/site/s1/button/b1/event/extra",
        "sentinel/v1/site/s1/speaker/b1/event",
        "sentinel/v1/officer/o1/unknown",
        "",
    ],
)
def test_topics_outside_the_contract_do_not_parse(topic: str) -> None:
    assert topics.parse(topic) is None


def test_ids_that_would_break_a_topic_are_refused() -> None:
    for bad in ("a/b", "a+b", "#", "", "a b"):
        with pytest.raises(ValueError):
            topics.button_event(bad, "d")


def test_payload_round_trips_and_ignores_unknown_fields() -> None:
    event = ButtonEvent(event_id="e1", type=ButtonEventType.PANIC, ts=datetime(2026, 11, 1, 8, 0, tzinfo=UTC), seq=3)
    assert decode(ButtonEvent, encode(event)) == event
    with_extra = b'{"event_id":"e1","type":"panic","ts":"2026-11-01T08:00:00+08:00","firmware_note":"x"}'
    assert decode(ButtonEvent, with_extra).event_id == "e1"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", "malformed_json"),
        (b'{"event_id": "e1", ', "malformed_json"),
        (b"[1, 2]", "malformed_json"),
        (b"\xff\xfe", "not_utf8"),
        (b'{"type": "panic", "ts": "2026-11-01T08:00:00Z"}', "invalid_payload"),
        (b'{"event_id": 7, "type": "panic", "ts": "2026-11-01T08:00:00Z"}', "invalid_payload"),
        (b'{"event_id": "e", "type": "explode", "ts": "2026-11-01T08:00:00Z"}', "invalid_payload"),
        (b'{"event_id": "e", "type": "panic", "ts": "2026-11-01T08:00:00"}', "invalid_payload"),
        (b'{"event_id": "e", "type": "panic", "ts": "yesterday"}', "invalid_payload"),
        (b'{"event_id": "e", "type": "panic", "ts": "2026-11-01T08:00:00Z", "battery": "90"}', "invalid_payload"),
        (b'{"event_id": "e", "type": "panic", "ts": "2026-11-01T08:00:00Z", "battery": 101}', "invalid_payload"),
    ],
)
def test_bad_button_payloads_are_rejected_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(ContractError) as caught:
        decode(ButtonEvent, payload)
    assert caught.value.reason == reason


def test_every_payload_of_the_design_table_has_a_codec() -> None:
    ts = "2026-11-01T08:00:00+08:00"
    assert decode(CameraEvent, f'{{"event_id":"c","type":"intrusion","ts":"{ts}","zone":"yard"}}'.encode()).zone
    assert decode(DeviceStatus, f'{{"state":"offline","ts":"{ts}"}}'.encode()).state == "offline"
    assert decode(SpeakerCommand, b'{"command_id":"k","action":"play","repeat":2}').repeat == 2
    assert decode(OfficerReply, f'{{"dispatch_id":"d","action":"accept","ts":"{ts}"}}'.encode()).action == "accept"
