"""Video verification of presses: which cameras record the moment a button or panel alarm opened an
incident, and over which span of time.

When a press opens an incident, every camera of the site is asked (the camera command topic) to save a
clip from its pre-event buffer covering the seconds before and after the press, and a snapshot. The
answer is a `verification` camera event that joins the incident with its media.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from hub.domain.events import DeviceEvent
from hub.domain.incidents import Incident

if TYPE_CHECKING:  # the district holds the policy
    from hub.domain.district import District

# Incidents verified by video: a press or an alarm, not a device's fault report.
VERIFIED_KINDS = frozenset({"panic", "duress", "intrusion", "fire"})
PRESS_DEVICES = frozenset({"button", "panel"})


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    pre_s: float = 8.0  # the clip starts this long before the press
    post_s: float = 4.0  # and ends this long after it
    expires_s: float = 30.0  # a camera that gets the command later ignores it: its buffer has moved on


@dataclass(frozen=True, slots=True)
class VerificationRequest:
    camera_id: str
    command_id: str
    at: datetime  # the moment to cover: the press
    pre_s: float
    post_s: float
    expires_at: datetime


def verification_requests(incident: Incident, opened_by: DeviceEvent, district: District) -> list[VerificationRequest]:
    """The recordings to ask for when `opened_by` has just opened `incident` (one per camera of the
    site that answers the command). The press moment is the device's own time, unless it claims a time
    after the hub received it."""
    if incident.id is None or opened_by.device_kind not in PRESS_DEVICES or incident.kind not in VERIFIED_KINDS:
        return []
    at = min(opened_by.occurred_at, opened_by.received_at)
    cameras = sorted(d.id for d in district.devices_at(incident.site_id) if d.kind == "camera" and d.verifies_presses)
    return [
        VerificationRequest(
            camera_id=camera,
            command_id=f"verify-{incident.id}-{camera}",
            at=at,
            pre_s=district.verification.pre_s,
            post_s=district.verification.post_s,
            expires_at=opened_by.received_at + timedelta(seconds=district.verification.expires_s),
        )
        for camera in cameras
    ]
