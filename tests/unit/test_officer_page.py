"""The officer app: served to officers only, self-contained, safe with the hub's data, and fully
translated both ways."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hub.domain.dispatch import DispatchState
from hub.domain.lifecycle import Disposition
from hub.services.auth import Role
from tests.unit.fakes.accounts import FakeAccounts, bearer
from tests.unit.web_pages import (
    STATIC,
    Client,
    assert_fetches_nothing_from_outside,
    assert_never_parses_as_html,
    assert_sends_strangers_to_sign_in_and_back,
    page_client,
    served_page,
    static_text,
)

MODULES = (
    "officer.js",
    "officer-alarm.js",
    "officer-card.js",
    "officer-dom.js",
    "officer-i18n.js",
    "officer-location.js",
    "officer-steps.js",
    "i18n-core.js",
    "i18n-kinds.js",
    "hub-fetch.js",
)
SCRIPTS = (*MODULES, "officer-sw.js")
FILES = ("officer.html", "base.css", "officer.css", *SCRIPTS)


@pytest.fixture
async def client(accounts: FakeAccounts) -> AsyncIterator[Client]:
    async with page_client(accounts) as client:
        yield client


def all_scripts() -> str:
    return "\n".join(static_text(name) for name in MODULES)


def language_blocks() -> tuple[str, str]:
    """The zh and en halves of officer-i18n.js's STRINGS."""
    script = static_text("officer-i18n.js")
    strings = script[script.index("\nconst STRINGS = {") :]
    strings = strings[: strings.index("\n};\n")]
    zh, en = strings.split("\n  en: {\n", 1)
    return zh, en


def keys(block: str) -> set[str]:
    return set(re.findall(r"^    (\w+):", block, re.MULTILINE))


def nested_keys(block: str, name: str) -> set[str]:
    body = re.search(rf"^    {name}: \{{\n(.*?)^    \}},", block, re.MULTILINE | re.DOTALL)
    assert body, f"no {name} map"
    return set(re.findall(r"^      (\w+):", body.group(1), re.MULTILINE))


# ---- serving -----------------------------------------------------------------------------------


async def test_the_app_is_served_to_an_officer(client: Client, accounts: FakeAccounts) -> None:
    response = await client.get("/officer", headers=bearer(accounts.issue_token(Role.OFFICER, officer_id="o1")))

    page = await served_page(response)
    assert 'href="/static/officer.css"' in page
    assert '<script type="module" src="/static/officer.js">' in page
    assert 'name="viewport"' in page
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_strangers_are_sent_to_the_login_page_and_back(client: Client) -> None:
    await assert_sends_strangers_to_sign_in_and_back(client, "/officer?lang=en")


async def test_the_desk_has_the_console_not_the_officer_app(client: Client, accounts: FakeAccounts) -> None:
    response = await client.get("/officer", headers=bearer(accounts.issue_token(Role.DUTY)))

    assert response.status == 403


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        *((f"/static/{name}", "javascript") for name in SCRIPTS),
        *((f"/static/{name}", "text/css") for name in ("base.css", "officer.css")),
    ],
)
async def test_the_apps_assets_are_served(client: Client, path: str, content_type: str) -> None:
    response = await client.get(path)

    assert response.status == 200
    assert content_type in response.content_type


async def test_openapi_documents_the_page_as_a_page(client: Client) -> None:
    paths = (await (await client.get("/api/v1/openapi.json")).json())["paths"]

    officer = paths["/officer"]["get"]
    assert "302" in officer["responses"] and "401" not in officer["responses"]
    assert officer["x-sentinel-roles"] == ["officer"]


# ---- self-contained and safe ----------------------------------------------------------------------


@pytest.mark.parametrize("name", FILES)
def test_the_app_loads_nothing_from_outside_the_hub(name: str) -> None:
    text = static_text(name)

    assert_fetches_nothing_from_outside(text)
    assert "<script>" not in text and "style=" not in text  # nothing inline: the CSP forbids it


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_app_never_parses_hub_data_as_html(name: str) -> None:
    script = static_text(name)

    assert_never_parses_as_html(script)


def test_links_built_from_hub_data_are_only_geo_and_tel() -> None:
    script = static_text("officer-card.js")

    assert re.findall(r'setAttribute\("href", (\w+)\)', script) == ["tel", "nav"]
    elsewhere = all_scripts().replace(script, "")
    assert all('"#i-' in target for target in re.findall(r'setAttribute\("href", ([^;]*)\);', elsewhere))  # icons
    assert "/^geo:-?[0-9.]+,-?[0-9.]+/.test(nav)" in script  # a navigation URI must be geo:
    assert "url.origin === window.location.origin" in script  # a snapshot only from the hub


def test_the_app_signs_in_and_reconnects_like_the_console() -> None:
    script = static_text("officer.js")

    # The console's fetch for the API (CSRF token, JSON, 401), shared by both pages.
    assert 'from "./hub-fetch.js"' in script and 'from "./hub-fetch.js"' in static_text("console-api.js")
    assert '"X-CSRF-Token"' in static_text("hub-fetch.js") and "response.status === 401" in static_text("hub-fetch.js")
    assert "/api/v1/auth/me" in script and "/api/v1/auth/logout" in script
    assert '"/login?next=" + encodeURIComponent(' in script
    # The console's own live link (ping, silence limit, backoff), shared by both pages.
    shared = static_text("live-socket.js")
    assert "/api/v1/me/stream" in script and "liveSocket(STREAM_PATH" in script
    assert '{ type: "ping" }' in shared and "BACKOFF_MIN_MS * Math.pow(2, attempt)" in shared
    assert "liveSocket(STREAM_PATH" in static_text("console.js")


def test_officers_land_on_their_app_after_signing_in() -> None:
    script = static_text("login.js")

    assert 'const OFFICER_PAGE = "/officer";' in script
    assert 'user.role === "officer"' in script


def test_the_page_has_the_test_ids_browser_tests_rely_on() -> None:
    page = static_text("officer.html")
    script = all_scripts()

    for test_id in (
        "connection-status",
        "disconnected-banner",
        "officer-name",
        "duty-toggle",
        "lang-toggle",
        "logout",
        "location-status",
        "sound-status",
        "active-list",
        "active-empty",
        "history-list",
        "alert-layer",
        "decline-sheet",
        "decline-note",
        "decline-confirm",
        "toasts",
    ):
        assert f'data-testid="{test_id}"' in page, test_id
    for test_id in (
        "dispatch-card",
        "site-name",
        "kind",
        "priority",
        "address",
        "contact-call",
        "navigate",
        "countdown",
        "snapshot",
        "sharing-location",
        "accept",
        "decline",
        "disposition",
        "resolve-note",
        "resolve",
        "history-item",
    ):
        assert f'"{test_id}"' in script, test_id
    assert '"en-route"' in script and '"on-scene"' in script


# ---- translations --------------------------------------------------------------------------------


def test_both_languages_have_the_same_texts() -> None:
    zh, en = language_blocks()

    assert keys(zh) == keys(en)
    for name in ("states", "outcomes", "steps", "rules", "dispositions"):
        assert nested_keys(zh, name) == nested_keys(en, name), name
    # The kinds' names: the table every page shares (its two halves are compared by the console's tests).
    assert "    kinds: INCIDENT_KINDS.zh," in zh and "    kinds: INCIDENT_KINDS.en," in en


def test_every_text_the_page_and_script_use_exists_in_both_languages() -> None:
    page = static_text("officer.html")
    script = all_scripts()
    zh, en = language_blocks()
    known = keys(zh) & keys(en)

    used = set(re.findall(r'data-i18n="(\w+)"', page))
    used |= set(re.findall(r"\bt\(\)\.(\w+)", script)) | set(re.findall(r"\bs\.(\w+)", script))
    # Keys looked up by name.
    used |= {f"status_{state}" for state in ("connecting", "live", "syncing", "disconnected")}
    used |= {f"reason_{reason}" for reason in re.findall(r'name="reason" value="(\w+)"', page)}
    used |= {f"empty_{state}" for state in ("waiting", "on", "off")}
    used |= {"en_route", "on_scene", "resolve_missing"}
    used |= set(re.findall(r'"(note_\w+)"', script)) | set(re.findall(r'"(duty_\w+)"', script))
    assert used - known == set()
    assert {"reason_busy", "reason_far", "reason_vehicle", "reason_other"} <= used


def test_the_hubs_states_kinds_and_outcomes_are_all_translated() -> None:
    zh, en = language_blocks()

    for block in (zh, en):
        assert nested_keys(block, "states") == {state.value for state in DispatchState}
        assert nested_keys(block, "dispositions") == {d.value for d in Disposition}
        assert {"resolved", "cancelled"} <= nested_keys(block, "outcomes")
    script = static_text("officer-card.js")
    assert re.search(r"const DISPOSITIONS = \[([^\]]*)\]", script).group(1).count('"') == 2 * len(Disposition)  # type: ignore[union-attr]
    # The kinds read as on the console: the same table (its names are checked with the console's).
    assert 'import { INCIDENT_KINDS } from "./i18n-kinds.js";' in static_text("officer-i18n.js")


def test_the_language_choice_is_remembered_and_set_on_the_page() -> None:
    core = static_text("i18n-core.js")

    assert 'const LANG_KEY = "sentinel.console.lang";' in core
    assert "store(LANG_KEY, current)" in core
    assert "document.documentElement.lang = strings.htmlLang" in core
    assert "languages(STRINGS, false)" in static_text("officer-i18n.js")
    assert "applyPageText(s)" in static_text("officer.js")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.parametrize("name", SCRIPTS)
def test_the_scripts_are_valid_javascript(name: str, tmp_path: Path) -> None:
    # As .mjs: `node --check x.js` lets a syntax error in an ES module pass (Node 20 guesses CommonJS,
    # fails, and reports nothing).
    module = tmp_path / f"{Path(name).stem}.mjs"
    module.write_text(static_text(name), encoding="utf-8")
    result = subprocess.run(["node", "--check", str(module)], capture_output=True, text=True, timeout=30, check=False)

    assert result.returncode == 0, result.stderr


def test_the_modules_import_only_each_other() -> None:
    for name in MODULES:
        for target in re.findall(r'^import \{[^}]*\} from "([^"]+)";', static_text(name), re.MULTILINE):
            # the live link, its health banner and the language core every page shares
            shared = ("./live-socket.js", "./health-banner.js", "./i18n-core.js", "./i18n-kinds.js", "./hub-fetch.js")
            own = target.startswith("./officer-") or target in shared
            assert own and (STATIC / target[2:]).exists(), (name, target)
