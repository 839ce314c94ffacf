"""In-memory fakes of the write side's ports (hub.services.ports), for service tests without a database."""

from tests.unit.fakes.transaction import FakeStore, FakeTransaction

__all__ = ["FakeStore", "FakeTransaction"]
