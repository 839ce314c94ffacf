"""`sentinel user add`, `sentinel token create|revoke` and the demo's accounts, on the private PostgreSQL."""

from __future__ import annotations

import concurrent.futures
import getpass
import io
import json
from pathlib import Path

import pytest

from hub.adapters.postgres.accounts import accounts_service, demo_accounts, ensure_demo_accounts
from hub.cli import main
from hub.config import load_district
from hub.services.auth import AuthKind, Credential, LoggedIn, LoginRefused, Role
from tests.conftest import run_async
from tests.integration.conftest import fetch_value

DEMO_DISTRICT = Path(__file__).resolve().parents[2] / "config" / "demo-district.yaml"


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("SENTINEL_DATABASE_URL", database_url)
    monkeypatch.setenv("SENTINEL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SENTINEL_CONFIG", str(DEMO_DISTRICT))
    return database_url


def sentinel(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    """Run the command as `sentinel ARGV` would, on a worker thread: its asyncio.run must stay away
    from the main thread, whose event loop belongs to pytest-asyncio."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(main, list(argv)).result()


async def try_login(database_url: str, username: str, password: str) -> LoggedIn | LoginRefused:
    async with accounts_service(database_url) as auth:
        outcome = await auth.login(username, password, "cli-test")
    assert isinstance(outcome, LoggedIn | LoginRefused)
    return outcome


def test_user_add_reads_the_password_from_stdin_and_the_user_can_sign_in(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status = sentinel(
        monkeypatch, "user", "add", "li.ming", "--role", "officer", "--officer", "o-li-ming", "--name", "李明",
        "--password-stdin", stdin="a long passphrase\n",
    )  # fmt: skip

    assert status == 0
    assert "user li.ming added (role officer)" in capsys.readouterr().out
    outcome = run_async(try_login(cli_env, "li.ming", "a long passphrase"))
    assert isinstance(outcome, LoggedIn)
    assert (outcome.principal.role, outcome.principal.officer_id, outcome.principal.display_name) == (
        Role.OFFICER,
        "o-li-ming",
        "李明",
    )
    assert run_async(fetch_value(cli_env, "SELECT actor FROM audit_log WHERE action = 'auth.user_created'")) == (
        f"cli:{getpass.getuser()}"
    )


@pytest.mark.parametrize(
    ("argv", "stdin", "complaint"),
    [
        (["user", "add", "x", "--role", "duty", "--password-stdin"], "short\n", "8 to 1024 characters"),
        (["user", "add", "x", "--role", "officer", "--password-stdin"], "long enough\n", "--officer"),
        (
            ["user", "add", "x", "--role", "officer", "--officer", "o-nobody", "--password-stdin"],
            "long enough\n",
            "unknown officer",
        ),
        (["user", "add", "bad name", "--role", "duty", "--password-stdin"], "long enough\n", "a username is"),
    ],
)
def test_user_add_refuses_what_makes_no_sense(
    cli_env: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    stdin: str,
    complaint: str,
) -> None:
    assert sentinel(monkeypatch, *argv, stdin=stdin) == 2
    assert complaint in capsys.readouterr().err
    assert run_async(fetch_value(cli_env, "SELECT count(*) FROM users")) == 0


def test_a_second_user_with_the_same_name_is_refused(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ("user", "add", "duty1", "--role", "duty", "--password-stdin")
    assert sentinel(monkeypatch, *argv, stdin="long enough\n") == 0

    assert sentinel(monkeypatch, *argv, stdin="another one\n") == 2
    assert "already exists" in capsys.readouterr().err


def test_user_add_without_a_terminal_asks_for_password_stdin(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match="--password-stdin"):
        sentinel(monkeypatch, "user", "add", "duty1", "--role", "duty")


def test_token_create_prints_the_token_once_and_stores_only_its_digest_until_revoked(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert sentinel(monkeypatch, "token", "create", "--role", "duty", "--name", "wall-display") == 0
    out, err = capsys.readouterr()
    token = out.strip()
    assert token.startswith("sentinel_") and "shown only this once" in err

    async def principal_name() -> str | None:
        async with accounts_service(cli_env) as auth:
            principal = await auth.authenticate(Credential(AuthKind.TOKEN, token))
        return None if principal is None else principal.name

    assert run_async(principal_name()) == "wall-display"
    assert run_async(fetch_value(cli_env, "SELECT count(*) FROM api_tokens WHERE token_hash::text LIKE $1", token)) == 0
    assert sentinel(monkeypatch, "token", "revoke", "wall-display") == 0
    assert run_async(principal_name()) is None
    assert sentinel(monkeypatch, "token", "revoke", "wall-display") == 1


def test_commands_find_the_running_demos_database(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SENTINEL_DATABASE_URL", raising=False)
    monkeypatch.setenv("SENTINEL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SENTINEL_CONFIG", str(DEMO_DISTRICT))
    with pytest.raises(SystemExit, match="start `sentinel demo` first"):
        sentinel(monkeypatch, "token", "create", "--role", "duty", "--name", "x")

    (tmp_path / "demo.json").write_text(json.dumps({"mqtt_url": "mqtt://x", "database_url": database_url}))

    assert sentinel(monkeypatch, "token", "create", "--role", "supervisor", "--name", "x") == 0
    assert run_async(fetch_value(database_url, "SELECT role FROM api_tokens WHERE name = 'x'")) == "supervisor"


def test_the_demo_accounts_are_created_once_and_each_can_sign_in(database_url: str) -> None:
    district = load_district(DEMO_DISTRICT)

    accounts = run_async(ensure_demo_accounts(database_url, district))
    run_async(ensure_demo_accounts(database_url, district))  # a second start changes nothing

    assert accounts == demo_accounts(district)
    assert [(a.username, a.password, a.role) for a in accounts[:3]] == [
        ("duty", "duty", Role.DUTY),
        ("super", "super", Role.SUPERVISOR),
        ("admin", "admin", Role.ADMIN),
    ]
    officers = {a.username: a for a in accounts[3:]}
    assert set(officers) == set(district.officers)
    assert officers["o-li-ming"].role is Role.OFFICER and officers["o-li-ming"].password == "o-li-ming"
    assert officers["s-huang-wei"].role is Role.SUPERVISOR
    assert run_async(fetch_value(database_url, "SELECT count(*) FROM users")) == len(accounts)
    for account in (accounts[0], accounts[1], accounts[2], officers["o-li-ming"]):
        outcome = run_async(try_login(database_url, account.username, account.password))
        assert isinstance(outcome, LoggedIn), account.username
        assert outcome.principal.officer_id == account.officer_id


def test_user_unlock_clears_a_throttled_account_and_is_audited(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        sentinel(monkeypatch, "user", "add", "desk1", "--role", "duty", "--password-stdin", stdin="right passphrase\n")
        == 0
    )

    async def attempts() -> list[str]:
        async with accounts_service(cli_env) as auth:
            return [type(await auth.login("desk1", "wrong", "10.0.0.8")).__name__ for _ in range(5)]

    assert run_async(attempts()) == ["LoginRefused"] * 3 + ["LoginThrottled"] * 2

    assert sentinel(monkeypatch, "user", "unlock", "desk1") == 0

    assert "unlocked desk1: 1 throttled account/address pair(s) cleared" in capsys.readouterr().out
    assert isinstance(run_async(try_login(cli_env, "desk1", "right passphrase")), LoggedIn)
    unlocked = "SELECT actor FROM audit_log WHERE action = 'auth.login_unlocked' AND target = 'desk1'"
    assert str(run_async(fetch_value(cli_env, unlocked))).startswith("cli")
