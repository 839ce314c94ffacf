"""Relay from the transactional outbox to the broker.

Delivery is at least once overall and at most once per claim: a relay claims rows for a lease and
hands a message to the broker only while its claim is valid by its own clock, so a relay that stalls
mid-batch (SIGSTOP, a frozen VM) sends nothing more after waking; another relay takes the lapsed
rows. A message can still go out twice (its PUBACK lost with the connection, the claimant stalled
between the check and the socket write, a crash after the PUBACK and before it was marked sent),
so every receiver deduplicates: a button on (event_id, state), a speaker on command_id, an officer's
app on (dispatch_id, status). README "Additions to the wire contract" says so for device makers.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

import structlog

from hub.services.backoff import Backoff
from hub.services.messages import OutboundMessage
from hub.services.polling import wait_at_most
from hub.services.ports import Publisher

log = structlog.get_logger(__name__)


class OutboxClaim(Protocol):
    messages: list[tuple[int, OutboundMessage]]
    send_until: float  # time.monotonic() past which nothing of this claim may be handed to the broker

    async def mark_sent(self, ids: list[int]) -> None: ...

    async def release(self, ids: list[int]) -> None: ...


@dataclass(frozen=True)
class OutboxLease:
    """A claim taken as the rows are written (`token`, for `lease_s` by the database's clock)."""

    token: uuid.UUID
    lease_s: float
    send_until: float  # time.monotonic(), as OutboxClaim.send_until


class Outbox(Protocol):
    async def claim(self, limit: int, lease_s: float) -> OutboxClaim: ...

    def held(self, lease: OutboxLease, messages: list[tuple[int, OutboundMessage]]) -> OutboxClaim:
        """The claim of rows written already claimed under `lease`."""
        ...


async def deliver(publisher: Publisher, claim: OutboxClaim, publish_timeout_s: float) -> int:
    """Send what `claim` holds, mark it sent; release what could not be sent and raise."""
    results = await publisher.publish_all(
        [message for _, message in claim.messages], not_after=claim.send_until, timeout_s=publish_timeout_s
    )
    sent = [i for (i, _), r in zip(claim.messages, results, strict=True) if r is None]
    unsent = [i for (i, _), r in zip(claim.messages, results, strict=True) if r is not None]
    if sent:
        await claim.mark_sent(sent)
    if unsent:
        await claim.release(unsent)
        error = next(r for r in results if isinstance(r, BaseException))
        raise RuntimeError(f"{len(unsent)} of {len(claim.messages)} outbox messages not sent: {error!r}")
    return len(sent)


@dataclass(eq=False)
class ImmediateSender:
    """Sends a transaction's outbound messages the moment it commits (the alarm lane's `received`),
    without the relay's wake-up and claim round trip. The rows are written already claimed under a
    lease, in the same transaction: the relay leaves them alone while they are sent here; what cannot
    be sent is released to the relay at once, and if the hub dies first the lease lapses and the
    relay sends them. Lost: never; doubled: as with the relay, which receivers deduplicate."""

    outbox: Outbox
    publisher: Publisher
    relay_nudge: asyncio.Event
    lease_s: float = 5.0
    publish_timeout_s: float = 4.0
    _sending: set[asyncio.Task[None]] = field(default_factory=set, init=False, repr=False)

    def lease(self) -> OutboxLease:
        """Taken before the transaction that writes the rows, so `send_until` errs early."""
        return OutboxLease(uuid.uuid4(), self.lease_s, time.monotonic() + self.lease_s * 0.8)

    def send(self, lease: OutboxLease, messages: list[tuple[int, OutboundMessage]]) -> None:
        """After the commit: send in the background (the caller acknowledges meanwhile)."""
        task = asyncio.create_task(self._send(self.outbox.held(lease, messages)), name="outbox-at-commit")
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, claim: OutboxClaim) -> None:
        try:
            await deliver(self.publisher, claim, self.publish_timeout_s)
        except Exception as exc:
            log.warning("outbound message not sent at commit; the relay takes it", error=repr(exc))
            self.relay_nudge.set()


@dataclass(eq=False)
class OutboxRelay:
    """Sends what the outbox holds, in claimed batches: woken by `nudge` (a commit wrote rows), else
    every `poll_s`; with backoff while the broker or the database is down."""

    outbox: Outbox
    publisher: Publisher
    nudge: asyncio.Event
    batch: int = 200
    poll_s: float = 1.0
    lease_s: float = 5.0
    publish_timeout_s: float = 4.0
    sent: int = field(default=0, init=False)

    async def run(self) -> None:
        backoff = Backoff(initial_s=self.poll_s, maximum_s=30.0)
        while True:
            self.nudge.clear()  # before draining, so a nudge that arrives meanwhile is kept
            try:
                while await self.relay_once():
                    pass
                backoff.reset()
                delay = self.poll_s
            except Exception as exc:  # broker or database down: the rows stay unsent, retry with backoff
                delay = backoff.next_delay()
                log.warning("outbox relay failed; will retry", error=repr(exc), retry_in_s=delay)
            await wait_at_most(delay, self.nudge.wait())

    async def relay_once(self) -> int:
        """Send one claimed batch; return how many were sent. Raises if some could not be sent
        (they are released for the next try)."""
        claim = await self.outbox.claim(self.batch, self.lease_s)
        if not claim.messages:
            return 0
        sent = await deliver(self.publisher, claim, self.publish_timeout_s)
        self.sent += sent
        return sent
