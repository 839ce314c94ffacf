"""A virtual intruder-alarm panel that reports to the hub over SIA DC-09 (TCP or UDP, clear or AES
encrypted), in Ademco Contact ID (ADM-CID) or SIA DCS, as a panel's IP communicator does:

* every new message takes the next sequence number (0001–9999, then 0001 again);
* it waits for the receiver's reply and, when none comes in time, sends the message again with the
  same sequence number (and, when encrypted, a fresh timestamp), a few times;
* a NAK carries the receiver's time: the panel sets its clock by it, as the standard intends;
* NULL messages are the link test that tells the receiver the panel and its path are alive.

    async with PanelSimulator("127.0.0.1", 7010, "1234", transport="udp") as panel:
        reply = await panel.contact_id("120", zone=15)      # panic → ACK once the hub has it stored
        await panel.contact_id("120", zone=15, restore=True)
        await panel.sia("BA", zone=3, area=1)               # burglary, SIA DCS
        await panel.link_test()

`python -m simulators.panel --help` (or `sentinel simulate panel`) does the same from a shell.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

import structlog

from hub.adapters.dc09.frames import CR, LF, FrameError, parse_frame
from hub.adapters.dc09.messages import ADM_CID, NAK, NULL, SIA_DCS, ContentError, build_message, read_content

log = structlog.get_logger(__name__)

Transport = Literal["tcp", "udp"]
MAX_SEQUENCE = 9999


@dataclass(frozen=True, slots=True)
class Reply:
    kind: str  # ACK, NAK or DUH
    sequence: int
    timestamp: datetime | None  # the receiver's time (a NAK, an encrypted ACK)
    raw: bytes
    attempts: int  # how many times the message was sent before this reply
    seconds: float  # from the last send to the reply

    @property
    def ok(self) -> bool:
        return self.kind == "ACK"


class PanelSimulator:
    def __init__(
        self,
        host: str,
        port: int,
        account: str,
        *,
        transport: Transport = "tcp",
        key: bytes | None = None,
        prefix: str = "0",
        receiver: str | None = None,
        reply_timeout_s: float = 5.0,
        attempts: int = 3,
        clock_offset_s: float = 0.0,
        first_sequence: int = 1,
    ) -> None:
        self.host, self.port, self.account = host, port, account
        self.transport: Transport = transport
        self.key, self.prefix, self.receiver = key, prefix, receiver
        self.reply_timeout_s, self.attempts = reply_timeout_s, attempts
        self.clock_offset = timedelta(seconds=clock_offset_s)  # a panel's clock is never quite right
        self._next_sequence = first_sequence
        self._stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self._datagrams: _DatagramLink | None = None

    async def __aenter__(self) -> PanelSimulator:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._stream is not None:
            _, writer = self._stream
            self._stream = None
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        if self._datagrams is not None:
            self._datagrams.close()
            self._datagrams = None

    # --- what a panel reports ---------------------------------------------------------------------
    async def contact_id(
        self,
        event: str | int,
        *,
        zone: int = 0,
        partition: int = 1,
        restore: bool = False,
        qualifier: int | None = None,
    ) -> Reply | None:
        """An ADM-CID report, e.g. event 120 (panic) in zone 15: data `1120 01 015`."""
        q = qualifier if qualifier is not None else (3 if restore else 1)
        return await self.send(ADM_CID, f"{q}{int(event):03d} {partition:02d} {zone:03d}")

    async def sia(
        self, code: str, *, zone: int | None = None, area: int | None = None, user: int | None = None
    ) -> Reply | None:
        """A SIA DCS report, e.g. `BA` (burglary) in zone 3 of area 1: data `Nri1/BA003`."""
        modifiers = "".join(f"{name}{value}/" for name, value in (("ri", area), ("id", user)) if value is not None)
        return await self.send(SIA_DCS, f"N{modifiers}{code}{'' if zone is None else f'{zone:03d}'}")

    async def link_test(self) -> Reply | None:
        return await self.send(NULL, None)

    # --- the transmitter ----------------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def take_sequence(self) -> int:
        sequence = self._next_sequence
        self._next_sequence = 1 if sequence >= MAX_SEQUENCE else sequence + 1
        return sequence

    def frame(self, token: str, data: str | None, sequence: int, *, timestamp: bool = True) -> bytes:
        """A framed message as this panel sends it (encrypted messages always carry the time)."""
        sent_at = self.now() if timestamp or self.key is not None else None
        return build_message(
            token, sequence, self.account, self.prefix, self.receiver, data, key=self.key, sent_at=sent_at
        )

    async def send(self, token: str, data: str | None) -> Reply | None:
        """Send a new message and wait for its reply, sending it again (same sequence number) when
        none comes in time. None if no reply came after every attempt."""
        sequence = self.take_sequence()
        for attempt in range(1, self.attempts + 1):
            reply = await self.send_frame(self.frame(token, data, sequence), sequence, attempt)
            if reply is not None:
                return reply
            if attempt < self.attempts:
                log.info("dc09 no reply; sending again", account=self.account, seq=sequence, attempt=attempt)
        log.warning("dc09 no reply to any attempt", account=self.account, seq=sequence, attempts=self.attempts)
        return None

    async def send_frame(self, raw: bytes, sequence: int | None = None, attempt: int = 1) -> Reply | None:
        """Send exact bytes once (a replay, a damaged frame) and wait for the reply to `sequence`."""
        if sequence is None:
            with contextlib.suppress(FrameError):
                sequence = parse_frame(raw).sequence
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.reply_timeout_s):
                if self.transport == "tcp":
                    answer = await self._exchange_tcp(raw, sequence)
                else:
                    answer = await self._exchange_udp(raw, sequence)
        except TimeoutError:
            return None
        except (ConnectionError, asyncio.IncompleteReadError):
            await self.close()  # the receiver dropped the connection: reconnect for the next attempt
            return None
        reply = self._read_reply(answer, attempt, time.monotonic() - started)
        if reply is not None and reply.kind == NAK and reply.timestamp is not None:
            self.clock_offset = reply.timestamp - datetime.now(UTC)  # set the clock by the receiver's
        return reply

    async def _exchange_tcp(self, raw: bytes, sequence: int | None) -> bytes:
        if self._stream is None:
            self._stream = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._stream
        writer.write(raw)
        await writer.drain()
        while True:
            chunk = await reader.readuntil(CR)
            answer = chunk[chunk.rfind(LF) :]
            if _answers(answer, sequence):
                return answer

    async def _exchange_udp(self, raw: bytes, sequence: int | None) -> bytes:
        if self._datagrams is None:
            self._datagrams = await _DatagramLink.open(self.host, self.port)
        self._datagrams.send(raw)
        while True:
            answer = await self._datagrams.receive()
            if _answers(answer, sequence):
                return answer

    def _read_reply(self, answer: bytes, attempts: int, seconds: float) -> Reply | None:
        try:
            frame = parse_frame(answer)
            content = read_content(frame, self.key if frame.encrypted else None)
        except (FrameError, ContentError) as exc:
            log.warning("dc09 unreadable reply", error=str(exc), raw=answer[:80])
            return None
        return Reply(frame.token, frame.sequence, content.timestamp, answer, attempts, seconds)


def _answers(answer: bytes, sequence: int | None) -> bool:
    """A reply to this message: its sequence number, or a NAK (which always says 0000). A late reply
    to an earlier attempt of another message is skipped."""
    try:
        frame = parse_frame(answer)
    except FrameError:
        return False
    return sequence is None or frame.token == NAK or frame.sequence == sequence


class _DatagramLink(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self._replies: asyncio.Queue[bytes] = asyncio.Queue()
        self._transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def open(cls, host: str, port: int) -> _DatagramLink:
        loop = asyncio.get_running_loop()
        _, link = await loop.create_datagram_endpoint(cls, remote_addr=(host, port))
        return link

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)  # selector transports lack the subclass

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self._replies.put_nowait(data)

    def send(self, raw: bytes) -> None:
        assert self._transport is not None
        self._transport.sendto(raw)

    async def receive(self) -> bytes:
        return await self._replies.get()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


# --- scenarios --------------------------------------------------------------------------------------
async def keep_polling(panel: PanelSimulator, every_s: float, stop: asyncio.Event) -> int:
    """Send a NULL link test every `every_s` until `stop` is set; returns how many were ACKed."""
    acked = 0
    while not stop.is_set():
        reply = await panel.link_test()
        acked += bool(reply and reply.ok)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(every_s):
                await stop.wait()
    return acked


async def alarm_and_restore(panel: PanelSimulator, event: str = "130", zone: int = 1, after_s: float = 5.0) -> bool:
    """A Contact ID alarm, then its restore: what a door contact does when an intruder passes."""
    first = await panel.contact_id(event, zone=zone)
    await asyncio.sleep(after_s)
    second = await panel.contact_id(event, zone=zone, restore=True)
    return bool(first and first.ok and second and second.ok)


# --- command line -------------------------------------------------------------------------------------
_DESCRIPTION = (
    "A virtual alarm panel reporting to the hub over SIA DC-09 (ADM-CID or SIA DCS; TCP or UDP; clear or AES)."
)


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="simulators.panel", description=_DESCRIPTION)
    parser.add_argument("--host", default="127.0.0.1", help="the hub's DC-09 receiver")
    parser.add_argument("--port", type=int, default=7010)
    parser.add_argument("--udp", action="store_true", help="send over UDP (default TCP)")
    parser.add_argument("--account", required=True, help="the panel's account (hex), as in the district's dc09 block")
    parser.add_argument("--key-hex", help="AES key of an encrypted account (32, 48 or 64 hex digits)")
    parser.add_argument("--prefix", default="0", help="line prefix (L)")
    parser.add_argument("--receiver", help="receiver number (R)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--cid", metavar="EVENT", help="send a Contact ID event, e.g. 120 panic, 130 burglary")
    what.add_argument("--sia", metavar="CODE", help="send a SIA DCS code, e.g. PA panic, BA burglary")
    what.add_argument("--poll-every", type=float, metavar="S", help="send NULL link tests every S seconds until Ctrl-C")
    parser.add_argument("--restore", action="store_true", help="--cid: the restore (qualifier 3)")
    parser.add_argument("--zone", type=int, default=0, help="zone or user number")
    parser.add_argument("--partition", type=int, default=1, help="partition / area")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the reply before resending")
    return parser


async def run_command(args: argparse.Namespace) -> int:
    key = bytes.fromhex(args.key_hex) if args.key_hex else None
    async with PanelSimulator(
        args.host,
        args.port,
        args.account,
        transport="udp" if args.udp else "tcp",
        key=key,
        prefix=args.prefix,
        receiver=args.receiver,
        reply_timeout_s=args.timeout,
    ) as panel:
        if args.poll_every:
            stop = asyncio.Event()
            with contextlib.suppress(asyncio.CancelledError):
                await keep_polling(panel, args.poll_every, stop)
            return 0
        if args.cid:
            reply = await panel.contact_id(args.cid, zone=args.zone, partition=args.partition, restore=args.restore)
        elif args.sia:
            reply = await panel.sia(args.sia, zone=args.zone or None, area=args.partition)
        else:
            reply = await panel.link_test()
    if reply is None:
        print(f"account {args.account}: no reply after {panel.attempts} attempts", file=sys.stderr)
        return 1
    print(f"account {args.account}: {reply.kind} to sequence {reply.sequence:04d} in {reply.seconds * 1000:.0f} ms")
    return 0 if reply.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(run_command(args))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"cannot reach {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
