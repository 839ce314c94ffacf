"""The hub's own media: files on disk (shared layout and retention with the camera agent's store)
and an HTTP downloader for media that cameras and agents give as URLs."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import aiohttp

from hub.adapters.camera.media import MediaStore
from hub.services.media import Download

MAX_MEDIA_BYTES = 64 * 1024 * 1024
_NOT_READY = {404, 409, 425, 503}  # an agent answers so while it is still writing the clip


class DiskMediaFiles:
    def __init__(self, root: Path, max_age_days: float = 30.0, max_gb: float = 50.0) -> None:
        self.store = MediaStore(root, max_age_days, int(max_gb * 1024**3))

    async def save(self, device_id: str, event_id: str, at: datetime, data: bytes, suffix: str) -> str:
        path = await asyncio.to_thread(self.store.save_bytes, device_id, event_id, at.timestamp(), data, suffix)
        return self.store.relative(path)

    def resolve(self, relative: str) -> Path | None:
        return self.store.resolve(relative)

    async def prune_forever(self, every_s: float = 3600) -> None:
        while True:
            await asyncio.to_thread(self.store.prune)
            await asyncio.sleep(every_s)


class HttpDownloader:
    def __init__(self, timeout_s: float = 15.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def fetch(self, url: str) -> Download:
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session, session.get(url) as response:
                if response.status == 200:
                    data = await response.content.read(MAX_MEDIA_BYTES + 1)
                    if len(data) > MAX_MEDIA_BYTES:
                        return Download(error=f"larger than {MAX_MEDIA_BYTES} bytes")
                    return Download(data=data, content_type=response.content_type)
                retry = response.headers.get("Retry-After", "")
                if response.status in _NOT_READY:
                    return Download(
                        retry_after_s=float(retry) if retry.isdigit() else None, error=f"HTTP {response.status}"
                    )
                return Download(error=f"HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Download(error=f"{type(exc).__name__}: {exc}")
