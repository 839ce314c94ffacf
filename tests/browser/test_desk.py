"""The duty desk at 3 a.m. in a real browser: an alarm bar no view can hide and `A` for the newest
alarm; a lost link that sounds; the detail in the order the desk needs it; a resolve that makes the
operator choose; and every view at 1366×768 and 1920×1080 in both languages with no number cut
short and no untranslated word in the Mandarin timeline and officer app (screenshots kept in
tests/artifacts/desk-*)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, Route, WebSocketRoute, expect

from devices.link import DeviceLink
from hub.adapters.postgres.accounts import accounts_service
from hub.config import Settings
from simulators.districts import write_district
from tests.browser.conftest import centre_of, screenshot
from tests.browser.test_console import SIZES, press_button, row_at, sign_in, signed_in_with_alarm
from tests.browser.test_console_screenshots import build_scene, scene_settings
from tests.integration.conftest import HubUnderTest, create_user, eventually, fetch_value, running_hub


@pytest.fixture
def district_file(tmp_path: Path) -> Path:
    # The desk acknowledges and dispatches by hand in these tests.
    return write_district(tmp_path / "district.yaml", auto_dispatch=[])


def bar(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("alarm-overlay")


async def ready_to_acknowledge(page: Page) -> None:
    """The alarm the bar names has been there long enough (half a second) for the bar or `A` to take it."""
    await expect(bar(page).get_by_test_id("alarm-overlay-ack")).to_be_enabled()


async def incident_at(hub: HubUnderTest, site: str) -> int:
    db = hub.db
    found = await eventually(
        lambda: fetch_value(db, "SELECT id FROM incidents WHERE site_id = $1 ORDER BY id DESC LIMIT 1", site)
    )
    return int(found)  # type: ignore[arg-type]


async def detail_of_new_alarm(page: Page, hub: HubUnderTest, device_link: DeviceLink, site: str) -> int:
    """A press at `site`, and its incident's detail open in the signed-in console: the incident's id."""
    await press_button(hub, device_link, site, f"btn-{site[-2:]}-0")
    incident = await incident_at(hub, site)
    await page.goto(f"{hub.http}/#/incident/{incident}")
    await expect(page.get_by_test_id("ack-button")).to_be_visible()
    return incident


async def keep_the_alarm_bar_up(hub: HubUnderTest, device_link: DeviceLink) -> None:
    """An alarm at site-07 left unacknowledged: the alarm bar stays when the test's own alarm is acknowledged,
    so the page does not shift under the pointer."""
    await press_button(hub, device_link, "site-07", "btn-07-0")
    await incident_at(hub, "site-07")


async def test_the_alarm_bar_follows_the_desk_to_every_view_and_A_acknowledges_the_newest_alarm(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await sign_in(page, hub)
    await press_button(hub, device_link, "site-01", "btn-01-0")
    await expect(bar(page)).to_be_visible(timeout=2_000)
    await expect(bar(page)).to_contain_text("测试银行01")
    first = await incident_at(hub, "site-01")
    await press_button(hub, device_link, "site-02", "btn-02-0")
    await expect(bar(page)).to_contain_text("测试银行02", timeout=2_000)
    await expect(bar(page).get_by_test_id("alarm-overlay-more")).to_contain_text("1")
    second = await incident_at(hub, "site-02")

    # The detail of the older alarm is open (its row selected): `A` still takes the newest.
    await row_at(page, "site-01").click()
    await expect(page.get_by_test_id("incident-detail")).to_be_visible()
    await expect(bar(page)).to_have_attribute("data-incident-id", str(second))
    await page.locator("body").click(position={"x": 5, "y": 740})
    await ready_to_acknowledge(page)
    await page.keyboard.press("a")
    await expect(row_at(page, "site-02")).to_have_attribute("data-unacked", "false")
    await expect(page.get_by_test_id("toast").filter(has_text="已确认：紧急报警 · 测试银行02")).to_be_visible()
    await expect(row_at(page, "site-01")).to_have_attribute("data-unacked", "true")
    await expect(bar(page)).to_have_attribute("data-incident-id", str(first))
    await screenshot(page, "desk-alarm-bar-detail")

    # On a patrol page the bar is there too, and `A` works from there.
    await page.get_by_test_id("nav-patrol").click()
    await expect(page.get_by_test_id("view-patrol")).to_be_visible()
    await expect(bar(page)).to_be_visible()
    await expect(bar(page)).to_contain_text("测试银行01")
    await screenshot(page, "desk-alarm-bar-patrol")

    # One incident closes as another opens: the number waiting stays 1, the bar names the new one.
    await asyncio.gather(
        hub.running.lifecycle.cancel(first, "test", "误按"),
        press_button(hub, device_link, "site-03", "btn-03-0"),
    )
    await expect(bar(page)).to_contain_text("测试银行03", timeout=3_000)
    await expect(page.get_by_test_id("unacked-count-value")).to_have_text("1")
    await page.locator("body").click(position={"x": 5, "y": 740})
    await ready_to_acknowledge(page)
    await page.keyboard.press("A")
    await expect(bar(page)).to_be_hidden()
    assert await fetch_value(
        hub.settings.database_url,  # type: ignore[arg-type]
        "SELECT acknowledged_at IS NOT NULL FROM incidents WHERE site_id = 'site-03'",
    )

    # The board: the bar goes with the last alarm acknowledged; a P3 raises none.
    await page.get_by_test_id("nav-board").click()
    await expect(bar(page)).to_be_hidden()


async def test_acknowledging_what_someone_else_acknowledged_says_who_and_when(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    held: list[str | bytes] = []
    holding = False

    def through_unless_held(route: WebSocketRoute) -> None:
        # The page must not hear of wei's acknowledgement before its own click, or there is no
        # stale button to click: the hub's frames are held while the test says so.
        server = route.connect_to_server()
        server.on_message(lambda message: held.append(message) if holding else route.send(message))

    await page.route_web_socket("**/api/v1/stream", through_unless_held)
    await sign_in(page, hub)
    incident = await detail_of_new_alarm(page, hub, device_link, "site-04")
    ack = page.get_by_test_id("ack-button")
    assert hub.settings.database_url
    await create_user(hub.settings.database_url, "wei", "correct horse", "duty")
    holding = True
    await hub.running.lifecycle.acknowledge(incident, "user:wei")
    await ack.click()
    error = page.get_by_test_id("toast").filter(has_text="已由 wei 于")
    await expect(error.first).to_be_visible(timeout=3_000)
    await expect(error.first).to_contain_text("确认")
    await expect(page.get_by_test_id("acked-mark")).to_be_visible()  # the refusal reloaded the detail


async def test_a_click_pressed_as_the_detail_changes_is_not_lost(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await sign_in(page, hub)
    await keep_the_alarm_bar_up(hub, device_link)
    incident = await detail_of_new_alarm(page, hub, device_link, "site-09")
    assert hub.settings.database_url
    await create_user(hub.settings.database_url, "wei", "correct horse", "duty")
    x, y = await centre_of(page.get_by_test_id("ack-button"))
    await page.mouse.move(x, y)
    await page.mouse.down()
    # While the button is pressed, wei acknowledges: the live update reloads the detail.
    reloaded = f"/api/v1/incidents/{incident}"
    async with page.expect_response(lambda r: r.url.endswith(reloaded) and r.request.method == "GET"):
        await hub.running.lifecycle.acknowledge(incident, "user:wei")
    await page.wait_for_timeout(200)  # time to draw it
    await page.mouse.up()
    # The click happened (on the button as it was pressed), and says who was first.
    await expect(page.get_by_test_id("toast").filter(has_text="已由 wei 于")).to_be_visible()
    await expect(page.get_by_test_id("acked-mark")).to_be_visible()


async def test_a_double_click_on_acknowledge_dispatches_no_one(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await sign_in(page, hub)
    await keep_the_alarm_bar_up(hub, device_link)
    incident = await detail_of_new_alarm(page, hub, device_link, "site-06")
    ack = page.get_by_test_id("ack-button")
    await expect(page.get_by_test_id("dispatch-button")).to_be_enabled()
    x, y = await centre_of(ack)

    await page.mouse.click(x, y)
    await expect(page.get_by_test_id("acked-mark")).to_be_visible()
    # The hand's second click, after the hub has answered the first: it lands where the button was.
    await page.mouse.click(x, y)
    await page.wait_for_timeout(1_000)  # a dispatch it started would have been answered by now
    assert hub.settings.database_url
    dispatches = await fetch_value(
        hub.settings.database_url, "SELECT count(*) FROM dispatches WHERE incident_id = $1", incident
    )
    assert dispatches == 0
    await expect(page.get_by_test_id("dispatch-button")).to_be_enabled()


async def test_an_action_the_hub_never_answers_gives_the_buttons_back_and_says_it_may_not_be_done(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await page.clock.install()  # the page's timers, to be moved on 16 s at once
    await sign_in(page, hub)
    await detail_of_new_alarm(page, hub, device_link, "site-08")
    ack = page.get_by_test_id("ack-button")

    held: list[Route] = []
    await page.route(
        "**/api/v1/incidents/*/ack", lambda route: held.append(route)
    )  # a frozen hub: the request is never answered
    await ack.click()
    await expect(ack).to_be_disabled()
    assert len(held) == 1
    await page.clock.fast_forward(16_000)
    await expect(page.get_by_test_id("toast").filter(has_text="中心 15 秒未答复：可能未办成")).to_be_visible()
    await expect(ack).to_be_enabled()  # the desk can act again

    await page.unroute("**/api/v1/incidents/*/ack")
    await ack.click()
    await expect(page.get_by_test_id("acked-mark")).to_be_visible()


async def test_losing_the_link_to_the_hub_sounds_its_own_alarm(hub_settings: Settings, page: Page) -> None:
    async with running_hub(hub_settings) as hub:
        await sign_in(page, hub)
        await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-state", "on")
        played = await page.evaluate("() => window.sentinelConsole.played().map((p) => p.pattern)")
        assert "link" not in played
    # The hub has stopped: the banner and a sound of its own, not the alarm's.
    await expect(page.get_by_test_id("disconnected-banner")).to_be_visible(timeout=5_000)
    await expect(page.get_by_test_id("sound-toggle")).to_have_attribute("data-link", "lost")
    link_sounded = "() => window.sentinelConsole.played().some((p) => p.pattern === 'link')"
    await page.wait_for_function(link_sounded, timeout=5_000)
    patterns = await page.evaluate("() => window.sentinelConsole.played().map((p) => p.pattern)")
    assert set(patterns) == {"link"}, patterns  # nothing unacknowledged: only the link alarm


async def test_the_detail_reads_in_priority_order_and_folds_the_media(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    row = await signed_in_with_alarm(page, hub, device_link, "site-05")

    async def with_media(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        common = {"device_id": "cam-05", "created_at": body["created_at"]}
        snapshots = [{"id": i, "kind": "snapshot", "state": "stored", "url": "/static/missing.jpg"} for i in range(8)]
        clips = [
            {"id": 20, "kind": "clip", "state": "stored", "url": "/api/v1/media/999999"},
            {"id": 21, "kind": "clip", "state": "failed", "url": None, "error": "HTTP 404"},
        ]
        body["media"] = [{**m, **common} for m in snapshots + clips]
        await route.fulfill(response=response, json=body)

    await page.route(re.compile(r".*/api/v1/incidents/\d+$"), with_media)
    await row.click()
    detail = page.get_by_test_id("incident-detail")
    await expect(detail.get_by_test_id("media")).to_be_visible()
    order = await detail.evaluate(
        "(d) => Array.from(d.querySelectorAll('[data-testid]')).map((n) => n.getAttribute('data-testid'))"
    )
    wanted = ["detail-actions", "site-card", "dispatch-panel", "media", "timeline-section"]
    assert [order.index(name) for name in wanted] == sorted(order.index(name) for name in wanted), order
    # The latest snapshot and clip only; the rest behind one click.
    await expect(detail.get_by_test_id("media-snapshot")).to_have_count(1)
    await expect(detail.get_by_test_id("media-clip-error")).to_have_text(re.compile("录像无法播放"), timeout=5_000)
    await detail.get_by_test_id("media-more").click()
    await expect(detail.get_by_test_id("media-snapshot")).to_have_count(8)
    await expect(detail.get_by_test_id("media-missing")).to_have_text("获取失败：HTTP 404")
    await expect(detail).not_to_contain_text("正在获取")
    await page.unroute_all(behavior="ignoreErrors")

    # Resolving: nothing is chosen for the operator.
    await detail.get_by_test_id("resolve-button").click()
    dialog = page.get_by_test_id("dialog-resolve")
    await expect(dialog.locator("input[name=disposition]:checked")).to_have_count(0)
    await dialog.get_by_test_id("resolve-confirm").click()
    await expect(dialog).to_be_visible()  # refused until a disposition is chosen
    await dialog.get_by_test_id("disposition-false_alarm").check()
    await dialog.get_by_test_id("resolve-confirm").click()
    await expect(row).to_have_count(0)


# ---- every view: sizes, languages, words -----------------------------------------------------------

# Latin words allowed in the Mandarin console: priorities, the brand, the language switch, keys,
# units and ids shown beside names on purpose.
ALLOWED_LATIN = re.compile(
    r"^(P[1-4]|Sentinel|English|EN|J|K|A|Enter|Esc|km|m|s|MJPEG|RTSP|ID|"
    r"[a-z0-9]+(?:-[a-z0-9]+)+|#?\d+)$"
)

TEXT_NODES = """(root) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || el.closest('script, style, noscript, template, [hidden], .visually-hidden')) continue;
    const marked = el.closest('[lang]');  // text marked as another language (a bilingual site name) is meant
    if (marked && marked !== document.documentElement && marked.lang.startsWith('en')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const text = node.textContent.trim();
    if (text) texts.push(text);
  }
  return texts;
}"""

SCROLL_TO_TIMELINE = "() => document.querySelector('[data-testid=timeline-section]').scrollIntoView()"

CUT_CELLS = """() => Array.from(document.querySelectorAll(
    '.board td:not(.c-site), .board td.c-site .flags, .board th, .clock-chip, .open-count-value'))
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map((el) => (el.getAttribute('data-testid') || el.className) + ': ' + el.textContent.trim())"""


def latin_words(texts: list[str]) -> list[str]:
    words = {word for text in texts for word in re.findall(r"[A-Za-z][A-Za-z0-9_.:/-]*", text)}
    return sorted(word for word in words if not ALLOWED_LATIN.match(word.rstrip(".:")))


async def untranslated(page: Page, selector: str = "body") -> list[str]:
    return latin_words(await page.locator(selector).evaluate(TEXT_NODES))


@pytest.mark.parametrize("size", list(SIZES))
async def test_every_view_fits_and_speaks_one_language(
    hub_settings: Settings, device_link: DeviceLink, browser: Browser, tmp_path: Path, size: str
) -> None:
    settings = scene_settings(hub_settings, tmp_path)
    context = await browser.new_context(viewport=SIZES[size], locale="zh-CN")  # type: ignore[arg-type]
    shots: list[Path] = []
    try:
        async with running_hub(settings) as hub:
            assert hub.settings.database_url
            async with accounts_service(hub.settings.database_url) as accounts:  # the desk's names, not its ids
                await accounts.create_user("zhang", "correct horse", "duty", "test", display_name="张伟")
            ids = await build_scene(hub, device_link)
            # The desk opens one itself from patrol: acknowledged by its author, not ringing.
            await hub.running.lifecycle.cancel(ids["petrol"], "user:zhang", "误报")
            page = await context.new_page()
            await sign_in(page, hub, "huang", "supervisor")
            await expect(page.get_by_test_id("incident-row")).to_have_count(5, timeout=10_000)
            patrol_incident = await page.evaluate(
                """() => fetch('/api/v1/incidents', {method: 'POST', headers: {'Content-Type':
                'application/json', 'X-CSRF-Token': window.sentinelConsole.store.session.csrf_token},
                body: JSON.stringify({site_id: 'petrol-sinopec-cym', kind: 'patrol_observation', priority: 2,
                note: '加油区有人徘徊'})}).then((r) => r.json())"""
            )
            # A drill: on the board, muted, never in the alarm bar nor the count waiting.
            await press_button(hub, device_link, "school-drill", "btn-school-drill-gate")
            drill = row_at(page, "school-drill")
            await expect(drill).to_have_attribute("data-test", "true", timeout=3_000)
            await expect(drill.get_by_test_id("test-badge")).to_have_text("演练")
            await expect(drill).to_have_attribute("data-unacked", "false")
            await expect(drill.get_by_test_id("clock-ack")).to_have_attribute("data-level", "idle")
            await expect(page.get_by_test_id("alarm-overlay")).not_to_contain_text("东城职业学校")
            opened = row_at(page, "petrol-sinopec-cym")
            await expect(opened).to_be_visible(timeout=3_000)
            await expect(opened).to_have_attribute("data-unacked", "false")
            assert patrol_incident["incident"]["acknowledged_at"], patrol_incident
            await expect(row_at(page, "school-shiyan").get_by_test_id("escalated-flag")).to_be_visible(timeout=10_000)
            # The clocks read against the target: time left, or time over.
            await expect(row_at(page, "school-shiyan").get_by_test_id("clock-ack")).to_contain_text("超")
            await expect(row_at(page, "hospital-renmin").get_by_test_id("clock-arrival")).to_contain_text(
                re.compile("剩|超")
            )
            # A dispatched incident with a route reason, an escalation and a drill on the board.
            await page.mouse.move(0, 0)
            for lang in ("zh", "en"):
                if lang == "en":
                    await page.get_by_test_id("lang-toggle").click()
                    await page.get_by_test_id("nav-board").click()
                assert await page.evaluate(CUT_CELLS) == [], f"cut short on the board ({lang}, {size})"
                shots.append(await screenshot(page, f"desk-board-{lang}-{size}"))
                for name, incident in (("school", ids["school"]), ("bank", ids["bank"]), ("hospital", ids["hospital"])):
                    await page.goto(f"{hub.http}/#/incident/{incident}")
                    detail = page.get_by_test_id("incident-detail")
                    await expect(detail.get_by_test_id("timeline-entry").first).to_be_visible()
                    assert await page.evaluate(CUT_CELLS) == [], f"cut short with the detail open ({lang}, {size})"
                    if lang == "zh":
                        assert await untranslated(page, "#detail") == [], f"English in the zh detail of {name}"
                    shots.append(await screenshot(page, f"desk-detail-{name}-{lang}-{size}"))
                    await page.evaluate(SCROLL_TO_TIMELINE)
                    shots.append(await screenshot(page, f"desk-timeline-{name}-{lang}-{size}"))
                for view in ("patrol", "map", "devices", "roster", "supervision"):
                    await page.get_by_test_id(f"nav-{view}").click()
                    await expect(page.get_by_test_id(f"view-{view}")).to_be_visible()
                    await page.wait_for_timeout(300)
                    shots.append(await screenshot(page, f"desk-{view}-{lang}-{size}"))
            school = await page.request.get(f"{hub.http}/api/v1/incidents/{ids['school']}")
            codes = {entry["reason_code"] for entry in (await school.json())["timeline"]}
            assert {"opened_by_device", "escalated"} <= codes, codes
    finally:
        await context.close()
    print("\nscreenshots:", *shots, sep="\n  ")


async def test_the_officer_app_in_mandarin_has_no_untranslated_word(
    hub: HubUnderTest, device_link: DeviceLink, browser: Browser
) -> None:
    from tests.browser.test_officer_app import phone_context, sign_in_and_on

    context = await phone_context(browser)
    try:
        page = await context.new_page()
        await sign_in_and_on(page, hub)
        assert hub.settings.database_url
        await fetch_value(hub.settings.database_url, "UPDATE users SET display_name = '李警官' WHERE username = 'li'")
        await page.reload()
        await expect(page.get_by_test_id("officer-name")).to_have_text("李警官")
        response = await page.request.post(
            f"{hub.http}/api/v1/incidents",
            headers=hub.headers,
            data={"site_id": "site-01", "kind": "patrol_observation", "priority": 1, "note": "围墙边有人"},
        )
        assert response.ok, await response.text()
        incident = (await response.json())["incident"]["id"]
        await hub.running.lifecycle.dispatch(int(incident), "user:test", "o1")
        await expect(page.get_by_test_id("kind")).to_have_text("巡查发现", timeout=5_000)
        words = await untranslated(page)
        assert words == [], words
        await screenshot(page, "desk-officer-dispatch-zh")
    finally:
        await context.close()
