"""Event media and the wire mapping: snapshots, WebM clips read back, retention, safe paths, the CameraEvent
payload, drawing, the pre-event buffer, frame pacing and reconnect backoff, and the camera registry."""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np
import pytest
import yaml

from devices.contract import CameraEvent, CameraEventType, decode
from hub.adapters.camera.capture import Backoff, FrameRate
from hub.adapters.camera.events import camera_event_payload
from hub.adapters.camera.media import MediaError, MediaStore, count_frames
from hub.adapters.camera.registry import load_cameras
from hub.adapters.camera.ring_buffer import PreEventBuffer
from hub.config.district import ConfigError
from hub.video.annotate import draw_detection
from hub.video.detections import Detection, DetectionType, ObjectBox, TamperKind
from tests.unit.test_video_config import school_district

T = datetime(2026, 3, 2, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
SHANGHAI = ZoneInfo("Asia/Shanghai")
INTRUSION = Detection(
    DetectionType.INTRUSION,
    T,
    0.8,
    zone_id="yard",
    objects=(ObjectBox(7, (0.5, 0.4, 0.1, 0.3)),),
    zone_shape=((0.3, 0.5), (0.9, 0.5), (0.9, 0.95), (0.3, 0.95)),
)


def moving_dot_frames(count: int, size: tuple[int, int] = (320, 180)) -> list[np.ndarray]:
    width, height = size
    frames = []
    for i in range(count):
        frame = np.full((height, width, 3), 90, np.uint8)
        cv2.circle(frame, (10 + i * 8, height // 2), 12, (0, 0, 255), -1)
        frames.append(frame)
    return frames


def test_a_clip_is_webm_and_reads_back_with_every_frame(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    path = store.save_clip("cam-1", "e1", T, moving_dot_frames(25), fps=5)
    assert path.suffix == ".webm" and path.read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # EBML: Matroska/WebM
    assert count_frames(path) == 25
    capture = cv2.VideoCapture(str(path))
    assert capture.get(cv2.CAP_PROP_FOURCC) and int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)) == 320
    assert not list(path.parent.glob(".*"))  # no partial file left behind


def test_a_clip_without_frames_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError):
        MediaStore(tmp_path).save_clip("cam-1", "e1", T, [], fps=5)


def test_a_snapshot_is_stored_and_returned_as_jpeg(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    data = store.save_snapshot("cam-1", "e1", T, moving_dot_frames(1)[0])
    path = store.path_for("cam-1", "e1", T, ".jpg")
    assert data[:2] == b"\xff\xd8" and path.read_bytes() == data
    assert store.relative(path) == "cam-1/2026-03-02/e1.jpg"


def test_media_paths_cannot_leave_the_store(tmp_path: Path) -> None:
    store = MediaStore(tmp_path / "media")
    (tmp_path / "secret.txt").write_text("no")
    store.save_snapshot("cam-1", "e1", T, moving_dot_frames(1)[0])
    assert store.resolve("../secret.txt") is None
    assert store.resolve("cam-1/2026-03-02/../../../secret.txt") is None
    assert store.resolve("cam-1/2026-03-02/e1.jpg") is not None


def test_prune_deletes_media_older_than_the_age_limit(tmp_path: Path) -> None:
    store = MediaStore(tmp_path, max_age_days=7)
    store.save_snapshot("cam-1", "old", T, moving_dot_frames(1)[0])
    store.save_snapshot("cam-1", "new", T, moving_dot_frames(1)[0])
    old = store.path_for("cam-1", "old", T, ".jpg")
    os.utime(old, (T - 8 * 86_400, T - 8 * 86_400))
    report = store.prune(now=T)
    assert report.files_deleted == 1 and not old.exists()
    assert store.path_for("cam-1", "new", T, ".jpg").exists()


def test_prune_deletes_the_oldest_until_the_total_fits(tmp_path: Path) -> None:
    store = MediaStore(tmp_path, max_age_days=365)
    paths = []
    for i in range(4):
        store.save_snapshot("cam-1", f"e{i}", T, moving_dot_frames(1)[0])
        path = store.path_for("cam-1", f"e{i}", T, ".jpg")
        os.utime(path, (T - 100 + i, T - 100 + i))
        paths.append(path)
    store.max_bytes = sum(p.stat().st_size for p in paths[2:])
    store.prune(now=T)
    assert [p.exists() for p in paths] == [False, False, True, True]


def test_prune_removes_emptied_folders(tmp_path: Path) -> None:
    store = MediaStore(tmp_path, max_age_days=1)
    store.save_snapshot("cam-1", "old", T, moving_dot_frames(1)[0])
    os.utime(store.path_for("cam-1", "old", T, ".jpg"), (T - 5 * 86_400,) * 2)
    store.prune(now=T)
    assert list(tmp_path.iterdir()) == []


def test_an_intrusion_becomes_a_camera_event_as_the_contract_defines() -> None:
    payload = camera_event_payload(INTRUSION, "ev-1", SHANGHAI, b"\xff\xd8jpeg", "http://10.0.0.9:8091/media/x.webm")
    event = decode(CameraEvent, payload)
    assert event.type is CameraEventType.INTRUSION and event.zone == "yard" and event.score == 0.8
    assert event.ts.isoformat() == "2026-03-02T20:00:00+08:00"
    assert event.objects is not None and event.objects[0].box == [0.5, 0.4, 0.1, 0.3]
    assert event.snapshot is not None and base64.b64decode(event.snapshot) == b"\xff\xd8jpeg"
    assert event.clip == "http://10.0.0.9:8091/media/x.webm"
    assert "detail" not in json.loads(payload)


def test_a_tamper_event_carries_its_sub_kind_in_detail() -> None:
    covered = Detection(DetectionType.TAMPER, T, 0.9, tamper=TamperKind.COVERED_RESTORED)
    payload = camera_event_payload(covered, "ev-2", SHANGHAI)
    assert decode(CameraEvent, payload).type is CameraEventType.TAMPER
    body = json.loads(payload)
    assert body["detail"] == "tamper_covered_restored" and "zone" not in body and "objects" not in body


def test_a_picture_tamper_event_says_whether_zone_rules_are_suspended() -> None:
    defocused = Detection(DetectionType.TAMPER, T, 0.9, tamper=TamperKind.DEFOCUSED, rules_suspended=True)
    restored = Detection(DetectionType.TAMPER, T, 0.9, tamper=TamperKind.DEFOCUSED_RESTORED, rules_suspended=False)
    assert json.loads(camera_event_payload(defocused, "ev-3", SHANGHAI))["rules_suspended"] is True
    assert json.loads(camera_event_payload(restored, "ev-4", SHANGHAI))["rules_suspended"] is False
    assert "rules_suspended" not in json.loads(camera_event_payload(INTRUSION, "ev-5", SHANGHAI))


def test_the_snapshot_shows_the_zone_and_the_object() -> None:
    frame = np.full((360, 640, 3), 128, np.uint8)
    drawn = draw_detection(frame, INTRUSION)
    x, y, _, h = INTRUSION.objects[0].box
    left_edge = drawn[int((y + h / 2) * 360), int(x * 640)]
    zone_corner = drawn[int(0.95 * 360) - 1, int(0.6 * 640)]
    assert tuple(left_edge) != (128, 128, 128) and tuple(zone_corner) != (128, 128, 128)
    assert (frame == 128).all()  # the original is untouched


def test_the_pre_event_buffer_keeps_only_its_last_seconds() -> None:
    buffer = PreEventBuffer(seconds=1.9)
    for i in range(20):
        buffer.append(i * 0.2, np.zeros(1))
    assert len(buffer) == 10 and [round(t, 1) for t, _ in buffer.since(3.4)] == [3.4, 3.6, 3.8]


def test_frame_rate_keeps_five_frames_a_second_of_a_25_fps_stream() -> None:
    rate = FrameRate(5.0)
    kept = [i for i in range(50) if rate.due(i / 25)]
    assert kept == [0, 5, 10, 15, 20, 25, 30, 35, 40, 45]


def test_frame_rate_does_not_burst_to_catch_up_after_a_stall() -> None:
    rate = FrameRate(5.0)
    assert rate.due(0.0) and rate.due(10.0)
    assert not rate.due(10.05) and rate.due(10.2)


def test_backoff_doubles_to_its_maximum_and_resets() -> None:
    backoff = Backoff(initial_s=1, maximum_s=8)
    assert [backoff.next_delay() for _ in range(5)] == [1, 2, 4, 8, 8]
    backoff.reset()
    assert backoff.next_delay() == 1


def write_district(tmp_path: Path, speakers: list[str]) -> Path:
    camera = {"stream": "clips/yard.avi", "speakers": speakers, "zones": []}
    district = school_district(
        [
            {"id": "cam-yard", "kind": "camera", "camera": camera},
            {"id": "cam-gate", "kind": "camera"},
            {"id": "spk-yard", "kind": "speaker"},
            {"id": "btn-gate", "kind": "button"},
        ]
    )
    path = tmp_path / "district.yaml"
    path.write_text(yaml.safe_dump(district))
    return path


def test_the_registry_lists_cameras_with_analysis_settings(tmp_path: Path) -> None:
    (camera,) = load_cameras(write_district(tmp_path, ["spk-yard"]))
    assert (camera.site, camera.device, camera.timezone) == ("school", "cam-yard", "Asia/Shanghai")
    assert camera.stream == str(tmp_path / "clips" / "yard.avi")  # relative to the district file


def test_the_registry_refuses_a_linked_device_that_is_not_a_speaker(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"camera\.speakers\[0\].*btn-gate"):
        load_cameras(write_district(tmp_path, ["btn-gate"]))


def test_the_registry_names_cameras_asked_for_that_cannot_be_analysed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_cameras(write_district(tmp_path, []), only=["cam-gate", "cam-nowhere"])
    assert "cam-nowhere" in str(error.value) and "cam-gate" in str(error.value)
