"""The public MQTT wire contract (see DESIGN.md, "Wire contract").

Topics are built and parsed only in `topics`; payloads are encoded and decoded only in `payloads`; the
resend rule (a button resends an event until the hub's `received`) is in `resend`.
The hub, the simulators and the edge agents all import this package, so they cannot drift apart.
"""

from devices.contract.payloads import (
    ButtonEvent,
    ButtonEventType,
    ButtonFeedback,
    CameraAction,
    CameraCommand,
    CameraEvent,
    CameraEventType,
    ContractError,
    DeviceState,
    DeviceStatus,
    DispatchSite,
    DispatchStatus,
    FeedbackState,
    HubStatus,
    OfficerAction,
    OfficerDispatch,
    OfficerPresence,
    OfficerReply,
    SpeakerAck,
    SpeakerAckState,
    SpeakerAction,
    SpeakerCommand,
    decode,
    encode,
)
from devices.contract.resend import CONFIRMED_BUTTON_EVENTS, RESEND_RULE, ResendRule
from devices.contract.topics import DeviceKind, TopicKind, TopicMatch, Topics

__all__ = [
    "CONFIRMED_BUTTON_EVENTS",
    "RESEND_RULE",
    "ButtonEvent",
    "ButtonEventType",
    "ButtonFeedback",
    "CameraAction",
    "CameraCommand",
    "CameraEvent",
    "CameraEventType",
    "ContractError",
    "DeviceKind",
    "DeviceState",
    "DeviceStatus",
    "DispatchSite",
    "DispatchStatus",
    "FeedbackState",
    "HubStatus",
    "OfficerAction",
    "OfficerDispatch",
    "OfficerPresence",
    "OfficerReply",
    "ResendRule",
    "SpeakerAck",
    "SpeakerAckState",
    "SpeakerAction",
    "SpeakerCommand",
    "TopicKind",
    "TopicMatch",
    "Topics",
    "decode",
    "encode",
]
