"""The routine process coming up with the hub, on the desk's console (1366×768): a quiet line saying it is
starting, in Mandarin and in English, and no amber outage banner; one that has not come up within 15 s is an
outage (the amber banner) until the watchdog's restart brings it up. Screenshots in tests/artifacts/."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from pathlib import Path

from playwright.async_api import Page, expect

from hub.config import Settings
from hub.routine import START_S
from tests.browser.conftest import PASSWORD, create_user, screenshot
from tests.browser.test_officer_app import watch_errors
from tests.integration.conftest import eventually, hub_process, stop_hub_process
from tests.integration.test_routine_process import routine_apart, routine_children

STARTING_ZH = "设备状态处理进程正在启动，设备在线状态和摄像头事件稍后更新（报警不受影响）"
STARTING_EN = (
    "Device status processing is starting — device status and camera events follow shortly (alarms are not affected)"
)
DOWN_EN = re.compile(r"^Device status processing stopped since \d\d:\d\d — device status and camera events are delayed")


async def test_the_desk_sees_the_routine_process_starting_quietly_and_an_outage_once_it_is_late(
    hub_settings: Settings, tmp_path: Path, page: Page
) -> None:
    settings = routine_apart(hub_settings)
    assert settings.database_url
    await create_user(settings.database_url, "zhang", PASSWORD, "duty")
    hub = hub_process(settings, tmp_path / "hub.log")
    child = None
    try:

        async def first_child() -> int | None:
            children = routine_children(hub.pid)
            return children[0] if children else None

        # Frozen before its first tick (it imports for a second or more first): it stays "starting" for as
        # long as the hub allows, then is an outage until the watchdog kills it (30 s for a first tick).
        child = await eventually(first_child, timeout=60, interval=0.005)
        os.kill(child, signal.SIGSTOP)
        spawned = time.monotonic()
        errors = watch_errors(page)

        await page.goto(f"http://{settings.http}/login")
        await page.fill("input[name=username]", "zhang")
        await page.fill("input[name=password]", PASSWORD)
        await page.keyboard.press("Enter")
        await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)
        starting, banner = page.get_by_test_id("health-starting"), page.get_by_test_id("health-banner")
        await expect(starting).to_be_visible()
        await expect(page.get_by_test_id("health-starting-text")).to_have_text(STARTING_ZH)
        await expect(banner).to_be_hidden()
        await screenshot(page, "routine-starting-console-1366x768-zh")
        await page.get_by_test_id("lang-toggle").click()
        await expect(page.get_by_test_id("health-starting-text")).to_have_text(STARTING_EN)
        await expect(banner).to_be_hidden()
        await screenshot(page, "routine-starting-console-1366x768-en")
        assert time.monotonic() - spawned < START_S - 1, "signed in too late to see the start: the test proves nothing"

        await expect(banner).to_be_visible(timeout=(START_S + 5) * 1000)
        assert time.monotonic() - spawned >= START_S - 1  # not before the start time ran out
        await expect(page.get_by_test_id("health-banner-text")).to_have_text(DOWN_EN)
        await expect(starting).to_be_hidden()
        await screenshot(page, "routine-late-console-1366x768-en")

        await expect(banner).to_be_hidden(timeout=40_000)  # killed by the watchdog, restarted, up
        await expect(starting).to_be_hidden()  # a restart is no start
        assert errors == []
    finally:
        if child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGKILL)
        stop_hub_process(hub)
    assert "dependency down" in (tmp_path / "hub.log").read_text()
