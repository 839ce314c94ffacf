"""MQTT topic names of the wire contract: the only place topic strings are built or parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

VERSION = "v1"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class DeviceKind(StrEnum):
    BUTTON = "button"
    CAMERA = "camera"
    SPEAKER = "speaker"
    PANEL = "panel"


class TopicKind(StrEnum):
    BUTTON_EVENT = "button_event"
    BUTTON_FEEDBACK = "button_feedback"
    CAMERA_EVENT = "camera_event"
    CAMERA_COMMAND = "camera_command"
    DEVICE_STATUS = "device_status"
    SPEAKER_COMMAND = "speaker_command"
    SPEAKER_ACK = "speaker_ack"
    OFFICER_DISPATCH = "officer_dispatch"
    OFFICER_REPLY = "officer_reply"
    OFFICER_PRESENCE = "officer_presence"
    HUB_STATUS = "hub_status"


@dataclass(frozen=True, slots=True)
class TopicMatch:
    """A parsed topic. `site`/`device`/`device_kind` are set for site topics, `officer` and
    `instance` for officer and hub topics."""

    kind: TopicKind
    site: str | None = None
    device_kind: str | None = None
    device: str | None = None
    officer: str | None = None
    instance: str | None = None


def is_valid_id(value: str) -> bool:
    """Ids become topic levels, so they may not contain '/', '+', '#' or whitespace."""
    return bool(_ID.match(value))


def _check(*ids: str) -> None:
    for value in ids:
        if not is_valid_id(value):
            raise ValueError(f"invalid id for an MQTT topic level: {value!r}")


# (leaf, device kind or None for any kind) → topic kind, for topics under site/{site}/{kind}/{device}/
_SITE_LEAVES: dict[tuple[str, str | None], TopicKind] = {
    ("event", DeviceKind.BUTTON): TopicKind.BUTTON_EVENT,
    ("feedback", DeviceKind.BUTTON): TopicKind.BUTTON_FEEDBACK,
    ("event", DeviceKind.CAMERA): TopicKind.CAMERA_EVENT,
    ("command", DeviceKind.CAMERA): TopicKind.CAMERA_COMMAND,
    ("command", DeviceKind.SPEAKER): TopicKind.SPEAKER_COMMAND,
    ("ack", DeviceKind.SPEAKER): TopicKind.SPEAKER_ACK,
    ("status", None): TopicKind.DEVICE_STATUS,
}


class Topics:
    """Builds and parses the topics of one deployment (the prefix is configurable)."""

    def __init__(self, prefix: str = "sentinel") -> None:
        if not prefix or any(c in prefix for c in "+#") or prefix.startswith("/") or prefix.endswith("/"):
            raise ValueError(f"invalid topic prefix: {prefix!r}")
        self.prefix = prefix
        self._root = f"{prefix}/{VERSION}"
        self._root_levels = len(self._root.split("/"))

    # --- builders -------------------------------------------------------------------------------
    def _site(self, site: str, kind: str, device: str, leaf: str) -> str:
        _check(site, device)
        return f"{self._root}/site/{site}/{kind}/{device}/{leaf}"

    def button_event(self, site: str, device: str) -> str:
        return self._site(site, DeviceKind.BUTTON, device, "event")

    def button_feedback(self, site: str, device: str) -> str:
        return self._site(site, DeviceKind.BUTTON, device, "feedback")

    def camera_event(self, site: str, device: str) -> str:
        return self._site(site, DeviceKind.CAMERA, device, "event")

    def camera_command(self, site: str, device: str) -> str:
        """Addition to the contract: the hub asks a camera to record (video verification of a press)."""
        return self._site(site, DeviceKind.CAMERA, device, "command")

    def device_status(self, site: str, kind: str, device: str) -> str:
        _check(kind)
        return self._site(site, kind, device, "status")

    def speaker_command(self, site: str, device: str) -> str:
        return self._site(site, DeviceKind.SPEAKER, device, "command")

    def speaker_ack(self, site: str, device: str) -> str:
        return self._site(site, DeviceKind.SPEAKER, device, "ack")

    def _officer(self, officer: str, leaf: str) -> str:
        _check(officer)
        return f"{self._root}/officer/{officer}/{leaf}"

    def officer_dispatch(self, officer: str) -> str:
        return self._officer(officer, "dispatch")

    def officer_reply(self, officer: str) -> str:
        return self._officer(officer, "reply")

    def officer_presence(self, officer: str) -> str:
        """Addition to the contract: an officer's app signs on/off duty and shares its location."""
        return self._officer(officer, "presence")

    def hub_status(self, instance: str) -> str:
        _check(instance)
        return f"{self._root}/hub/{instance}/status"

    # --- subscriptions --------------------------------------------------------------------------
    def hub_inbound_filters(self) -> list[str]:
        """Everything the hub consumes from devices and officers."""
        r = self._root
        return [
            f"{r}/site/+/button/+/event",
            f"{r}/site/+/camera/+/event",
            f"{r}/site/+/+/+/status",
            f"{r}/site/+/speaker/+/ack",
            f"{r}/officer/+/reply",
            f"{r}/officer/+/presence",
        ]

    # --- parser ---------------------------------------------------------------------------------
    def parse(self, topic: str) -> TopicMatch | None:
        """Parse a topic of this deployment; None when it is not part of the contract."""
        levels = topic.split("/")
        if "/".join(levels[: self._root_levels]) != self._root:
            return None
        rest = levels[self._root_levels :]
        if len(rest) == 5 and rest[0] == "site":
            _, site, kind, device, leaf = rest
            if not (is_valid_id(site) and is_valid_id(kind) and is_valid_id(device)):
                return None
            topic_kind = _SITE_LEAVES.get((leaf, kind)) or _SITE_LEAVES.get((leaf, None))
            if topic_kind is None:
                return None
            return TopicMatch(topic_kind, site=site, device_kind=kind, device=device)
        if len(rest) == 3 and rest[0] == "officer" and is_valid_id(rest[1]):
            leaf_kinds = {
                "dispatch": TopicKind.OFFICER_DISPATCH,
                "reply": TopicKind.OFFICER_REPLY,
                "presence": TopicKind.OFFICER_PRESENCE,
            }
            if rest[2] in leaf_kinds:
                return TopicMatch(leaf_kinds[rest[2]], officer=rest[1])
        if len(rest) == 3 and rest[0] == "hub" and rest[2] == "status" and is_valid_id(rest[1]):
            return TopicMatch(TopicKind.HUB_STATUS, instance=rest[1])
        return None
