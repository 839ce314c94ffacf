"""The duty desk console in a real browser (Debian's Chromium): the alarm, the keyboard, a whole
incident worked from the detail panel, the language switch, the disconnect banner and the other views
(their screenshots: test_console_screenshots.py)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, Locator, Page, Route, expect
from playwright.async_api import Error as PlaywrightError

from devices.contract import OfficerAction
from devices.link import DeviceLink
from hub.config import Settings
from hub.services.lifecycle import OfficerReplyCommand
from simulators.button import ButtonRef, press
from simulators.districts import write_district
from tests.browser.conftest import CHROMIUM_FLAGS, PASSWORD, chromium_path, fill_sign_in
from tests.integration.conftest import HubUnderTest, create_user, eventually, fetch_value, running_hub

SIZES = {"1366x768": {"width": 1366, "height": 768}, "1920x1080": {"width": 1920, "height": 1080}}


@pytest.fixture
def district_file(tmp_path: Path) -> Path:
    # The desk dispatches by hand in these tests: no automatic dispatch of P1.
    return write_district(tmp_path / "district.yaml", auto_dispatch=[])


async def sign_in(page: Page, hub: HubUnderTest, username: str = "zhang", role: str = "duty") -> None:
    await fill_sign_in(page, hub, username, role)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r".*/(#.*)?$"))
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)


async def press_button(hub: HubUnderTest, link: DeviceLink, site: str, device: str) -> None:
    await asyncio.to_thread(press, link, hub.topics, ButtonRef(site, device))


def row_of(page: Page, site_name: str):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("incident-row").filter(has_text=site_name)


def row_at(page: Page, site_id: str):  # type: ignore[no-untyped-def]
    return page.locator(f'[data-testid="incident-row"][data-site-id="{site_id}"]')


async def signed_in_with_alarm(page: Page, hub: HubUnderTest, link: DeviceLink, site_id: str) -> Locator:
    """The desk signed in, and the first button of `site_id` pressed: the incident's row on the board."""
    await sign_in(page, hub)
    await press_button(hub, link, site_id, "btn-" + site_id.removeprefix("site-") + "-0")
    row = row_at(page, site_id)
    await expect(row).to_be_visible(timeout=2_000)
    return row


async def test_a_press_sounds_the_alarm_within_a_second_and_the_keyboard_acknowledges_it(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await sign_in(page, hub)
    sound = page.get_by_test_id("sound-toggle")
    await expect(sound).to_have_attribute("data-state", "on")  # Chromium runs with autoplay allowed
    await expect(page.get_by_test_id("sound-unlock")).to_be_hidden()
    await expect(sound).to_have_attribute("data-alarm", "quiet")

    pressed = time.monotonic()
    await press_button(hub, device_link, "site-01", "btn-01-0")
    row = row_of(page, "测试银行01")
    await expect(row).to_be_visible(timeout=1_000)
    assert time.monotonic() - pressed < 1.5
    await expect(sound).to_have_attribute("data-alarm", "sounding")
    await expect(page.get_by_test_id("unacked-count-value")).to_have_text("1")
    await expect(row.get_by_test_id("clock-ack")).to_have_attribute("data-level", re.compile("ok|warn|late"))
    await expect(page.get_by_test_id("announcer")).to_contain_text("测试银行01")
    titles = set()
    for _ in range(6):
        titles.add(await page.title())
        await page.wait_for_timeout(400)
    assert any("未确认" in title for title in titles), titles  # the tab title flashes

    # A second press elsewhere; J/K move the selection, A acknowledges the newest alarm whatever is selected.
    await press_button(hub, device_link, "site-02", "btn-02-0")
    second = row_of(page, "测试银行02")
    await expect(second).to_be_visible(timeout=2_000)
    await page.locator("body").click(position={"x": 5, "y": 700})  # focus the page, not a control
    await page.keyboard.press("j")
    await page.keyboard.press("j")
    await page.keyboard.press("k")
    await expect(row).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_test_id("alarm-overlay-ack")).to_be_enabled()  # half a second on the bar first
    await page.keyboard.press("a")
    await expect(second).to_have_attribute("data-state", "acknowledged")
    await expect(second.get_by_test_id("clock-ack")).to_have_attribute("data-level", "met")
    await expect(row).to_have_attribute("data-unacked", "true")
    await expect(sound).to_have_attribute("data-alarm", "sounding")  # site-01 still waits

    # The sound can be silenced; the title keeps flashing; a new incident turns the sound back on.
    await sound.click()
    await expect(sound).to_have_attribute("data-state", "off")
    await press_button(hub, device_link, "site-03", "btn-03-0")
    await expect(row_of(page, "测试银行03")).to_be_visible(timeout=2_000)
    await expect(sound).to_have_attribute("data-state", "on")

    # Enter opens the selected incident; Esc closes it.
    await page.locator("body").click(position={"x": 5, "y": 700})
    await page.keyboard.press("j")
    await page.keyboard.press("Enter")
    detail = page.get_by_test_id("incident-detail")
    await expect(detail).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(detail).to_be_hidden()


async def test_without_a_click_the_browser_blocks_sound_and_the_console_says_so(
    hub: HubUnderTest, device_link: DeviceLink, browser: Browser
) -> None:
    # A browser as it comes: sound only after a user gesture.
    flags = [flag for flag in CHROMIUM_FLAGS if not flag.startswith("--autoplay-policy")]
    strict = await browser.browser_type.launch(executable_path=chromium_path(), headless=True, args=flags)
    try:
        page = await strict.new_page(viewport={"width": 1366, "height": 768})
        # Signed in without touching the page (typing on the login page would count as the gesture).
        assert hub.settings.database_url
        await create_user(hub.settings.database_url, "zhang", PASSWORD, "duty")
        login = {"username": "zhang", "password": PASSWORD}
        assert (await page.request.post(f"{hub.http}/api/v1/auth/login", data=login)).ok
        await page.goto(f"{hub.http}/")
        await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)
        sound = page.get_by_test_id("sound-toggle")
        unlock = page.get_by_test_id("sound-unlock")
        await press_button(hub, device_link, "site-01", "btn-01-0")
        await expect(row_at(page, "site-01")).to_be_visible(timeout=2_000)
        await expect(sound).to_have_attribute("data-state", "locked")
        await expect(sound).to_have_attribute("data-alarm", "silenced")
        await expect(unlock).to_be_visible()
        await expect(unlock).to_contain_text("点击此处开启报警声音")
        await page.get_by_test_id("sound-unlock-button").click()
        await expect(sound).to_have_attribute("data-state", "on")
        await expect(sound).to_have_attribute("data-alarm", "sounding")
        await expect(unlock).to_be_hidden()
    finally:
        await strict.close()


async def test_the_desk_works_an_incident_from_the_detail_panel(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await hub.running.lifecycle.sign_on("o1", True, "test")
    await sign_in(page, hub)
    for _ in range(3):
        await press_button(hub, device_link, "site-01", "btn-01-1")
    row = row_of(page, "测试银行01")
    await expect(row.get_by_test_id("event-count")).to_have_text("按压 3 次", timeout=3_000)
    await row.click()
    detail = page.get_by_test_id("incident-detail")
    await expect(detail).to_be_visible()
    await expect(page).to_have_url(re.compile(r"#/incident/\d+$"))
    await expect(detail.get_by_test_id("site-card")).to_contain_text("测试银行01")
    await expect(detail.get_by_test_id("site-card")).to_contain_text("警员1")  # the grid's officer
    await expect(detail.get_by_test_id("press-count")).to_have_text("按压 3 次")

    # Acknowledge with the button.
    await detail.get_by_test_id("ack-button").click()
    await expect(page.get_by_test_id("detail-state")).to_have_text("已确认")
    await expect(detail.get_by_test_id("ack-button")).to_be_hidden()

    # The recommended officer is the grid's, signed on; one click dispatches.
    first = detail.get_by_test_id("candidate").first
    await expect(first).to_have_attribute("data-officer-id", "o1")
    await expect(first.get_by_test_id("recommended")).to_be_visible()
    await expect(first.get_by_test_id("availability")).to_have_text("可派")
    await expect(
        detail.get_by_test_id("candidate").filter(has_text="警员0").get_by_test_id("availability")
    ).to_have_text("未签到")
    dispatch = detail.get_by_test_id("dispatch-button")
    await expect(dispatch).to_have_attribute("data-officer-id", "o1")
    await dispatch.click()
    await expect(page.get_by_test_id("detail-state")).to_have_text("已派警")
    item = detail.get_by_test_id("dispatch-item").first
    await expect(item).to_have_attribute("data-state", "offered")
    await expect(row).to_have_attribute("data-state", "dispatched")

    # The officer accepts on the phone: the board and the detail follow live.
    incident_id = int((await detail.get_attribute("data-incident-id")) or 0)
    assert hub.settings.database_url
    dispatch_id = await fetch_value(
        hub.settings.database_url, "SELECT id FROM dispatches WHERE incident_id = $1", incident_id
    )
    await hub.running.lifecycle.officer_reply(
        OfficerReplyCommand("o1", int(dispatch_id), OfficerAction.ACCEPT, datetime.now(UTC))  # type: ignore[arg-type]
    )
    await expect(item).to_have_attribute("data-state", "accepted", timeout=3_000)
    await expect(page.get_by_test_id("detail-state")).to_have_text("已接警")
    await expect(row).to_have_attribute("data-state", "accepted")
    await expect(detail.get_by_test_id("detail-clock-accept")).to_have_attribute("data-level", "met")

    # A note goes on the timeline with who wrote it.
    await detail.get_by_test_id("note-text").fill("已电话联系保安")
    await detail.get_by_test_id("note-submit").click()
    note = detail.get_by_test_id("timeline-entry").filter(has_text="已电话联系保安")
    await expect(note).to_contain_text("zhang")
    await expect(detail.get_by_test_id("note-text")).to_have_value("")

    # Resolve with a disposition: the incident leaves the board.
    await detail.get_by_test_id("resolve-button").click()
    dialog = page.get_by_test_id("dialog-resolve")
    await expect(dialog).to_be_visible()
    await dialog.get_by_test_id("disposition-false_alarm").check()
    await dialog.get_by_test_id("resolve-note").fill("误按")
    await dialog.get_by_test_id("resolve-confirm").click()
    await expect(row).to_have_count(0)
    await expect(page.get_by_test_id("detail-state")).to_have_text("已处置")
    await expect(detail.get_by_test_id("closed-notice")).to_contain_text("误报")
    assert (
        await fetch_value(hub.settings.database_url, "SELECT disposition FROM incidents WHERE id = $1", incident_id)
        == "false_alarm"
    )


async def test_a_guards_cancel_request_is_shown_and_confirmed(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    row = await signed_in_with_alarm(page, hub, device_link, "site-05")
    await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-05", "btn-05-0"), "cancel")
    await expect(row.get_by_test_id("cancel-requested-flag")).to_be_visible(timeout=3_000)

    # Camera media and loudspeaker warnings (from later features) are shown when the detail has them.
    async def with_media(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        body["media"] = [
            {"id": 1, "kind": "snapshot", "state": "stored", "url": "/static/media-test.jpg", "device_id": "cam-05"},
            {"id": 2, "kind": "clip", "state": "stored", "url": "/static/media-test.mp4", "device_id": "cam-05"},
            {"id": 3, "kind": "clip", "state": "pending", "url": None, "device_id": "cam-05"},
        ]
        body["warnings"] = [
            {"created_at": body["created_at"], "text": "警察已接警，正在赶来", "speaker_id": "spk-05", "state": "done"}
        ]
        await route.fulfill(response=response, json=body)

    # The clip's file does not exist: its request is held (a player still loading), since the 404 would replace the
    # player by an error at once, and before the check below on a busy machine.
    clip_requested, release = asyncio.Event(), asyncio.Event()

    async def hold(route: Route) -> None:
        clip_requested.set()
        await release.wait()
        with contextlib.suppress(PlaywrightError):  # the page may be gone by then
            await route.abort()

    await page.route(re.compile(r".*/static/media-test\.mp4$"), hold)
    await page.route(re.compile(r".*/api/v1/incidents/\d+$"), with_media)
    await row.click()
    detail = page.get_by_test_id("incident-detail")
    await expect(detail.get_by_test_id("media-snapshot")).to_have_attribute("src", "/static/media-test.jpg")
    await expect(detail.get_by_test_id("media-clip")).to_have_attribute("src", "/static/media-test.mp4")
    await asyncio.wait_for(clip_requested.wait(), 5)
    await detail.get_by_test_id("media-more").click()  # the pending clip is behind one click
    await expect(detail.get_by_test_id("media-missing")).to_contain_text("获取")
    await expect(detail.get_by_test_id("warnings")).to_contain_text("警察已接警，正在赶来")
    await expect(detail.get_by_test_id("warnings")).to_contain_text("已播放")
    request = page.get_by_test_id("cancel-request")
    await expect(request).to_be_visible()
    await request.get_by_test_id("confirm-cancel").click()
    dialog = page.get_by_test_id("dialog-cancel")
    await dialog.get_by_test_id("cancel-note").fill("电话核实：误按")
    await dialog.get_by_test_id("cancel-confirm").click()
    await expect(row).to_have_count(0)
    await expect(page.get_by_test_id("detail-state")).to_have_text("已取消")
    # A detail refresh still in the route when the page closes must not fail the next test's setup.
    release.set()
    await page.unroute_all(behavior="ignoreErrors")


async def test_the_language_switches_and_is_remembered(hub: HubUnderTest, device_link: DeviceLink, page: Page) -> None:
    await sign_in(page, hub)
    await press_button(hub, device_link, "site-01", "btn-01-0")
    row = row_at(page, "site-01")
    await expect(row.get_by_test_id("kind")).to_have_text("紧急报警", timeout=2_000)
    await page.get_by_test_id("lang-toggle").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(row.get_by_test_id("kind")).to_have_text("Panic alarm")
    await expect(row.get_by_test_id("site")).to_contain_text("Test Bank 01")
    await expect(page.get_by_test_id("nav-map")).to_have_text("Map")
    await page.reload()
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)
    await expect(page.get_by_test_id("nav-board")).to_have_text("Board")
    await expect(row.get_by_test_id("state")).to_have_text("New")
    await page.get_by_test_id("lang-toggle").click()
    await expect(page.get_by_test_id("nav-board")).to_have_text("警情")


async def test_the_banner_shows_when_the_hub_stops_and_goes_when_it_is_back(hub_settings: Settings, page: Page) -> None:
    async with running_hub(hub_settings) as hub:
        await sign_in(page, hub)
        await expect(page.get_by_test_id("disconnected-banner")).to_be_hidden()
    # The hub has stopped.
    await expect(page.get_by_test_id("disconnected-banner")).to_be_visible(timeout=5_000)
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "disconnected")
    await expect(page.get_by_test_id("incident-board")).to_have_class(re.compile("stale"))
    async with running_hub(hub_settings):
        await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=15_000)
        await expect(page.get_by_test_id("disconnected-banner")).to_be_hidden()


async def test_the_other_views_show_the_district(hub: HubUnderTest, device_link: DeviceLink, page: Page) -> None:
    await hub.running.lifecycle.sign_on("o1", True, "test")
    await hub.running.lifecycle.report_location("o1", 39.9045, 116.4052)
    await sign_in(page, hub)
    await press_button(hub, device_link, "site-03", "btn-03-0")
    await expect(row_of(page, "测试银行03")).to_be_visible(timeout=2_000)

    await page.get_by_test_id("nav-map").click()
    site = page.locator('[data-testid="map-site"][data-site-id="site-03"]')
    await expect(site).to_have_attribute("data-incident-id", re.compile(r"\d+"))
    await expect(page.locator('[data-testid="map-officer"][data-officer-id="o1"]')).to_have_count(1)
    await expect(page.get_by_test_id("district-map").locator(".site")).to_have_count(10)
    await site.click()
    await expect(page.get_by_test_id("incident-detail")).to_be_visible()

    await page.get_by_test_id("nav-devices").click()
    await expect(page.get_by_test_id("device-row")).to_have_count(70)
    await expect(page.get_by_test_id("devices-total")).to_contain_text("70")
    pressed = page.locator('[data-testid="device-row"][data-device-id="btn-03-0"]')
    await expect(pressed).to_have_attribute("data-state", "online")
    await expect(page.locator('[data-testid="device-row"][data-device-id="btn-04-0"]')).to_have_attribute(
        "data-state", "never_heard"
    )

    await page.get_by_test_id("nav-roster").click()
    await expect(page.locator('[data-testid="roster-row"][data-officer-id="o1"]')).to_have_attribute(
        "data-signed-on", "true"
    )
    # A duty officer does not see the supervisor's view.
    await expect(page.get_by_test_id("nav-supervision")).to_be_hidden()


async def test_a_supervisor_sees_escalations_and_searches_the_history(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await sign_in(page, hub, "huang", "supervisor")
    await press_button(hub, device_link, "site-06", "btn-06-0")
    await expect(row_of(page, "测试银行06")).to_be_visible(timeout=2_000)
    assert hub.settings.database_url
    await eventually(
        lambda: fetch_value(hub.settings.database_url, "SELECT count(*) FROM incidents WHERE site_id = 'site-06'")
    )
    incident_id = await fetch_value(hub.settings.database_url, "SELECT id FROM incidents WHERE site_id = 'site-06'")
    await hub.running.lifecycle.cancel(int(incident_id), "test", "drill")  # type: ignore[arg-type]
    await page.get_by_test_id("nav-supervision").click()
    await expect(page.get_by_test_id("view-supervision")).to_be_visible()
    history = page.get_by_test_id("history-row")
    await expect(history).to_have_count(1)
    await page.get_by_test_id("history-state").select_option("open")
    await page.get_by_test_id("history-search").click()
    await expect(page.get_by_test_id("history-empty")).to_be_visible()
    await page.get_by_test_id("history-state").select_option("cancelled")
    await page.get_by_test_id("history-search").click()
    await expect(history).to_have_count(1)
    await history.first.click()
    await expect(page.get_by_test_id("detail-state")).to_have_text("已取消")
