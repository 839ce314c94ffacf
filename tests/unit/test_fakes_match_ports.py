"""The in-memory fakes stand for the real ports only while they match them: every port of the transaction,
every method of each port, with the same parameters. (mypy does not read tests/; this does.)"""

from __future__ import annotations

import inspect
from typing import Any, cast

import pytest

from hub.adapters.postgres.store import PostgresTransaction
from hub.services.ports.transaction import Transaction
from tests.unit.fakes import FakeTransaction

PORTS = [name for name, member in inspect.getmembers(Transaction) if isinstance(member, property)]


def port_type(name: str) -> type:
    hints = inspect.get_annotations(getattr(Transaction, name).fget, eval_str=True)
    port: type = hints["return"]
    return port


def methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_the_transaction_has_a_port_for_each_kind_of_data() -> None:
    assert set(PORTS) >= {"incidents", "events", "devices", "warnings", "patrol", "timers", "outbox", "changes"}


@pytest.mark.parametrize("name", PORTS)
def test_the_fake_and_the_postgres_port_offer_every_method_of_the_port_with_its_parameters(name: str) -> None:
    wanted = methods(port_type(name))
    fake = type(getattr(FakeTransaction(), name))
    postgres = type(getattr(PostgresTransaction(cast(Any, None)), name))  # building one touches no connection
    for implementation in (fake, postgres):
        offered = methods(implementation)
        for method, signature in wanted.items():
            assert method in offered, f"{implementation.__name__} lacks {method}"
            assert [(p.name, p.default) for p in offered[method].parameters.values()] == [
                (p.name, p.default) for p in signature.parameters.values()
            ], f"{implementation.__name__}.{method}"
