"""The receiver's sockets on loopback: framing a TCP stream, datagrams, silence for damage, idle close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from hub.adapters.dc09 import Dc09Listen, Dc09Receiver, Dc09Server
from hub.adapters.dc09.frames import parse_frame
from hub.adapters.dc09.messages import build_message
from simulators.panel import PanelSimulator
from tests.unit.test_dc09_receiver import PANELS, FakeStore


def event(seq: int) -> bytes:
    return build_message("ADM-CID", seq, "1234", data="1130 01 001", sent_at=datetime.now(UTC))


@pytest.fixture
async def server() -> AsyncIterator[tuple[Dc09Server, FakeStore]]:
    store = FakeStore()
    listen = Dc09Listen(tcp=("127.0.0.1", 0), udp=("127.0.0.1", 0), idle_timeout_s=0.5)
    server = Dc09Server(Dc09Receiver(PANELS, store), listen)
    task = asyncio.create_task(server.run())
    for _ in range(100):
        if server.tcp_address and server.udp_address:
            break
        await asyncio.sleep(0.01)
    yield server, store
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def read_reply(reader: asyncio.StreamReader) -> str:
    return parse_frame(await asyncio.wait_for(reader.readuntil(b"\r"), 2)).token


async def test_frames_in_one_tcp_stream_are_answered_in_order_noise_and_damage_skipped(
    server: tuple[Dc09Server, FakeStore],
) -> None:
    dc09, store = server
    assert dc09.tcp_address is not None
    reader, writer = await asyncio.open_connection(*dc09.tcp_address)
    damaged = bytearray(event(3))
    damaged[1:5] = b"0000" if damaged[1:5] != b"0000" else b"FFFF"
    writer.write(b"\0\0noise" + event(1) + event(2) + bytes(damaged) + b"\r" + event(4))
    await writer.drain()
    replies = [parse_frame(await asyncio.wait_for(reader.readuntil(b"\r"), 2)) for _ in range(3)]
    assert [(r.token, r.sequence) for r in replies] == [("ACK", 1), ("ACK", 2), ("ACK", 4)]
    assert len(store.events) == 3
    writer.close()


async def test_an_idle_connection_is_closed(server: tuple[Dc09Server, FakeStore]) -> None:
    dc09, _ = server
    assert dc09.tcp_address is not None
    reader, writer = await asyncio.open_connection(*dc09.tcp_address)
    assert await asyncio.wait_for(reader.read(), 3) == b""  # closed after 0.5 s of silence
    writer.close()


async def test_an_endless_line_closes_the_connection(server: tuple[Dc09Server, FakeStore]) -> None:
    dc09, store = server
    assert dc09.tcp_address is not None
    reader, writer = await asyncio.open_connection(*dc09.tcp_address)
    writer.write(b"\n" + b"A" * 20_000)
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 3) == b""
    assert not store.events
    writer.close()


async def test_datagrams_are_answered_and_damaged_ones_are_not(server: tuple[Dc09Server, FakeStore]) -> None:
    dc09, store = server
    assert dc09.udp_address is not None
    async with PanelSimulator(*dc09.udp_address, "1234", transport="udp", reply_timeout_s=0.5) as panel:
        good = await panel.send_frame(event(7))
        assert good is not None and (good.kind, good.sequence) == ("ACK", 7)
        assert await panel.send_frame(event(8)[:-3] + b"XX\r") is None
    assert len(store.events) == 1


async def test_the_simulator_resends_with_the_same_sequence_when_no_reply_comes() -> None:
    store = FakeStore()
    store.hold = asyncio.Event()  # the first attempt's commit hangs past the panel's timeout
    dc09 = Dc09Server(Dc09Receiver(PANELS, store), Dc09Listen(udp=("127.0.0.1", 0)))
    await dc09.start()
    try:
        assert dc09.udp_address is not None
        async with PanelSimulator(*dc09.udp_address, "1234", transport="udp", reply_timeout_s=0.3) as panel:
            asyncio.get_running_loop().call_later(0.5, store.hold.set)
            reply = await panel.contact_id("130", zone=1)
        assert reply is not None and reply.ok and reply.attempts == 2 and reply.sequence == 1
        assert len(store.events) == 1  # both attempts were the same event
    finally:
        await dc09.close()
