"""From a camera's config (the district file) to its analysis settings (`hub.video`)."""

from __future__ import annotations

from hub.config.camera import CameraConfig, ZoneConfig, to_schedule
from hub.video.analyzer import AnalyzerSettings
from hub.video.tamper import TamperSettings
from hub.video.zones import Direction, Zone, ZoneKind


def to_zone(config: ZoneConfig) -> Zone:
    line = None
    if config.line is not None:
        (ax, ay), (bx, by) = config.line
        line = ((ax, ay), (bx, by))
    return Zone(
        id=config.id,
        name=config.name,
        kind=ZoneKind(config.kind),
        polygon=tuple((x, y) for x, y in config.polygon or ()),
        line=line,
        direction=Direction(config.direction),
        schedule=to_schedule(config.schedule),
        loiter_s=config.loiter_s,
        crowd_count=config.crowd_count,
        crowd_area_share=config.crowd_area_share,
        min_object_area=config.min_object_area,
        min_object_height=config.min_object_height,
    )


def to_analyzer_settings(config: CameraConfig, timezone: str) -> AnalyzerSettings:
    return AnalyzerSettings(
        zones=tuple(to_zone(z) for z in config.zones),
        timezone=timezone,
        min_object_area=config.min_object_area,
        far_scale=config.min_object_far_scale,
        motion_events=config.motion_events,
        presence_events=config.presence_events,
        tamper=TamperSettings() if config.tamper else None,
    )
