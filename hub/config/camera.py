"""A camera's configuration in the district file (`devices[].camera`): stream, analysis rate, linked speakers,
and zones with weekly arming schedules. `hub.adapters.camera.settings` turns it into the analysis' settings.

Zone geometry is in fractions of the frame (0..1, x right, y down), so it survives a change of resolution.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.config.fields import Id
from hub.domain.weekly import WEEKDAYS, Weekday, WeeklyWindow, parse_hhmm, weekday_numbers
from hub.video.schedule import WeeklySchedule

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Point = tuple[Fraction, Fraction]
HhMm = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", examples=["19:00"])]

STREAM_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "file://")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ArmingWindowConfig(_Strict):
    """Armed on `days` from `from` to `to` local time; `from` later than `to` runs overnight into the next day,
    `from` equal to `to` arms 24 hours from `from` (00:00 to 00:00: the whole day)."""

    days: Annotated[list[Weekday], Field(min_length=1)] = list(WEEKDAYS)
    from_: HhMm = Field(alias="from")
    to: HhMm

    @field_validator("from_", "to")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        parse_hhmm(value)
        return value


class ZoneConfig(_Strict):
    id: Id
    name: str = ""
    name_en: str = ""  # the zone's name in English mode (falls back to `name`)
    kind: Literal["intrusion", "loitering", "crowd", "line_crossing"]
    polygon: list[Point] | None = None  # intrusion, loitering, crowd: ≥ 3 points
    line: list[Point] | None = None  # line_crossing: 2 points
    direction: Literal["any", "left_to_right", "right_to_left", "top_to_bottom", "bottom_to_top"] = "any"
    schedule: list[ArmingWindowConfig] = []  # empty: always armed
    loiter_s: Annotated[float, Field(gt=0, le=86_400)] = 30.0
    crowd_count: Annotated[int, Field(ge=1, le=1000)] = 5  # this many objects or more make a crowd
    crowd_area_share: Annotated[float, Field(gt=0, le=1)] | None = None  # or this share of the zone moving
    min_object_area: Annotated[float, Field(ge=0, le=1)] = 0.0  # fraction of the frame
    # Perspective: the least height (fraction of the frame height) of an object at the zone's far (top) and near
    # (bottom) edge, linear in between; e.g. [0.08, 0.2].
    min_object_height: tuple[Fraction, Fraction] | None = None

    @model_validator(mode="after")
    def _geometry_fits_kind(self) -> ZoneConfig:
        if self.kind == "line_crossing":
            if self.line is None or len(self.line) != 2:
                raise ValueError("a line_crossing zone needs `line`: two [x, y] points")
            if self.line[0] == self.line[1]:
                raise ValueError("the two points of `line` must differ")
        else:
            if self.polygon is None or len(self.polygon) < 3:
                raise ValueError(f"a {self.kind} zone needs `polygon`: at least three [x, y] points")
            if self.line is not None:
                raise ValueError(f"`line` is only for line_crossing zones, not {self.kind}")
            if self.direction != "any":
                raise ValueError(f"`direction` is only for line_crossing zones, not {self.kind}")
        return self


class CameraConfig(_Strict):
    stream: Annotated[str, Field(min_length=1, max_length=2048)]  # rtsp://…, http(s)://… MJPEG, or a file path
    fps: Annotated[float, Field(gt=0, le=30)] = 5.0  # frames analysed per second
    speakers: list[Id] = []  # speaker device ids warned for this camera's events
    zones: list[ZoneConfig] = []
    min_object_area: Annotated[float, Field(gt=0, le=1)] = 0.002  # fraction of the frame, at its bottom row
    min_object_far_scale: Annotated[float, Field(gt=0, le=1)] = 0.7  # perspective: linear size on the top row
    motion_events: bool = False  # also publish plain `motion` events (rate-limited)
    # Publish `presence` events when an intrusion or loitering zone's occupancy changes (the talk-down verdict).
    presence_events: bool = True
    tamper: bool = True  # detect covered, moved, defocused
    stream_timeout_s: Annotated[float, Field(ge=1, le=600)] = 10.0  # no new picture this long → stream_lost
    open_timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0  # OpenCV/FFmpeg: connecting to the stream
    read_timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0  # OpenCV/FFmpeg: waiting for a frame → reconnect
    reconnect_max_s: Annotated[float, Field(gt=0, le=60)] = 2.0  # longest pause between reconnection attempts
    # A zone's event of one type at most once per this many seconds (0: every one): a busy scene is reported,
    # not every person in it (hub/adapters/camera/debounce.py).
    event_repeat_s: Annotated[float, Field(ge=0, le=86_400)] = 0.0

    @field_validator("stream")
    @classmethod
    def _stream_kind(cls, value: str) -> str:
        scheme, sep, _ = value.partition("://")
        if sep and not value.startswith(STREAM_SCHEMES):
            raise ValueError(f"stream must be rtsp://, http(s):// (MJPEG) or a file path, not {scheme}://")
        return value

    @field_validator("zones")
    @classmethod
    def _unique_zone_ids(cls, zones: list[ZoneConfig]) -> list[ZoneConfig]:
        seen: set[str] = set()
        for zone in zones:
            if zone.id in seen:
                raise ValueError(f"zone id {zone.id!r} is used more than once")
            seen.add(zone.id)
        return zones


def to_schedule(windows: list[ArmingWindowConfig]) -> WeeklySchedule:
    return WeeklySchedule(
        tuple(WeeklyWindow(weekday_numbers(w.days), parse_hhmm(w.from_), parse_hhmm(w.to)) for w in windows)
    )
