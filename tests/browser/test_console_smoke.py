"""The console in a real browser: sign in, a press appears live."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, expect

from devices.link import DeviceLink
from simulators.button import ButtonRef, press
from tests.browser.conftest import screenshot
from tests.integration.conftest import HubUnderTest, create_user


async def test_a_signed_in_duty_officer_sees_a_press_appear_live(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    assert hub.settings.database_url
    await create_user(hub.settings.database_url, "zhang", "correct horse", "duty")
    await page.goto(f"{hub.http}/")
    await page.wait_for_url("**/login**")
    await page.fill("input[name=username]", "zhang")
    await page.fill("input[name=password]", "correct horse")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{hub.http}/")
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)
    await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-04", "btn-04-1"))
    row = page.get_by_test_id("incident-row").first
    await expect(row).to_be_visible(timeout=2_000)
    await expect(row).to_contain_text("测试银行04")
    await screenshot(page, "console-smoke")
