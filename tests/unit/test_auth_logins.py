"""Logins (AuthService over an in-memory store): a session known only by its digest, refusals alike for every
reason, and the throttling of guesses per account and address, behind proxies too."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from ipaddress import ip_network

import pytest

from hub.services.auth import (
    AuthKind,
    AuthService,
    Credential,
    LoggedIn,
    LoginRefused,
    LoginThrottled,
    MemoryThrottleStore,
    Role,
    client_address,
    token_digest,
)
from tests.unit.fakes.accounts import T0, FakeAccounts, FakeClock
from tests.unit.test_auth_service import add_user, session_of
from tests.unit.test_auth_service import auth as auth  # a fixture

# ---- logins ------------------------------------------------------------------------------------


async def test_a_right_password_opens_a_session_known_only_by_its_digest(
    auth: AuthService, accounts: FakeAccounts
) -> None:
    await add_user(auth, display_name="李值班", officer_id=None)

    outcome = await session_of(auth)

    principal = outcome.principal
    assert (principal.name, principal.role, principal.kind, principal.display_name) == (
        "duty1",
        Role.DUTY,
        AuthKind.SESSION,
        "李值班",
    )
    assert principal.csrf_token and len(principal.csrf_token) >= 40
    assert len(outcome.session_token) >= 40
    assert list(accounts.session_hashes) == [token_digest(outcome.session_token)]
    assert await auth.authenticate(Credential(AuthKind.SESSION, outcome.session_token)) == principal
    assert ("user:duty1", "auth.login", f"session:{principal.session_id}") == accounts.audit_log[-1][:3]


async def test_a_wrong_password_an_unknown_user_and_a_disabled_account_are_refused_alike(
    auth: AuthService, accounts: FakeAccounts
) -> None:
    await add_user(auth)
    await add_user(auth, "gone", "correct horse")
    accounts.users["gone"] = dataclasses.replace(accounts.users["gone"], disabled=True)

    assert isinstance(await auth.login("duty1", "wrong horse", "10.0.0.1"), LoginRefused)
    assert isinstance(await auth.login("nobody", "correct horse", "10.0.0.2"), LoginRefused)
    assert isinstance(await auth.login("gone", "correct horse", "10.0.0.3"), LoginRefused)
    assert isinstance(await auth.login("bad name!", "correct horse", "10.0.0.4"), LoginRefused)

    failures = [
        (target, detail["reason"]) for _, action, target, detail in accounts.audit_log if action == "auth.login_failed"
    ]
    assert failures == [
        ("duty1", "wrong_password"),
        ("nobody", "unknown_user"),
        ("gone", "disabled"),
        ("bad name!", "unknown_user"),
    ]
    assert accounts.sessions == {}


async def test_failures_of_an_account_from_one_address_back_off_exponentially_and_a_success_clears_them(
    auth: AuthService, accounts: FakeAccounts, clock: FakeClock
) -> None:
    await add_user(auth)
    for _ in range(3):  # free failures
        assert isinstance(await auth.login("duty1", "wrong", "10.0.0.1"), LoginRefused)
    waits = []
    for _ in range(4):
        throttled = await auth.login("duty1", "wrong", "10.0.0.1")
        assert isinstance(throttled, LoginThrottled)
        waits.append(throttled.retry_after_s)
        clock.advance(seconds=throttled.retry_after_s)
        assert isinstance(await auth.login("duty1", "wrong", "10.0.0.1"), LoginRefused)

    assert waits == pytest.approx([1, 2, 4, 8])
    assert accounts.actions().count("auth.login_throttled") == 4
    clock.advance(seconds=16)
    assert isinstance(await auth.login("duty1", "correct horse", "10.0.0.1"), LoggedIn)
    assert isinstance(await auth.login("duty1", "wrong", "10.0.0.1"), LoginRefused)  # back to free failures


async def test_the_backoff_is_capped_so_the_owner_is_never_locked_out_for_long(
    auth: AuthService, clock: FakeClock
) -> None:
    await add_user(auth)
    for _ in range(12):
        outcome = await auth.login("duty1", "wrong", "10.0.0.1")
        while isinstance(outcome, LoginThrottled):
            assert outcome.retry_after_s <= 60
            clock.advance(seconds=outcome.retry_after_s)
            outcome = await auth.login("duty1", "wrong", "10.0.0.1")

    throttled = await auth.login("duty1", "correct horse", "10.0.0.1")
    assert isinstance(throttled, LoginThrottled) and throttled.retry_after_s == pytest.approx(60)
    clock.advance(seconds=60)
    assert isinstance(await auth.login("duty1", "correct horse", "10.0.0.1"), LoggedIn)


async def test_guesses_from_one_address_never_hold_up_the_right_password_from_another(auth: AuthService) -> None:
    await add_user(auth)
    for _ in range(10):
        await auth.login("duty1", "wrong", "203.0.113.9")

    assert isinstance(await auth.login("duty1", "correct horse", "10.0.0.1"), LoggedIn)


async def test_the_desk_behind_one_address_signs_in_while_someone_there_guesses_another_account(
    auth: AuthService, clock: FakeClock
) -> None:
    await add_user(auth)  # duty1, the desk
    await auth.create_user("super1", "another passphrase", "supervisor", "test")
    for _ in range(10):
        outcome = await auth.login("super1", "guess", "10.9.9.9")  # the NAT's address
        clock.advance(seconds=getattr(outcome, "retry_after_s", 0.0))

    assert isinstance(await auth.login("duty1", "correct horse", "10.9.9.9"), LoggedIn)


async def test_spraying_many_accounts_from_one_address_slows_it_but_not_accounts_known_there(
    auth: AuthService, clock: FakeClock
) -> None:
    await add_user(auth)
    await auth.create_user("new.desk", "another passphrase", "duty", "test")
    assert isinstance(await auth.login("duty1", "correct horse", "10.9.9.9"), LoggedIn)  # known there
    for n in range(30):
        assert isinstance(await auth.login(f"guess{n}", "wrong", "10.9.9.9"), LoginRefused)

    sprayed = await auth.login("guess99", "wrong", "10.9.9.9")
    assert isinstance(sprayed, LoginThrottled) and sprayed.retry_after_s == pytest.approx(30)
    assert isinstance(await auth.login("new.desk", "another passphrase", "10.9.9.9"), LoginThrottled)
    assert isinstance(await auth.login("duty1", "correct horse", "10.9.9.9"), LoggedIn)
    clock.advance(seconds=30)
    assert isinstance(await auth.login("new.desk", "another passphrase", "10.9.9.9"), LoggedIn)


async def test_an_admin_unlock_clears_the_backoff_and_is_audited(auth: AuthService, accounts: FakeAccounts) -> None:
    await add_user(auth)
    for _ in range(5):
        await auth.login("duty1", "wrong", "10.0.0.1")
    assert isinstance(await auth.login("duty1", "correct horse", "10.0.0.1"), LoginThrottled)

    assert await auth.unlock_logins("user:admin", "duty1") == 1

    assert accounts.audit_log[-1][:3] == ("user:admin", "auth.login_unlocked", "duty1")
    assert isinstance(await auth.login("duty1", "correct horse", "10.0.0.1"), LoggedIn)


async def test_successful_logins_do_not_count_towards_the_limit(auth: AuthService) -> None:
    await add_user(auth)

    for _ in range(8):
        await session_of(auth)

    await session_of(auth)


async def test_a_burst_of_concurrent_guesses_cannot_overshoot_the_free_failures(auth: AuthService) -> None:
    await add_user(auth)

    outcomes = await asyncio.gather(*(auth.login("duty1", f"guess{n}", "10.0.0.1") for n in range(20)))

    assert sum(isinstance(o, LoginRefused) for o in outcomes) == 3
    assert sum(isinstance(o, LoginThrottled) for o in outcomes) == 17


async def test_the_in_memory_throttle_remembers_a_bounded_number_of_pairs() -> None:
    throttle = MemoryThrottleStore(max_keys=100)

    for n in range(1000):
        await throttle.count_attempt("duty1", f"10.0.{n // 256}.{n % 256}", T0)

    assert len(throttle) == 100
    state = await throttle.state("duty1", "10.0.3.231", T0, timedelta(minutes=10), timedelta(days=30))
    assert state.failures == 1  # the most recent pairs are kept


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.5", "10.1.1.1", "203.0.113.5"),  # not a trusted proxy: the header is ignored
        ("127.0.0.1", "10.1.1.1", "10.1.1.1"),
        ("127.0.0.1", "6.6.6.6, 10.1.1.1", "10.1.1.1"),  # the client may have written the left part
        ("127.0.0.1", "10.1.1.1, 127.0.0.2", "10.1.1.1"),  # past a second trusted proxy
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", None, "127.0.0.1"),
    ],
)
def test_x_forwarded_for_is_believed_only_from_trusted_proxies(peer: str, forwarded: str | None, expected: str) -> None:
    assert client_address(peer, forwarded, [ip_network("127.0.0.0/8")]) == expected
