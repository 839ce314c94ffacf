"""Camera media is taken only as media (issue 13, finding 2): a camera cannot make the hub fetch an
arbitrary URL, nor serve a page from the hub's own origin. Real hub, real HTTP servers on loopback."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from devices.link import DeviceLink
from hub.adapters.media import HttpDownloader
from hub.services.media import FetchRequest
from tests.integration.camera_media import MediaServer, district_with_media_origins, jpeg, video
from tests.integration.conftest import HubUnderTest, eventually, fetch_value

SITE, CAMERA = "site-02", "cam-02"
PAGE = b"<!DOCTYPE html><html><body><script>fetch('/api/v1/auth/me').then(r => r.text())</script></body></html>"
JPEG, WEBM, MP4 = jpeg(), video(".webm"), video(".mp4")


def _bytes(body: bytes, content_type: str) -> Any:
    async def handle(_: web.Request) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": content_type})

    return handle


async def _redirect(_: web.Request) -> web.Response:
    raise web.HTTPFound("/snapshot.jpg")


@pytest.fixture
def camera_server() -> MediaServer:
    """The camera's own media server (its allowed origin), answering good media and bad."""
    return MediaServer(
        {
            "/page.html": _bytes(PAGE, "text/html"),
            "/lying.jpg": _bytes(PAGE, "image/jpeg"),  # a page that says it is a JPEG
            "/snapshot.jpg": _bytes(JPEG, "text/html"),  # a JPEG that says it is a page: the bytes decide
            "/clip.webm": _bytes(WEBM, "video/webm"),
            "/clip.mp4": _bytes(MP4, "application/octet-stream"),
            "/elsewhere": _redirect,
        }
    )


@pytest.fixture
def district_file(tmp_path: Path, camera_server: MediaServer) -> Path:
    """cam-02 may point the hub at its media server only."""
    path = tmp_path / "district.yaml"
    district = district_with_media_origins({CAMERA: [camera_server.origin]}, sites=4)
    path.write_text(yaml.safe_dump(district, allow_unicode=True), "utf-8")
    return path


@pytest.fixture
async def served(camera_server: MediaServer) -> AsyncIterator[MediaServer]:
    async with camera_server.running() as server:
        yield server


async def publish(link: DeviceLink, hub: HubUnderTest, **media: str) -> str:
    event_id = f"ev-{datetime.now(UTC).timestamp()}"
    body = {"event_id": event_id, "type": "intrusion", "ts": datetime.now(UTC).isoformat(), **media}
    await asyncio.to_thread(link.publish_and_wait, hub.topics.camera_event(SITE, CAMERA), json.dumps(body).encode())
    return event_id


async def media_rows(hub: HubUnderTest, event_id: str, count: int) -> list[dict[str, Any]]:
    """The event's media rows once none is pending any more."""
    db = hub.db
    sql = (
        "SELECT coalesce(json_agg(json_build_object('id', m.id, 'kind', m.kind, 'state', m.state, 'error', m.error,"
        " 'path', m.path, 'content_type', m.content_type) ORDER BY m.id), '[]')"
        " FROM media m JOIN events e ON e.id = m.event_pk WHERE e.event_id = $1"
    )

    async def settled() -> list[dict[str, Any]] | None:
        rows = json.loads(str(await fetch_value(db, sql, event_id)))
        return rows if len(rows) == count and all(r["state"] != "pending" for r in rows) else None

    return await eventually(settled, timeout=20)


async def test_a_camera_url_answering_html_with_a_script_is_refused_with_a_reason_and_never_served(
    hub: HubUnderTest, device_link: DeviceLink, served: MediaServer
) -> None:
    event_id = await publish(device_link, hub, snapshot=served.url("/lying.jpg"), clip=served.url("/page.html"))
    rows = await media_rows(hub, event_id, 2)
    assert sorted(served.hits) == ["/lying.jpg", "/page.html"]  # from an allowed origin: fetched, then judged
    by_kind = {r["kind"]: r for r in rows}
    assert by_kind["snapshot"]["state"] == "failed" and by_kind["clip"]["state"] == "failed"
    assert "snapshot is not image/jpeg" in by_kind["snapshot"]["error"]
    assert "clip is not video/mp4 or video/webm" in by_kind["clip"]["error"]
    assert "<!DOCTYPE" in by_kind["clip"]["error"]  # the reason shows what came instead
    assert all(r["path"] is None for r in rows)
    stored = [p for p in (hub.settings.data_dir / "hub-media").rglob("*") if p.is_file()]
    assert not any(b"<script>" in p.read_bytes() for p in stored)
    async with aiohttp.ClientSession(headers=hub.headers) as session:
        for row in rows:
            async with session.get(f"{hub.http}/api/v1/media/{row['id']}") as response:
                assert response.status == 404
                assert response.content_type == "application/json"


async def test_a_real_jpeg_webm_and_mp4_are_taken_by_their_bytes_and_served_as_the_hubs_own_type(
    hub: HubUnderTest, device_link: DeviceLink, served: MediaServer
) -> None:
    first = await publish(device_link, hub, snapshot=served.url("/snapshot.jpg"), clip=served.url("/clip.webm"))
    second = await publish(device_link, hub, snapshot=base64.b64encode(JPEG).decode(), clip=served.url("/clip.mp4"))
    rows = await media_rows(hub, first, 2) + await media_rows(hub, second, 2)
    assert [(r["kind"], r["state"], r["content_type"]) for r in rows] == [
        ("snapshot", "stored", "image/jpeg"),
        ("clip", "stored", "video/webm"),
        ("snapshot", "stored", "image/jpeg"),
        ("clip", "stored", "video/mp4"),
    ]
    expected = [(JPEG, "image/jpeg", ".jpg"), (WEBM, "video/webm", ".webm"), (JPEG, "image/jpeg", ".jpg")]
    expected.append((MP4, "video/mp4", ".mp4"))
    async with aiohttp.ClientSession(headers=hub.headers) as session:
        for row, (body, content_type, suffix) in zip(rows, expected, strict=True):
            async with session.get(f"{hub.http}/api/v1/media/{row['id']}") as response:
                assert response.status == 200 and await response.read() == body
                assert response.headers["Content-Type"] == content_type
                assert response.headers["X-Content-Type-Options"] == "nosniff"
                assert "sandbox" in response.headers["Content-Security-Policy"]
                assert response.headers["Content-Disposition"] == f'inline; filename="media-{row["id"]}{suffix}"'


async def test_a_url_on_a_host_not_allowed_for_the_camera_is_never_fetched(
    hub: HubUnderTest, device_link: DeviceLink, served: MediaServer
) -> None:
    other = MediaServer({"/snapshot.jpg": _bytes(JPEG, "image/jpeg")})
    async with other.running():
        event_id = await publish(
            device_link,
            hub,
            snapshot=other.url("/snapshot.jpg"),  # another port on the same loopback host
            clip=f"{hub.http}/api/v1/auth/me",  # the hub's own origin
        )
        rows = await media_rows(hub, event_id, 2)
        assert [(r["state"], r["error"]) for r in rows] == [
            ("failed", f"media origin {other.origin} is not allowed for this camera"),
            ("failed", f"media origin {hub.http} is not allowed for this camera"),
        ]
        await asyncio.sleep(1.5)  # the fetcher polls every second: it must not pick them up either
        assert other.hits == [] and served.hits == []


async def test_a_redirect_is_not_followed(hub: HubUnderTest, device_link: DeviceLink, served: MediaServer) -> None:
    event_id = await publish(device_link, hub, snapshot=served.url("/elsewhere"))
    [row] = await media_rows(hub, event_id, 1)
    assert row["state"] == "failed" and row["error"] == "HTTP 302 redirect to '/snapshot.jpg' refused"
    assert served.hits == ["/elsewhere"]


class FakeResolver(AbstractResolver):
    """Resolves every name to 127.0.0.1, as a hostile DNS answer for an allowed camera name would."""

    async def resolve(self, host: str, port: int = 0, family: Any = 0) -> list[ResolveResult]:
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": 2, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        pass


async def test_a_camera_name_that_resolves_to_loopback_is_refused_at_connect_time(served: MediaServer) -> None:
    downloader = HttpDownloader(resolver=FakeResolver)
    url = f"http://camera.example:{served.port}/snapshot.jpg"
    refused = await downloader.fetch(FetchRequest(url, 1 << 20, local_addresses=False))
    assert refused.refused and refused.data is None
    assert refused.error.startswith("camera.example resolves to the local address 127.0.0.1")
    assert served.hits == []
    # An origin configured as a local address itself (the demo's agent on 127.0.0.1) is fetched.
    taken = await downloader.fetch(FetchRequest(served.url("/snapshot.jpg"), 1 << 20, local_addresses=True))
    assert taken.data == JPEG and served.hits == ["/snapshot.jpg"]


async def test_a_literal_local_address_the_origin_does_not_name_and_an_oversized_file_are_refused(
    served: MediaServer,
) -> None:
    downloader = HttpDownloader()
    local = await downloader.fetch(FetchRequest(served.url("/snapshot.jpg"), 1 << 20, local_addresses=False))
    assert local.refused and "127.0.0.1 is a local address" in local.error
    metadata = await downloader.fetch(FetchRequest("http://169.254.169.254/latest/", 1 << 20, local_addresses=False))
    assert metadata.refused
    large = await downloader.fetch(FetchRequest(served.url("/clip.webm"), len(WEBM) - 1, local_addresses=True))
    assert large.refused and large.error.startswith(f"larger than {len(WEBM) - 1} bytes")
    assert served.hits == ["/clip.webm"]
