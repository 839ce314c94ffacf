"""What the scenario runner sees of the hub, through its public interfaces only: the WebSocket stream
(incidents, dispatches, warnings), the REST API (the same, polled as a safety net, device health, reports)
and the MQTT topics (button feedback, officer dispatches). Every observation keeps the monotonic time
it was first seen, so expectations can say when they were met."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import structlog

from devices.contract import Topics
from devices.link import DeviceLink

log = structlog.get_logger(__name__)

POLL_S = 1.0


@dataclass
class Record:
    """One object (an incident, a dispatch, a warning) and each version of it seen, with the time."""

    versions: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    @property
    def latest(self) -> dict[str, Any]:
        return self.versions[-1][1]

    def add(self, at: float, value: dict[str, Any]) -> None:
        if not self.versions or self.versions[-1][1] != value:
            self.versions.append((at, value))


@dataclass(frozen=True)
class Feedback:
    at: float
    device: str
    event_id: str
    state: str


class Observer:
    def __init__(self, http_url: str, token: str, supervisor_token: str | None, topics: Topics) -> None:
        self.http_url = http_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._supervisor = {"Authorization": f"Bearer {supervisor_token or token}"}
        self.topics = topics
        self.incidents: dict[int, Record] = {}
        self.dispatches: dict[int, Record] = {}
        self.warnings: dict[int, Record] = {}
        self.feedback: list[Feedback] = []
        self.device_health: tuple[float, list[dict[str, Any]]] = (0.0, [])
        self._lock = threading.Lock()  # MQTT callbacks run on paho's thread
        self._session: aiohttp.ClientSession | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.errors: list[str] = []
        self.watch_devices = False

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self, link: DeviceLink) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        root = self.topics.button_feedback("SITE", "DEVICE").rsplit("/site/", 1)[0]
        link.subscribe(f"{root}/site/+/button/+/feedback", self._on_feedback)
        ready = asyncio.get_running_loop().create_future()
        self._tasks = [
            asyncio.create_task(self._stream(ready), name="scenario-ws"),
            asyncio.create_task(self._poll(), name="scenario-poll"),
        ]
        await asyncio.wait_for(ready, 15)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._session is not None:
            await self._session.close()

    # --- sources --------------------------------------------------------------------------------
    def _on_feedback(self, topic: str, body: bytes) -> None:
        match = self.topics.parse(topic)
        try:
            message = json.loads(body)
        except ValueError:
            return
        if match is None or not isinstance(message, dict):
            return
        with self._lock:
            self.feedback.append(
                Feedback(time.monotonic(), match.device or "", str(message.get("event_id")), str(message.get("state")))
            )

    async def _stream(self, ready: asyncio.Future[None]) -> None:
        assert self._session is not None
        while True:
            try:
                async with self._session.ws_connect(
                    f"{self.http_url}/api/v1/stream", headers=self._headers, heartbeat=10
                ) as socket:
                    async for message in socket:
                        if message.type is not aiohttp.WSMsgType.TEXT:
                            break
                        self._change(json.loads(message.data))
                        if not ready.done():
                            ready.set_result(None)
            except (aiohttp.ClientError, OSError) as exc:
                if not ready.done():
                    ready.set_exception(exc)
                    return
                self.errors.append(f"WebSocket: {exc}")
            await asyncio.sleep(0.5)

    def _change(self, change: dict[str, Any]) -> None:
        now = time.monotonic()
        kind = change.get("type")
        if kind == "snapshot":
            for incident in change.get("incidents", []):
                self._put(self.incidents, now, incident)
        elif kind == "incident":
            self._put(self.incidents, now, change["incident"])
        elif kind == "dispatch":
            self._put(self.dispatches, now, change["dispatch"])
        elif kind == "warning":
            self._put(self.warnings, now, change["warning"])

    def _put(self, table: dict[int, Record], at: float, value: dict[str, Any]) -> None:
        with self._lock:
            table.setdefault(int(value["id"]), Record()).add(at, value)

    async def _poll(self) -> None:
        """The REST API as a safety net under the stream (a resync, a lost frame), and the device
        health view, which the stream does not carry."""
        while True:
            try:
                now = time.monotonic()
                for incident in (await self.get("/api/v1/incidents?state=all&limit=1000"))["incidents"]:
                    self._put(self.incidents, now, incident)
                for warning in (await self.get("/api/v1/warnings?limit=200"))["warnings"]:
                    self._put(self.warnings, now, warning)
                open_ids = [i for i, r in self.incidents.items() if r.latest.get("state") not in _FINAL]
                for incident_id in open_ids[:20]:
                    detail = await self.get(f"/api/v1/incidents/{incident_id}")
                    for dispatch in detail.get("dispatches", []):
                        self._put(self.dispatches, time.monotonic(), dispatch)
                if self.watch_devices:
                    self.device_health = (time.monotonic(), (await self.get("/api/v1/devices/health"))["devices"])
            except (aiohttp.ClientError, OSError, ValueError) as exc:
                self.errors.append(f"REST poll: {exc}")
            await asyncio.sleep(POLL_S)

    # --- REST -----------------------------------------------------------------------------------
    async def get(self, path: str, supervisor: bool = False) -> Any:
        assert self._session is not None
        headers = self._supervisor if supervisor else self._headers
        async with self._session.get(self.http_url + path, headers=headers) as response:
            body = await response.json(content_type=None)
            if response.status >= 400:
                raise aiohttp.ClientResponseError(
                    response.request_info, (), status=response.status, message=json.dumps(body)[:300]
                )
            return body

    async def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        assert self._session is not None
        async with self._session.post(self.http_url + path, json=body, headers=self._headers) as response:
            return response.status, await response.json(content_type=None)

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(
                {k: Record(list(v.versions)) for k, v in self.incidents.items()},
                {k: Record(list(v.versions)) for k, v in self.dispatches.items()},
                {k: Record(list(v.versions)) for k, v in self.warnings.items()},
                list(self.feedback),
                self.device_health,
            )


_FINAL = ("resolved", "cancelled")


@dataclass(frozen=True)
class Snapshot:
    incidents: dict[int, Record]
    dispatches: dict[int, Record]
    warnings: dict[int, Record]
    feedback: list[Feedback]
    device_health: tuple[float, list[dict[str, Any]]]
