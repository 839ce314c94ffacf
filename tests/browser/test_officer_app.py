"""The officer app on a phone-sized screen: sign in, sign on, a press becomes a full-screen dispatch,
the officer goes through accept, en route, on scene and resolved; a dispatch the desk gives someone
else disappears; a lost link shows and heals; the app speaks English on request."""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from playwright.async_api import Browser, BrowserContext, Locator, Page, Route, WebSocketRoute, expect

from devices.link import DeviceLink
from simulators.button import ButtonRef, press
from simulators.districts import save_district, synthetic_district
from tests.browser.conftest import centre_of, fill_sign_in, screenshot
from tests.integration.conftest import HubUnderTest, eventually, fetch_value

PHONE = {"width": 390, "height": 844}
HERE = {"latitude": 39.9052, "longitude": 116.4071}  # about 700 m from site-01
SITE = ButtonRef("site-01", "btn-01-0")  # grid g1, whose officer is o1


@pytest.fixture
def district_file(tmp_path: Path) -> Path:
    """The test district, with an address and a contact at site-01 as a real site card has."""
    district = synthetic_district()
    for site in district["sites"]:
        if site["id"] == SITE.site:
            site["address"] = "东城区东四北大街 107 号"
            site["contact"] = {"name": "王经理", "phone": "010-6400 1001"}
    return save_district(tmp_path / "district.yaml", district)


async def phone_context(browser: Browser, color_scheme: str = "light") -> BrowserContext:
    return await browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        color_scheme=color_scheme,  # type: ignore[arg-type]
        geolocation=HERE,
        permissions=["geolocation", "notifications"],
    )


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await phone_context(browser)
    page = await context.new_page()
    errors = watch_errors(page)
    yield page
    await context.close()
    assert errors == []


def watch_errors(page: Page) -> list[str]:
    """Uncaught script errors on the page: a test fails on any."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


async def sign_in_and_on(page: Page, hub: HubUnderTest, username: str = "li") -> None:
    """Log in at /login as officer o1, land on /officer, sign on."""
    await fill_sign_in(page, hub, username, "officer", start="/login", officer_id="o1")
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{hub.http}/officer")
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live")
    await expect(page.get_by_test_id("officer-name")).to_have_text(username)
    await page.get_by_test_id("duty-toggle").click()
    await expect(page.get_by_test_id("duty-toggle")).to_have_attribute("aria-checked", "true")
    await expect(page.get_by_test_id("duty-toggle")).to_have_attribute("data-state", "on")


async def press_and_see_offer(page: Page, hub: HubUnderTest, device_link: DeviceLink) -> Locator:
    await asyncio.to_thread(press, device_link, hub.topics, SITE)
    card = page.get_by_test_id("alert-layer").get_by_test_id("dispatch-card")
    await expect(card).to_be_visible(timeout=2_000)
    return card


@pytest.fixture
async def offered(hub: HubUnderTest, device_link: DeviceLink, phone: Page) -> Locator:
    """Officer o1 signed in on the phone and on duty, with a dispatch just offered: its card."""
    await sign_in_and_on(phone, hub)
    return await press_and_see_offer(phone, hub, device_link)


async def test_a_reply_the_hub_never_answers_gives_the_buttons_back_and_checks_the_dispatch(
    hub: HubUnderTest, device_link: DeviceLink, phone: Page
) -> None:
    await phone.clock.install()  # the page's timers, to be moved on 16 s at once
    await sign_in_and_on(phone, hub)
    card = await press_and_see_offer(phone, hub, device_link)
    held: list[Route] = []
    await phone.route(
        "**/api/v1/me/dispatches/*/reply", lambda route: held.append(route)
    )  # a frozen hub: never answered
    await card.get_by_test_id("accept").click()
    await expect(card.get_by_test_id("accept")).to_be_disabled()
    assert len(held) == 1
    await phone.clock.fast_forward(16_000)
    await expect(phone.get_by_test_id("toasts")).to_contain_text("中心未答复：正在核对任务状态")
    await expect(card.get_by_test_id("accept")).to_be_enabled()

    await phone.unroute("**/api/v1/me/dispatches/*/reply")
    await card.get_by_test_id("accept").click()
    mine = phone.get_by_test_id("active-list").get_by_test_id("dispatch-card")
    await expect(mine).to_have_attribute("data-state", "accepted")


async def test_a_double_tap_on_en_route_does_not_report_on_scene(
    hub: HubUnderTest, device_link: DeviceLink, offered: Locator
) -> None:
    page = offered.page
    await offered.get_by_test_id("accept").click()
    mine = page.get_by_test_id("active-list").get_by_test_id("dispatch-card")
    step = mine.get_by_test_id("en-route")
    await expect(step).to_be_enabled()
    x, y = await centre_of(step)

    await page.touchscreen.tap(x, y)
    await expect(mine).to_have_attribute("data-state", "en_route")
    # The second tap lands on the same button, which now says "on scene": it is not armed yet.
    await page.touchscreen.tap(x, y)
    await page.wait_for_timeout(1_000)  # a reply it sent would have been answered by now
    assert hub.settings.database_url
    state = await fetch_value(hub.settings.database_url, "SELECT state FROM dispatches WHERE officer_id = 'o1'")
    assert state == "en_route"
    await expect(mine).to_have_attribute("data-state", "en_route")
    await expect(mine.get_by_test_id("on-scene")).to_be_enabled()  # armed a moment later


async def test_an_officer_takes_a_dispatch_from_the_alarm_to_resolved(
    hub: HubUnderTest, device_link: DeviceLink, phone: Page
) -> None:
    db = hub.db
    page = phone
    await sign_in_and_on(page, hub)
    await expect(page.get_by_test_id("location-status")).to_have_attribute("data-state", "ok")
    await expect(page.get_by_test_id("sound-status")).to_have_attribute("data-state", "on")  # unlocked by the tap
    await expect(page.get_by_test_id("active-empty")).to_be_visible()
    await screenshot(page, "officer-on-duty")

    card = await press_and_see_offer(page, hub, device_link)
    await expect(card.get_by_test_id("site-name")).to_have_text("测试银行01")
    await expect(card.get_by_test_id("kind")).to_have_text("紧急报警")
    await expect(card.get_by_test_id("priority")).to_have_text("P1")
    await expect(card.get_by_test_id("address")).to_contain_text("东四北大街")
    await expect(card.get_by_test_id("contact-call")).to_have_attribute("href", "tel:01064001001")
    await expect(card.get_by_test_id("navigate")).to_have_attribute("href", "geo:39.901,116.401?q=39.901,116.401")
    await expect(card.get_by_test_id("countdown")).to_contain_text("秒内接警")
    await expect(card.get_by_test_id("snapshot")).to_be_hidden()  # no snapshot_url: no empty image
    await expect(page.locator("body")).to_have_attribute("data-alarm", "sounding")
    await screenshot(page, "officer-dispatch")

    await card.get_by_test_id("accept").click()
    await expect(page.get_by_test_id("alert-layer")).to_be_hidden()
    await expect(page.locator("body")).to_have_attribute("data-alarm", "off")
    mine = page.get_by_test_id("active-list").get_by_test_id("dispatch-card")
    await expect(mine).to_have_attribute("data-state", "accepted")
    await expect(mine.get_by_test_id("sharing-location")).to_have_attribute("data-state", "on")
    await screenshot(page, "officer-accepted")

    await mine.get_by_test_id("en-route").click()
    await expect(mine).to_have_attribute("data-state", "en_route")
    await expect(mine.get_by_test_id("on-scene")).to_be_enabled()
    await screenshot(page, "officer-en-route")
    await mine.get_by_test_id("on-scene").click()
    await expect(mine).to_have_attribute("data-state", "on_scene")

    await mine.get_by_test_id("resolve").click()  # without an outcome: refused on the page
    await expect(mine.get_by_role("alert")).to_have_text("请选择处置结果。")
    await mine.get_by_test_id("disposition").select_option("false_alarm")
    await mine.get_by_test_id("resolve-note").fill("保安误按，现场无异常")
    await mine.get_by_test_id("resolve").scroll_into_view_if_needed()
    await screenshot(page, "officer-on-scene")
    await mine.get_by_test_id("resolve").click()

    await expect(mine).to_have_count(0)
    await expect(page.get_by_test_id("toasts")).to_contain_text("警情已处置完毕")
    await expect(page.get_by_test_id("history-item").first).to_contain_text("已处置")
    await screenshot(page, "officer-resolved")

    incident = await fetch_value(
        db,
        "SELECT json_build_object('state', state, 'accepted', accepted_at IS NOT NULL,"
        " 'on_scene', on_scene_at IS NOT NULL, 'disposition', disposition, 'note', resolution_note)"
        " FROM incidents WHERE site_id = $1",
        SITE.site,
    )
    assert yaml.safe_load(str(incident)) == {
        "state": "resolved",
        "accepted": True,
        "on_scene": True,
        "disposition": "false_alarm",
        "note": "保安误按，现场无异常",
    }
    where = await eventually(
        lambda: fetch_value(db, "SELECT array[lat, lon] FROM officer_presence WHERE officer_id = 'o1'")
    )
    assert where == [pytest.approx(HERE["latitude"]), pytest.approx(HERE["longitude"])]
    actors = await fetch_value(
        db,
        "SELECT array_agg(action || '@' || actor ORDER BY id) FROM incident_timeline WHERE incident_id ="
        " (SELECT id FROM incidents WHERE site_id = $1)",
        SITE.site,
    )
    assert actors[-4:] == ["accept@user:li", "en_route@user:li", "on_scene@user:li", "resolve@user:li"]  # type: ignore[index]


async def test_a_dispatch_the_desk_gives_to_another_officer_leaves_the_screen(
    hub: HubUnderTest, phone: Page, offered: Locator
) -> None:
    page, card = phone, offered
    incident_id = await card.get_attribute("data-incident-id")
    assert incident_id

    await hub.running.lifecycle.dispatch(int(incident_id), "user:test", "o3")

    await expect(page.get_by_test_id("dispatch-card")).to_have_count(0)
    await expect(page.get_by_test_id("alert-layer")).to_be_hidden()
    await expect(page.locator("body")).to_have_attribute("data-alarm", "off")
    await expect(page.get_by_test_id("toasts")).to_contain_text("改派给其他警员")
    await expect(page.get_by_test_id("history-item").first).to_contain_text("已改派")
    await screenshot(page, "officer-withdrawn")
    # A long (English) site name in the list shows whole on two lines, not cut after a dozen letters.
    site = page.get_by_test_id("history-item").first.locator(".history-site")
    await site.evaluate("(el) => { el.textContent = 'Dongsi Experimental Primary School'; }")
    fits = "(el) => el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1"
    assert await site.evaluate(fits)


async def test_declining_asks_for_a_reason_and_hands_the_dispatch_on(
    hub: HubUnderTest, phone: Page, offered: Locator
) -> None:
    page = phone
    await offered.get_by_test_id("decline").click()
    sheet = page.get_by_test_id("decline-sheet")
    await expect(sheet).to_be_visible()
    await page.get_by_test_id("decline-confirm").click()  # no reason yet
    await expect(sheet.get_by_role("alert")).to_be_visible()
    await sheet.get_by_text("正在处置其他警情").click()
    await page.get_by_test_id("decline-note").fill("在东四处置纠纷")
    await screenshot(page, "officer-decline")
    await page.get_by_test_id("decline-confirm").click()

    await expect(page.get_by_test_id("dispatch-card")).to_have_count(0)
    await expect(page.get_by_test_id("toasts")).to_contain_text("已拒绝")
    note = await fetch_value(hub.db, "SELECT note FROM dispatches WHERE officer_id = 'o1'")
    assert note == "正在处置其他警情 — 在东四处置纠纷"
    assert await fetch_value(hub.db, "SELECT officer_id FROM dispatches WHERE state = 'offered'") == "sup"


async def test_the_app_switches_to_english_and_remembers_it(
    hub: HubUnderTest, device_link: DeviceLink, browser: Browser
) -> None:
    context = await phone_context(browser, color_scheme="dark")
    try:
        page = await context.new_page()
        errors = watch_errors(page)
        await sign_in_and_on(page, hub)
        await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

        await page.get_by_test_id("lang-toggle").click()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_test_id("duty-toggle")).to_contain_text("On duty")
        await expect(page.get_by_text("Active dispatches")).to_be_visible()

        await page.reload()
        await expect(page.locator("html")).to_have_attribute("lang", "en")
        await expect(page.get_by_test_id("connection-status")).to_have_text("Live")
        # Still signed on after the reload, in English.
        await expect(page.get_by_test_id("duty-toggle")).to_have_attribute("aria-checked", "true")

        card = await press_and_see_offer(page, hub, device_link)
        await expect(card.get_by_test_id("site-name")).to_have_text("Test Bank 01")
        await expect(card.get_by_test_id("kind")).to_have_text("Panic alarm")
        await expect(card.get_by_test_id("countdown")).to_contain_text("Accept within")
        await expect(card.get_by_test_id("accept")).to_have_text("Accept")
        await screenshot(page, "officer-dispatch-en-dark")
        await card.get_by_test_id("accept").click()
        mine = page.get_by_test_id("active-list").get_by_test_id("dispatch-card")
        await expect(mine.get_by_test_id("en-route")).to_have_text("En route")
        await screenshot(page, "officer-accepted-en-dark")
        assert errors == []
    finally:
        await context.close()


def snapshot_png(width: int = 320, height: int = 180) -> str:
    """A camera-like picture (a dim scene with a lit doorway) as a data: URI, made with the standard
    library: the page shows snapshots from the hub or inline only."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            shade = 40 + (x * 60) // width + (y * 30) // height
            lit = 120 <= x < 190 and 50 <= y < 160
            row += bytes((shade + 110, shade + 100, shade + 70) if lit else (shade, shade + 6, shade + 12))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(png).decode()


async def test_a_dispatch_with_a_snapshot_shows_it(hub: HubUnderTest, device_link: DeviceLink, phone: Page) -> None:
    snapshot = snapshot_png()

    def with_snapshot(route: WebSocketRoute) -> None:
        # The hub's dispatches carry no snapshot_url yet: add one on the way to the page.
        server = route.connect_to_server()

        def to_page(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame.get("type") == "dispatch":
                frame["dispatch"]["snapshot_url"] = snapshot
            route.send(json.dumps(frame))

        server.on_message(to_page)

    await phone.route_web_socket("**/api/v1/me/stream", with_snapshot)
    await sign_in_and_on(phone, hub)
    card = await press_and_see_offer(phone, hub, device_link)

    image = card.get_by_test_id("snapshot").locator("img")
    await expect(image).to_be_visible()
    await expect(image).to_have_attribute("src", snapshot)
    assert await image.evaluate("img => img.naturalWidth") == 320
    await card.get_by_test_id("snapshot").scroll_into_view_if_needed()
    await screenshot(phone, "officer-dispatch-snapshot")


async def test_a_lost_link_shows_a_banner_and_heals(hub: HubUnderTest, device_link: DeviceLink, phone: Page) -> None:
    links: list[WebSocketRoute] = []

    def through(route: WebSocketRoute) -> None:
        route.connect_to_server()
        links.append(route)

    await phone.route_web_socket("**/api/v1/me/stream", through)
    await sign_in_and_on(phone, hub)
    banner = phone.get_by_test_id("disconnected-banner")
    await expect(banner).to_be_hidden()

    await links[-1].close(code=1001, reason="gone")
    await expect(banner).to_be_visible()
    await expect(phone.get_by_test_id("connection-status")).to_have_attribute("data-state", "disconnected")
    await screenshot(phone, "officer-disconnected")

    # It reconnects by itself (after 1 s), and the new link carries dispatches again.
    await expect(phone.get_by_test_id("connection-status")).to_have_attribute("data-state", "live")
    await expect(banner).to_be_hidden()
    assert len(links) == 2
    await press_and_see_offer(phone, hub, device_link)


async def test_an_officer_on_the_way_warns_on_the_site_loudspeaker_with_one_tap(
    hub: HubUnderTest, phone: Page, offered: Locator
) -> None:
    page = phone
    await offered.get_by_test_id("accept").click()
    active = page.get_by_test_id("dispatch-card").first
    await expect(active).to_have_attribute("data-state", "accepted")
    await active.get_by_test_id("warn-panel").locator("summary").click()
    await active.get_by_test_id("warn-message").first.click()
    await expect(page.get_by_test_id("toasts")).to_contain_text("喊话已发送")
    await screenshot(page, "officer-warn")
    row = await fetch_value(hub.db, "SELECT row(speaker_id, message_id, created_by)::text FROM warnings")
    assert row == "(spk-01,leave-now,user:li)"
    assert await fetch_value(hub.db, "SELECT count(*) FROM incident_timeline WHERE action = 'warning'") == 1


async def test_an_officer_who_opens_the_console_is_told_in_a_page_and_led_back_to_the_app(
    hub: HubUnderTest, phone: Page
) -> None:
    await sign_in_and_on(phone, hub)

    response = await phone.goto(f"{hub.http}/")

    assert response is not None and response.status == 403
    await expect(phone.get_by_test_id("forbidden-heading")).to_have_text("无权访问此页面")
    await expect(phone.get_by_test_id("forbidden-who")).to_have_text("当前登录：li（民警）")
    home = phone.get_by_test_id("forbidden-home")
    await expect(home).to_have_text("返回民警应用")
    await expect(home).to_have_attribute("href", "/officer")
    assert await phone.get_by_test_id("sound-toggle").count() == 0  # the desk's alarm watch is not an officer's
    await screenshot(phone, "officer-refused-console-phone-zh")
    await home.click()
    await phone.wait_for_url(f"{hub.http}/officer")
    await expect(phone.get_by_test_id("connection-status")).to_have_attribute("data-state", "live")
