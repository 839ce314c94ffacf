"""The district file's `patrol_tours:` — the duty desk's scheduled rounds of cameras (hub.domain.patrol).

    patrol_tours:
      - id: night-schools
        name: 夜间校园巡查
        name_en: Schools at night          # optional
        cameras: [cam-school-shiyan-yard, cam-school-shiyan-gate]
        dwell_s: 20                        # seconds on each camera (default 20)
        schedule:                          # weekly windows: due once in each...
          - {days: all, from: "19:00", to: "07:00"}
        every: 2h                          # ...or every 2 h (inside the windows, if any); e.g. 30m, 1h30m
        grace_s: 900                       # overdue this long after falling due (default 15 min)

A tour with neither `schedule` nor `every` runs on demand only. Cameras without a stream are allowed: the
console says "no live view" for them and the round still logs them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.config.fields import Id, TimeOfDay
from hub.config.sites import SiteConfig
from hub.domain.patrol import Tour
from hub.domain.weekly import Weekday, WeeklyWindow, parse_hhmm, weekday_numbers

_EVERY = re.compile(r"^(?:(\d{1,3})h)?(?:(\d{1,4})m)?$")
MIN_EVERY_S = 5 * 60
MAX_EVERY_S = 7 * 24 * 3600


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def every_seconds(text: str) -> int:
    """`2h`, `30m`, `1h30m` as seconds; ValueError for anything else or outside 5 min to 7 days."""
    found = _EVERY.fullmatch(text.strip())
    if not found or not text.strip() or (found[1] is None and found[2] is None):
        raise ValueError(f"{text!r} is not an interval such as 2h, 30m or 1h30m")
    seconds = int(found[1] or 0) * 3600 + int(found[2] or 0) * 60
    if not MIN_EVERY_S <= seconds <= MAX_EVERY_S:
        raise ValueError("the interval must be from 5 minutes to 7 days")
    return seconds


class TourWindowConfig(_Strict):
    """Due in this window on `days` from `from` to `to` local time; `to` not after `from` runs overnight, equal
    means the whole day."""

    days: Annotated[list[Weekday], Field(min_length=1)] | Literal["all"] = "all"
    from_: TimeOfDay = Field(alias="from")
    to: TimeOfDay


class PatrolTourConfig(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1, max_length=100)]
    name_en: Annotated[str, Field(max_length=100)] = ""
    cameras: Annotated[list[Id], Field(min_length=1, max_length=100)]
    dwell_s: Annotated[int, Field(ge=5, le=600)] = 20
    schedule: list[TourWindowConfig] = []
    every: str | None = None
    grace_s: Annotated[int, Field(ge=60, le=86_400)] = 900

    @field_validator("every")
    @classmethod
    def _interval(cls, value: str | None) -> str | None:
        if value is not None:
            every_seconds(value)
        return value


def patrol_problems(tours: Sequence[PatrolTourConfig], sites: Sequence[SiteConfig]) -> list[str]:
    """Cross-references of the tours: unique ids, cameras that are cameras of the district, once per tour."""
    problems: list[str] = []
    kinds = {d.id: d.kind for s in sites for d in s.devices}
    seen: set[str] = set()
    for i, tour in enumerate(tours):
        if tour.id in seen:
            problems.append(f"patrol_tours[{i}].id: {tour.id!r} is used more than once")
        seen.add(tour.id)
        on_tour: set[str] = set()
        for j, camera in enumerate(tour.cameras):
            key = f"patrol_tours[{i}].cameras[{j}]"
            if camera not in kinds:
                problems.append(f"{key}: unknown device {camera!r}")
            elif kinds[camera] != "camera":
                problems.append(f"{key}: {camera!r} is a {kinds[camera]}, not a camera")
            elif camera in on_tour:
                problems.append(f"{key}: {camera!r} is on the tour more than once")
            on_tour.add(camera)
    return problems


def to_tours(tours: Sequence[PatrolTourConfig]) -> tuple[Tour, ...]:
    return tuple(
        Tour(
            id=t.id,
            name=t.name,
            name_en=t.name_en or t.name,
            cameras=tuple(t.cameras),
            dwell_s=t.dwell_s,
            windows=tuple(
                WeeklyWindow(weekday_numbers(w.days), parse_hhmm(w.from_), parse_hhmm(w.to)) for w in t.schedule
            ),
            every_s=every_seconds(t.every) if t.every is not None else None,
            grace_s=t.grace_s,
        )
        for t in tours
    )
