"""The duty desk console: served by the hub itself, self-contained, and safe with the hub's data."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import AsyncIterator

import pytest

from hub.adapters.web import pages
from hub.domain.incidents import IncidentState
from hub.services.auth import Role
from tests.unit.fakes.accounts import FakeAccounts, bearer
from tests.unit.web_pages import (
    STATIC,
    Client,
    assert_fetches_nothing_from_outside,
    assert_never_parses_as_html,
    page_client,
    served_page,
    static_text,
)

KINDS = ("panic", "duress", "intrusion", "tamper", "loitering", "crowd", "line_crossing", "device_offline")


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    accounts = FakeAccounts()
    async with page_client(accounts, headers=bearer(accounts.issue_token(Role.DUTY))) as client:
        yield client


# + the shared live link, health banner and language core
SHARED = ("live-socket.js", "health-banner.js", "i18n-core.js", "i18n-kinds.js", "hub-fetch.js")
SCRIPTS = sorted([*(path.name for path in STATIC.glob("console*.js")), *SHARED])


def console_scripts() -> str:
    """The console's ES modules: console.js and the console-*.js it imports."""
    return "\n".join(static_text(name) for name in SCRIPTS)


async def test_console_page_is_served(client: Client) -> None:
    response = await client.get("/")

    page = await served_page(response)
    assert 'href="/static/console.css"' in page
    assert 'src="/static/console.js"' in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/console.js", "javascript"),
        ("/static/console-board.js", "javascript"),
        ("/static/console.css", "text/css"),
        ("/static/index.html", "text/html"),
    ],
)
async def test_console_assets_are_served(client: Client, path: str, content_type: str) -> None:
    response = await client.get(path)

    assert response.status == 200
    assert content_type in response.content_type


@pytest.mark.parametrize("path", ["/static/missing.js", "/static/../app.py", "/static/%2e%2e/app.py"])
async def test_missing_or_escaping_static_paths_are_refused(client: Client, path: str) -> None:
    response = await client.get(path)

    assert response.status in {403, 404}
    assert "make_app" not in await response.text()


@pytest.mark.parametrize("name", ["index.html", "base.css", "console.css", *SCRIPTS])
def test_console_loads_nothing_from_outside_the_hub(name: str) -> None:
    # The SVG namespace is a name, not an address: nothing is fetched from it.
    text = static_text(name).replace('"http://www.w3.org/2000/svg"', '""')

    assert_fetches_nothing_from_outside(text)


def test_console_is_split_into_modules_that_all_exist() -> None:
    page = pages.html(pages.CONSOLE).decode()
    assert '<script type="module" src="/static/console.js">' in page
    imported = set(re.findall(r'from "\./(console[a-z0-9-]*\.js)"', console_scripts()))
    assert imported == set(SCRIPTS) - {"console.js", *SHARED}
    for shared in SHARED:
        assert f'from "./{shared}"' in console_scripts()


def test_console_never_parses_hub_data_as_html() -> None:
    script = console_scripts()

    assert_never_parses_as_html(script)


def test_console_has_the_test_ids_browser_tests_rely_on() -> None:
    page = static_text("index.html")
    script = console_scripts()

    for test_id in ("incident-board", "open-count", "connection-status", "empty-state"):
        assert f'data-testid="{test_id}"' in page
    # The alarm's elements are built by console-alarm-chrome.js (the reports page has them too).
    for test_id in (
        "disconnected-banner",
        "alarm-overlay",
        "sound-toggle",
        "sound-unlock",
        "incident-row",
        "event-count",
        "priority",
        "site",
        "kind",
        "state",
        "opened",
        "age",
    ):
        assert f'"{test_id}"' in script
    assert '"data-incident-id"' in script


def test_console_translates_every_kind_and_state_both_ways() -> None:
    script = static_text("console-i18n.js")
    kinds = static_text("i18n-kinds.js")
    zh_kinds, en_kinds = kinds.split("\n  en: {\n")

    assert "    kinds: INCIDENT_KINDS.zh," in script and "    kinds: INCIDENT_KINDS.en," in script
    assert re.findall(r"^    (\w+):", zh_kinds, re.MULTILINE) == re.findall(r"^    (\w+):", en_kinds, re.MULTILINE)
    for kind, chinese, english in [
        ("panic", "紧急报警", "Panic alarm"),
        ("duress", "胁迫报警", "Duress"),
        ("intrusion", "入侵", "Intrusion"),
        ("tamper", "防拆", "Tamper"),
        ("loitering", "徘徊", "Loitering"),
        ("crowd", "人员聚集", "Crowd"),
        ("line_crossing", "越线", "Line crossing"),
        ("device_offline", "设备离线", "Device offline"),
    ]:
        assert f'{kind}: "{chinese}"' in zh_kinds
        assert f'{kind}: "{english}"' in en_kinds
    for name in ("zh", "en"):
        block = script[script.index(f"  {name}: {{") :]
        states = block[block.index("    states: {") : block.index("    },", block.index("    states: {"))]
        for state in IncidentState:
            assert f"      {state.value}: " in states, (name, state)
    for text in (
        "暂无未处理事件",
        "No open incidents",
        "与中心连接中断，正在重连…",
        "Disconnected from hub — reconnecting…",
    ):
        assert text in script


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", SCRIPTS)
def test_console_script_is_valid_javascript(name: str) -> None:
    # The scripts are ES modules; `node --check file.js` would parse them as CommonJS (or not at all).
    result = subprocess.run(
        ["node", "--input-type=module", "--check"],
        input=static_text(name),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0, result.stderr
