"""Who may do what; passwords, sessions and API tokens (AuthService over an in-memory store). (Logins and
their throttling: test_auth_logins.py.)"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from argon2 import PasswordHasher

from hub.services.auth import (
    API_TOKEN_PREFIX,
    AccountError,
    AccountExists,
    AuthKind,
    AuthPolicy,
    AuthService,
    Credential,
    LoggedIn,
    LoginRefused,
    Passwords,
    Permission,
    Principal,
    Role,
    token_digest,
)
from tests.unit.fakes.accounts import FAST_HASHER, FakeAccounts, FakeClock


@pytest.fixture
def auth(accounts: FakeAccounts, clock: FakeClock) -> AuthService:
    return AuthService(accounts, AuthPolicy(), Passwords(FAST_HASHER), clock)


async def add_user(auth: AuthService, username: str = "duty1", password: str = "correct horse", **kw: Any) -> None:
    await auth.create_user(username, password, kw.pop("role", Role.DUTY), "test", **kw)


async def session_of(auth: AuthService, username: str = "duty1", password: str = "correct horse") -> LoggedIn:
    outcome = await auth.login(username, password, "10.0.0.1")
    assert isinstance(outcome, LoggedIn)
    return outcome


# ---- the access model --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "granted"),
    [
        (
            Role.DUTY,
            {
                Permission.VIEW_CONSOLE,
                Permission.READ_INCIDENTS,
                Permission.READ_REGISTRY,
                Permission.ACT_ON_INCIDENTS,
            },
        ),
        (
            Role.SUPERVISOR,
            {
                Permission.VIEW_CONSOLE,
                Permission.READ_INCIDENTS,
                Permission.READ_REGISTRY,
                Permission.ACT_ON_INCIDENTS,
                Permission.SUPERVISE,
            },
        ),
        (Role.ADMIN, set(Permission) - {Permission.OWN_DISPATCHES}),
        (Role.OFFICER, {Permission.OWN_DISPATCHES}),
    ],
)
def test_each_role_has_exactly_its_permissions(role: Role, granted: set[Permission]) -> None:
    principal = Principal("someone", role, AuthKind.TOKEN)

    assert {permission for permission in Permission if principal.may(permission)} == granted


def test_an_officer_sees_only_their_own_dispatches_and_the_desk_sees_all() -> None:
    officer = Principal("o1", Role.OFFICER, AuthKind.SESSION, officer_id="o1")
    orphan = Principal("o2", Role.OFFICER, AuthKind.TOKEN, officer_id=None)
    desk = Principal("duty", Role.DUTY, AuthKind.SESSION)

    assert officer.may_see_officer("o1") and not officer.may_see_officer("o2")
    assert not orphan.may_see_officer("o2")
    assert desk.may_see_officer("o1") and desk.may_see_officer("o2")


def test_actors_name_users_and_tokens_apart() -> None:
    assert Principal("li", Role.DUTY, AuthKind.SESSION).actor == "user:li"
    assert Principal("ci", Role.DUTY, AuthKind.TOKEN).actor == "token:ci"


def test_the_csrf_token_is_kept_out_of_reprs() -> None:
    principal = Principal("li", Role.DUTY, AuthKind.SESSION, csrf_token="s3cret-csrf")

    assert "s3cret-csrf" not in repr(principal)
    assert "s3cret" not in repr(Credential(AuthKind.SESSION, "s3cret"))


# ---- passwords ---------------------------------------------------------------------------------


async def test_passwords_are_hashed_with_argon2id_and_verified() -> None:
    passwords = Passwords()
    hashed = await passwords.hash("correct horse")

    assert hashed.startswith("$argon2id$")
    assert await passwords.verify(hashed, "correct horse") == (True, False)
    assert await passwords.verify(hashed, "wrong horse") == (False, False)
    assert await passwords.verify("not a hash", "correct horse") == (False, False)


async def test_hashing_runs_off_the_event_loop() -> None:
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await Passwords().hash("correct horse")  # ~0.1 s of argon2id with the real parameters
    finally:
        task.cancel()
    assert ticks >= 3


async def test_an_outdated_hash_is_upgraded_when_its_owner_signs_in(accounts: FakeAccounts, clock: FakeClock) -> None:
    weak = AuthService(accounts, passwords=Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)))
    await add_user(weak)
    strong = AuthService(accounts, passwords=Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)))

    await session_of(strong)

    assert "m=2048,t=2" in accounts.users["duty1"].password_hash
    await session_of(strong)


async def test_an_unknown_username_costs_a_password_check_too(accounts: FakeAccounts) -> None:
    checked: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checked.append(str(password))
            return super().verify(hash, password)

    auth = AuthService(accounts, passwords=Passwords(CountingHasher(time_cost=1, memory_cost=1024, parallelism=1)))

    assert isinstance(await auth.login("nobody", "guess", "10.0.0.1"), LoginRefused)
    assert checked == ["guess"]


# ---- sessions ----------------------------------------------------------------------------------


async def test_a_session_idle_past_the_timeout_is_over_for_good(
    auth: AuthService, accounts: FakeAccounts, clock: FakeClock
) -> None:
    await add_user(auth)
    cookie = Credential(AuthKind.SESSION, (await session_of(auth)).session_token)

    clock.advance(minutes=29)
    assert await auth.authenticate(cookie) is not None
    clock.advance(minutes=29)  # active a moment ago: still fine
    assert await auth.authenticate(cookie) is not None
    clock.advance(minutes=30)

    assert await auth.authenticate(cookie) is None
    assert next(iter(accounts.sessions.values())).revoked_at == clock.now
    assert accounts.audit_log[-1][1:] == ("auth.session_expired", accounts.audit_log[-1][2], {"reason": "idle"})
    clock.advance(seconds=1)
    assert await auth.authenticate(cookie) is None


async def test_a_busy_session_still_ends_after_a_shift(auth: AuthService, clock: FakeClock) -> None:
    await add_user(auth)
    cookie = Credential(AuthKind.SESSION, (await session_of(auth)).session_token)

    for _ in range(12 * 6 - 1):
        clock.advance(minutes=10)
        assert await auth.authenticate(cookie) is not None
    clock.advance(minutes=10)

    assert await auth.authenticate(cookie) is None


async def test_last_seen_is_written_at_most_once_a_minute(
    auth: AuthService, accounts: FakeAccounts, clock: FakeClock
) -> None:
    await add_user(auth)
    cookie = Credential(AuthKind.SESSION, (await session_of(auth)).session_token)

    for _ in range(30):
        clock.advance(seconds=10)
        await auth.authenticate(cookie)

    assert accounts.touches == 5  # 300 s of requests


async def test_logout_ends_the_session(auth: AuthService, accounts: FakeAccounts) -> None:
    await add_user(auth)
    outcome = await session_of(auth)
    cookie = Credential(AuthKind.SESSION, outcome.session_token)

    await auth.logout(outcome.principal)

    assert await auth.authenticate(cookie) is None
    assert accounts.actions()[-1] == "auth.logout"


async def test_a_disabled_user_loses_their_open_sessions(auth: AuthService, accounts: FakeAccounts) -> None:
    await add_user(auth)
    cookie = Credential(AuthKind.SESSION, (await session_of(auth)).session_token)

    accounts.users["duty1"] = dataclasses.replace(accounts.users["duty1"], disabled=True)

    assert await auth.authenticate(cookie) is None


@pytest.mark.parametrize("secret", ["", "x" * 500, "not-a-session"])
async def test_garbage_credentials_stand_for_nobody(auth: AuthService, secret: str) -> None:
    assert await auth.authenticate(Credential(AuthKind.SESSION, secret)) is None
    assert await auth.authenticate(Credential(AuthKind.TOKEN, secret)) is None


# ---- API tokens and accounts -------------------------------------------------------------------


async def test_an_api_token_works_until_revoked_and_is_kept_only_as_a_digest(
    auth: AuthService, accounts: FakeAccounts, clock: FakeClock
) -> None:
    issued = await auth.create_api_token("wall-display", Role.DUTY, "cli:root")
    credential = Credential(AuthKind.TOKEN, issued.token)

    assert issued.token.startswith(API_TOKEN_PREFIX)
    assert list(accounts.token_hashes) == [token_digest(issued.token)]
    principal = await auth.authenticate(credential)
    assert principal is not None
    assert (principal.name, principal.role, principal.kind, principal.csrf_token) == (
        "wall-display",
        Role.DUTY,
        AuthKind.TOKEN,
        None,
    )
    assert accounts.tokens[issued.record.id].last_used_at == clock.now

    assert await auth.revoke_api_token("wall-display", "cli:root")
    assert await auth.authenticate(credential) is None
    assert not await auth.revoke_api_token("wall-display", "cli:root")
    assert accounts.actions() == ["auth.token_created", "auth.token_revoked"]


async def test_an_active_token_name_is_unique_but_can_be_reused_after_revocation(auth: AuthService) -> None:
    await auth.create_api_token("ci", Role.DUTY, "test")
    with pytest.raises(AccountExists):
        await auth.create_api_token("ci", Role.DUTY, "test")

    await auth.revoke_api_token("ci", "test")
    await auth.create_api_token("ci", Role.SUPERVISOR, "test")


@pytest.mark.parametrize(
    ("username", "password", "role", "officer_id"),
    [
        ("bad name", "long enough", Role.DUTY, None),
        ("", "long enough", Role.DUTY, None),
        ("ok", "short", Role.DUTY, None),
        ("ok", "long enough", "chief", None),
        ("ok", "long enough", Role.OFFICER, None),
    ],
)
async def test_accounts_that_make_no_sense_are_refused(
    auth: AuthService, username: str, password: str, role: Role | str, officer_id: str | None
) -> None:
    with pytest.raises(AccountError):
        await auth.create_user(username, password, role, "test", officer_id=officer_id)


async def test_creating_users_and_officer_accounts_is_audited(auth: AuthService, accounts: FakeAccounts) -> None:
    await auth.create_user("o-li", "long enough", "officer", "cli:root", officer_id="o-li")
    with pytest.raises(AccountExists):
        await auth.create_user("o-li", "long enough", "officer", "cli:root", officer_id="o-li")

    assert accounts.users["o-li"].officer_id == "o-li"
    assert accounts.audit_log == [
        ("cli:root", "auth.user_created", "user:o-li", {"role": "officer", "officer_id": "o-li"})
    ]


async def test_a_failing_audit_log_never_breaks_a_login(auth: AuthService, accounts: FakeAccounts) -> None:
    await add_user(auth)
    accounts.audit_failure = RuntimeError("audit table gone")

    assert isinstance(await auth.login("duty1", "correct horse", "10.0.0.1"), LoggedIn)
    assert isinstance(await auth.login("duty1", "wrong", "10.0.0.1"), LoginRefused)
