"""Talk-down with a verdict (hub.domain.talkdown): the verdict from the cameras' zone reports, the rules per site
kind and hours in the district file, and a `presence` camera event joining the open incident without opening one."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from devices.contract import CameraEvent, CameraEventType, decode
from hub.adapters.camera.debounce import ZoneEventDebounce
from hub.adapters.camera.events import camera_event_payload
from hub.config.district import ConfigError, parse_district
from hub.domain.events import DeviceEvent
from hub.domain.incidents import IncidentState, correlate
from hub.domain.talkdown import TalkdownRule, ZoneReport, rule_for, verdict
from hub.video.detections import Detection, DetectionType, ObjectBox
from hub.video.zones import RuleTimings, Zone, ZoneKind, ZoneRules
from simulators.districts import synthetic_district

DONE = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return DONE + timedelta(seconds=seconds)


def test_a_person_who_left_and_stayed_away_is_deterred_with_before_and_after_snapshots() -> None:
    reports = [ZoneReport(at(-20), "yard", True, 11), ZoneReport(at(8), "yard", False, 12)]
    found = verdict(reports, frozenset({"yard"}), DONE, 30)
    assert (found.deterred, found.reason, found.before_snapshot, found.after_snapshot) == (True, "left", 11, 12)
    assert found.code == "talkdown_deterred"


def test_a_person_still_there_at_the_end_of_the_window_is_not_deterred() -> None:
    found = verdict([ZoneReport(at(-20), "yard", True, 11)], frozenset({"yard"}), DONE, 30)
    assert (found.deterred, found.reason, found.before_snapshot) == (False, "still_present", 11)


def test_a_person_who_came_back_within_the_window_is_not_deterred_even_if_gone_again() -> None:
    reports = [
        ZoneReport(at(-20), "yard", True),
        ZoneReport(at(5), "yard", False),
        ZoneReport(at(12), "yard", True, 13),
        ZoneReport(at(20), "yard", False),
    ]
    found = verdict(reports, frozenset({"yard"}), DONE, 30)
    assert (found.deterred, found.reason, found.after_snapshot) == (False, "returned", 13)


def test_a_return_after_the_window_does_not_change_the_verdict() -> None:
    reports = [ZoneReport(at(-20), "yard", True), ZoneReport(at(5), "yard", False), ZoneReport(at(31), "yard", True)]
    assert verdict(reports, frozenset({"yard"}), DONE, 30).deterred


def test_other_zones_do_not_count_and_no_report_at_all_is_not_deterred() -> None:
    reports = [ZoneReport(at(-20), "yard", True), ZoneReport(at(3), "yard", False), ZoneReport(at(4), "car-park", True)]
    assert verdict(reports, frozenset({"yard"}), DONE, 30).deterred
    assert not verdict([], frozenset({"yard"}), DONE, 30).deterred


def test_a_rule_applies_to_its_site_kinds_and_hours_across_midnight() -> None:
    night = TalkdownRule("night", site_kinds=frozenset({"school"}), start_minute=22 * 60, end_minute=6 * 60)
    any_time = TalkdownRule("rest")
    assert rule_for([night, any_time], "school", 23 * 60) is night
    assert rule_for([night, any_time], "school", 5 * 60) is night
    assert rule_for([night, any_time], "school", 12 * 60) is any_time
    assert rule_for([night, any_time], "bank", 23 * 60) is any_time
    assert rule_for([night], "bank", 23 * 60) is None


def test_the_district_file_defines_talkdown_rules_and_refuses_an_unknown_firmer_message() -> None:
    raw = synthetic_district(sites=1)
    raw["talkdown"] = [
        {"id": "schools", "site_kinds": ["school"], "from": "22:00", "to": "06:00", "window_s": 40,
         "firmer_message": "police-coming", "languages": ["zh-CN", "en"], "auto_close": False},
    ]  # fmt: skip
    (rule,) = parse_district(raw).talkdown_rules
    assert rule == TalkdownRule(
        "schools", 40, "police-coming", ("zh-CN", "en"), False, frozenset({"school"}), 22 * 60, 6 * 60
    )
    raw["talkdown"][0]["firmer_message"] = "no-such-message"
    with pytest.raises(ConfigError, match="firmer_message"):
        parse_district(raw)


def test_a_presence_event_is_on_the_wire_contract_and_joins_an_open_incident_only() -> None:
    payload = b'{"event_id":"p-1","type":"presence","ts":"2026-03-01T22:00:05Z","zone":"yard","present":false}'
    event = decode(CameraEvent, payload)
    assert (event.type, event.present) == (CameraEventType.PRESENCE, False)
    left = DeviceEvent("s1", "cam-1", "camera", "p-1", "presence", at(5), at(5), zone="yard", detail="absent")
    assert correlate(None, left, False).incident is None  # never opens one
    intrusion = DeviceEvent("s1", "cam-1", "camera", "i-1", "intrusion", at(-20), at(-20), zone="yard")
    opened = correlate(None, intrusion, False).incident
    assert opened is not None
    joined = correlate(opened, left, False)
    assert joined.incident == opened and joined.incident.state is IncidentState.NEW
    (entry,) = joined.timeline
    assert (entry.code, dict(entry.params)) == ("zone_empty", {"device": "cam-1", "zone": "yard"})


def test_zone_rules_report_each_change_of_an_armed_zones_occupancy_when_asked() -> None:
    yard = Zone("yard", ZoneKind.INTRUSION, polygon=((0.2, 0.2), (0.8, 0.2), (0.8, 0.9), (0.2, 0.9)))
    rules = ZoneRules([yard], RuleTimings(leave_s=1.0), presence_events=True)
    inside, outside = ObjectBox(1, (0.4, 0.3, 0.1, 0.3)), ObjectBox(1, (0.85, 0.3, 0.1, 0.65))
    seen: list[tuple[float, str, bool | None]] = []
    for step in range(40):  # in the yard for 2 s, then beside it for 2 s
        t = step * 0.1
        for d in rules.evaluate([inside if t < 2 else outside], t, {"yard"}):
            seen.append((round(t, 1), d.type.value, d.present))
    assert seen[:2] == [(0.0, "intrusion", None), (0.0, "presence", True)]
    (left_at, kind, present), *more = seen[2:]
    assert (kind, present, more) == ("presence", False, []) and 2.9 <= left_at <= 3.1  # leave_s after last inside
    quiet = ZoneRules([yard], RuleTimings(leave_s=1.0))
    assert [d.type.value for d in quiet.evaluate([inside], 0.0, {"yard"})] == ["intrusion"]  # off by default


def test_the_agent_publishes_a_presence_detection_with_present_and_lets_every_change_through() -> None:
    change = Detection(DetectionType.PRESENCE, DONE.timestamp(), 0.8, zone_id="yard", present=False)
    body = json.loads(camera_event_payload(change, "p-1", UTC))
    assert (body["type"], body["zone"], body["present"]) == ("presence", "yard", False)
    assert decode(CameraEvent, json.dumps(body).encode()).present is False
    debounce = ZoneEventDebounce(repeat_s=30)
    assert all(debounce.allow(replace(change, t=change.t + n)) for n in range(3))
