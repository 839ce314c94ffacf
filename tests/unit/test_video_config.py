"""Camera settings in the district file: what is accepted, what is refused, and with which key named."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from hub.adapters.camera.settings import to_analyzer_settings
from hub.config.camera import CameraConfig
from hub.config.district import ConfigError, parse_district
from hub.video.zones import Direction, ZoneKind

YARD = {"id": "yard", "kind": "intrusion", "polygon": [[0.1, 0.5], [0.9, 0.5], [0.9, 0.95], [0.1, 0.95]]}


def camera(**overrides: object) -> dict[str, object]:
    return {"stream": "rtsp://10.0.0.5/stream1", "zones": [YARD], **overrides}


def school_district(devices: list[dict[str, object]]) -> dict[str, object]:
    """A district file's content: one school site, alone in its grid, with `devices`."""
    school = {"id": "school", "name": "School", "kind": "school", "grid": "g1", "devices": devices}
    return {"district": {"id": "d", "name": "D"}, "grids": [{"id": "g1", "name": "G"}], "sites": [school]}


def district(device: dict[str, object]) -> dict[str, object]:
    return school_district([device, {"id": "spk-yard", "kind": "speaker"}])


def test_a_camera_needs_only_a_stream_and_gets_the_documented_defaults() -> None:
    config = CameraConfig.model_validate({"stream": "http://10.0.0.5/mjpeg"})
    assert (config.fps, config.speakers, config.zones, config.tamper) == (5.0, [], [], True)


@pytest.mark.parametrize("stream", ["rtsp://cam/1", "https://cam/video.mjpeg", "clips/test.avi", "file:///x.mp4"])
def test_stream_may_be_rtsp_http_or_a_file(stream: str) -> None:
    assert CameraConfig.model_validate({"stream": stream}).stream == stream


def test_stream_with_another_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="rtsp://"):
        CameraConfig.model_validate({"stream": "ftp://cam/1"})


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        CameraConfig.model_validate(camera(fsp=5))


def test_polygon_points_are_frame_fractions() -> None:
    with pytest.raises(ValidationError):
        CameraConfig.model_validate(camera(zones=[{**YARD, "polygon": [[0, 0], [1.5, 0], [1, 1]]}]))


def test_an_area_zone_needs_three_points() -> None:
    with pytest.raises(ValidationError, match="at least three"):
        CameraConfig.model_validate(camera(zones=[{**YARD, "polygon": [[0, 0], [1, 1]]}]))


def test_a_line_crossing_zone_needs_a_two_point_line() -> None:
    with pytest.raises(ValidationError, match="two"):
        CameraConfig.model_validate(camera(zones=[{"id": "gate", "kind": "line_crossing", "line": [[0.5, 0.1]]}]))


def test_direction_belongs_to_line_crossing_zones_only() -> None:
    with pytest.raises(ValidationError, match="direction"):
        CameraConfig.model_validate(camera(zones=[{**YARD, "direction": "left_to_right"}]))


def test_zone_ids_are_unique_per_camera() -> None:
    with pytest.raises(ValidationError, match="more than once"):
        CameraConfig.model_validate(camera(zones=[YARD, YARD]))


@pytest.mark.parametrize("bad", ["7:00", "25:00", "07:60", "seven"])
def test_schedule_times_are_hh_mm(bad: str) -> None:
    with pytest.raises(ValidationError):
        CameraConfig.model_validate(camera(zones=[{**YARD, "schedule": [{"from": bad, "to": "07:00"}]}]))


def test_settings_convert_to_the_analysis_zones_and_schedule() -> None:
    line = {"id": "gate", "kind": "line_crossing", "line": [[0.5, 0.2], [0.5, 0.9]], "direction": "left_to_right"}
    night = [{"days": ["mon", "tue"], "from": "19:00", "to": "07:00"}]
    config = CameraConfig.model_validate(camera(zones=[{**YARD, "schedule": night}, line], tamper=False))
    settings = to_analyzer_settings(config, "Asia/Shanghai")
    yard, gate = settings.zones
    assert yard.kind is ZoneKind.INTRUSION and yard.polygon[0] == (0.1, 0.5)
    assert yard.schedule.windows[0].days == frozenset({0, 1})
    assert (yard.schedule.windows[0].start, yard.schedule.windows[0].end) == (19 * 60, 7 * 60)
    assert gate.line == ((0.5, 0.2), (0.5, 0.9)) and gate.direction is Direction.LEFT_TO_RIGHT
    assert settings.tamper is None and settings.timezone == "Asia/Shanghai"


def test_district_accepts_camera_settings_on_a_camera() -> None:
    parse_district(district({"id": "cam-yard", "kind": "camera", "camera": camera(speakers=["spk-yard"])}))


def test_district_refuses_camera_settings_on_another_kind_naming_the_key() -> None:
    with pytest.raises(ConfigError) as error:
        parse_district(district({"id": "btn-1", "kind": "button", "camera": camera()}), "district.yaml")
    assert "sites[0].devices[0]" in str(error.value) and "only for devices of kind camera" in str(error.value)


def test_district_names_the_key_of_a_bad_zone() -> None:
    raw = district({"id": "cam-yard", "kind": "camera", "camera": camera()})
    broken = copy.deepcopy(raw)
    broken["sites"][0]["devices"][0]["camera"]["zones"][0]["kind"] = "teleport"  # type: ignore[index]
    with pytest.raises(ConfigError, match=r"sites\[0\]\.devices\[0\]\.camera\.zones\[0\]\.kind"):
        parse_district(broken, "district.yaml")


def test_stream_timeouts_and_perspective_come_from_the_camera_config() -> None:
    config = CameraConfig.model_validate(
        camera(
            open_timeout_s=2,
            read_timeout_s=1,
            reconnect_max_s=1,
            min_object_far_scale=0.5,
            zones=[{**YARD, "min_object_height": [0.05, 0.15]}],
        )
    )
    assert (config.open_timeout_s, config.read_timeout_s, config.reconnect_max_s) == (2, 1, 1)
    settings = to_analyzer_settings(config, "Asia/Shanghai")
    assert settings.far_scale == 0.5 and settings.zones[0].min_object_height == (0.05, 0.15)
