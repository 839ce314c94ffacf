"""Virtual officers: sign on, take dispatches after a delay, drive toward the site sharing their
location, report on scene and resolve. A declining or silent officer exercises escalation."""

from __future__ import annotations

import json
import math
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from devices.contract import OfficerPresence, Topics, encode
from devices.link import DeviceLink
from hub.domain.district import District, Site


class Mode(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    SILENT = "silent"


@dataclass(frozen=True)
class Behaviour:
    mode: Mode = Mode.ACCEPT
    accept_after_s: float = 3.0
    speed_m_s: float = 12.0  # a patrol car in city traffic
    update_every_s: float = 2.0
    on_scene_s: float = 20.0
    time_scale: float = 1.0  # >1 makes the journey faster than real time (tests, demos)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _step_toward(lat: float, lon: float, to_lat: float, to_lon: float, metres: float) -> tuple[float, float, bool]:
    dy = (to_lat - lat) * 111_320.0
    dx = (to_lon - lon) * 111_320.0 * math.cos(math.radians(lat))
    remaining = math.hypot(dx, dy)
    if remaining <= metres:
        return to_lat, to_lon, True
    share = metres / remaining
    return lat + (to_lat - lat) * share, lon + (to_lon - lon) * share, False


class OfficerSimulator:
    def __init__(
        self, link: DeviceLink, topics: Topics, officer_id: str, start: tuple[float, float], behaviour: Behaviour
    ) -> None:
        self._link = link
        self._topics = topics
        self.officer_id = officer_id
        self.lat, self.lon = start
        self._behaviour = behaviour
        self._stops: dict[str, threading.Event] = {}
        self.handled: list[tuple[str, str]] = []  # (dispatch id, what this officer did)
        self._lock = threading.Lock()

    def start(self) -> None:
        self._link.subscribe(self._topics.officer_dispatch(self.officer_id), self._on_dispatch)
        self._presence(on_duty=True)

    def set_behaviour(self, behaviour: Behaviour) -> None:
        """How the officer answers dispatches offered from now on (a scenario changes its mind)."""
        self._behaviour = behaviour

    def stop(self) -> None:
        for stop in self._stops.values():
            stop.set()
        self._presence(on_duty=False)

    def _presence(self, on_duty: bool | None = None) -> None:
        payload = OfficerPresence(ts=datetime.now(UTC), on_duty=on_duty, lat=self.lat, lon=self.lon)
        self._link.publish(self._topics.officer_presence(self.officer_id), encode(payload))

    def _reply(self, dispatch_id: str, action: str, **extra: object) -> None:
        body = {"dispatch_id": dispatch_id, "action": action, "ts": _now(), **extra}
        self._link.publish(self._topics.officer_reply(self.officer_id), json.dumps(body).encode())
        with self._lock:
            self.handled.append((dispatch_id, action))

    def _on_dispatch(self, _topic: str, body: bytes) -> None:
        dispatch = json.loads(body)
        dispatch_id = str(dispatch["dispatch_id"])
        if dispatch.get("status") not in (None, "offered"):
            stop = self._stops.get(dispatch_id)
            if stop is not None:
                stop.set()  # withdrawn, timed out or completed: it is no longer ours
            return
        if dispatch_id in self._stops:
            return  # a redelivered dispatch
        stop = self._stops[dispatch_id] = threading.Event()
        threading.Thread(
            target=self._respond, args=(dispatch, stop), daemon=True, name=f"officer-{dispatch_id}"
        ).start()

    def _respond(self, dispatch: dict[str, object], stop: threading.Event) -> None:
        b = self._behaviour
        dispatch_id = str(dispatch["dispatch_id"])
        if b.mode is Mode.SILENT or stop.wait(b.accept_after_s / b.time_scale):
            return
        if b.mode is Mode.DECLINE:
            self._reply(dispatch_id, "decline", note="正在处理其他警情 / busy with another call")
            return
        self._reply(dispatch_id, "accept")
        site = dispatch["site"]
        assert isinstance(site, dict)
        to_lat, to_lon = site.get("lat"), site.get("lon")
        self._reply(dispatch_id, "en_route", lat=self.lat, lon=self.lon)
        arrived = False
        while to_lat is not None and to_lon is not None and not arrived:
            if stop.wait(b.update_every_s / b.time_scale):
                return
            self.lat, self.lon, arrived = _step_toward(
                self.lat, self.lon, to_lat, to_lon, b.speed_m_s * b.update_every_s
            )
            self._presence()
        self._reply(dispatch_id, "on_scene", lat=self.lat, lon=self.lon)
        if stop.wait(b.on_scene_s / b.time_scale):
            return
        self._reply(dispatch_id, "resolved", note="已到场处置完毕 / handled on scene")


def start_positions(
    officers: list[tuple[str, float, float]], seed: int | None = None, spread_m: float = 1500.0
) -> dict[str, tuple[float, float]]:
    """Each officer starts somewhere around a point of their grid (lat/lon given per officer)."""
    rng = random.Random(seed)
    positions = {}
    for officer_id, lat, lon in officers:
        angle = rng.uniform(0, 2 * math.pi)
        distance = rng.uniform(0.3, 1.0) * spread_m
        positions[officer_id] = (
            lat + distance * math.sin(angle) / 111_320.0,
            lon + distance * math.cos(angle) / (111_320.0 * math.cos(math.radians(lat))),
        )
    return positions


def officer_simulators(
    link: DeviceLink, topics: Topics, district: District, behaviour: Behaviour, only: list[str] | None = None
) -> list[OfficerSimulator]:
    """One simulator per officer of the district (or those named), starting around their grid."""
    from hub.domain.district import District  # simulators read the hub's district file format

    assert isinstance(district, District)
    located = [s for s in district.sites.values() if s.lat is not None and s.lon is not None]
    if not located:
        return []

    def centre(sites: list[Site]) -> tuple[float, float]:
        lats = [s.lat for s in sites if s.lat is not None]
        lons = [s.lon for s in sites if s.lon is not None]
        return sum(lats) / len(lats), sum(lons) / len(lons)

    anchors = []
    for officer in district.officers.values():
        if only and officer.id not in only:
            continue
        grid_sites = [s for s in located if s.grid_id == officer.grid_id] or located
        anchors.append((officer.id, *centre(grid_sites)))
    positions = start_positions(anchors, seed=7)
    return [OfficerSimulator(link, topics, o, positions[o], behaviour) for o, _, _ in anchors]
