"""Guided response in the console: the steps of a bank's panic, one ticked by the dispatch, one by a click with
a note; resolving with a required step open asks for the reason in the resolve dialog. And in the officer app:
the officer's own steps on the dispatch card."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page, expect

from devices.link import DeviceLink
from simulators.button import ButtonRef, press
from tests.browser.conftest import screenshot
from tests.browser.test_console import row_at, sign_in
from tests.browser.test_officer_app import phone, sign_in_and_on  # noqa: F401
from tests.integration.conftest import HubUnderTest, fetch_value
from tests.integration.test_response_steps import district_file, open_incident  # noqa: F401


async def test_the_desk_ticks_steps_and_gives_a_reason_for_the_open_ones(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await hub.running.lifecycle.sign_on("o1", True, "test")
    await sign_in(page, hub)
    await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-01", "btn-01-0"))
    await row_at(page, "site-01").click()
    detail = page.get_by_test_id("incident-detail")
    steps = detail.get_by_test_id("steps")
    await expect(steps.get_by_test_id("step")).to_have_count(5)
    await expect(steps).to_contain_text("处置步骤（0/5）")

    # A dispatch ticks its step by itself.
    await detail.get_by_test_id("dispatch-button").click()
    dispatch_step = steps.locator('[data-step-id="dispatch"]')
    await expect(dispatch_step).to_have_attribute("data-done", "true", timeout=5_000)
    await expect(dispatch_step.get_by_test_id("step-mark")).to_contain_text("自动")

    # A click (with a note) ticks another.
    view = steps.locator('[data-step-id="view_cameras"]')
    await view.get_by_test_id("step-note").fill("门口无异常")
    await view.get_by_test_id("step-done").click()
    await expect(view).to_have_attribute("data-done", "true")
    await expect(view.get_by_test_id("step-mark")).to_contain_text("门口无异常")
    await screenshot(page, "console-detail-steps")

    # call_contact is required and open: the resolve dialog asks why.
    await detail.get_by_test_id("resolve-button").click()
    dialog = page.get_by_test_id("dialog-resolve")
    await expect(dialog.get_by_test_id("resolve-steps")).to_be_visible()
    await expect(dialog.get_by_test_id("resolve-steps")).to_contain_text("联系单位负责人")
    await dialog.get_by_test_id("disposition-genuine").check()
    await dialog.get_by_test_id("resolve-confirm").click()
    await expect(dialog).to_be_visible()  # the reason is required
    await dialog.get_by_test_id("resolve-steps-reason").fill("单位电话无人接听，民警已到场")
    await dialog.get_by_test_id("resolve-confirm").click()
    await expect(detail.get_by_test_id("closed-notice")).to_be_visible(timeout=5_000)
    reason = await fetch_value(
        hub.settings.database_url or "", "SELECT reason FROM incident_timeline WHERE action = 'steps_skipped'"
    )
    assert reason == "call_contact: 单位电话无人接听，民警已到场"


async def test_the_officer_app_shows_the_officers_own_steps(
    hub: HubUnderTest,
    device_link: DeviceLink,
    phone: Page,  # noqa: F811 (the fixture imported above)
) -> None:
    await sign_in_and_on(phone, hub)
    incident_id = await open_incident(hub, device_link)
    await hub.running.lifecycle.dispatch(incident_id, "user:zhang", "o1")
    card = phone.get_by_test_id("alert-layer").get_by_test_id("dispatch-card")
    steps = card.get_by_test_id("officer-steps")
    await expect(steps).to_be_visible(timeout=5_000)
    await expect(steps.get_by_test_id("officer-step")).to_have_count(1)  # only the officer's: not the desk's
    await expect(steps.get_by_test_id("officer-step")).to_have_text("○ 与保安确认")
