"""Event identity: what makes an event id that comes again a plain resend (a duplicate, confirmed again)
or a reused id (a replay or a faulty device, dead-lettered), and the buttons' resend rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from devices.contract import RESEND_RULE, Topics
from hub.config import load_district
from hub.domain.events import DeviceEvent, EventIdentity, content_fingerprint
from hub.services.intake import AcceptedEvent, IntakeChecker, IntakeLimits
from hub.services.messages import InboundMessage
from simulators.districts import write_district

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
topics = Topics("sentinel")


@pytest.fixture
def intake(tmp_path: Path) -> IntakeChecker:
    return IntakeChecker(topics, load_district(write_district(tmp_path / "district.yaml")), IntakeLimits())


def accepted(intake: IntakeChecker, payload: dict[str, object] | str, kind: str = "button") -> DeviceEvent:
    topic = topics.button_event("site-01", "btn-01-0") if kind == "button" else topics.camera_event("site-01", "cam-01")
    body = payload if isinstance(payload, str) else json.dumps(payload)
    result = intake.check(InboundMessage(topic, body.encode(), NOW))
    assert isinstance(result, AcceptedEvent), result
    return result.event


PRESS = {"event_id": "e-1", "type": "panic", "ts": "2026-12-03T08:59:58+00:00", "seq": 7, "battery": 90}


def test_the_same_content_in_another_form_is_the_same_event(intake: IntakeChecker) -> None:
    original = accepted(intake, PRESS)
    reordered = accepted(intake, dict(reversed(PRESS.items())))
    other_zone = accepted(intake, {**PRESS, "ts": "2026-12-03T16:59:58+08:00"})  # the same instant
    extra = accepted(intake, {**PRESS, "firmware_note": "newer device", "rssi": -60})  # unknown fields
    spaced = accepted(intake, json.dumps(PRESS, indent=2))
    for resend in (reordered, other_zone, extra, spaced):
        assert original.identity.same_event(resend.identity)


@pytest.mark.parametrize(
    "change",
    [{"seq": 8}, {"battery": 89}, {"seq": None}, {"type": "test"}, {"ts": "2026-12-03T08:59:59+00:00"}],
    ids=["seq", "battery", "seq_left_out", "type", "ts"],
)
def test_any_other_value_of_a_field_the_hub_uses_is_another_event(
    intake: IntakeChecker, change: dict[str, object]
) -> None:
    original = accepted(intake, PRESS)
    replayed = accepted(intake, {k: v for k, v in {**PRESS, **change}.items() if v is not None})
    assert not original.identity.same_event(replayed.identity)


def test_camera_events_are_compared_on_every_field(intake: IntakeChecker) -> None:
    base = {"event_id": "c-1", "type": "intrusion", "ts": "2026-12-03T08:59:58Z", "zone": "yard", "score": 0.5}
    assert accepted(intake, base, "camera").identity.same_event(
        accepted(intake, {**base, "score": 0.50}, "camera").identity
    )
    for change in ({"zone": "gate"}, {"score": 0.6}, {"objects": [{"label": "person"}]}, {"detail": "x"}):
        assert not accepted(intake, base, "camera").identity.same_event(
            accepted(intake, {**base, **change}, "camera").identity
        )


def test_without_a_fingerprint_on_either_side_type_and_time_decide() -> None:
    at = NOW - timedelta(seconds=5)
    stored_before_fingerprints = EventIdentity("panic", at, None)
    resend = EventIdentity("panic", at.astimezone(timezone(timedelta(hours=8))), "f" * 64)
    assert stored_before_fingerprints.same_event(resend)
    assert not stored_before_fingerprints.same_event(EventIdentity("cancel", at, "f" * 64))
    assert not stored_before_fingerprints.same_event(EventIdentity("panic", at + timedelta(seconds=1), None))


def test_null_and_absent_are_alike_and_times_are_instants() -> None:
    at = datetime(2026, 12, 3, 17, 0, tzinfo=timezone(timedelta(hours=8)))
    assert content_fingerprint({"a": 1, "b": None, "t": at}) == content_fingerprint({"t": at.astimezone(UTC), "a": 1})
    assert content_fingerprint({"a": 1}) != content_fingerprint({"a": 2})
    with pytest.raises(TypeError):
        content_fingerprint({"t": datetime(2026, 12, 3)})  # a naive time is no instant


def test_the_resend_rule_backs_off_to_a_ceiling_within_a_bound() -> None:
    delays = [RESEND_RULE.delay_s(n) for n in range(8)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
    assert RESEND_RULE.give_up_after_s <= 24 * 3600  # inside the hub's default max_event_age_s
