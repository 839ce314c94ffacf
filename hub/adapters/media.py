"""The hub's own media: files on disk (shared layout and retention with the camera agent's store)
and an HTTP downloader for media that cameras and agents give as URLs."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from hub.adapters.camera.media import MediaStore
from hub.domain.media import is_local_address
from hub.services.media import Download, FetchRequest

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


class LocalAddressRefused(OSError):
    """A name resolved to a loopback or link-local address where the camera's origin does not name one."""


class GuardedResolver(AbstractResolver):
    """Resolves through the system resolver (or `base`), then refuses local answers unless allowed.

    The check is on the very addresses the connector connects to, so DNS cannot point an allowed
    name at the hub's own loopback services or at link-local metadata endpoints."""

    def __init__(self, local_addresses: bool, base: AbstractResolver | None = None) -> None:
        self._local_addresses = local_addresses
        self._base = base or DefaultResolver()
        self.refused = ""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._base.resolve(host, port, family)
        local = [r["host"] for r in results if is_local_address(r["host"])]
        if local and not self._local_addresses:
            self.refused = f"{host} resolves to the local address {local[0]}: refused (configure that address itself)"
            raise LocalAddressRefused(self.refused)
        return results

    async def close(self) -> None:
        await self._base.close()


class HttpDownloader:
    """GET one media URL: no redirects, no decompression (the bytes are checked as sent), at most
    `max_bytes`, and no connection to a local address the camera's origin does not name."""

    def __init__(self, timeout_s: float = 15.0, resolver: Callable[[], AbstractResolver] | None = None) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._resolver = resolver  # tests resolve names their own way; None: the system's

    async def fetch(self, request: FetchRequest) -> Download:
        host = urlsplit(request.url).hostname or ""
        if not request.local_addresses and is_local_address(host):
            return Download(error=f"{host} is a local address the camera's origin does not name", refused=True)
        resolver = GuardedResolver(request.local_addresses, self._resolver() if self._resolver else None)
        connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False)
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout, connector=connector, auto_decompress=False) as session,
                session.get(request.url, allow_redirects=False, headers={"Accept-Encoding": "identity"}) as response,
            ):
                return await _read(response, request.max_bytes)
        except (aiohttp.ClientError, TimeoutError) as exc:
            if resolver.refused:
                return Download(error=resolver.refused, refused=True)
            return Download(error=f"{type(exc).__name__}: {exc}")


async def _read(response: aiohttp.ClientResponse, max_bytes: int) -> Download:
    if 300 <= response.status < 400:
        where = response.headers.get("Location", "")[:200]
        return Download(error=f"HTTP {response.status} redirect to {where!r} refused", refused=True)
    if response.status == 200:
        if (response.content_length or 0) > max_bytes:
            return Download(error=f"larger than {max_bytes} bytes ({response.content_length})", refused=True)
        # read(n) returns what is buffered (64 KiB at most), not n bytes: read to the end, bounded.
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > max_bytes:
                return Download(error=f"larger than {max_bytes} bytes", refused=True)
            chunks.append(chunk)
        return Download(data=b"".join(chunks))
    retry = response.headers.get("Retry-After", "")
    if response.status in _NOT_READY:
        return Download(retry_after_s=float(retry) if retry.isdigit() else None, error=f"HTTP {response.status}")
    return Download(error=f"HTTP {response.status}")
