"""The red alarm bar in a real browser: while an open, non-test P1 or P2 waits for acknowledgement it
is on screen and uncovered on every view (board, detail, patrol, map, devices, roster, handover,
supervision) at 1366×768 and 1920×1080 in both languages — when the alarm came in the first
snapshot, after the link dropped and the console resynced, and after a live frame about another
incident. Screenshots kept in tests/artifacts/alarm-bar-*."""

from __future__ import annotations

from playwright.async_api import Page, expect

from devices.link import DeviceLink
from tests.browser.conftest import centre_of, screenshot
from tests.browser.test_console import SIZES, press_button, row_at, sign_in

# The desk's district (nothing dispatched, so nothing acknowledged, automatically) and helpers.
from tests.browser.test_desk import bar, district_file, incident_at, ready_to_acknowledge  # noqa: F401
from tests.integration.conftest import HubUnderTest, fetch_value

VIEWS = ("board", "patrol", "map", "devices", "roster", "handover", "supervision")

# The console's WebSocket, wrapped so the test can drop the link and keep it down: while `down`, a
# reconnect asks for a stream path the hub does not serve (same origin, so no CSP violation).
DROPPABLE_LINK = """(() => {
  const Native = window.WebSocket;
  const open = [];
  window.__link = {
    down: false,
    drop() { this.down = true; open.splice(0).forEach((ws) => ws.close()); },
    restore() { this.down = false; },
  };
  function Wrapped(url, protocols) {
    const ws = new Native(window.__link.down ? String(url) + "-down" : url, protocols);
    open.push(ws);
    return ws;
  }
  Wrapped.prototype = Native.prototype;
  Object.assign(Wrapped, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = Wrapped;
})()"""

# Why the bar is not seen, or "" when it is: hidden, empty, or covered at its centre or either end.
BAR_UNSEEN = """() => {
  const bar = document.getElementById("alarm-overlay");
  if (!bar || bar.hidden || getComputedStyle(bar).display === "none") return "hidden";
  const r = bar.getBoundingClientRect();
  if (r.width < 1 || r.height < 1 || r.bottom <= 0 || r.top >= innerHeight) return "off screen " + JSON.stringify(r);
  const y = r.top + r.height / 2;
  for (const x of [r.left + 4, r.left + r.width / 2, r.right - 4]) {
    const hit = document.elementFromPoint(x, y);
    const by = hit ? hit.outerHTML.slice(0, 80) : "nothing";
    if (!bar.contains(hit)) return "covered at x=" + Math.round(x) + " by " + by;
  }
  return "";
}"""


async def open_view(page: Page, view: str, incident: int) -> None:
    if view == "detail":
        await page.evaluate("(id) => { window.location.hash = '#/incident/' + id; }", incident)
        await expect(page.get_by_test_id("incident-detail")).to_be_visible()
    else:
        await page.evaluate("(name) => { window.location.hash = '#/' + name; }", view)
        await expect(page.get_by_test_id(f"view-{view}")).to_be_visible()


async def assert_bar_on_every_view(page: Page, incident: int, moment: str, shots: bool = False) -> None:
    """The bar names `incident` and is seen on every view, at both sizes, in both languages."""
    for size, viewport in SIZES.items():
        await page.set_viewport_size(viewport)  # type: ignore[arg-type]
        for lang in ("zh", "en"):
            if await page.evaluate("() => document.documentElement.lang.startsWith('en')") != (lang == "en"):
                await page.get_by_test_id("lang-toggle").click()
            for view in ("board", "detail", *VIEWS[1:]):
                await open_view(page, view, incident)
                await page.wait_for_timeout(100)  # let the view's own render settle over the bar, if it would
                where = f"{moment}, {view}, {lang}, {size}"
                unseen = await page.evaluate(BAR_UNSEEN)
                if unseen and shots:
                    await screenshot(page, f"alarm-bar-missing-{view}-{lang}-{size}")
                assert unseen == "", f"the alarm bar is not seen ({where}): {unseen}"
                assert await bar(page).get_attribute("data-incident-id") == str(incident), where
                if shots and size == "1366x768" and view in ("map", "supervision"):
                    await screenshot(page, f"alarm-bar-{view}-{lang}-{size}")
    await page.set_viewport_size(SIZES["1366x768"])  # type: ignore[arg-type]


async def test_an_alarm_that_waits_in_the_first_snapshot_shows_the_bar_on_every_view(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await press_button(hub, device_link, "site-01", "btn-01-0")
    waiting = await incident_at(hub, "site-01")
    await sign_in(page, hub, "huang", "supervisor")  # supervision is one of the views
    await expect(bar(page)).to_be_visible(timeout=3_000)
    await assert_bar_on_every_view(page, waiting, "first snapshot", shots=True)


async def test_an_alarm_that_came_while_the_link_was_down_shows_the_bar_after_the_resync(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await page.add_init_script(DROPPABLE_LINK)
    await sign_in(page, hub, "huang", "supervisor")
    await press_button(hub, device_link, "site-01", "btn-01-0")
    first = await incident_at(hub, "site-01")
    await expect(bar(page)).to_have_attribute("data-incident-id", str(first), timeout=3_000)
    await page.locator("body").click(position={"x": 5, "y": 740})
    await ready_to_acknowledge(page)
    await page.keyboard.press("a")
    await expect(bar(page)).to_be_hidden(timeout=3_000)

    # The link drops; a P1 comes in while it is down; the console reconnects and reloads the snapshot.
    await page.evaluate("() => window.__link.drop()")
    await expect(page.get_by_test_id("connection-status")).not_to_have_attribute("data-state", "live", timeout=5_000)
    await press_button(hub, device_link, "site-02", "btn-02-0")
    second = await incident_at(hub, "site-02")
    await page.evaluate("() => window.__link.restore()")
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=15_000)
    await expect(row_at(page, "site-02")).to_be_visible()
    await assert_bar_on_every_view(page, second, "after the resync")
    await screenshot(page, "alarm-bar-after-resync")

    # A live frame about another incident (the first closes) leaves the bar where it is.
    await hub.running.lifecycle.cancel(first, "test", "误按")
    await expect(row_at(page, "site-01")).to_have_count(0, timeout=3_000)
    await assert_bar_on_every_view(page, second, "after another incident's frame")


async def acknowledged(hub: HubUnderTest, incident: int) -> bool:
    assert hub.settings.database_url
    return bool(
        await fetch_value(
            hub.settings.database_url, "SELECT acknowledged_at IS NOT NULL FROM incidents WHERE id = $1", incident
        )
    )


async def test_a_double_click_or_a_second_A_does_not_acknowledge_the_alarm_that_took_the_bar_unseen(
    hub: HubUnderTest, device_link: DeviceLink, page: Page
) -> None:
    await sign_in(page, hub)
    incidents = []
    for site in ("site-01", "site-02", "site-03", "site-04"):  # "3 more", "2 more", "1 more": all as wide
        await press_button(hub, device_link, site, f"btn-{site[-2:]}-0")
        incidents.append(await incident_at(hub, site))
    first, second, third, fourth = incidents
    await expect(bar(page)).to_have_attribute("data-incident-id", str(fourth), timeout=3_000)
    await ready_to_acknowledge(page)

    # A double click: the first acknowledges the newest; the second lands on the bar's button as it
    # names the next alarm, which nobody has read yet.
    x, y = await centre_of(bar(page).get_by_test_id("alarm-overlay-ack"))
    await page.mouse.click(x, y)
    await expect(bar(page)).to_have_attribute("data-incident-id", str(third))
    await page.mouse.click(x, y)

    # `A` twice: the second press comes as the bar names the next alarm, and says why it did nothing.
    await page.locator("body").click(position={"x": 5, "y": 740})
    await ready_to_acknowledge(page)
    await page.keyboard.press("a")
    await expect(bar(page)).to_have_attribute("data-incident-id", str(second))
    await page.keyboard.press("a")
    await expect(page.get_by_test_id("toast").filter(has_text="新警情刚到，请看清后再确认")).to_be_visible()

    # A held key: the press acknowledges the alarm read; its repeats, the next one, nothing.
    await ready_to_acknowledge(page)
    await page.keyboard.down("a")
    await expect(bar(page)).to_have_attribute("data-incident-id", str(first))
    await ready_to_acknowledge(page)
    for _ in range(3):
        await page.keyboard.down("a")  # a key already down: the browser's repeats
    await page.keyboard.up("a")

    await page.wait_for_timeout(1_000)  # an acknowledgement sent would have been answered by now
    assert [await acknowledged(hub, incident) for incident in incidents] == [False, True, True, True]
    await expect(bar(page)).to_have_attribute("data-incident-id", str(first))
    await page.keyboard.press("a")  # read by now: a fresh press takes it
    await expect(bar(page)).to_be_hidden()
    assert await acknowledged(hub, first)
