"""A detection as a smart camera's event on the wire (`CameraEvent`, DESIGN.md "Wire contract").

Tamper sub-kinds (`tamper_covered`, `tamper_moved`, `tamper_defocused`, their `…_restored`, `stream_lost`,
`stream_restored`) travel as type `tamper` with an added `detail` field: backward compatible (unknown fields
are ignored), and `zone` keeps meaning a zone. Picture tamper events (covered, moved, defocused and their
restores) also carry `rules_suspended`: whether the camera's zone rules are suspended from that event on.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime, tzinfo

from devices.contract import CameraEvent, CameraEventType
from devices.contract.payloads import DetectedObject, as_dict
from hub.video.detections import Detection


def camera_event_payload(
    detection: Detection, event_id: str, tz: tzinfo, snapshot_jpeg: bytes | None = None, clip_url: str | None = None
) -> bytes:
    objects = [DetectedObject(label=o.label, box=[round(v, 4) for v in o.box]) for o in detection.objects]
    event = CameraEvent(
        event_id=event_id,
        type=CameraEventType(detection.type.value),
        ts=datetime.fromtimestamp(detection.t, tz),
        zone=detection.zone_id,
        score=round(min(max(detection.score, 0.0), 1.0), 3),
        objects=objects or None,
        snapshot=base64.b64encode(snapshot_jpeg).decode("ascii") if snapshot_jpeg else None,
        clip=clip_url,
    )
    body = as_dict(event)
    if detection.tamper is not None:
        body["detail"] = detection.tamper.value
    if detection.present is not None:
        body["present"] = detection.present
    if detection.rules_suspended is not None:
        body["rules_suspended"] = detection.rules_suspended
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
