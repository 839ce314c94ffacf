"""Relay from the transactional outbox to the broker: commands go out at least once, in order of
creation, and survive a crash between commit and publish."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, suppress
from typing import Protocol

import structlog

from hub.services.messages import OutboundMessage
from hub.services.ports import Publisher

log = structlog.get_logger(__name__)


class OutboxClaim(Protocol):
    messages: list[tuple[int, OutboundMessage]]

    async def mark_sent(self, ids: list[int]) -> None: ...


class Outbox(Protocol):
    def claim(self, limit: int) -> AbstractAsyncContextManager[OutboxClaim]: ...


class OutboxRelay:
    def __init__(
        self,
        outbox: Outbox,
        publisher: Publisher,
        nudge: asyncio.Event,
        batch: int = 200,
        poll_s: float = 1.0,
        publish_timeout_s: float = 10.0,
    ) -> None:
        self._outbox = outbox
        self._publisher = publisher
        self._nudge = nudge
        self._batch = batch
        self._poll_s = poll_s
        self._publish_timeout_s = publish_timeout_s
        self.sent = 0

    async def run(self) -> None:
        delay = self._poll_s
        while True:
            self._nudge.clear()  # before draining, so a nudge that arrives meanwhile is kept
            try:
                while await self.relay_once():
                    pass
                delay = self._poll_s
            except Exception as exc:  # broker or database down: keep the rows, retry with backoff
                log.warning("outbox relay failed; will retry", error=repr(exc), retry_in_s=delay)
                delay = min(delay * 2, 30.0)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._nudge.wait(), timeout=delay)

    async def relay_once(self) -> int:
        """Send one claimed batch; return how many were sent."""
        async with self._outbox.claim(self._batch) as claim:
            if not claim.messages:
                return 0
            async with asyncio.timeout(self._publish_timeout_s):
                await asyncio.gather(*(self._publisher.publish(m) for _, m in claim.messages))
            await claim.mark_sent([i for i, _ in claim.messages])
        self.sent += len(claim.messages)
        return len(claim.messages)
