"""The supervisors' reports page in a real browser (Debian's Chromium) on a whole hub whose database
holds a generated history of the demo district: sign in, the month's figures, the language switch,
other periods, the exports; screenshots of the page and of the PDF's first page in tests/artifacts/."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from playwright.async_api import Page, expect

from hub.config import load_district
from simulators.history import generate, patrol_rounds, write
from tests.browser.conftest import ARTIFACTS, fill_sign_in, screenshot
from tests.browser.test_desk import untranslated
from tests.integration.conftest import REPO, HubUnderTest

# Elements of the report whose content does not fit them (cut by overflow, scrolled sideways, or an SVG label
# shortened with "…"), as "tag.class: text".
CUT_TEXT = """() => {
  const cut = [];
  const report = document.getElementById('report');
  for (const node of report.querySelectorAll('*')) {
    const style = getComputedStyle(node);
    if (node instanceof SVGElement) {
      if (node.tagName === 'text' && node.textContent.endsWith('…')) cut.push('svg: ' + node.textContent);
      continue;
    }
    // Cut (hidden or scrolled) or spilling out of its box (a tile's figure over the next tile).
    if (node.clientWidth > 0 && node.scrollWidth > node.clientWidth + 1) {
      cut.push(node.tagName + '.' + node.className + ': ' + node.textContent.slice(0, 60));
    }
  }
  return cut;
}"""
DEMO = REPO / "config" / "demo-district.yaml"


@pytest.fixture
def district_file() -> Path:
    return DEMO


async def fill_history(hub: HubUnderTest) -> None:
    district = load_district(DEMO)
    zone = ZoneInfo(district.timezone)
    start, end = datetime(2026, 9, 20, tzinfo=zone), datetime(2026, 11, 8, tzinfo=zone)
    history = generate(district, start, end, incidents=600, seed=9)
    history.patrol_runs = patrol_rounds(district, start, end)
    assert hub.settings.database_url
    conn = await asyncpg.connect(hub.settings.database_url)
    try:
        await write(conn, history)
    finally:
        await conn.close()


async def sign_in(page: Page, hub: HubUnderTest, path: str) -> None:
    await fill_sign_in(page, hub, "huang", "supervisor", start=path)
    await page.keyboard.press("Enter")
    await page.wait_for_url(re.compile(r".*/reports\?.*"))


async def test_a_supervisor_reads_a_month_switches_language_and_period_and_exports(
    hub: HubUnderTest, page: Page
) -> None:
    await fill_history(hub)
    await sign_in(page, hub, "/reports?period=month&month=2026-10")
    report = page.get_by_test_id("report")
    await expect(report).to_have_attribute("data-period", "2026-10", timeout=10_000)
    answer = await (await page.request.get(f"{hub.http}/api/v1/reports?period=month&month=2026-10")).json()
    totals = answer["totals"]

    await expect(page.get_by_test_id("report-title")).to_contain_text("月报 2026-10")
    await expect(page.get_by_test_id("kpi-incidents")).to_contain_text(str(totals["incidents"]))
    await expect(page.get_by_test_id("test-note")).to_contain_text("不含测试事件")
    await expect(page.get_by_test_id("grid-table").get_by_test_id("grid-row")).to_have_count(len(answer["grids"]))
    await expect(page.get_by_test_id("site-table").get_by_test_id("site-row")).to_have_count(len(answer["sites"]))
    total_row = page.get_by_test_id("grid-table").get_by_test_id("total-row")
    await expect(total_row.get_by_test_id("cell-incidents")).to_have_text(str(totals["incidents"]))
    for step in ("ack", "accept", "arrive"):  # two bars (median, 90th percentile) per grid and the district
        bars = page.get_by_test_id(f"chart-{step}").locator("rect[data-value]")
        await expect(bars).to_have_count(2 * (len(answer["grids"]) + 1))
    drills = page.get_by_test_id("drills-table").get_by_test_id("drill-row")
    await expect(drills).to_have_count(answer["drills"]["summary"]["sites"])
    coverage = answer["patrol_coverage"]
    await expect(page.get_by_test_id("patrol-shifts").get_by_test_id("patrol-row")).to_have_count(62)
    await expect(page.get_by_test_id("patrol-heatmap").get_by_test_id("heat-cell")).to_have_count(62)
    await expect(page.get_by_test_id("patrol-summary")).to_contain_text(
        f"有巡查 {coverage['summary']['shifts_patrolled']} 个"
    )
    assert coverage["summary"]["views"] > 500
    outages = sum(1 for d in answer["availability"]["devices"] if d["outages"])
    await expect(page.get_by_test_id("availability-table").get_by_test_id("availability-row")).to_have_count(outages)
    await expect(page.get_by_test_id("export-pdf")).to_have_attribute(
        "href", "/api/v1/reports.pdf?period=month&month=2026-10"
    )
    await page.wait_for_timeout(200)
    await screenshot(page, "reports")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "reports-full.png"), full_page=True)

    # No two texts of the page overlap (tables, tiles, chart captions).
    overlaps = await page.evaluate(
        """() => {
          const boxes = Array.from(document.querySelectorAll('.tile .value, .tile .label, th, .chart figcaption'))
            .map((n) => n.getBoundingClientRect()).filter((r) => r.width > 0);
          let count = 0;
          for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i], b = boxes[j];
            if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) count++;
          }
          return count;
        }"""
    )
    assert overlaps == 0

    # English, remembered like the console's choice.
    await page.get_by_test_id("lang-toggle").click()
    await expect(page.get_by_test_id("report-title")).to_contain_text("Monthly report 2026-10")
    await expect(page.get_by_test_id("test-note")).to_contain_text("exclude test incidents")
    assert await page.evaluate("localStorage.getItem('sentinel.console.lang')") == "en"
    await page.reload()
    await expect(page.get_by_test_id("report-title")).to_contain_text("Monthly report", timeout=10_000)
    await screenshot(page, "reports-en")

    # Another period from the picker: a custom range, then an ISO week.
    await page.get_by_test_id("period-custom").click()
    await page.get_by_test_id("input-from").fill("2026-10-01")
    await page.get_by_test_id("input-to").fill("2026-10-15")
    await page.get_by_test_id("report-load").click()
    await expect(report).to_have_attribute("data-period", "2026-10-01..2026-10-15")
    assert page.url.endswith("/reports?period=custom&from=2026-10-01&to=2026-10-15")
    await page.get_by_test_id("period-week").click()
    await page.get_by_test_id("input-week").fill("2026-W41")
    await page.get_by_test_id("report-load").click()
    await expect(report).to_have_attribute("data-period", "2026-W41")
    await expect(page.get_by_test_id("export-csv")).to_have_attribute(
        "href", "/api/v1/reports.csv?period=week&week=2026-W41"
    )

    # The exports of the month, as the browser downloads them (with the session's cookie).
    csv_body = await (await page.request.get(f"{hub.http}/api/v1/reports.csv?period=month&month=2026-10")).body()
    assert csv_body.decode("utf-8-sig").startswith("## 报表 Report")
    pdf = await page.request.get(f"{hub.http}/api/v1/reports.pdf?period=month&month=2026-10")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    pdf_path = ARTIFACTS / "reports.pdf"
    pdf_path.write_bytes(await pdf.body())
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm is not installed: run ./dev test, which installs poppler-utils", pytrace=False)
    for stale in ARTIFACTS.glob("reports-pdf-page-*.png"):
        stale.unlink()
    await asyncio.to_thread(
        subprocess.run,
        [pdftoppm, "-f", "1", "-l", "2", "-r", "110", "-png", str(pdf_path), str(ARTIFACTS / "reports-pdf-page")],
        check=True,
        timeout=60,
    )
    pages = sorted(ARTIFACTS.glob("reports-pdf-page-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 20_000 for p in pages)
    fonts = await asyncio.to_thread(
        subprocess.run, ["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True, timeout=30
    )
    assert "NotoSansCJKSC" in fonts.stdout and " yes yes " in fonts.stdout  # embedded, subset


async def test_the_desk_opening_reports_is_told_in_chinese_they_are_for_supervisors_and_led_back(
    hub: HubUnderTest, page: Page
) -> None:
    await fill_sign_in(page, hub, "zhang", "duty", start="/login?next=/reports")
    async with page.expect_response(lambda r: r.url.endswith("/reports")) as shown:
        await page.keyboard.press("Enter")
    assert (await shown.value).status == 403  # the page itself is refused, not only its data
    await expect(page.get_by_test_id("forbidden-heading")).to_have_text("报表仅供值班领导查看")
    await expect(page.get_by_test_id("forbidden-reason")).to_contain_text("只对值班领导和管理员账号开放")
    await expect(page.get_by_test_id("forbidden-who")).to_have_text("当前登录：zhang（值班员）")
    home = page.get_by_test_id("forbidden-home")
    await expect(home).to_have_text("返回值班台")
    await expect(home).to_have_attribute("href", "/")
    assert await page.title() == "无权访问 · Sentinel"
    assert await untranslated(page, "main") == []
    await screenshot(page, "reports-refused-1366x768-zh")
    # The API stays JSON.
    response = await page.request.get(f"{hub.http}/api/v1/reports?period=month&month=2026-10")
    assert response.status == 403 and (await response.json())["error"]["code"] == "forbidden"

    await home.click()
    await page.wait_for_url(re.compile(r".*/(#.*)?$"))
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)


async def test_the_desk_that_chose_english_on_the_console_is_refused_reports_in_english(
    hub: HubUnderTest, page: Page
) -> None:
    await fill_sign_in(page, hub, "zhang", "duty")
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)
    await page.get_by_test_id("lang-toggle").click()  # the console's choice, remembered for every page
    await expect(page.get_by_test_id("lang-toggle")).to_have_text("中文")

    response = await page.goto(f"{hub.http}/reports")
    assert response is not None and response.status == 403
    await expect(page.get_by_test_id("forbidden-heading")).to_have_text("Reports are for supervisors")
    await expect(page.get_by_test_id("forbidden-reason")).to_contain_text("supervisor and administrator accounts only")
    await expect(page.get_by_test_id("forbidden-who")).to_have_text("Signed in as zhang (Duty officer)")
    await expect(page.get_by_test_id("forbidden-home")).to_have_text("Back to the console")
    await expect(page.get_by_test_id("forbidden-switch")).to_have_attribute("href", "/login?next=%2Freports")
    assert await page.title() == "Not allowed · Sentinel"
    assert await page.evaluate("document.documentElement.lang") == "en"
    await screenshot(page, "reports-refused-1366x768-en")

    await page.get_by_test_id("lang-toggle").click()
    await expect(page.get_by_test_id("forbidden-heading")).to_have_text("报表仅供值班领导查看")
    await page.get_by_test_id("lang-toggle").click()
    await page.get_by_test_id("forbidden-home").click()
    await page.wait_for_url(re.compile(r".*/(#.*)?$"))
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "live", timeout=10_000)
    await expect(page.get_by_test_id("lang-toggle")).to_have_text("中文")  # still in English


async def test_the_pdf_downloads_with_progress_in_the_page_and_every_text_is_in_the_page_language(
    hub: HubUnderTest, page: Page
) -> None:
    await fill_history(hub)
    assert hub.settings.database_url
    district = load_district(DEMO)
    first_site = next(iter(district.sites.values()))
    conn = await asyncpg.connect(hub.settings.database_url)
    try:  # the first site's incidents: opened by the desk from patrol, or of a kind the report has no name for
        await conn.execute(
            """UPDATE incidents SET kind = CASE WHEN id % 2 = 0 THEN 'patrol_observation' ELSE 'made_up_kind' END
               WHERE site_id = $1""",
            first_site.id,
        )
    finally:
        await conn.close()
    await sign_in(page, hub, "/reports?period=month&month=2026-10&lang=en")
    report = page.get_by_test_id("report")
    await expect(report).to_have_attribute("data-period", "2026-10", timeout=10_000)
    answer = await (await page.request.get(f"{hub.http}/api/v1/reports?period=month&month=2026-10")).json()

    # Every figure's definition, in the page's language.
    definitions = page.get_by_test_id("definition")
    await expect(definitions).to_have_count(len(answer["definitions"]))
    await expect(definitions.first).to_have_text(answer["definitions"][0]["en"])
    # The acknowledge tile and its chart rest on the same counts, and say which is which.
    ack = answer["totals"]["ack"]
    await expect(page.get_by_test_id("kpi-ack")).to_contain_text(f"{ack['within']} within target of {ack['due']} due")
    await expect(page.get_by_test_id("chart-ack")).to_contain_text(f"{ack['within']} of {ack['due']} due")
    await expect(page.get_by_test_id("chart-ack")).to_contain_text(f"timed n={ack['n']}")
    # English site names, kinds by name, never a code.
    first = page.get_by_test_id("site-table").locator(f'[data-testid="site-row"][data-id="{first_site.id}"]')
    await expect(first.locator("td").first).to_contain_text(first_site.name_en)
    await expect(first).to_contain_text("Patrol observation")
    grid = next(iter(district.grids.values()))
    await expect(page.get_by_test_id("grid-table")).to_contain_text(grid.name_en)
    officer = district.officers[grid.officer_id or ""]
    await expect(page.get_by_test_id("officer-table")).to_contain_text(officer.name_en)
    await expect(first).to_contain_text("Other")
    codes = await page.evaluate(
        """() => {
          const walker = document.createTreeWalker(document.getElementById('report'), NodeFilter.SHOW_TEXT);
          const found = [];
          while (walker.nextNode()) {
            const text = walker.currentNode.textContent;
            const hit = text.match(/\\b[a-z]+_[a-z_]+\\b/);
            if (hit) found.push(hit[0]);
          }
          return found;
        }"""
    )
    assert codes == [], codes

    # Nothing cut at the desk's screen sizes, in either language: no table scrolls sideways, no text is
    # shortened with an ellipsis, no chart label is cut.
    for width, height in ((1366, 768), (1920, 1080)):
        await page.set_viewport_size({"width": width, "height": height})
        for language in ("en", "zh"):
            if await page.evaluate("document.documentElement.lang") != ("en" if language == "en" else "zh-CN"):
                await page.get_by_test_id("lang-toggle").click()
            await page.wait_for_timeout(100)
            cut = await page.evaluate(CUT_TEXT)
            assert cut == [], (width, language, cut[:12])
            await screenshot(page, f"reports-{language}-{width}")

    await page.get_by_test_id("lang-toggle").click()  # back to English

    # The PDF: fetched by the page with its progress shown, then saved; no blank tab.
    pages_before = len(page.context.pages)
    async with page.expect_download(timeout=60_000) as download_info:
        await page.get_by_test_id("export-pdf").click()
        await expect(page.get_by_test_id("report-status")).to_contain_text("Building the PDF")
    download = await download_info.value
    assert download.suggested_filename.endswith("2026-10.pdf")
    saved = ARTIFACTS / "reports-downloaded.pdf"
    await download.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    await expect(page.get_by_test_id("report-status")).to_contain_text("PDF downloaded")
    await expect(page.get_by_test_id("pdf-progress")).to_be_hidden()
    assert len(page.context.pages) == pages_before


async def test_the_page_says_when_it_cannot_reach_the_hub_and_reads_in_one_language(
    hub: HubUnderTest, page: Page
) -> None:
    await sign_in(page, hub, "/reports")
    report = page.get_by_test_id("report")
    await expect(report).to_be_visible(timeout=10_000)
    # The device uptime tile's figure stays on one line ("100.0 %", not "100.0" over "%").
    value = page.get_by_test_id("kpi-uptime").locator(".value")
    await expect(value).to_have_text("100.0\u202f%")
    height, line = await value.evaluate(
        "(el) => [el.getBoundingClientRect().height, parseFloat(getComputedStyle(el).lineHeight)]"
    )
    assert height < 1.5 * line, (height, line)
    # A site's name in the other language, under its name, is marked as that language.
    sub = page.get_by_test_id("site-table").locator(".sub").first
    await expect(sub).to_have_attribute("lang", "en")
    assert await untranslated(page, "[data-testid=site-table]") == []
    # The hub cannot be reached: the sentence that says so (its key was shadowed by a device state's "离线").
    await page.route("**/api/v1/reports?*", lambda route: route.abort())
    await page.get_by_test_id("report-load").click()
    await expect(page.get_by_test_id("report-status")).to_have_text("无法连接中心，请检查网络后重试。")
