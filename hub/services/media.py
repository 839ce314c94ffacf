"""Camera media: a snapshot inline in an event is stored at intake; a clip (or a snapshot given as a
URL) is fetched after the event is committed, retried while the camera is still writing it, and kept
by the hub, so the console never depends on reaching a camera or an edge box.

Media is taken only as media (hub.domain.media): a URL outside the camera's allowed origins is never
fetched, and bytes that are not a JPEG snapshot or a WebM/MP4 clip are refused with the reason, whatever
the remote end says they are.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import ClassVar, Protocol

import structlog

from hub.domain.district import District
from hub.domain.events import DeviceEvent
from hub.domain.media import MAX_BYTES, SUFFIXES, media_problem, origin_of, sniff, url_problem
from hub.services.clock import utc_now
from hub.services.intake import AcceptedEvent
from hub.services.polling import every
from hub.services.ports.devices import MediaItem, PendingMedia
from hub.services.ports.transaction import Store

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class FetchRequest:
    url: str
    max_bytes: int  # refuse (without reading it all) anything larger
    local_addresses: bool  # may connect to loopback/link-local: only when the allowed origin names one


@dataclass(frozen=True, slots=True)
class Download:
    data: bytes | None = None
    retry_after_s: float | None = None  # not ready yet (e.g. a clip still being written)
    error: str = ""
    refused: bool = False  # the hub will not take it (redirect, local address, too large): never retried


class MediaFiles(Protocol):
    async def save(self, device_id: str, event_id: str, at: datetime, data: bytes, suffix: str) -> str:
        """Store the bytes; return the path relative to the media root."""
        ...


class Downloader(Protocol):
    async def fetch(self, request: FetchRequest) -> Download: ...


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


async def take_inline_media(
    accepted: Sequence[AcceptedEvent], files: MediaFiles, district: District
) -> tuple[list[AcceptedEvent], list[MediaItem]]:
    """Store inline snapshots and note media to fetch. The event keeps a reference instead of the
    base64 image (an event row is not a file store). A URL the camera may not point at is noted as
    failed with the reason and never fetched. A bad image never costs the event itself."""
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
            items.append(_to_fetch(event, "snapshot", snapshot, district))
        elif isinstance(snapshot, str):
            try:
                data = base64.b64decode(snapshot, validate=True)
            except (binascii.Error, ValueError):
                data = b""
            problem = media_problem("snapshot", data) if data else "snapshot is neither a URL nor base64"
            if problem is None:
                path = await files.save(*key, event.occurred_at, data, SUFFIXES["image/jpeg"])
                items.append(
                    MediaItem(*key, "snapshot", "stored", path=path, content_type="image/jpeg", size=len(data))
                )
                payload["snapshot"] = {"stored": path}
            else:
                items.append(MediaItem(*key, "snapshot", "failed", error=problem))
                payload["snapshot"] = {"rejected": problem}
                log.warning("camera snapshot refused", site=event.site_id, device=event.device_id, reason=problem)
        if isinstance(clip, str) and _is_url(clip):
            items.append(_to_fetch(event, "clip", clip, district))
        out.append(replace(item, payload=payload))
    return out, items


def _to_fetch(event: DeviceEvent, kind: str, url: str, district: District) -> MediaItem:
    """Pending when the camera may point the hub there; failed with the reason (never fetched) if not."""
    device = district.devices.get(event.device_id)
    problem = url_problem(url, device.media_origins if device else ())
    if problem is None:
        return MediaItem(event.device_id, event.event_id, kind, "pending", source_url=url)
    log.warning("camera media URL refused", site=event.site_id, device=event.device_id, kind=kind, reason=problem)
    return MediaItem(event.device_id, event.event_id, kind, "failed", source_url=url[:2048], error=problem)


@dataclass(eq=False)
class MediaFetcher:
    """Fetches pending media. Rows are leased (claimed with a deadline), so several instances may run
    it and a crashed fetch is taken up again."""

    MAX_ATTEMPTS: ClassVar[int] = 40
    LEASE: ClassVar[timedelta] = timedelta(seconds=60)

    store: Store
    downloader: Downloader
    files: MediaFiles
    district: District
    clock: Callable[[], datetime] = utc_now

    async def fetch_due(self, limit: int = 8) -> int:
        async with self.store.transaction() as tx:
            due = await tx.media.claim_due_media(self.clock(), self.LEASE, limit)
        results = await asyncio.gather(*(self._fetch(item) for item in due))
        return sum(results)

    async def _fetch(self, item: PendingMedia) -> int:
        problem, download = self._refusal(item), None
        if problem is None:
            origin = origin_of(item.url)
            assert origin is not None  # url_problem passed
            request = FetchRequest(item.url, MAX_BYTES[item.kind], origin.names_local_address)
            download = await self.downloader.fetch(request)
            if download.refused:
                problem = download.error
            elif download.data is not None:
                problem = media_problem(item.kind, download.data)
        async with self.store.transaction() as tx:
            if problem is not None:
                await tx.media.media_failed(item.id, problem)
                log.warning("camera media refused", device=item.device_id, kind=item.kind, reason=problem)
                return 0
            assert download is not None
            if download.data is not None:
                content_type = sniff(download.data)
                assert content_type is not None  # media_problem passed
                path = await self.files.save(
                    item.device_id, item.event_id, item.occurred_at, download.data, SUFFIXES[content_type]
                )
                await tx.media.media_stored(item.id, path, content_type, len(download.data))
                log.info("camera media fetched", device=item.device_id, kind=item.kind, bytes=len(download.data))
                return 1
            if item.attempts >= self.MAX_ATTEMPTS:
                await tx.media.media_failed(item.id, download.error or "not ready in time")
                log.warning("camera media given up", device=item.device_id, kind=item.kind, url=item.url)
                return 0
            wait = download.retry_after_s or min(2.0 * item.attempts, 30.0)
            await tx.media.media_retry(item.id, self.clock() + timedelta(seconds=wait), download.error)
            return 0

    def _refusal(self, item: PendingMedia) -> str | None:
        """Checked again at fetch time: rows noted before a change of the district file."""
        device = self.district.devices.get(item.device_id)
        if item.kind not in MAX_BYTES:
            return f"unknown media kind {item.kind!r}"
        return url_problem(item.url, device.media_origins if device else ())

    async def run(self, interval_s: float = 1.0) -> None:
        await every(interval_s, self.fetch_due, "media fetch round failed; will retry")
