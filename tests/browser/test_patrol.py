"""Video patrol and the one-click loudspeaker warning in a real browser (Debian's Chromium), against a whole hub
with the MJPEG camera simulator and a speaker simulator: a round of a tour with the camera live and a view of each
kind logged, and a warning sent from an incident's detail that the speaker plays to the end. Screenshots
`patrol.png` and `incident-warning.png` (1366×768) go to tests/artifacts/."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from devices.link import DeviceLink
from simulators.camera.mjpeg import MjpegCamera
from simulators.speaker import SpeakerSimulator
from tests.browser.conftest import centre_of, screenshot
from tests.browser.test_console import press_button, row_at, sign_in
from tests.integration.conftest import HubUnderTest, eventually, fetch_value
from tests.integration.test_patrol_api import camera, camera_port, write_patrol_district  # noqa: F401

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def district_file(tmp_path: Path, camera_port: int) -> Path:  # noqa: F811
    # The desk works alone: no automatic dispatch; site-03 has no loudspeaker.
    return write_patrol_district(
        tmp_path / "district.yaml",
        f"http://127.0.0.1:{camera_port}/mjpeg",
        auto_dispatch=[],
        without_speakers=("site-03",),
    )


async def no_viewer(camera: MjpegCamera) -> bool:  # noqa: F811
    return camera.clients == 0


async def live_image_loaded(page: Page) -> None:
    await page.wait_for_function(
        "() => { const img = document.querySelector('[data-testid=patrol-live]');"
        " return img && img.naturalWidth > 0; }",
        timeout=5_000,
    )


async def test_a_round_with_the_camera_live_logs_a_view_of_each_kind(
    hub: HubUnderTest,
    camera: MjpegCamera,  # noqa: F811
    page: Page,
) -> None:
    await sign_in(page, hub)
    await expect(page.get_by_test_id("nav-reports")).to_be_hidden()  # the desk has no reports
    await page.get_by_test_id("nav-patrol").click()
    card = page.locator('[data-testid="tour-card"][data-tour-id="round"]')
    await expect(card.get_by_test_id("tour-state")).to_have_text("应巡查")
    await expect(card).to_contain_text("4 个摄像机 · 每个 8 秒")
    await card.get_by_test_id("tour-start").click()

    run = page.get_by_test_id("patrol-run")
    await expect(run).to_have_attribute("data-camera-id", "cam-00")
    await live_image_loaded(page)
    assert camera.clients == 1  # the hub relays the camera; the browser never reaches it
    countdown = page.get_by_test_id("patrol-countdown")
    await expect(countdown).to_have_text(re.compile(r"剩余 [78] 秒"))
    await page.get_by_test_id("patrol-pause").click()
    await expect(countdown).to_contain_text("已暂停")
    await page.get_by_test_id("patrol-pause").click()

    # 正常: logged, and on to the next camera, which has no stream.
    await page.get_by_test_id("log-checked").click()
    await expect(run).to_have_attribute("data-camera-id", "cam-01")
    await expect(page.get_by_test_id("patrol-no-live")).to_contain_text("未配置视频流")
    await eventually(lambda: no_viewer(camera), timeout=3)  # leaving the camera closed its stream

    # 记录情况 needs a note.
    await page.get_by_test_id("log-observation").click()
    await expect(page.get_by_test_id("patrol-log-entry")).to_have_count(1)
    await page.get_by_test_id("patrol-note").fill("门口停着一辆面包车")
    await page.get_by_test_id("log-observation").click()
    await expect(page.get_by_test_id("patrol-log-entry")).to_have_count(2)
    await expect(page.get_by_test_id("patrol-log-entry").first).to_contain_text("门口停着一辆面包车")

    # Next by key: an RTSP camera says what live view needs; 喊话 plays a warning at its site and logs it.
    await page.locator("body").click(position={"x": 5, "y": 740})
    await page.keyboard.press("ArrowRight")
    await expect(run).to_have_attribute("data-camera-id", "cam-02")
    await expect(page.get_by_test_id("patrol-no-live")).to_contain_text("MJPEG")
    await page.get_by_test_id("log-warn").click()
    panel = page.get_by_test_id("patrol-warn-panel")
    await panel.locator('[data-testid="warn-message"][data-message-id="leave-now"]').click()
    await panel.get_by_test_id("warn-send").click()
    entry = page.locator('[data-testid="patrol-log-entry"][data-outcome="warning_issued"]')
    await expect(entry).to_have_count(1)
    await expect(page.get_by_test_id("patrol-warnings").get_by_test_id("warning-item")).to_have_count(1)

    # 立案 on the last camera (its site has no loudspeaker: 喊话 is off there).
    await page.get_by_test_id("patrol-next").click()
    await expect(run).to_have_attribute("data-camera-id", "cam-03")
    await expect(page.get_by_test_id("log-warn")).to_be_disabled()
    await page.get_by_test_id("patrol-note").fill("两人翻越围墙")
    await page.get_by_test_id("log-incident").click()
    await page.get_by_test_id("patrol-incident-priority").select_option("2")
    await page.get_by_test_id("patrol-incident-confirm").click()
    opened = page.locator('[data-testid="patrol-log-entry"][data-outcome="incident_opened"]')
    await expect(opened).to_contain_text(re.compile(r"#\d+"))
    await expect(row_at(page, "site-03")).to_have_count(1)  # on the board already

    # Back to the live camera for the picture of a round under way.
    await page.locator('[data-testid="patrol-step"][data-camera-id="cam-00"] button').click()
    await live_image_loaded(page)
    await expect(page.get_by_test_id("patrol-step")).to_have_count(4)
    await expect(page.locator('[data-testid="patrol-step"][data-outcome]')).to_have_count(4)
    await page.wait_for_timeout(300)
    await screenshot(page, "patrol")

    await page.get_by_test_id("patrol-finish").click()
    result = page.get_by_test_id("patrol-summary")
    await expect(result).to_contain_text("查看 4 / 4 个摄像机，记录 4 条")
    await expect(result.get_by_test_id("patrol-summary-outcomes")).to_contain_text("已立案1")
    await expect(card.get_by_test_id("tour-state")).to_have_text("未到时间")
    await eventually(lambda: no_viewer(camera), timeout=3)

    db = hub.db
    outcomes = await fetch_value(db, "SELECT array_agg(outcome ORDER BY id) FROM patrol_views")
    assert outcomes == ["checked", "observation", "warning_issued", "incident_opened"]
    assert await fetch_value(db, "SELECT count(*) FROM patrol_runs WHERE finished_at IS NOT NULL") == 1


async def test_a_one_click_warning_from_an_incidents_detail_is_played_to_the_end(
    hub: HubUnderTest, device_link: DeviceLink, speaker: SpeakerSimulator, page: Page
) -> None:
    await sign_in(page, hub)
    # A site without a loudspeaker has no warning panel.
    await press_button(hub, device_link, "site-03", "btn-03-0")
    await row_at(page, "site-03").click()
    detail = page.get_by_test_id("incident-detail")
    await expect(detail.get_by_test_id("site-card")).to_be_visible()
    await expect(detail.get_by_test_id("warnings")).to_have_count(0)

    await press_button(hub, device_link, "site-01", "btn-01-0")
    await row_at(page, "site-01").click()
    panel = detail.get_by_test_id("warn-panel")
    await expect(panel).to_be_visible()
    await expect(detail.get_by_test_id("warnings")).to_contain_text("喊话 · 现场广播")
    await expect(panel.get_by_test_id("warn-target")).to_contain_text("本单位全部广播（1）")

    # By keyboard: choose the message and both languages, then send.
    await panel.locator('[data-testid="warn-message"][data-message-id="police-coming"] input').focus()
    await page.keyboard.press("Space")
    await expect(panel.locator('[data-testid="warn-message"][data-message-id="police-coming"]')).to_have_class(
        re.compile("chosen")
    )
    await panel.get_by_test_id("warn-lang").locator('input[value="both"]').check()
    await panel.get_by_test_id("warn-repeat").select_option("1")
    await panel.get_by_test_id("warn-send").focus()
    await page.keyboard.press("Enter")

    items = detail.get_by_test_id("warnings-list").get_by_test_id("warning-item")
    await expect(items).to_have_count(2, timeout=5_000)
    for n in range(2):
        await expect(items.nth(n)).to_have_attribute("data-state", "done", timeout=10_000)
        await expect(items.nth(n).get_by_test_id("warning-state")).to_have_text("已播放")
    await expect(items.first).to_contain_text("spk-01")
    # The timeline tells it once per warning: the speaker's answers are folded into the warning's line.
    warned = detail.locator('[data-testid="timeline-entry"][data-action="warning"]')
    await expect(warned).to_have_count(2)
    for n in range(2):
        await expect(warned.nth(n).get_by_test_id("timeline-acks")).to_contain_text("已播放", timeout=5_000)
    await expect(detail.locator('[data-testid="timeline-entry"][data-action^="warning_"]')).to_have_count(0)
    await expect(detail.get_by_test_id("timeline-section")).not_to_contain_text("done")
    assert sorted(p.lang or "" for p in speaker.played) == ["en", "zh-CN"]
    await detail.get_by_test_id("warnings").scroll_into_view_if_needed()
    await asyncio.sleep(0.2)
    await screenshot(page, "incident-warning")


async def test_supervisors_have_a_link_to_the_reports_in_the_header(hub: HubUnderTest, page: Page) -> None:
    await sign_in(page, hub, "huang", "supervisor")
    link = page.get_by_test_id("nav-reports")
    await expect(link).to_have_text("报表")
    await expect(link).to_have_attribute("href", "/reports")
    await page.get_by_test_id("lang-toggle").click()
    await expect(link).to_have_text("Reports")
    # The header keeps every control on screen with all the links shown, in English too.
    for size in ({"width": 1366, "height": 768}, {"width": 1920, "height": 1080}):
        await page.set_viewport_size(size)
        box = await page.get_by_test_id("lang-toggle").bounding_box()
        assert box is not None and box["x"] + box["width"] <= size["width"], size
    await link.click()
    # The page writes its period into the address at once (replaceState): /reports or /reports?period=….
    await page.wait_for_url(re.compile(r".*/reports(\?.*)?$"))
    await expect(page.get_by_test_id("back-to-console")).to_be_visible()


async def test_a_camera_the_hub_cannot_read_falls_back_to_snapshots_and_says_so(hub: HubUnderTest, page: Page) -> None:
    # No camera simulator listens on cam-00's stream in this test: the live view fails, snapshots are tried.
    await sign_in(page, hub)
    await page.get_by_test_id("nav-patrol").click()
    await page.locator('[data-testid="tour-card"][data-tour-id="round"]').get_by_test_id("tour-start").click()
    await expect(page.get_by_test_id("patrol-stage")).to_have_attribute("data-mode", "snapshot")
    await expect(page.get_by_test_id("patrol-stage")).to_contain_text("摄像机画面无法获取")
    await page.get_by_test_id("log-observation").click()  # still loggable, with a note
    await page.get_by_test_id("patrol-note").fill("画面中断")
    await page.get_by_test_id("log-observation").click()
    await expect(page.get_by_test_id("patrol-log-entry")).to_contain_text("画面中断")


async def test_a_double_click_on_checked_logs_only_the_camera_that_was_looked_at(hub: HubUnderTest, page: Page) -> None:
    await sign_in(page, hub)
    await page.get_by_test_id("nav-patrol").click()
    await page.locator('[data-testid="tour-card"][data-tour-id="round"]').get_by_test_id("tour-start").click()
    run = page.get_by_test_id("patrol-run")
    await expect(run).to_have_attribute("data-camera-id", "cam-00")
    checked = page.get_by_test_id("log-checked")
    await expect(checked).to_be_enabled()
    x, y = await centre_of(checked)

    await page.mouse.click(x, y)
    await expect(run).to_have_attribute("data-camera-id", "cam-01")
    await page.mouse.click(x, y)  # the second click of a double click, on the next camera's 正常
    await page.wait_for_timeout(1_000)  # a view it logged would have been answered by now
    assert hub.settings.database_url
    logged = await fetch_value(
        hub.settings.database_url, "SELECT string_agg(camera_id, ',' ORDER BY id) FROM patrol_views"
    )
    assert logged == "cam-00"
    await expect(run).to_have_attribute("data-camera-id", "cam-01")
    await checked.click()  # looked at for a second by now: logged
    await expect(run).to_have_attribute("data-camera-id", "cam-02")


async def test_a_new_alarm_during_a_round_raises_the_alarm_bar_and_A_acknowledges_it_in_place(
    hub: HubUnderTest,
    device_link: DeviceLink,
    camera: MjpegCamera,  # noqa: F811
    page: Page,
) -> None:
    await sign_in(page, hub)
    await page.get_by_test_id("nav-patrol").click()
    await page.locator('[data-testid="tour-card"][data-tour-id="round"]').get_by_test_id("tour-start").click()
    run = page.get_by_test_id("patrol-run")
    await expect(run).to_have_attribute("data-camera-id", "cam-00")

    await press_button(hub, device_link, "site-02", "btn-02-0")
    alarm_bar = page.get_by_test_id("alarm-overlay")
    await expect(alarm_bar).to_be_visible(timeout=2_000)
    await expect(alarm_bar).to_contain_text("测试银行02")
    await expect(alarm_bar).to_be_in_viewport()
    await screenshot(page, "patrol-round-alarm")
    await page.get_by_test_id("patrol-pause").focus()
    await expect(alarm_bar.get_by_test_id("alarm-overlay-ack")).to_be_enabled()  # half a second on the bar first
    await page.keyboard.press("a")
    await expect(alarm_bar).to_be_hidden()
    await expect(run).to_be_visible()  # still in the round
    assert await fetch_value(
        hub.settings.database_url,  # type: ignore[arg-type]
        "SELECT acknowledged_at IS NOT NULL FROM incidents WHERE site_id = 'site-02'",
    )
