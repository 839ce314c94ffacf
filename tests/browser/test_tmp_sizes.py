import asyncio
import pytest
from playwright.async_api import Browser, expect
from devices.link import DeviceLink
from simulators.button import press
from tests.browser.conftest import screenshot
from tests.browser.test_officer_app import SITE, HERE, district_file, sign_in_and_on  # noqa: F401
from tests.integration.conftest import HubUnderTest


@pytest.mark.parametrize("size", [(360, 740), (820, 1180)])
async def test_sizes(hub: HubUnderTest, device_link: DeviceLink, browser: Browser, size) -> None:
    context = await browser.new_context(viewport={"width": size[0], "height": size[1]}, is_mobile=True, has_touch=True,
                                        geolocation=HERE, permissions=["geolocation"])
    page = await context.new_page()
    await sign_in_and_on(page, hub)
    await page.wait_for_timeout(2600)
    await screenshot(page, f"tmp-{size[0]}-duty")
    await asyncio.to_thread(press, device_link, hub.topics, SITE)
    card = page.get_by_test_id("alert-layer").get_by_test_id("dispatch-card")
    await expect(card).to_be_visible(timeout=2000)
    await screenshot(page, f"tmp-{size[0]}-offer")
    await card.get_by_test_id("accept").click()
    mine = page.get_by_test_id("active-list").get_by_test_id("dispatch-card")
    await mine.get_by_test_id("en-route").click()
    await mine.get_by_test_id("on-scene").click()
    await expect(mine).to_have_attribute("data-state", "on_scene")
    await page.evaluate("window.scrollTo(0, 0)")
    await page.wait_for_timeout(2600)
    await screenshot(page, f"tmp-{size[0]}-onscene")
    await context.close()
