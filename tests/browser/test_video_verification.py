"""The desk sees the video of a press first: a panic at a bank with a simulated camera → the clip from the camera
agent's pre-event buffer (starting ≥ 5 s before the press) and the snapshot, at the top of the detail within 10 s of
the press; the camera's live view is one click away."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from playwright.async_api import Page, expect

from devices.link import DeviceLink
from sentinel_dev.services import PrivateMosquitto
from simulators.button import ButtonRef, press
from tests.browser.conftest import screenshot
from tests.browser.test_console import row_at, sign_in
from tests.integration.conftest import HubUnderTest
from tests.integration.test_video_verification import camera, district_file, verified_site  # noqa: F401
from tests.integration.verification_site import BUTTON, CAMERA, SITE, VerifiedSite, agent_for


async def test_the_detail_of_a_press_shows_the_verification_clip_first_and_the_live_view_on_a_click(
    hub: HubUnderTest,
    mqtt_broker: PrivateMosquitto,
    verified_site: VerifiedSite,  # noqa: F811 (the fixture imported above)
    device_link: DeviceLink,
    page: Page,
    tmp_path: Path,
) -> None:
    async with agent_for(hub, mqtt_broker, verified_site, tmp_path / "agent-media"):
        await sign_in(page, hub)
        pressed = time.monotonic()
        await asyncio.to_thread(press, device_link, hub.topics, ButtonRef(SITE, BUTTON))
        await row_at(page, SITE).click()
        detail = page.get_by_test_id("incident-detail")
        clip = detail.get_by_test_id("verification-clip")
        await expect(clip).to_be_visible(timeout=10_000)
        shown_s = time.monotonic() - pressed
        assert shown_s < 10, f"the verification clip was shown {shown_s:.1f} s after the press"

        # First in the detail, before the clocks and the other sections.
        sections = await detail.locator("section.detail-section").evaluate_all(
            "nodes => nodes.map(n => n.getAttribute('data-testid'))"
        )
        assert sections[0] == "verification", sections
        figure = detail.get_by_test_id("verification-camera")
        assert float(await figure.get_attribute("data-before-s") or 0) >= 5
        await expect(figure).to_contain_text("按压前")
        await expect(detail.get_by_test_id("verification-snapshot")).to_be_visible()
        # The clip is a real video the browser plays.
        await page.wait_for_function(
            "() => { const v = document.querySelector('[data-testid=verification-clip]');"
            " return Boolean(v && v.readyState >= 1 && v.duration >= 6.5); }",
            timeout=10_000,
        )
        assert await figure.get_attribute("data-camera-id") == CAMERA

        await detail.get_by_test_id("verification-live-toggle").click()
        live = detail.get_by_test_id("verification-live")
        await expect(live).to_be_visible()
        await page.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=verification-live]');"
            " return Boolean(i && i.naturalWidth > 0); }",
            timeout=10_000,
        )
        await screenshot(page, "console-detail-verification")
        await detail.get_by_test_id("verification-live-toggle").click()
        await expect(live).to_be_hidden()
