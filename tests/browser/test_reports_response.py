"""The reports page shows the press-to-video-verification figures (per site) and the step compliance (per desk
seat) of the JSON report, in both languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.browser.test_reports import DEMO, fill_history, sign_in
from tests.integration.conftest import HubUnderTest


@pytest.fixture
def district_file() -> Path:
    return DEMO


async def october_report(hub: HubUnderTest, page: Page) -> dict[str, Any]:
    """The demo history's October report, shown on the page; returns its JSON, which the page is checked against."""
    await fill_history(hub)
    await sign_in(page, hub, "/reports?period=month&month=2026-10")
    await expect(page.get_by_test_id("report")).to_have_attribute("data-period", "2026-10", timeout=10_000)
    response = await page.request.get(f"{hub.http}/api/v1/reports?period=month&month=2026-10")
    answer: dict[str, Any] = await response.json()
    return answer


async def test_the_month_report_shows_video_verification_per_site(hub: HubUnderTest, page: Page) -> None:
    answer = await october_report(hub, page)
    figures = answer["video_verification"]
    assert figures["totals"]["requested"] > 0

    panel = page.get_by_test_id("video-verification")
    await expect(panel).to_be_visible()
    await expect(panel.get_by_test_id("verification-row")).to_have_count(len(figures["sites"]))
    totals = figures["totals"]
    await expect(page.get_by_test_id("verification-summary")).to_contain_text(
        f"请求视频核验 {totals['requested']} 起：收到录像 {totals['verified']} 起"
    )
    first = figures["sites"][0]
    row = panel.locator(f'[data-testid="verification-row"][data-site-id="{first["site_id"]}"]')
    await expect(row).to_contain_text(first["site_name"])
    compliance = answer["step_compliance"]
    assert compliance["totals"]["incidents"] > 0  # the demo district's schools have required steps
    seats = page.get_by_test_id("step-compliance").get_by_test_id("steps-row")
    await expect(seats).to_have_count(len(compliance["seats"]))
    await expect(page.get_by_test_id("steps-summary")).to_contain_text(
        f"必做步骤 {compliance['totals']['required_due']} 项"
    )
    await page.get_by_test_id("lang-toggle").click()
    await expect(page.get_by_test_id("verification-summary")).to_contain_text(
        f"{totals['requested']} presses asked for video: {totals['verified']} answered"
    )


async def test_the_month_report_shows_the_deterrence_rate_per_site_and_month(hub: HubUnderTest, page: Page) -> None:
    answer = await october_report(hub, page)
    figures = answer["deterrence"]
    totals = figures["totals"]
    assert totals["warned"] > 0

    panel = page.get_by_test_id("deterrence")
    await expect(panel).to_be_visible()
    await expect(panel.get_by_test_id("deterrence-row")).to_have_count(len(figures["sites"]))
    await expect(page.get_by_test_id("deterrence-summary")).to_contain_text(
        f"喊话后判定 {totals['warned']} 起：人员离开 {totals['deterred']} 起"
    )
    await page.get_by_test_id("lang-toggle").click()
    await expect(page.get_by_test_id("deterrence-summary")).to_contain_text(
        f"{totals['warned']} warnings with a verdict: {totals['deterred']} deterred"
    )
