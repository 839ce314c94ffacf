"""A database outage on the desk's console (1366×768) and the officer's phone (390×844): an amber
banner naming the database and since when, in Mandarin and in English, that survives a reload of the
page during the outage and goes the moment the database is back. Screenshots in tests/artifacts/."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Browser, expect

from hub.config import Settings
from sentinel_dev.services import PrivatePostgres
from tests.browser.conftest import screenshot
from tests.browser.test_console import sign_in
from tests.browser.test_officer_app import phone_context, sign_in_and_on, watch_errors
from tests.integration.conftest import outage_settings, private_pg, running_hub  # noqa: F401

SHOWN_WITHIN_MS = 5_000
CLEARED_WITHIN_MS = 20_000
DESK_ZH = re.compile(r"^数据库不可用（自 \d\d:\d\d 起），警情正在排队$")
DESK_EN = re.compile(r"^Database unavailable since \d\d:\d\d — alarms are being queued$")
PHONE_ZH = re.compile(r"^中心数据库不可用（自 \d\d:\d\d 起），报警正在排队，派警可能延迟$")
PHONE_EN = re.compile(r"^Hub database unavailable since \d\d:\d\d — alarms are being queued, dispatches may be late$")


async def test_the_desk_and_the_officer_see_a_database_outage_and_its_end_in_both_languages(
    outage_settings: Settings,  # noqa: F811
    private_pg: PrivatePostgres,  # noqa: F811
    browser: Browser,
) -> None:
    async with running_hub(outage_settings) as hub:
        desk_context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        phone_ctx = await phone_context(browser)
        try:
            desk, phone = await desk_context.new_page(), await phone_ctx.new_page()
            desk_errors, phone_errors = watch_errors(desk), watch_errors(phone)
            await sign_in(desk, hub)
            await sign_in_and_on(phone, hub)
            desk_banner, phone_banner = desk.get_by_test_id("health-banner"), phone.get_by_test_id("health-banner")
            await expect(desk_banner).to_be_hidden()
            await expect(phone_banner).to_be_hidden()

            await asyncio.to_thread(private_pg.stop)
            await expect(desk_banner).to_be_visible(timeout=SHOWN_WITHIN_MS)
            await expect(desk.get_by_test_id("health-banner-text")).to_have_text(DESK_ZH)
            await expect(phone_banner).to_be_visible(timeout=SHOWN_WITHIN_MS)
            await expect(phone.get_by_test_id("health-banner-text")).to_have_text(PHONE_ZH)
            await expect(desk.get_by_test_id("disconnected-banner")).to_be_hidden()  # the hub itself is there
            await screenshot(desk, "outage-console-1366x768-zh")
            await screenshot(phone, "outage-officer-phone-zh")

            await desk.get_by_test_id("lang-toggle").click()
            await expect(desk.get_by_test_id("health-banner-text")).to_have_text(DESK_EN)
            await phone.get_by_test_id("lang-toggle").click()
            await expect(phone.get_by_test_id("health-banner-text")).to_have_text(PHONE_EN)
            await screenshot(desk, "outage-console-1366x768-en")
            await screenshot(phone, "outage-officer-phone-en")

            # A desk that reloads its page during the outage keeps its page and its banner.
            await desk.reload()
            await expect(desk.get_by_test_id("health-banner-text")).to_have_text(DESK_EN, timeout=10_000)
            assert desk.url.startswith(hub.http) and "/login" not in desk.url

            await asyncio.to_thread(private_pg.start)
            await expect(desk_banner).to_be_hidden(timeout=CLEARED_WITHIN_MS)
            await expect(phone_banner).to_be_hidden(timeout=CLEARED_WITHIN_MS)
            await expect(desk.get_by_test_id("connection-status")).to_have_attribute("data-state", "live")
            await expect(phone.get_by_test_id("connection-status")).to_have_attribute("data-state", "live")
            assert desk_errors == [] and phone_errors == []
        finally:
            await desk_context.close()
            await phone_ctx.close()
