"""Intake: turn a raw inbound message into a domain event, a status report, or a rejection.

All the "Bad input" rules of the design are applied here, once, at the boundary: size, JSON shape,
types, topic/registry match and clock window. Nothing downstream sees an unchecked payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from devices.contract import (
    ButtonEvent,
    CameraEvent,
    CameraEventType,
    ContractError,
    DeviceStatus,
    OfficerPresence,
    OfficerReply,
    SpeakerAck,
    TopicKind,
    Topics,
    decode,
)
from devices.contract.payloads import as_dict
from hub.domain.district import District
from hub.domain.events import DeviceEvent, content_fingerprint, timestamp_problem
from hub.services.messages import InboundMessage, Rejection


@dataclass(frozen=True, slots=True)
class IntakeLimits:
    max_payload_bytes: int = 64 * 1024
    max_camera_payload_bytes: int = 2 * 1024 * 1024
    max_clock_skew: timedelta = timedelta(minutes=5)
    max_event_age: timedelta = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class AcceptedEvent:
    event: DeviceEvent
    payload: dict[str, Any]
    message: InboundMessage | None = None  # None: not from MQTT (an alarm panel, supervision)


@dataclass(frozen=True, slots=True)
class StatusReport:
    report: dict[str, Any]  # device_id, site_id, state, reported_at, received_at, battery, rssi, firmware
    message: InboundMessage | None = None


@dataclass(frozen=True, slots=True)
class ReplyIntake:
    officer_id: str
    dispatch_id: int
    reply: OfficerReply
    message: InboundMessage


@dataclass(frozen=True, slots=True)
class PresenceIntake:
    officer_id: str
    presence: OfficerPresence
    message: InboundMessage


@dataclass(frozen=True, slots=True)
class AckIntake:
    speaker_id: str
    ack: SpeakerAck
    message: InboundMessage


Intake = AcceptedEvent | StatusReport | ReplyIntake | PresenceIntake | AckIntake | Rejection

# The topics the ingest pipeline consumes, with the payload type of each.
_EVENT_TYPES: dict[TopicKind, type[ButtonEvent] | type[CameraEvent]] = {
    TopicKind.BUTTON_EVENT: ButtonEvent,
    TopicKind.CAMERA_EVENT: CameraEvent,
}
INGEST_TOPIC_KINDS = frozenset(
    {
        *_EVENT_TYPES,
        TopicKind.DEVICE_STATUS,
        TopicKind.SPEAKER_ACK,
        TopicKind.OFFICER_REPLY,
        TopicKind.OFFICER_PRESENCE,
    }
)
# What the hub's main process takes when the routine lane runs in a process of its own (hub/routine.py):
# the button events; the routine process takes the rest (docs/design.md, "Processes").
MAIN_PROCESS_TOPIC_KINDS = frozenset({TopicKind.BUTTON_EVENT})
ROUTINE_PROCESS_TOPIC_KINDS = INGEST_TOPIC_KINDS - MAIN_PROCESS_TOPIC_KINDS


class IntakeChecker:
    def __init__(self, topics: Topics, district: District, limits: IntakeLimits) -> None:
        self._topics = topics
        self._district = district
        self._limits = limits

    def subscriptions(self, kinds: frozenset[TopicKind] = INGEST_TOPIC_KINDS) -> list[str]:
        """The topic filters of these kinds (default: everything ingest consumes)."""
        prefix = self._topics.prefix
        return [f for f in self._topics.hub_inbound_filters() if _filter_kind(f, prefix) in kinds]

    def check(self, message: InboundMessage) -> Intake:
        def reject(reason: str, detail: str = "") -> Rejection:
            return Rejection(message.topic, message.payload, message.received_at, reason, detail)

        match = self._topics.parse(message.topic)
        if match is None or match.kind not in INGEST_TOPIC_KINDS:
            return reject("unknown_topic", message.topic)
        if match.kind in (TopicKind.OFFICER_REPLY, TopicKind.OFFICER_PRESENCE):
            return self._check_officer(message, match.kind, match.officer or "", reject)
        assert match.site is not None and match.device is not None and match.device_kind is not None
        limit = (
            self._limits.max_camera_payload_bytes
            if match.kind is TopicKind.CAMERA_EVENT
            else self._limits.max_payload_bytes
        )
        if len(message.payload) > limit:
            return reject("oversized_payload", f"{len(message.payload)} bytes > {limit}")
        problem = self._district.origin_problem(match.site, match.device_kind, match.device)
        if problem is not None:
            return reject(problem, f"site={match.site} kind={match.device_kind} device={match.device}")
        try:
            if match.kind is TopicKind.SPEAKER_ACK:
                return AckIntake(match.device, decode(SpeakerAck, message.payload), message)
            if match.kind is TopicKind.DEVICE_STATUS:
                status = decode(DeviceStatus, message.payload)
                report = {
                    "device_id": match.device,
                    "site_id": match.site,
                    "state": status.state.value,
                    "reported_at": status.ts,
                    "received_at": message.received_at,
                    "battery": status.battery,
                    "rssi": status.rssi,
                    "firmware": status.firmware,
                }
                return StatusReport(report, message)
            payload = decode(_EVENT_TYPES[match.kind], message.payload)
        except ContractError as exc:
            return reject(exc.reason, exc.detail)
        clock = timestamp_problem(
            payload.ts, message.received_at, self._limits.max_clock_skew, self._limits.max_event_age
        )
        if clock is not None:
            return reject(clock, f"ts={payload.ts.isoformat()} received={message.received_at.isoformat()}")
        event = DeviceEvent(
            site_id=match.site,
            device_id=match.device,
            device_kind=match.device_kind,
            event_id=payload.event_id,
            type=payload.type.value,
            occurred_at=payload.ts,
            received_at=message.received_at,
            # isinstance, not getattr with a default: a pydantic model's missing attribute costs an exception.
            zone=payload.zone if isinstance(payload, CameraEvent) else None,
            detail=_detail_of(payload),
            # The decoded payload, every contract field: key order and unknown extra fields do not count.
            fingerprint=content_fingerprint(payload.model_dump()),
        )
        return AcceptedEvent(event, as_dict(payload), message)

    def _check_officer(self, message: InboundMessage, kind: TopicKind, officer_id: str, reject: Any) -> Intake:
        """An officer's phone: a reply to a dispatch, or where the officer is."""
        if len(message.payload) > self._limits.max_payload_bytes:
            return reject("oversized_payload", f"{len(message.payload)} bytes")
        if officer_id not in self._district.officers:
            return reject("unknown_officer", officer_id)
        try:
            if kind is TopicKind.OFFICER_REPLY:
                reply = decode(OfficerReply, message.payload)
                if not reply.dispatch_id.isdigit():
                    return reject("unknown_dispatch", reply.dispatch_id)
                return ReplyIntake(officer_id, int(reply.dispatch_id), reply, message)
            presence = decode(OfficerPresence, message.payload)
        except ContractError as exc:
            return reject(exc.reason, exc.detail)
        if (presence.lat is None) != (presence.lon is None):
            return reject("invalid_payload", "lat and lon go together")
        return PresenceIntake(officer_id, presence, message)


# Camera event types that take the alarm lane (hub.adapters.mqtt.client): tamper. Every button event takes it:
# a cancel or test press must not overtake the panic before it from the same button (the lanes commit
# independently), and buttons are few and quiet.
_ALARM_MARKERS = (b'"panic"', b'"duress"', b'"tamper"')


def is_alarm(topic: str, payload: bytes | bytearray) -> bool:
    """Whether a message takes the alarm lane. A byte search, not a parse: it runs for every message
    as it arrives. A wrong guess changes only which lane checks and stores it, never what is stored."""
    if not topic.endswith("/event"):
        return False
    levels = topic.rsplit("/", 3)
    return (len(levels) == 4 and levels[1] == "button") or any(marker in payload for marker in _ALARM_MARKERS)


def _filter_kind(topic_filter: str, prefix: str) -> TopicKind | None:
    """The topic kind a subscription filter stands for (wildcards replaced by a sample id)."""
    sample = "/".join("x" if level == "+" else level for level in topic_filter.split("/"))
    match = Topics(prefix).parse(sample)
    return match.kind if match else None


def _detail_of(payload: ButtonEvent | CameraEvent) -> str | None:
    """A presence event's `present` as its detail ("present" or "absent"), like a tamper's kind."""
    if not isinstance(payload, CameraEvent):
        return None  # a button event has no detail
    if payload.type is CameraEventType.PRESENCE:
        return "present" if payload.present else "absent"
    return payload.detail
