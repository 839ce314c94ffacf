"""What a user tripped over on a busy evening in English, where words are longest, at 1366×768 and
1920×1080: a site name squeezed to one letter by its flags, the signed-in user cut to "h…", a device's
fault past the screen's right edge, the handover's open incidents cut at the panel's edge, an
escalation count said twice ("▲4 Escalated ×4"), the roster's "Not signed on" broken into a
three-line blob, a response step's "Done" wrapped alone under the next line, and the map's list
cutting names after a dozen letters. Screenshots kept in tests/artifacts/fit-*."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from devices.link import DeviceLink
from hub.config import Settings
from tests.browser.conftest import screenshot
from tests.browser.test_console import SIZES, row_at, sign_in
from tests.browser.test_console_screenshots import build_scene, scene_settings
from tests.integration.conftest import running_hub

# Board rows whose site name is narrower than 6 em while it does not fit ("Sunshine Kindergarten" → "S").
SQUEEZED_NAMES = """() => Array.from(document.querySelectorAll('.board .site-name'))
  .filter((el) => el.scrollWidth > el.clientWidth + 1
    && el.clientWidth < 6 * parseFloat(getComputedStyle(el).fontSize))
  .map((el) => el.textContent + ': ' + el.clientWidth + 'px')"""

# Buttons and links of the shown view that reach past the window's right edge.
PAST_THE_EDGE = """() => Array.from(document.querySelectorAll('.view:not([hidden]) button, .view:not([hidden]) a'))
  .filter((el) => el.offsetParent !== null && el.getBoundingClientRect().right > innerWidth + 1)
  .map((el) => el.textContent.trim() + ' ' + Math.round(el.getBoundingClientRect().right))"""

# Elements (by selector) whose text runs onto more lines than `most`.
TOO_MANY_LINES = """([selector, most]) => Array.from(document.querySelectorAll(selector))
  .filter((el) => {
    if (el.offsetParent === null) return false;
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
    return tops.size > most;
  })
  .map((el) => el.textContent.trim())"""

# Elements (by selector) whose text is clipped (a line clamp, an ellipsis).
CLIPPED = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter((el) => el.offsetParent !== null
    && (el.scrollHeight > el.clientHeight + 1 || el.scrollWidth > el.clientWidth + 1))
  .map((el) => el.textContent.trim())"""

# Response steps whose "Done" button is not on the line of its note (wrapped alone under the text).
DONE_APART = """() => Array.from(document.querySelectorAll('[data-testid=step]')).filter((step) => {
    const note = step.querySelector('[data-testid=step-note]');
    const done = step.querySelector('[data-testid=step-done]');
    if (!note || !done) return false;
    const a = note.getBoundingClientRect(), b = done.getBoundingClientRect();
    return Math.abs((a.top + a.bottom) / 2 - (b.top + b.bottom) / 2) > 4;
  }).map((step) => step.textContent.trim())"""

# Cells of a table that reach past the right edge of the panel holding it.
CUT_BY_PANEL = """(selector) => {
  const panel = document.querySelector(selector).closest('.panel');
  const edge = panel.getBoundingClientRect().right;
  return Array.from(panel.querySelectorAll('td, th'))
    .filter((el) => el.getBoundingClientRect().right > edge + 1)
    .map((el) => el.textContent.trim());
}"""


async def english(page: Page) -> None:
    await page.get_by_test_id("lang-toggle").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")


@pytest.mark.parametrize("size", list(SIZES))
async def test_in_english_what_the_desk_needs_is_neither_cut_nor_off_screen(
    hub_settings: Settings, device_link: DeviceLink, page: Page, tmp_path: Path, size: str
) -> None:
    await page.set_viewport_size(SIZES[size])  # type: ignore[arg-type]
    async with running_hub(scene_settings(hub_settings, tmp_path)) as hub:
        ids = await build_scene(hub, device_link)
        await sign_in(page, hub, "huang", "supervisor")
        await expect(page.get_by_test_id("incident-row")).to_have_count(6, timeout=10_000)
        await english(page)
        # The kindergarten: escalated and its guard asks to cancel — two flags beside a long name.
        kindergarten = row_at(page, "kg-yangguang")
        await expect(kindergarten.get_by_test_id("cancel-requested-flag")).to_be_visible()
        await expect(kindergarten.get_by_test_id("escalated-flag")).to_be_visible(timeout=15_000)
        assert await page.evaluate(SQUEEZED_NAMES) == [], f"site names squeezed ({size})"
        # The count is the symbol's; the flag's words and tooltip say it once each.
        school = row_at(page, "school-shiyan").get_by_test_id("escalated-flag")
        await expect(school.locator(".flag-text")).to_have_text("Escalated")
        await expect(school).to_have_attribute("title", re.compile(r"^Escalated( ×\d+)?$"))
        assert "×" not in await school.inner_text()
        # The signed-in user: the name whole, the role under it.
        user = page.get_by_test_id("user-name")
        await expect(user.locator(".user-display")).to_have_text("huang")
        await expect(user.locator(".user-role")).to_have_text("Supervisor")
        cut = await user.evaluate(
            "(el) => Array.from(el.children).filter((c) => c.scrollWidth > c.clientWidth + 1).length"
        )
        assert cut == 0, f"the user's name is cut ({size})"
        await screenshot(page, f"fit-board-en-{size}")
        # The detail beside the board: still a name to read in every row.
        await page.goto(f"{hub.http}/#/incident/{ids['school']}")
        await expect(page.get_by_test_id("incident-detail")).to_be_visible()
        assert await page.evaluate(SQUEEZED_NAMES) == [], f"site names squeezed beside the detail ({size})"
        await expect(page.get_by_test_id("step-done").first).to_be_visible()
        assert await page.evaluate(DONE_APART) == [], f"a step's Done button apart from its note ({size})"
        await screenshot(page, f"fit-detail-en-{size}")

        await page.get_by_test_id("nav-devices").click()
        await expect(page.get_by_test_id("device-row").first).to_be_visible()
        await expect(page.locator(".fault-link").first).to_be_visible(timeout=10_000)
        assert await page.evaluate(PAST_THE_EDGE) == [], f"device controls past the edge ({size})"
        await screenshot(page, f"fit-devices-en-{size}")

        await page.evaluate("() => { location.hash = '#/handover'; }")
        await expect(page.get_by_test_id("handover-open-row").first).to_be_visible(timeout=10_000)
        assert await page.evaluate(CUT_BY_PANEL, "#handover-open") == [], f"handover cut ({size})"
        await screenshot(page, f"fit-handover-en-{size}")

        await page.get_by_test_id("nav-roster").click()
        await expect(page.get_by_test_id("roster-row").first).to_be_visible(timeout=10_000)
        assert await page.evaluate(TOO_MANY_LINES, ["#view-roster .pill", 1]) == [], f"roster pills ({size})"
        names = "[data-testid=roster-table] td:first-child"
        assert await page.evaluate(TOO_MANY_LINES, [names, 1]) == [], f"roster names ({size})"
        cut_roster = await page.evaluate(CUT_BY_PANEL, "[data-testid=roster-table]")
        assert cut_roster == [], f"roster cut ({size})"
        await screenshot(page, f"fit-roster-en-{size}")

        await page.get_by_test_id("nav-map").click()
        await expect(page.locator(".map-incident-site").first).to_be_visible(timeout=10_000)
        assert await page.evaluate(CLIPPED, ".map-incident-site") == [], f"map list names cut ({size})"
        await screenshot(page, f"fit-map-en-{size}")
