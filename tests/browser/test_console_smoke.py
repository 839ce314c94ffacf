"""The console in a real browser: sign in, a press appears live."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, expect

from devices.link import DeviceLink
from simulators.button import ButtonRef, press
from tests.browser.conftest import fill_sign_in, screenshot
from tests.integration.conftest import HubUnderTest


async def test_a_signed_in_duty_officer_sees_a_press_appear_live(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await fill_sign_in(page, hub, "zhang", "duty")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{hub.http}/")
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)
    await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-04", "btn-04-1"))
    row = page.get_by_test_id("incident-row").first
    await expect(row).to_be_visible(timeout=2_000)
    await expect(row).to_contain_text("测试银行04")
    await screenshot(page, "console-smoke")
