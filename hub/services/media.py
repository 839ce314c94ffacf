"""Camera media: a snapshot inline in an event is stored at intake; a clip (or a snapshot given as a
URL) is fetched after the event is committed, retried while the camera is still writing it, and kept
by the hub, so the console never depends on reaching a camera or an edge box.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

import structlog

from hub.services.intake import AcceptedEvent

log = structlog.get_logger(__name__)

JPEG_MAGIC = b"\xff\xd8\xff"
SUFFIXES = {"image/jpeg": ".jpg", "video/webm": ".webm", "video/mp4": ".mp4"}


@dataclass(frozen=True, slots=True)
class MediaItem:
    """Media of one event, before it has an event row to hang on."""

    device_id: str
    event_id: str
    kind: str  # snapshot or clip
    state: str  # stored, pending (to fetch) or failed
    source_url: str | None = None
    path: str | None = None
    content_type: str | None = None
    size: int | None = None
    error: str = ""


@dataclass(frozen=True, slots=True)
class PendingMedia:
    id: int
    device_id: str
    event_id: str
    kind: str
    url: str
    attempts: int  # including this one
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Download:
    data: bytes | None = None
    content_type: str = ""
    retry_after_s: float | None = None  # not ready yet (e.g. a clip still being written)
    error: str = ""


class MediaFiles(Protocol):
    async def save(self, device_id: str, event_id: str, at: datetime, data: bytes, suffix: str) -> str:
        """Store the bytes; return the path relative to the media root."""
        ...


class Downloader(Protocol):
    async def fetch(self, url: str) -> Download: ...


class MediaTransaction(Protocol):
    async def claim_due_media(self, now: datetime, lease: timedelta, limit: int) -> list[PendingMedia]: ...

    async def media_stored(self, media_id: int, path: str, content_type: str, size: int) -> None: ...

    async def media_retry(self, media_id: int, at: datetime, error: str) -> None: ...

    async def media_failed(self, media_id: int, error: str) -> None: ...


class MediaStorePort(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[MediaTransaction]: ...


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


async def take_inline_media(
    accepted: Sequence[AcceptedEvent], files: MediaFiles
) -> tuple[list[AcceptedEvent], list[MediaItem]]:
    """Store inline snapshots and note media to fetch. The event keeps a reference instead of the
    base64 image (an event row is not a file store). A bad image never costs the event itself."""
    out: list[AcceptedEvent] = []
    items: list[MediaItem] = []
    for item in accepted:
        event, payload = item.event, item.payload
        if event.device_kind != "camera" or not (payload.get("snapshot") or payload.get("clip")):
            out.append(item)
            continue
        payload = dict(payload)
        snapshot, clip = payload.get("snapshot"), payload.get("clip")
        key = (event.device_id, event.event_id)
        if isinstance(snapshot, str) and _is_url(snapshot):
            items.append(MediaItem(*key, "snapshot", "pending", source_url=snapshot))
        elif isinstance(snapshot, str):
            try:
                data = base64.b64decode(snapshot, validate=True)
            except (binascii.Error, ValueError):
                data = b""
            if data.startswith(JPEG_MAGIC):
                path = await files.save(*key, event.occurred_at, data, ".jpg")
                items.append(
                    MediaItem(*key, "snapshot", "stored", path=path, content_type="image/jpeg", size=len(data))
                )
                payload["snapshot"] = {"stored": path}
            else:
                items.append(MediaItem(*key, "snapshot", "failed", error="snapshot is neither a URL nor a base64 JPEG"))
                payload["snapshot"] = {"rejected": "not a base64 JPEG"}
                log.warning("camera snapshot unreadable", site=event.site_id, device=event.device_id)
        if isinstance(clip, str) and _is_url(clip):
            items.append(MediaItem(*key, "clip", "pending", source_url=clip))
        out.append(replace(item, payload=payload))
    return out, items


def _utc_now() -> datetime:
    return datetime.now(UTC)


class MediaFetcher:
    """Fetches pending media. Rows are leased (claimed with a deadline), so several instances may run
    it and a crashed fetch is taken up again."""

    MAX_ATTEMPTS = 40
    LEASE = timedelta(seconds=60)

    def __init__(
        self,
        store: MediaStorePort,
        downloader: Downloader,
        files: MediaFiles,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._store = store
        self._downloader = downloader
        self._files = files
        self._clock = clock

    async def fetch_due(self, limit: int = 8) -> int:
        async with self._store.transaction() as tx:
            due = await tx.claim_due_media(self._clock(), self.LEASE, limit)
        results = await asyncio.gather(*(self._fetch(item) for item in due))
        return sum(results)

    async def _fetch(self, item: PendingMedia) -> int:
        download = await self._downloader.fetch(item.url)
        async with self._store.transaction() as tx:
            if download.data is not None:
                suffix = SUFFIXES.get(download.content_type, ".jpg" if item.kind == "snapshot" else ".webm")
                path = await self._files.save(item.device_id, item.event_id, item.occurred_at, download.data, suffix)
                await tx.media_stored(item.id, path, download.content_type, len(download.data))
                log.info("camera media fetched", device=item.device_id, kind=item.kind, bytes=len(download.data))
                return 1
            if item.attempts >= self.MAX_ATTEMPTS:
                await tx.media_failed(item.id, download.error or "not ready in time")
                log.warning("camera media given up", device=item.device_id, kind=item.kind, url=item.url)
                return 0
            wait = download.retry_after_s or min(2.0 * item.attempts, 30.0)
            await tx.media_retry(item.id, self._clock() + timedelta(seconds=wait), download.error)
            return 0

    async def run(self, interval_s: float = 1.0) -> None:
        while True:
            try:
                await self.fetch_due()
            except Exception as exc:  # the database may be away: rows stay pending, retry
                log.warning("media fetch round failed; will retry", error=repr(exc))
            await asyncio.sleep(interval_s)
