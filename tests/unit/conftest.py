"""Fixtures shared by the unit tests: the in-memory account store and clock that the auth service's and the
web adapter's tests authenticate with (a module that needs another clock defines its own `clock`)."""

from __future__ import annotations

import pytest

from tests.unit.fakes.accounts import FakeAccounts, FakeClock


@pytest.fixture
def accounts() -> FakeAccounts:
    return FakeAccounts()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
