"""Alarm panels over SIA DC-09: real frames (clear and encrypted, ADM-CID and SIA-DCS, TCP and UDP) into a
running hub with its broker and database. The receiver is bound to the hub's own ingest service."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from devices.link import DeviceLink
from hub.adapters.dc09 import Dc09Listen, Dc09Receiver, Dc09Server
from hub.adapters.dc09.frames import parse_frame
from hub.adapters.dc09.messages import read_content
from hub.config import Settings, load_district
from simulators.button import ButtonRef, press
from simulators.districts import synthetic_district
from simulators.panel import PanelSimulator, Transport, keep_polling
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, get_json, running_hub

KEY_HEX = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"  # AES-256
CLEAR, ENCRYPTED = "1234", "ABCD"


def panel_district(path: Path, panel_interval_s: int | None = None, grace_s: int | None = None) -> Path:
    """Four banks; site-00 has a clear-text panel (account 1234), site-01 an encrypted one (ABCD)."""
    district: dict[str, Any] = synthetic_district(sites=4, buttons_per_site=1, grace_s=grace_s)
    panels: list[dict[str, str]] = []
    for n, account, key in ((0, CLEAR, None), (1, ENCRYPTED, KEY_HEX)):
        device: dict[str, Any] = {"id": f"panel-{n:02d}", "kind": "panel"}
        if panel_interval_s:
            device["report_interval_s"] = panel_interval_s
        district["sites"][n]["devices"].append(device)
        panel = {"account": account, "site": f"site-{n:02d}", "device": f"panel-{n:02d}"}
        panels.append({**panel, "key_hex": key} if key else panel)
    district["dc09"] = {"panels": panels}
    path.write_text(yaml.safe_dump(district, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@dataclass
class PanelHub:
    hub: HubUnderTest
    server: Dc09Server
    db: str

    def panel(self, account: str = CLEAR, transport: Transport = "tcp", **options: Any) -> PanelSimulator:
        address = self.server.tcp_address if transport == "tcp" else self.server.udp_address
        assert address is not None
        key = bytes.fromhex(KEY_HEX) if account == ENCRYPTED else None
        options.setdefault("reply_timeout_s", 3.0)
        return PanelSimulator(address[0], address[1], account, transport=transport, key=key, **options)

    async def value(self, sql: str, *args: object) -> Any:
        return await fetch_value(self.db, sql, *args)


@contextlib.asynccontextmanager
async def panel_hub(settings: Settings) -> AsyncIterator[PanelHub]:
    """A running hub and a DC-09 receiver on free TCP and UDP ports, wired as the app wires it."""
    async with running_hub(settings) as hub:
        running = hub.running
        receiver = Dc09Receiver(load_district(settings.district_file).panels, running.ingest, running.metrics)
        server = Dc09Server(receiver, Dc09Listen(tcp=("127.0.0.1", 0), udp=("127.0.0.1", 0)))
        task = asyncio.create_task(server.run(), name="dc09")
        await eventually(lambda: _bound(server), timeout=5)
        assert settings.database_url
        try:
            yield PanelHub(hub, server, settings.database_url)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _bound(server: Dc09Server) -> bool:
    return server.tcp_address is not None and server.udp_address is not None


@pytest.fixture
async def panels(hub_settings: Settings, tmp_path: Path) -> AsyncIterator[PanelHub]:
    settings = hub_settings.model_copy(update={"district_file": panel_district(tmp_path / "panels.yaml")})
    async with panel_hub(settings) as running:
        yield running


async def incident_of(panels: PanelHub, site: str) -> dict[str, Any]:
    async def find() -> dict[str, Any] | None:
        listed = await get_json(f"{panels.hub.http}/api/v1/incidents", panels.hub.token)
        mine = [i for i in listed["incidents"] if i["site_id"] == site]  # type: ignore[index]
        return mine[0] if mine else None

    return await eventually(find, timeout=5)


@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_a_contact_id_panic_opens_a_p1_incident_exactly_like_a_button_press(
    panels: PanelHub, device_link: DeviceLink, transport: Transport
) -> None:
    async with panels.panel(transport=transport) as panel:
        reply = await panel.contact_id("120", zone=0)
    assert reply is not None and reply.ok and reply.sequence == 1 and reply.attempts == 1
    await asyncio.to_thread(press, device_link, panels.hub.topics, ButtonRef("site-02", "btn-02-0"))

    from_panel, from_button = await incident_of(panels, "site-00"), await incident_of(panels, "site-02")
    for key in ("kind", "priority", "event_count", "test"):
        assert from_panel[key] == from_button[key], key
    assert (from_panel["kind"], from_panel["priority"]) == ("panic", 1)

    async def same_course() -> bool:  # both auto-dispatched (P1) the same way
        a = await get_json(f"{panels.hub.http}/api/v1/incidents/{from_panel['id']}", panels.hub.token)
        b = await get_json(f"{panels.hub.http}/api/v1/incidents/{from_button['id']}", panels.hub.token)
        actions = [[t["action"] for t in x["timeline"]] for x in (a, b)]  # type: ignore[index]
        return actions[0] == actions[1] and a["state"] == b["state"]  # type: ignore[index]

    await eventually(same_course, timeout=5)
    row = await panels.value(
        "SELECT row(device_kind, type, payload->>'protocol', payload->>'code', payload->>'transport')::text"
        " FROM events WHERE device_id = 'panel-00'"
    )
    assert row == f"(panel,panic,ADM-CID,1120,{transport})"


@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_encrypted_sia_dcs_over_either_transport(panels: PanelHub, transport: Transport) -> None:
    async with panels.panel(ENCRYPTED, transport) as panel:
        burglary = await panel.sia("BA", zone=3, area=1)
        assert burglary is not None and burglary.ok
        ack = parse_frame(burglary.raw)
        assert ack.encrypted and read_content(ack, panel.key).timestamp is not None  # the receiver's time
        duress = await panel.sia("HA", area=1)
        assert duress is not None and duress.ok
    incident = await incident_of(panels, "site-01")
    assert (incident["kind"], incident["priority"], incident["event_count"]) == ("duress", 1, 2)
    types = await panels.value(
        "SELECT array_agg(type || ':' || (payload->>'encrypted') ORDER BY id) FROM events WHERE device_id = 'panel-01'"
    )
    assert types == ["burglary:true", "duress:true"]


@pytest.mark.parametrize("transport", ["tcp", "udp"])
async def test_a_bad_crc_gets_no_ack_and_nothing_is_stored(panels: PanelHub, transport: Transport) -> None:
    async with panels.panel(transport=transport, reply_timeout_s=1.0) as panel:
        good = panel.frame("ADM-CID", "1120 01 000", panel.take_sequence())
        damaged = good[:1] + (b"0000" if good[1:5] != b"0000" else b"FFFF") + good[5:]
        assert await panel.send_frame(damaged) is None  # silence, as the standard says
        assert await panels.value("SELECT count(*) FROM events WHERE device_kind = 'panel'") == 0
        assert await panels.value("SELECT count(*) FROM incidents") == 0
        assert await panels.value("SELECT reason FROM dead_letters WHERE source = 'dc09'") == "bad_crc"
        # The panel resends it intact: now it counts.
        reply = await panel.send_frame(good)
        assert reply is not None and reply.ok
    assert await panels.value("SELECT count(*) FROM events WHERE device_kind = 'panel'") == 1


async def test_an_unknown_account_gets_a_nak(panels: PanelHub) -> None:
    for transport in ("tcp", "udp"):
        async with panels.panel("9999", transport) as panel:
            reply = await panel.contact_id("120")
        assert reply is not None and reply.kind == "NAK" and reply.timestamp is not None
    assert await panels.value("SELECT count(*) FROM events") == 0
    reasons = await panels.value("SELECT array_agg(topic || ' ' || reason) FROM dead_letters WHERE source = 'dc09'")
    assert reasons == ["dc09/9999 unknown_account"] * 2


async def test_a_replayed_frame_is_one_event(panels: PanelHub) -> None:
    async with panels.panel() as tcp, panels.panel(transport="udp") as udp:
        frame = tcp.frame("SIA-DCS", "Nri1/PA", tcp.take_sequence())
        for sender in (tcp, tcp, udp, tcp):  # lost ACKs, resends, even over the other path
            reply = await sender.send_frame(frame)
            assert reply is not None and reply.ok
    assert await panels.value("SELECT count(*) FROM events WHERE device_id = 'panel-00'") == 1
    assert await panels.value("SELECT event_count FROM incidents") == 1


async def test_the_ack_comes_only_once_the_event_is_committed(panels: PanelHub) -> None:
    sql = "SELECT count(*) FROM events WHERE device_id = $1"
    async with panels.panel(transport="tcp") as tcp, panels.panel(ENCRYPTED, "udp") as udp:
        for n in range(1, 11):
            for panel, device in ((tcp, "panel-00"), (udp, "panel-01")):
                reply = await panel.contact_id("130", zone=n)
                assert reply is not None and reply.ok
                # At the moment the ACK is in the panel's hands, the row is in the database.
                assert await panels.value(sql, device) == n


async def test_a_panel_with_a_wrong_clock_is_refused_then_sets_its_clock_by_the_nak(panels: PanelHub) -> None:
    async with panels.panel(ENCRYPTED, clock_offset_s=-120) as panel:
        refused = await panel.contact_id("120")
        assert refused is not None and refused.kind == "NAK"
        assert abs((panel.now() - datetime.now(UTC)).total_seconds()) < 2  # corrected
        again = await panel.contact_id("120")
        assert again is not None and again.ok
    assert await panels.value("SELECT reason FROM dead_letters") == "timestamp_too_old"
    assert await panels.value("SELECT count(*) FROM events WHERE device_id = 'panel-01'") == 1


async def test_a_tamper_opens_a_p3_incident_that_its_restore_closes(panels: PanelHub) -> None:
    async with panels.panel() as panel:
        assert (await panel.contact_id("383", zone=7)).ok  # type: ignore[union-attr]
        incident = await incident_of(panels, "site-00")
        assert (incident["kind"], incident["priority"]) == ("tamper", 3)
        assert (await panel.contact_id("383", zone=7, restore=True)).ok  # type: ignore[union-attr]
    await eventually(lambda: panels.value("SELECT state = 'resolved' FROM incidents"), timeout=5)


async def test_unmapped_codes_are_stored_and_raise_nothing(panels: PanelHub) -> None:
    async with panels.panel(transport="udp") as panel:
        assert (await panel.contact_id("401", zone=12)).ok  # type: ignore[union-attr]
        assert (await panel.sia("OP", zone=12)).ok  # type: ignore[union-attr]
    types = await panels.value("SELECT array_agg(type ORDER BY id) FROM events WHERE device_id = 'panel-00'")
    assert types == ["cid_401", "sia_OP"]
    assert await panels.value("SELECT count(*) FROM incidents") == 0


async def test_a_panel_that_stops_its_link_tests_goes_offline(hub_settings: Settings, tmp_path: Path) -> None:
    # The panels report every 2 s with 1 s of grace; the cameras and buttons keep long intervals.
    district = panel_district(tmp_path / "watched.yaml", panel_interval_s=2, grace_s=1)
    async with panel_hub(hub_settings.model_copy(update={"district_file": district})) as panels:
        stop, silence = asyncio.Event(), asyncio.Event()
        async with panels.panel(transport="udp") as polling, panels.panel(ENCRYPTED) as silent_one:
            other = asyncio.create_task(keep_polling(polling, 0.5, stop))
            first = asyncio.create_task(keep_polling(silent_one, 0.5, silence))
            await asyncio.sleep(4)  # longer than interval + grace: the link tests keep both online
            assert await panels.value("SELECT count(*) FROM incidents") == 0
            assert await panels.value("SELECT state FROM device_status WHERE device_id = 'panel-01'") == "online"

            silence.set()  # panel-01 stops sending
            assert await first > 0
            went_quiet = asyncio.get_running_loop().time()
            await eventually(lambda: panels.value("SELECT count(*) = 1 FROM incidents"), timeout=10)
            assert 2.0 <= asyncio.get_running_loop().time() - went_quiet <= 7.0  # 2 s + 1 s grace, scans every 2 s
            row = await panels.value("SELECT row(site_id, kind, priority)::text FROM incidents")
            assert row == "(site-01,device_offline,3)"

            back = asyncio.Event()
            resumed = asyncio.create_task(keep_polling(silent_one, 0.5, back))
            await eventually(lambda: panels.value("SELECT state = 'resolved' FROM incidents"), timeout=5)
            back.set()
            stop.set()
            await asyncio.gather(other, resumed)
        types = await panels.value("SELECT array_agg(type ORDER BY id) FROM events WHERE device_id = 'panel-01'")
        assert types == ["offline", "online"]
