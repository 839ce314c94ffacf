"""The demo a newcomer can follow: the banner names the console, the accounts, the officer left for a real phone
and what is simulated; the hub's JSON logs go to a file, not the terminal; a camera that keeps seeing the same
thing reports it once per `event_repeat_s` per zone."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import structlog

from hub.adapters.camera.debounce import ZoneEventDebounce
from hub.config import load_district
from hub.logging import configure_logging
from hub.video.detections import Detection, DetectionType, TamperKind
from sentinel_dev.demo_banner import DemoBanner, phone_officer, saved_banner

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo-district.yaml"


def test_the_banner_names_the_console_accounts_the_phone_officer_and_how_to_see_it_again(tmp_path: Path) -> None:
    district = load_district(DEMO)
    officer = phone_officer(district)
    assert officer is not None and officer.role != "supervisor"
    banner = DemoBanner(
        "http://127.0.0.1:8123",
        [("duty", "duty", "the duty desk"), ("super", "super", "supervisor")],
        officer,
        ["11 buttons", "9 officers"],
        tmp_path / "logs",
    ).text()
    assert "http://127.0.0.1:8123/" in banner and "http://127.0.0.1:8123/officer" in banner
    assert "duty / duty" in banner and "super / super" in banner
    assert f"{officer.id} / {officer.id}" in banner and f"{officer.id} is NOT simulated" in banner
    assert str(tmp_path / "logs" / "hub.log") in banner
    assert "press Enter here" in banner and "sentinel demo info" in banner
    state = tmp_path / "demo.json"
    state.write_text(json.dumps({"mqtt_url": "mqtt://x", "banner": banner}))
    assert saved_banner(state) == banner
    assert saved_banner(tmp_path / "none.json") is None


def test_the_readme_names_the_officer_the_demo_leaves_to_a_phone() -> None:
    officer = phone_officer(load_district(DEMO))
    assert officer is not None
    readme = " ".join((DEMO.parents[1] / "README.md").read_text().split())
    assert f"`{officer.id}`" in readme and "not simulated" in readme


def test_logs_go_to_the_file_as_json_lines_and_not_to_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_file = tmp_path / "logs" / "hub.log"
    saved, root = structlog.get_config(), logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging("info", file=log_file)
        structlog.get_logger("demo-test").info("incident opened", site="school-shiyan")
        structlog.get_logger("demo-test").debug("not at info level")
        logging.getLogger("some.library").warning("a library's warning")
    finally:
        structlog.configure(**saved)
        root.handlers[:] = handlers
        root.setLevel(level)
    captured = capsys.readouterr()
    assert "incident opened" not in captured.err + captured.out
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [(x["event"], x["level"]) for x in lines] == [
        ("incident opened", "info"),
        ("a library's warning", "warning"),
    ]
    assert lines[0]["site"] == "school-shiyan"


def _intrusion(t: float, zone: str = "yard") -> Detection:
    return Detection(DetectionType.INTRUSION, t, 0.9, zone_id=zone)


def test_a_zone_event_is_reported_once_per_repeat_window() -> None:
    debounce = ZoneEventDebounce(300)
    passed = [t for t in (0, 14, 28, 42, 299, 300, 310, 601) if debounce.allow(_intrusion(t))]
    assert passed == [0, 300, 601] and debounce.suppressed == 5
    assert debounce.allow(_intrusion(10, zone="gate"))  # another zone has its own window
    assert debounce.allow(Detection(DetectionType.LINE_CROSSING, 11, 0.9, zone_id="yard"))  # another type too


def test_tamper_and_stream_changes_are_never_held_back_and_zero_lets_everything_through() -> None:
    debounce = ZoneEventDebounce(300)
    tamper = [Detection(DetectionType.TAMPER, t, 1.0, tamper=TamperKind.COVERED) for t in (0, 1, 2)]
    assert all(debounce.allow(d) for d in tamper)
    every = ZoneEventDebounce(0)
    assert all(every.allow(_intrusion(t)) for t in (0, 1, 2))
