"""Payload codecs of the wire contract.

Every payload is a UTF-8 JSON object. Unknown fields are ignored (devices may be newer than the hub);
missing required fields and wrong types are rejected: no silent coercion of "5" into 5.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

Id = Annotated[str, Field(min_length=1, max_length=128)]
Percent = Annotated[int, Field(ge=0, le=100)]
Text = Annotated[str, Field(max_length=2000)]


class ContractError(ValueError):
    """A payload that does not follow the contract. `reason` is a stable machine-readable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class _Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)


# --- button -------------------------------------------------------------------------------------
class ButtonEventType(StrEnum):
    PANIC = "panic"
    DURESS = "duress"
    TEST = "test"
    CANCEL = "cancel"
    TAMPER = "tamper"
    LOW_BATTERY = "low_battery"


class ButtonEvent(_Payload):
    """A press or a report. `event_id` is unique per device: a resend (the resend rule, `resend`) carries
    the same id and the same content; the same id with other content is refused as `event_id_reused`."""

    event_id: Id
    type: ButtonEventType
    ts: AwareDatetime
    seq: Annotated[int, Field(ge=0)] | None = None
    battery: Percent | None = None


class FeedbackState(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"


class ButtonFeedback(_Payload):
    """The hub's word to the guard. `received` comes for each arrival of a panic, duress, test or cancel
    event, a resend of one already stored included (`resend.CONFIRMED_BUTTON_EVENTS`)."""

    event_id: Id
    state: FeedbackState
    ts: AwareDatetime
    eta_s: Annotated[int, Field(ge=0)] | None = None


# --- camera -------------------------------------------------------------------------------------
class CameraEventType(StrEnum):
    INTRUSION = "intrusion"
    LOITERING = "loitering"
    CROWD = "crowd"
    LINE_CROSSING = "line_crossing"
    TAMPER = "tamper"
    MOTION = "motion"
    # Addition to the contract: the camera's answer to a `record` command (CameraCommand), never sent
    # unasked, so a hub that does not send the command never sees it.
    VERIFICATION = "verification"
    # Addition to the contract: a zone's occupancy changed (`present` true or false); it joins the site's
    # open incident as evidence for the talk-down verdict (hub.domain.talkdown) and never opens one.
    PRESENCE = "presence"


class DetectedObject(_Payload):
    """One object in a camera event (an addition to the contract: the design leaves `objects` open).
    `box` is (x, y, width, height) as fractions of the frame."""

    label: Annotated[str, Field(max_length=64)] = "object"
    score: Annotated[float, Field(ge=0, le=1)] | None = None
    box: Annotated[list[float], Field(min_length=4, max_length=4)] | None = None


class CameraEvent(_Payload):
    event_id: Id
    type: CameraEventType
    ts: AwareDatetime
    zone: Annotated[str, Field(max_length=128)] | None = None
    score: Annotated[float, Field(ge=0, le=1)] | None = None
    objects: list[DetectedObject] | None = None
    snapshot: str | None = None
    clip: Annotated[str, Field(max_length=2048)] | None = None
    # Addition to the contract: what kind of tamper (tamper_covered, tamper_moved, tamper_defocused,
    # stream_lost) and its end (…_restored, stream_restored). A restore closes, never opens.
    detail: Annotated[str, Field(max_length=64)] | None = None
    # Addition to the contract, set on a `verification` event: the command it answers and the span of
    # time its clip covers (first and last frame).
    command_id: Id | None = None
    clip_start: AwareDatetime | None = None
    clip_end: AwareDatetime | None = None
    # Addition to the contract, set on a `presence` event: whether someone is now in `zone`.
    present: bool | None = None


class CameraAction(StrEnum):
    RECORD = "record"


Seconds = Annotated[float, Field(ge=0, le=60)]


class CameraCommand(_Payload):
    """Addition to the contract (site/{site}/camera/{device}/command, hub → camera): `record` asks the
    camera to save a clip from its pre-event buffer covering `pre_s` before `at` to `post_s` after it,
    and a snapshot at `at`, and to answer with a `verification` event carrying `command_id`. A camera
    past `expires_at` ignores the command (its buffer no longer holds the moment)."""

    command_id: Id
    action: CameraAction
    at: AwareDatetime
    pre_s: Seconds | None = None
    post_s: Seconds | None = None
    expires_at: AwareDatetime | None = None


# --- any device ---------------------------------------------------------------------------------
class DeviceState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class DeviceStatus(_Payload):
    state: DeviceState
    ts: AwareDatetime
    battery: Percent | None = None
    rssi: int | None = None
    firmware: Annotated[str, Field(max_length=64)] | None = None


# --- speaker ------------------------------------------------------------------------------------
class SpeakerAction(StrEnum):
    PLAY = "play"
    STOP = "stop"


class SpeakerCommand(_Payload):
    command_id: Id
    action: SpeakerAction
    audio_url: Annotated[str, Field(max_length=2048)] | None = None
    text: Text | None = None
    lang: Annotated[str, Field(max_length=16)] | None = None
    repeat: Annotated[int, Field(ge=1, le=20)] | None = None
    volume: Percent | None = None
    priority: Annotated[int, Field(ge=0, le=9)] | None = None
    expires_at: AwareDatetime | None = None


class SpeakerAckState(StrEnum):
    RECEIVED = "received"
    PLAYING = "playing"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


class SpeakerAck(_Payload):
    command_id: Id
    state: SpeakerAckState
    ts: AwareDatetime
    error: Text | None = None


# --- officer ------------------------------------------------------------------------------------
class DispatchSite(_Payload):
    id: Id
    name: Text
    address: Text | None = None
    lat: float | None = None
    lon: float | None = None
    contact: Text | None = None


class DispatchStatus(StrEnum):
    """An addition to the contract: a later message on the same dispatch_id may say it is no
    longer the officer's to answer. Absent means `offered`."""

    OFFERED = "offered"
    WITHDRAWN = "withdrawn"
    TIMED_OUT = "timed_out"
    COMPLETED = "completed"


class OfficerDispatch(_Payload):
    dispatch_id: Id
    incident_id: Id
    site: DispatchSite
    priority: Annotated[int, Field(ge=1, le=4)]
    summary: Text
    snapshot_url: Annotated[str, Field(max_length=2048)] | None = None
    ts: AwareDatetime | None = None
    status: DispatchStatus | None = None
    navigation: Annotated[str, Field(max_length=256)] | None = None  # addition: a geo: URI
    accept_by: AwareDatetime | None = None  # addition: when the dispatch goes to the next officer


class OfficerAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"


class OfficerReply(_Payload):
    dispatch_id: Id
    action: OfficerAction
    ts: AwareDatetime
    note: Text | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class OfficerPresence(_Payload):
    """Addition to the contract (officer/{officer}/presence): the daily sign-in, and the location
    the app shares while on duty. `on_duty` absent means unchanged (a location update only)."""

    ts: AwareDatetime
    on_duty: bool | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


# --- hub ----------------------------------------------------------------------------------------
class HubStatus(_Payload):
    state: DeviceState
    ts: AwareDatetime
    version: Annotated[str, Field(max_length=64)] | None = None


# --- codec --------------------------------------------------------------------------------------
P = TypeVar("P", bound=_Payload)


def decode(model: type[P], payload: bytes) -> P:
    """Decode a wire payload, raising ContractError with a stable reason code."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError("not_utf8", str(exc)) from None
    stripped = text.lstrip()
    if not stripped.startswith("{"):
        raise ContractError("malformed_json", "payload is not a JSON object")
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            raise ContractError("malformed_json", exc.errors()[0]["msg"]) from None
        raise ContractError("invalid_payload", _describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "(payload)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def encode(message: _Payload) -> bytes:
    """Encode a payload as compact UTF-8 JSON, leaving out fields that are not set."""
    return message.model_dump_json(exclude_none=True).encode("utf-8")


def as_dict(message: _Payload) -> dict[str, Any]:
    return message.model_dump(mode="json", exclude_none=True)
