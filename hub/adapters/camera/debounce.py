"""A camera that keeps seeing the same thing (a looping scene, a yard people cross all day) reports it once per
`event_repeat_s` per zone and event type, not once per person: each event carries a snapshot and a clip and joins
the site's open incident, so an undebounced busy camera buries the incident and fills the disk."""

from __future__ import annotations

from hub.video.detections import Detection, DetectionType


class ZoneEventDebounce:
    """Lets a zone's event of one type through at most once per `repeat_s` seconds of camera time (0: all).
    Events without a zone (tamper, stream lost and their restores) always pass: each is a change of state."""

    def __init__(self, repeat_s: float) -> None:
        self.repeat_s = repeat_s
        self.suppressed = 0
        self._last: dict[tuple[str, str], float] = {}

    def allow(self, detection: Detection) -> bool:
        if self.repeat_s <= 0 or detection.zone_id is None or detection.type is DetectionType.PRESENCE:
            return True
        key = (detection.type.value, detection.zone_id)
        last = self._last.get(key)
        if last is not None and 0 <= detection.t - last < self.repeat_s:
            self.suppressed += 1
            return False
        self._last[key] = detection.t
        return True
