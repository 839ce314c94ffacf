"""HTTP hardening (issue 13, finding 6): idle, half-open and trickling connections are reaped within their
bounds (raw sockets on loopback against a real hub), and every answer carries the security headers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import aiohttp
import pytest

from hub.adapters.web.hardening import PAGE_CSP
from hub.config import Settings
from tests.integration.conftest import HubUnderTest, running_hub

IDLE_S = BODY_S = 1.0
MARGIN_S = 4.0  # a busy 2-core machine: the bound plus this, and far below aiohttp's default (an hour)


@pytest.fixture
async def hub(hub_settings: Settings) -> AsyncIterator[HubUnderTest]:
    settings = hub_settings.model_copy(update={"http_idle_timeout_s": IDLE_S, "http_body_timeout_s": BODY_S})
    async with running_hub(settings) as running:
        yield running


async def connect(hub: HubUnderTest) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    address = urlsplit(hub.http)
    assert address.hostname and address.port
    return await asyncio.open_connection(address.hostname, address.port)


async def until_closed(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, drip: bytes = b"", every_s: float = 0.2
) -> tuple[float, bytes]:
    """Seconds until the hub closes the connection (while `drip` is sent a byte at a time), and what it sent."""
    started, received = time.monotonic(), b""

    async def send() -> None:
        for byte in drip:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every_s)

    sender = asyncio.create_task(send())
    try:
        async with asyncio.timeout(60):
            while chunk := await reader.read(65536):
                received += chunk
    except ConnectionResetError:
        pass
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await sender
        writer.close()
    return time.monotonic() - started, received


async def test_a_connection_that_sends_nothing_is_closed_after_the_idle_timeout(hub: HubUnderTest) -> None:
    elapsed, received = await until_closed(*await connect(hub))
    assert IDLE_S - 0.1 <= elapsed < IDLE_S + MARGIN_S and received == b""


async def test_a_keep_alive_connection_is_closed_once_idle_after_its_answer(hub: HubUnderTest) -> None:
    reader, writer = await connect(hub)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n")
    elapsed, received = await until_closed(reader, writer)
    assert received.startswith(b"HTTP/1.1 200") and elapsed < IDLE_S + MARGIN_S


async def test_a_request_head_sent_byte_by_byte_is_cut_off(hub: HubUnderTest) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"  # 40 s at this pace
    elapsed, received = await until_closed(*await connect(hub), drip=head)
    assert elapsed < IDLE_S + MARGIN_S and received == b""


async def test_a_request_body_that_never_finishes_gets_408_and_the_connection_closed(hub: HubUnderTest) -> None:
    reader, writer = await connect(hub)
    writer.write(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n"
    )
    elapsed, received = await until_closed(reader, writer, drip=b'{"username": "' + b"u" * 500)
    assert received.startswith(b"HTTP/1.1 408") and b"request_timeout" in received
    assert elapsed < BODY_S + 2.0 + MARGIN_S  # the body deadline, then at most the 2 s lingering drain


async def test_a_request_body_that_arrives_in_time_is_read_as_usual(hub: HubUnderTest) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{hub.http}/api/v1/auth/login", json={"username": "nobody", "password": "x"}) as response,
    ):
        assert response.status == 401  # judged on its body, not refused for it


EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


async def test_every_answer_carries_the_security_headers(hub: HubUnderTest) -> None:
    pages = ["/login", "/", "/officer", "/reports"]
    others = [
        ("GET", "/static/console.js", None),
        ("GET", "/healthz", None),
        ("GET", "/metrics", None),
        ("GET", "/api/v1/openapi.json", None),
        ("GET", "/api/v1/incidents", None),  # 401
        ("GET", "/api/v1/incidents", hub.headers),
        ("GET", "/api/v1/no-such-thing", hub.headers),  # 404
        ("GET", "/api/v1/media/1", hub.headers),  # 404
        ("POST", "/api/v1/incidents/1/ack", hub.headers),  # 404 or 409: an error from a handler
        ("DELETE", "/healthz", None),  # 405
    ]
    async with aiohttp.ClientSession() as session:
        for path in pages:
            async with session.get(f"{hub.http}{path}", headers=hub.headers, allow_redirects=False) as response:
                assert response.status in (200, 302, 303, 403), path  # a duty token may not open /officer
                _check(response, path)
                if response.status == 200:
                    assert response.headers["Content-Security-Policy"] == PAGE_CSP
        for method, path, headers in others:
            async with session.request(method, f"{hub.http}{path}", headers=headers) as response:
                _check(response, f"{method} {path} {response.status}")
                assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        async with session.ws_connect(f"{hub.http}/api/v1/stream", headers=hub.headers) as socket:
            assert socket._response.headers["X-Content-Type-Options"] == "nosniff"


def _check(response: aiohttp.ClientResponse, what: str) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{what}: {name}"
    assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), what
