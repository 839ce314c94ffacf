"""Messages crossing the hub's boundary, as the hub's own immutable types (no paho objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A message from a device or officer. `receipt` is the adapter's opaque handle used to
    acknowledge it once what it carries is committed."""

    topic: str
    payload: bytes
    received_at: datetime
    receipt: object = None


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """A command for a device or officer, published at least once (QoS 1) via the outbox."""

    topic: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Rejection:
    """A message refused at the boundary, kept in the dead-letter store."""

    topic: str
    payload: bytes
    received_at: datetime
    reason: str
    detail: str = ""
    source: str = "mqtt"


class SendWindowClosed(RuntimeError):
    """A message was not handed to the broker because the claim it belongs to has lapsed (by the
    sender's own clock): another sender may hold it now, and must be the only one to send it."""
