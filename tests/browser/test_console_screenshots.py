"""Screenshots of every view of the duty desk console at 1366×768 and 1920×1080 (in tests/artifacts/), on a
busy evening of the demo district: alarms in every state, officers on the move, devices in trouble."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
import yaml
from playwright.async_api import Browser, ConsoleMessage, expect

from devices.contract import OfficerAction
from devices.link import DeviceLink
from hub.config import Settings
from hub.domain.lifecycle import Disposition
from hub.services.lifecycle import OfficerReplyCommand
from simulators.button import ButtonRef, press
from tests.browser.conftest import screenshot
from tests.browser.test_console import SIZES, press_button, row_at, sign_in
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, running_hub

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo-district.yaml"


def scene_district(path: Path) -> Path:
    """The demo district with short targets (so that a few seconds show amber and red clocks and an
    escalation), no automatic dispatch, and one camera that falls silent at once."""
    district = yaml.safe_load(DEMO.read_text("utf-8"))
    district["response_targets"] = {
        "P1": {"ack_s": 5, "accept_s": 20, "arrival_s": 30},
        "P2": {"ack_s": 10, "accept_s": 30, "arrival_s": 60},
    }
    district["auto_dispatch_priorities"] = []
    district["supervision_grace_s"] = 2
    for site in district["sites"]:
        for device in site["devices"]:
            if device["id"] == "cam-street-wangfujing-square":
                device["report_interval_s"] = 2
    path.write_text(yaml.safe_dump(district, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def scene_settings(settings: Settings, tmp_path: Path) -> Settings:
    """`settings` on the scene's district, with a data directory of its own (camera snapshots go there)."""
    update = {"district_file": scene_district(tmp_path / "scene.yaml"), "data_dir": tmp_path / "data"}
    return settings.model_copy(update=update)


def night_snapshot() -> str:
    """A camera's view at night (synthetic): a lit forecourt and someone where nobody should be."""
    frame = np.zeros((360, 640, 3), np.uint8)
    frame[:] = (38, 30, 24)
    cv2.rectangle(frame, (0, 230), (640, 360), (70, 66, 60), -1)  # the forecourt
    cv2.rectangle(frame, (60, 60), (580, 90), (200, 200, 190), -1)  # the canopy
    for x in (150, 320, 490):
        cv2.rectangle(frame, (x - 25, 150), (x + 25, 250), (90, 110, 150), -1)  # pumps
        cv2.circle(frame, (x, 96), 10, (210, 240, 255), -1)  # lights
    cv2.ellipse(frame, (405, 205), (16, 18), 0, 0, 360, (20, 20, 24), -1)  # someone
    cv2.rectangle(frame, (388, 222), (422, 300), (20, 20, 24), -1)
    cv2.rectangle(frame, (376, 180), (434, 308), (0, 0, 255), 2)  # the detection
    cv2.putText(frame, "person 0.91", (376, 174), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 1)
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return base64.b64encode(jpeg.tobytes()).decode()


async def build_scene(hub: HubUnderTest, link: DeviceLink) -> dict[str, int]:
    """A busy evening: alarms in every state, officers on the move, a few devices in trouble."""
    lifecycle = hub.running.lifecycle
    db = hub.db
    for officer, lat, lon in [
        ("o-li-ming", 39.9290, 116.4160),
        ("o-wang-fang", 39.9335, 116.4230),
        ("o-chen-jie", 39.9170, 116.4135),
        ("o-zhou-qiang", 39.9240, 116.4330),
        ("o-wu-min", 39.9200, 116.4290),
    ]:
        await lifecycle.sign_on(officer, True, "test")
        await lifecycle.report_location(officer, lat, lon)
    now = datetime.now(UTC).isoformat()
    # Every device reports in, but for two that were never installed and one with a weak battery.
    never_heard = {"cam-bank-ccb-cym-door", "spk-school-shiyan-yard", "cam-street-wangfujing-square"}
    district = yaml.safe_load(DEMO.read_text("utf-8"))
    for site in district["sites"]:
        for device in site["devices"]:
            if device["id"] in never_heard:
                continue
            body: dict[str, object] = {"state": "online", "ts": now, "rssi": -58 - len(device["id"]) % 20}
            body["firmware"] = "2.4.1" if device["kind"] != "camera" else "5.7.3"
            if device["kind"] == "button":
                body["battery"] = 12 if device["id"] == "btn-kg-yangguang-gate" else 70 + len(device["id"]) % 30
            topic = hub.topics.device_status(site["id"], device["kind"], device["id"])
            await asyncio.to_thread(link.publish_and_wait, topic, json.dumps(body).encode())

    async def incident_of(site: str) -> int:
        found = await eventually(
            lambda: fetch_value(db, "SELECT id FROM incidents WHERE site_id = $1 ORDER BY id DESC LIMIT 1", site)
        )
        return int(found)  # type: ignore[arg-type]

    async def reply(incident_id: int, officer: str, *actions: OfficerAction) -> None:
        dispatch_id = await fetch_value(
            db, "SELECT id FROM dispatches WHERE incident_id = $1 ORDER BY id DESC LIMIT 1", incident_id
        )
        for action in actions:
            await lifecycle.officer_reply(OfficerReplyCommand(officer, int(dispatch_id), action, datetime.now(UTC)))  # type: ignore[arg-type]

    # History for the supervisor: a resolved false alarm and a cancelled test.
    await press_button(hub, link, "bank-ccb-cym", "btn-bank-ccb-cym-counter")
    old = await incident_of("bank-ccb-cym")
    await lifecycle.acknowledge(old, "user:zhang")
    await lifecycle.resolve(old, "user:zhang", Disposition.FALSE_ALARM, "保安误按")
    # Worked by the desk: acknowledged, dispatched, accepted and on the way.
    await press_button(hub, link, "hospital-renmin", "btn-hospital-renmin-er")
    hospital = await incident_of("hospital-renmin")
    await lifecycle.acknowledge(hospital, "user:zhang")
    await lifecycle.dispatch(hospital, "user:zhang", "o-chen-jie")
    await reply(hospital, "o-chen-jie", OfficerAction.ACCEPT, OfficerAction.EN_ROUTE)
    # Dispatched, waiting for the officer to accept.
    await press_button(hub, link, "bank-icbc-dongsi", "btn-bank-icbc-dongsi-counter")
    bank = await incident_of("bank-icbc-dongsi")
    await lifecycle.dispatch(bank, "user:zhang", "o-wang-fang")
    # Nobody has acknowledged the school yet: pressed three times.
    for _ in range(3):
        await press_button(hub, link, "school-shiyan", "btn-school-shiyan-gate")
    school = await incident_of("school-shiyan")
    # The kindergarten's guard asks to cancel.
    await press_button(hub, link, "kg-yangguang", "btn-kg-yangguang-gate")
    await asyncio.to_thread(press, link, hub.topics, ButtonRef("kg-yangguang", "btn-kg-yangguang-gate"), "cancel")
    # An intrusion at the petrol station (P2) and a tamper at the shopping street (P3).
    intrusion = {
        "event_id": uuid.uuid4().hex,
        "type": "intrusion",
        "ts": now,
        "zone": "加油区",
        "score": 0.91,
        "snapshot": night_snapshot(),
    }
    await asyncio.to_thread(
        link.publish_and_wait,
        hub.topics.camera_event("petrol-sinopec-cym", "cam-petrol-sinopec-cym-forecourt"),
        json.dumps(intrusion).encode(),
    )
    await asyncio.to_thread(
        press, link, hub.topics, ButtonRef("street-wangfujing", "btn-street-wangfujing-kiosk"), "tamper"
    )
    petrol = await incident_of("petrol-sinopec-cym")
    await incident_of("street-wangfujing")
    return {"school": school, "hospital": hospital, "bank": bank, "petrol": petrol}


@pytest.mark.parametrize("size", list(SIZES))
async def test_screenshots_of_every_view(
    hub_settings: Settings, device_link: DeviceLink, browser: Browser, tmp_path: Path, size: str
) -> None:
    settings = scene_settings(hub_settings, tmp_path)
    context = await browser.new_context(viewport=SIZES[size], locale="zh-CN")  # type: ignore[arg-type]
    try:
        async with running_hub(settings) as hub:
            ids = await build_scene(hub, device_link)
            page = await context.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))

            def console_error(message: ConsoleMessage) -> None:
                if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                    problems.append(f"{message.text} ({message.location.get('url')})")

            page.on("console", console_error)
            await sign_in(page, hub, "huang", "supervisor")
            await expect(page.get_by_test_id("incident-row")).to_have_count(6, timeout=10_000)
            # Wait for the school's escalation (ack target 5 s) and the silent camera going offline.
            await expect(row_at(page, "school-shiyan").get_by_test_id("escalated-flag")).to_be_visible(timeout=10_000)
            await expect(row_at(page, "school-shiyan").get_by_test_id("clock-ack")).to_have_attribute(
                "data-level", "late"
            )
            await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-alarm", "sounding")
            # The intrusion's ack clock (target 10 s) turns amber past 75%.
            intrusion_clock = row_at(page, "petrol-sinopec-cym").get_by_test_id("clock-ack")
            await expect(intrusion_clock).to_have_attribute("data-level", "warn", timeout=10_000)
            await page.mouse.move(0, 0)
            await screenshot(page, f"console-board-{size}")

            await row_at(page, "school-shiyan").click()
            detail = page.get_by_test_id("incident-detail")
            await expect(detail.get_by_test_id("candidate").first).to_be_visible()
            await expect(detail.get_by_test_id("press-count")).to_have_text("按压 3 次")
            await screenshot(page, f"console-detail-{size}")
            await page.goto(f"{hub.http}/#/incident/{ids['hospital']}")
            await expect(detail.get_by_test_id("dispatch-item").first).to_have_attribute("data-state", "en_route")
            await screenshot(page, f"console-detail-dispatched-{size}")
            await page.goto(f"{hub.http}/#/incident/{ids['petrol']}")
            snapshot = detail.get_by_test_id("media-snapshot")
            await expect(snapshot).to_be_visible()
            loaded = "() => { const i = document.querySelector('[data-testid=media-snapshot]');"
            await page.wait_for_function(loaded + " return Boolean(i && i.complete && i.naturalWidth > 0); }")
            await screenshot(page, f"console-detail-media-{size}")

            await page.get_by_test_id("nav-map").click()
            await expect(page.locator('[data-testid="map-site"][data-incident-id]')).to_have_count(6)
            await expect(page.get_by_test_id("map-officer")).to_have_count(5)
            await screenshot(page, f"console-map-{size}")

            await page.get_by_test_id("nav-devices").click()
            await expect(page.get_by_test_id("device-row").first).to_be_visible()
            await screenshot(page, f"console-devices-{size}")

            await page.get_by_test_id("nav-roster").click()
            await expect(page.get_by_test_id("roster-row").first).to_be_visible()
            await screenshot(page, f"console-roster-{size}")

            await page.get_by_test_id("nav-supervision").click()
            await expect(page.get_by_test_id("escalations-row").first).to_be_visible(timeout=5_000)
            await expect(page.get_by_test_id("history-row").first).to_be_visible()
            await screenshot(page, f"console-supervision-{size}")

            await page.get_by_test_id("lang-toggle").click()
            await page.get_by_test_id("nav-board").click()
            await row_at(page, "kg-yangguang").click()
            await expect(detail.get_by_test_id("cancel-request")).to_be_visible()
            await screenshot(page, f"console-detail-en-{size}")
            assert problems == [], "\n".join(problems)  # no script error, nothing refused by the CSP
    finally:
        await context.close()
