"""The shift summary in the console (#/handover) at 1366×768, in Mandarin and in English: an intruder talked down by
the loudspeaker (a real verdict: camera events over MQTT, a simulated speaker) is in the deterred list with the
site's name, a press still open is handed over, the counts by kind are shown, nothing is cut short, and a row
opens its incident."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Page, expect

from devices.link import DeviceLink
from hub.config import Settings
from simulators.speaker import SpeakerSimulator
from tests.browser.conftest import screenshot
from tests.browser.test_console import press_button, sign_in
from tests.browser.test_desk import untranslated
from tests.integration.conftest import HubUnderTest, running_hub
from tests.integration.test_talkdown import an_intruder_warned_off
from tests.integration.test_talkdown import talkdown_district as talkdown_district  # a fixture

# Two desk seats covering the whole day, so a seat is on shift whatever the time of the test.
ROSTER = [
    {"desk": "值班台一", "desk_en": "Desk 1", "days": "all", "from": "00:00", "to": "12:00"},
    {"desk": "值班台二", "desk_en": "Desk 2", "days": "all", "from": "12:00", "to": "00:00"},
]

CUT = """() => Array.from(document.querySelectorAll('#view-handover *'))
  .filter((el) => el.offsetParent !== null && el.children.length === 0 && el.scrollWidth > el.clientWidth + 1)
  .map((el) => (el.getAttribute('data-testid') || el.className || el.tagName) + ': ' + el.textContent.trim())"""
PAGE_WIDER_THAN_WINDOW = "() => document.documentElement.scrollWidth > window.innerWidth"
# The language toggle, the top bar's last item, is on the screen.
TOGGLE_ON_SCREEN = "() => document.getElementById('lang-toggle').getBoundingClientRect().right <= window.innerWidth"


def add_roster(district: Path) -> None:
    config = yaml.safe_load(district.read_text("utf-8"))
    config["roster"] = ROSTER
    district.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture
async def hub(hub_settings: Settings, talkdown_district: Path) -> AsyncIterator[HubUnderTest]:
    add_roster(talkdown_district)
    async with running_hub(hub_settings, talkdown_district) as running:
        yield running


async def test_the_shift_summary_lists_the_deterred_intruder_and_the_open_press_in_both_languages(
    hub: HubUnderTest, speaker: SpeakerSimulator, device_link: DeviceLink, page: Page
) -> None:
    await an_intruder_warned_off(hub, device_link)
    await press_button(hub, device_link, "site-00", "btn-00-0")  # stays open: handed over
    await sign_in(page, hub)
    await page.get_by_test_id("nav-roster").click()  # the summary is opened from the roster page
    await page.get_by_test_id("handover-link").click()
    view = page.get_by_test_id("view-handover")
    await expect(view).to_be_visible()

    deterred = view.get_by_test_id("handover-deterred-row")
    await expect(deterred).to_have_count(1, timeout=5_000)
    await expect(deterred).to_contain_text("测试银行01")
    await expect(deterred).to_contain_text("已结案")
    opened = view.get_by_test_id("handover-open-row")
    await expect(opened).to_have_count(1)
    await expect(opened).to_contain_text("测试银行00")
    await expect(opened).to_contain_text("紧急报警")
    await expect(view.get_by_test_id("handover-shift")).to_contain_text("值班台")
    kinds = view.get_by_test_id("handover-kind")
    await expect(kinds).to_have_count(2)
    await expect(view.get_by_test_id("handover-kinds").locator("thead")).to_contain_text("喊话劝离")
    await expect(view.locator('[data-kind="intrusion"] [data-outcome="deterred"]')).to_have_text("1")
    await expect(view.locator('[data-kind="panic"] [data-outcome="open"]')).to_have_text("1")
    await expect(view.locator('[data-total="deterred"] strong')).to_have_text("1")
    await expect(view.locator('[data-total="handed_over"] strong')).to_have_text("1")
    assert await page.evaluate(CUT) == [], "cut short (zh)"
    assert not await page.evaluate(PAGE_WIDER_THAN_WINDOW)
    assert await page.evaluate(TOGGLE_ON_SCREEN)
    assert await untranslated(page, "#view-handover") == []
    await screenshot(page, "desk-handover-zh-1366x768")

    await page.get_by_test_id("lang-toggle").click()
    await expect(view.get_by_role("heading", name="Shift summary")).to_be_visible()
    await expect(deterred).to_contain_text("Test Bank 01")
    await expect(deterred).to_contain_text("Closed")
    await expect(opened).to_contain_text("Test Bank 00")
    await expect(opened).to_contain_text("Panic")
    await expect(view.get_by_test_id("handover-shift")).to_contain_text("Desk")
    await expect(view.locator('[data-kind="intrusion"]')).to_contain_text("Intrusion")
    assert await page.evaluate(CUT) == [], "cut short (en)"
    assert not await page.evaluate(PAGE_WIDER_THAN_WINDOW)
    assert await page.evaluate(TOGGLE_ON_SCREEN)
    await screenshot(page, "desk-handover-en-1366x768")

    # The previous shift: nothing happened then.
    await view.get_by_test_id("handover-previous").click()
    await expect(view.get_by_test_id("handover-previous")).to_have_attribute("aria-pressed", "true")
    await expect(view.get_by_test_id("handover-deterred-empty")).to_be_visible(timeout=5_000)
    await expect(view.get_by_test_id("handover-kinds-empty")).to_have_text("No incidents in this shift")
    await view.get_by_test_id("handover-current").click()

    # A row opens its incident.
    await deterred.click()
    detail = page.get_by_test_id("incident-detail")
    await expect(detail).to_be_visible()
    await expect(detail.get_by_test_id("detail-heading")).to_contain_text("Test Bank 01")
