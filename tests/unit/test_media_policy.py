"""What the hub takes as camera media (hub.domain.media) and how a camera's media origins are configured."""

from __future__ import annotations

import pytest

from hub.config.district import ConfigError, parse_district
from hub.domain.media import Origin, allowed_origins, is_local_address, media_problem, origin_of, sniff, url_problem
from tests.unit.test_video_config import camera, district

WEBM_HEAD = b"\x1a\x45\xdf\xa3\x9fB\x86\x81\x01B\xf7\x81\x01B\xf2\x81\x04B\xf3\x81\x08B\x82\x84webmB\x87\x81\x02"
MP4_HEAD = b"\x00\x00\x00\x1cftypisom\x00\x00\x02\x00isomiso2mp41"


def test_the_bytes_decide_the_type() -> None:
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(WEBM_HEAD) == "video/webm"
    assert sniff(MP4_HEAD) == "video/mp4"
    assert sniff(b"<!DOCTYPE html><script>alert(1)</script>") is None
    assert sniff(b"\x1a\x45\xdf\xa3" + b"\x42\x82\x88matroska") is None  # Matroska, not WebM
    assert sniff(b"\x00\x00\x00\x18ftypqt  ") is None  # QuickTime


def test_each_kind_takes_its_own_types_and_says_why_not() -> None:
    assert media_problem("snapshot", b"\xff\xd8\xff\xe0") is None
    assert media_problem("clip", WEBM_HEAD) is None and media_problem("clip", MP4_HEAD) is None
    assert media_problem("snapshot", WEBM_HEAD) == "snapshot is video/webm, not image/jpeg"
    assert media_problem("clip", b"<html>") == "clip is not video/mp4 or video/webm (starts with '<html>')"
    assert media_problem("snapshot", b"\xff\xd8\xff" + bytes(8 * 1024 * 1024)) == "snapshot larger than 8388608 bytes"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://127.0.0.1:18091/media/a.webm", Origin("http", "127.0.0.1", 18091)),
        ("HTTP://Cam-1.Example./x.jpg", Origin("http", "cam-1.example", 80)),
        ("https://[::1]/x", Origin("https", "::1", 443)),
        ("rtsp://10.0.0.5/stream", None),
        ("file:///etc/passwd", None),
        ("http://user:pw@10.0.0.5/x", None),
        ("http://10.0.0.5:99999/x", None),
    ],
)
def test_origins_compare_scheme_host_and_port(url: str, origin: Origin | None) -> None:
    assert origin_of(url) == origin


def test_a_url_must_be_on_one_of_the_cameras_origins() -> None:
    origins = allowed_origins("http://10.0.0.5:8554/mjpeg", ["http://127.0.0.1:18091"])
    assert url_problem("http://10.0.0.5:8554/snap.jpg", origins) is None
    assert url_problem("http://127.0.0.1:18091/media/x.webm", origins) is None
    assert url_problem("http://127.0.0.1:8080/api/v1/auth/me", origins) == (
        "media origin http://127.0.0.1:8080 is not allowed for this camera"
    )
    assert url_problem("https://10.0.0.5:8554/snap.jpg", origins) is not None  # another scheme
    assert url_problem("http://x/", allowed_origins("rtsp://10.0.0.5/s", [])) is not None  # RTSP gives no origin


def test_loopback_link_local_and_mapped_addresses_are_local_and_private_ranges_are_not() -> None:
    assert all(is_local_address(a) for a in ["127.0.0.1", "127.8.8.8", "::1", "169.254.169.254", "::ffff:127.0.0.1"])
    assert not any(is_local_address(a) for a in ["10.0.0.5", "192.168.1.20", "cam.example"])
    assert Origin("http", "127.0.0.1", 80).names_local_address and Origin("http", "localhost", 80).names_local_address
    assert not Origin("http", "cam.example", 80).names_local_address


def test_a_camera_gets_its_streams_origin_and_its_configured_media_origins() -> None:
    raw = district(
        {
            "id": "cam-yard",
            "kind": "camera",
            "camera": camera(stream="http://127.0.0.1:8554/mjpeg"),
            "media_origins": ["http://10.0.0.9:8091"],
        }
    )
    device = parse_district(raw).devices["cam-yard"]
    assert [str(o) for o in device.media_origins] == ["http://127.0.0.1:8554", "http://10.0.0.9:8091"]


@pytest.mark.parametrize("bad", ["10.0.0.9:8091", "http://10.0.0.9:8091/media", "ftp://10.0.0.9"])
def test_a_media_origin_must_be_an_http_origin_without_a_path(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"sites\[0\]\.devices\[0\]\.media_origins"):
        parse_district(district({"id": "cam-yard", "kind": "camera", "media_origins": [bad]}), "district.yaml")


def test_media_origins_belong_to_cameras_only() -> None:
    with pytest.raises(ConfigError, match="only for devices of kind camera"):
        parse_district(district({"id": "btn-1", "kind": "button", "media_origins": ["http://10.0.0.9"]}))
