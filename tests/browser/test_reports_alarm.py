"""The reports page does not hide a panic press: while a supervisor reads the figures, a P1 raises the
console's alarm bar there too (naming the site in the page's language, with the number more waiting), the
alarm sounds, a click on the bar opens the incident in the console, and `A` acknowledges the newest alarm.
Screenshots kept in tests/artifacts/reports-alarm-*."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from devices.link import DeviceLink
from hub.config import Settings
from tests.browser.conftest import screenshot

# The bar's visibility check, and the desk's district (nothing dispatched, so nothing acknowledged).
from tests.browser.test_alarm_bar import BAR_UNSEEN
from tests.browser.test_console import SIZES, press_button
from tests.browser.test_desk import bar, district_file, incident_at, ready_to_acknowledge  # noqa: F401
from tests.browser.test_reports import fill_sign_in, sign_in
from tests.integration.conftest import HubUnderTest, fetch_value, running_hub


async def test_a_panic_pressed_while_the_reports_are_open_raises_the_alarm_bar_there(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await sign_in(page, hub, "/reports")
    await expect(page.get_by_test_id("report")).to_be_visible(timeout=10_000)
    await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-state", "on")
    await expect(bar(page)).to_be_hidden()

    await press_button(hub, device_link, "site-01", "btn-01-0")
    await expect(bar(page)).to_be_visible(timeout=2_000)
    await expect(bar(page)).to_contain_text("紧急报警 · 测试银行01")
    await expect(bar(page).get_by_test_id("alarm-overlay-ack")).to_have_text("确认 (A)")
    await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-alarm", "sounding")
    await page.wait_for_function("() => /【报警】1 起未确认/.test(document.title)", timeout=3_000)
    first = await incident_at(hub, "site-01")
    await press_button(hub, device_link, "site-02", "btn-02-0")
    await expect(bar(page)).to_contain_text("测试银行02", timeout=2_000)
    await expect(bar(page).get_by_test_id("alarm-overlay-more")).to_have_text("另有 1 起未确认")
    second = await incident_at(hub, "site-02")
    for size, viewport in SIZES.items():
        await page.set_viewport_size(viewport)  # type: ignore[arg-type]
        await page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")  # read down the page
        assert await page.evaluate(BAR_UNSEEN) == "", f"the bar is not seen on the reports ({size})"
        await screenshot(page, f"reports-alarm-zh-{size}")
    await page.set_viewport_size(SIZES["1366x768"])  # type: ignore[arg-type]

    # English: the site's English name, the English words around it.
    await page.get_by_test_id("lang-toggle").click()
    await expect(bar(page)).to_contain_text("Panic alarm · Test Bank 02")
    await expect(bar(page).get_by_test_id("alarm-overlay-more")).to_have_text("1 more waiting")
    await expect(bar(page).get_by_test_id("alarm-overlay-ack")).to_have_text("Acknowledge (A)")
    await expect(page.get_by_test_id("sound-toggle")).to_have_text("Sound on")
    await screenshot(page, "reports-alarm-en-1366x768")

    # `A` acknowledges the newest; the bar names the one still waiting.
    await page.locator("body").click(position={"x": 5, "y": 700})
    await ready_to_acknowledge(page)
    await page.keyboard.press("a")
    await expect(bar(page)).to_have_attribute("data-incident-id", str(first), timeout=3_000)
    acked = page.get_by_test_id("toast").filter(has_text="Acknowledged: Panic alarm · Test Bank 02")
    await expect(acked).to_be_visible()
    assert await fetch_value(
        hub.settings.database_url,  # type: ignore[arg-type]
        "SELECT acknowledged_at IS NOT NULL FROM incidents WHERE id = $1",
        second,
    )

    # A click on the bar leads to the incident, in the console.
    await bar(page).get_by_test_id("alarm-overlay-site").click()
    await page.wait_for_url(re.compile(rf".*/#/incident/{first}$"))
    await expect(page.get_by_test_id("incident-detail")).to_be_visible()
    await expect(page.get_by_test_id("incident-detail")).to_contain_text("Test Bank 01")


async def test_the_reports_say_when_the_link_to_the_hub_is_lost(hub_settings: Settings, page: Page) -> None:
    async with running_hub(hub_settings) as hub:
        await sign_in(page, hub, "/reports")
        await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-state", "on", timeout=10_000)
        await expect(page.get_by_test_id("disconnected-banner")).to_be_hidden()
    # The hub has stopped: the red banner, in the page's language, and the link's own sound.
    await expect(page.get_by_test_id("disconnected-banner")).to_be_visible(timeout=5_000)
    await expect(page.get_by_test_id("disconnected-banner")).to_contain_text("与中心连接中断")
    await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-link", "lost")
    await screenshot(page, "reports-alarm-link-lost")


async def test_the_desk_refused_the_reports_still_gets_the_alarm_there(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await fill_sign_in(page, hub, "zhang", "duty", start="/login?next=/reports")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("forbidden-heading")).to_have_text("报表仅供值班领导查看")
    await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-state", "on", timeout=5_000)
    await expect(bar(page)).to_be_hidden()

    await press_button(hub, device_link, "site-01", "btn-01-0")
    await expect(bar(page)).to_be_visible(timeout=2_000)
    await expect(bar(page)).to_contain_text("紧急报警 · 测试银行01")
    await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-alarm", "sounding")
    await page.wait_for_function("() => /【报警】1 起未确认/.test(document.title)", timeout=3_000)
    assert await page.evaluate(BAR_UNSEEN) == ""
    await screenshot(page, "reports-refused-alarm-zh-1366x768")

    await page.get_by_test_id("lang-toggle").click()
    await expect(page.get_by_test_id("forbidden-heading")).to_have_text("Reports are for supervisors")
    await expect(bar(page)).to_contain_text("Panic alarm · Test Bank 01")
    await expect(bar(page).get_by_test_id("alarm-overlay-ack")).to_have_text("Acknowledge (A)")
    await screenshot(page, "reports-refused-alarm-en-1366x768")
