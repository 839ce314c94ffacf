"""One camera's analysis: frame in, events out. Composes tamper, motion, blobs, tracking and zone rules.

Pure: the time of each frame is given (seconds since the epoch); the local time for arming schedules is derived
from it and the configured time zone, never read from a clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from hub.video.blobs import Blob, find_blobs, is_lighting_change
from hub.video.detections import Detection, DetectionType, ObjectBox
from hub.video.frames import DEFAULT_ANALYSIS_WIDTH, is_analysis_gray, to_analysis_gray
from hub.video.motion import MotionDetector, MotionSettings
from hub.video.tamper import TamperDetector, TamperSettings
from hub.video.tracking import ObjectTracker, Track, TrackerSettings
from hub.video.zones import RuleTimings, Zone, ZoneRules

LIGHT_RECHECK_S = 2.0


@dataclass(frozen=True, slots=True)
class AnalyzerSettings:
    zones: tuple[Zone, ...] = ()
    timezone: str = "Asia/Shanghai"
    analysis_width: int = DEFAULT_ANALYSIS_WIDTH
    min_object_area: float = 0.002  # fraction of the frame, for an object at the bottom; smaller regions are noise
    far_scale: float = 0.7  # perspective: an object on the top row may be this much smaller (linear size)
    person_aspect: float | None = 0.4  # a blob this many times its height wide per person is split; None: never
    motion_events: bool = False  # report plain motion (rate-limited); zone events are always reported
    motion_repeat_s: float = 30.0
    presence_events: bool = False  # report each change of an intrusion or loitering zone's occupancy
    lighting_filter: bool = True
    tamper: TamperSettings | None = field(default_factory=TamperSettings)  # None: no tamper detection
    motion: MotionSettings = field(default_factory=MotionSettings)
    tracking: TrackerSettings = field(default_factory=TrackerSettings)
    rules: RuleTimings = field(default_factory=RuleTimings)


class CameraAnalyzer:
    def __init__(self, settings: AnalyzerSettings) -> None:
        self.settings = settings
        self._zone_tz = ZoneInfo(settings.timezone)
        self._motion = MotionDetector(settings.motion)
        self._tracker = ObjectTracker(settings.tracking)
        self._rules = ZoneRules(settings.zones, settings.rules, settings.presence_events)
        self._tamper = TamperDetector(settings.tamper) if settings.tamper is not None else None
        self._last_motion_t: float | None = None
        self._armed: tuple[int, frozenset[str]] | None = None  # (epoch second, zones armed then)
        self._last_mask: np.ndarray | None = None
        self._light_verdicts: dict[int, tuple[bool, float]] = {}  # track id → (is light, when judged)
        self.last_objects: list[ObjectBox] = []  # the confirmed objects of the last frame, for drawing and tests
        # Whether the last frame was searched for objects (not while a tamper is suspected, nor on a scene
        # change): what a frame costs depends on it.
        self.searched_objects = False

    def prepare(self, frame: np.ndarray) -> np.ndarray:
        width = self.settings.analysis_width
        return frame if is_analysis_gray(frame, width) else to_analysis_gray(frame, width)

    def armed_zones(self, t: float) -> frozenset[str]:
        # Arming windows are in whole minutes and time-zone offsets in whole seconds: within one second of the
        # epoch the answer cannot change, and the frames of that second share it.
        second = math.floor(t)
        if self._armed is None or self._armed[0] != second:
            local = datetime.fromtimestamp(t, self._zone_tz)
            self._armed = (second, frozenset(z.id for z in self.settings.zones if z.schedule.is_armed(local)))
        return self._armed[1]

    def analyze(self, frame: np.ndarray, t: float) -> list[Detection]:
        """Events raised by this frame (BGR of any size, or an already prepared grey analysis frame)."""
        gray = self.prepare(frame)
        detections: list[Detection] = []
        blinded = False
        if self._tamper is not None:
            due = self._tamper.due(t, self._last_mask)
            still = self._motion.still_picture if due else None  # a conversion: only when used
            events = self._tamper.update(gray, t, self._last_mask, still)
            if events:  # whether rules are suspended is asked only when there is an event to say it in
                suspended = bool(self._tamper.active)
                detections += [
                    Detection(DetectionType.TAMPER, t, 0.9, tamper=e.kind, rules_suspended=suspended) for e in events
                ]
            blinded = self._tamper.suspect
        # Ghosts are absorbed only from a picture that can be trusted: a moved camera's old view is not a ghost.
        mask = self._last_mask = self._motion.detect(gray, t, absorb_ghosts=not blinded)
        if self._motion.scene_changed or blinded:
            self._tracker.reset()
            self.last_objects = []
            self.searched_objects = False
            return detections

        self.searched_objects = True
        height, width = gray.shape
        settings = self.settings
        min_area = settings.min_object_area * width * height
        blobs = find_blobs(mask, min_area, settings.far_scale, settings.person_aspect)
        tracks = self._tracker.update(blobs, t)  # blobs are (x, y, w, h) tuples: boxes as they are, no float copies
        # A track judged not light stays so (only light is judged again): most tracks are settled without a call.
        verdicts = self._light_verdicts
        lit = [
            track
            for track in tracks
            if ((verdict := verdicts.get(track.id)) is None or verdict[0]) and self._is_light(track, gray, t)
        ]
        if lit:
            mask = mask.copy()
            for track in lit:  # crowd zones measure their moving share on this mask: light is not a crowd
                x, y, w, h = (int(v) for v in track.box)
                mask[y : y + h, x : x + w] = 0
        # By id: `track in lit` would compare tracks field by field (their paths too) with the dataclass's `__eq__`.
        lit_ids = {track.id for track in lit}
        objects = [
            ObjectBox(track.id, (x / width, y / height, w / width, h / height))
            for track in tracks
            if track.id not in lit_ids
            for x, y, w, h in (track.box,)
        ]
        self.last_objects = objects
        detections += self._rules.evaluate(objects, t, self.armed_zones(t), mask)
        if self.settings.motion_events and objects and self._motion_due(t):
            detections.append(Detection(DetectionType.MOTION, t, 0.6, objects=tuple(objects)))
        return detections

    def _is_light(self, track: Track, gray: np.ndarray, t: float) -> bool:
        """Whether a confirmed track is light on the scene rather than an object. Judged when the track is
        confirmed, and again every `LIGHT_RECHECK_S` for tracks judged light (a person may walk into a beam)."""
        if not self.settings.lighting_filter:
            return False
        verdict = self._light_verdicts.get(track.id)
        if track.seen_now and (verdict is None or (verdict[0] and t - verdict[1] >= LIGHT_RECHECK_S)):
            background = self._motion.background
            x, y, w, h = (int(v) for v in track.box)
            lit = background is not None and is_lighting_change(gray, background, Blob(x, y, w, h))
            verdicts = self._light_verdicts
            verdicts.pop(track.id, None)  # re-inserted last: the table stays in the order of judging
            verdict = verdicts[track.id] = (lit, t)
            while t - next(iter(verdicts.values()))[1] > 60:  # forget the oldest, not scan them all each time
                del verdicts[next(iter(verdicts))]
        return verdict is not None and verdict[0]

    def _motion_due(self, t: float) -> bool:
        if self._last_motion_t is not None and t - self._last_motion_t < self.settings.motion_repeat_s:
            return False
        self._last_motion_t = t
        return True
