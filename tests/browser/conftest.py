"""Browser tests: Debian's headless Chromium driven by Playwright (no browser download), against a
whole hub on the private broker and database. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Locator, Page, async_playwright

# The hub, its settings and a device link come from the integration fixtures.
from tests.integration.conftest import (  # noqa: F401
    HubUnderTest,
    create_user,
    device_link,
    district_file,
    hub,
    hub_settings,
    speaker,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> str:
    path = os.environ.get("SENTINEL_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is not installed: run ./dev test, which installs it", pytrace=False)
    return path


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A browser context whose pages must not break the hub's Content-Security-Policy: a refused script,
    style or connection shows in the console and fails the test."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    violations: list[str] = []
    context.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    yield context
    await context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    page = await context.new_page()
    yield page


async def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    return path


async def centre_of(element: Locator) -> tuple[float, float]:
    """Where a hand clicks the element: to click the same spot again once the page has changed under it."""
    box = await element.bounding_box()
    assert box is not None, "the element is not on screen"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


PASSWORD = "correct horse"


async def fill_sign_in(
    page: Page,
    hub: HubUnderTest,  # noqa: F811 (a parameter, not the fixture imported above)
    username: str,
    role: str,
    start: str = "/",
    officer_id: str | None = None,
) -> None:
    """Make the account, open `start` (the hub sends a stranger to its sign-in page) and fill the form in;
    the test submits it (Enter) and waits for where it should land."""
    await create_user(hub.db, username, PASSWORD, role, officer_id=officer_id)
    await page.goto(f"{hub.http}{start}")
    await page.wait_for_url("**/login**")
    await page.fill("input[name=username]", username)
    await page.fill("input[name=password]", PASSWORD)
