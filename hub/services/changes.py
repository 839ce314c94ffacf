"""Fan-out of committed changes to live views (console WebSockets, officer apps)."""

from __future__ import annotations

import asyncio
import json
from types import TracebackType
from typing import Any

from hub.services.ports import JsonObject

RESYNC: JsonObject = {"type": "resync"}


class Frame(dict[str, Any]):
    """A change (a JSON object) with its text, made once when it is published rather than by each live view
    that sends it: one incident reaches every console, and the push is on the alarm's path."""

    __slots__ = ("text",)

    def __init__(self, change: JsonObject) -> None:
        super().__init__(change)
        self.text = json.dumps(change, ensure_ascii=False)


class Subscription:
    """Changes for one live view, registered from the moment it is created (so a view can subscribe
    first, then load its snapshot, and miss nothing in between). Use as a context manager."""

    def __init__(self, broadcaster: Broadcaster, queue_size: int) -> None:
        self._broadcaster = broadcaster
        self._queue: asyncio.Queue[JsonObject] = asyncio.Queue(queue_size)

    def offer(self, change: JsonObject) -> None:
        try:
            self._queue.put_nowait(change)
        except asyncio.QueueFull:
            # Too slow to keep up: rather than grow without bound or go silently stale, drop the
            # backlog and tell the view to reload everything.
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait(RESYNC)

    async def get(self) -> JsonObject:
        return await self._queue.get()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> JsonObject:
        return await self._queue.get()

    def close(self) -> None:
        self._broadcaster.unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Broadcaster:
    """An in-process ChangeFeed with one bounded queue per subscriber."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)

    def publish(self, change: JsonObject) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.offer(change)

    def subscribe(self) -> Subscription:
        subscription = Subscription(self, self._queue_size)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)
