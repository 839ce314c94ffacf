"""The SIA DC-09 envelope (ANSI/SIA DC-09-2013, 5.4): `<LF><crc><0LLL>"id"seq[Rrcvr]Lpref[#acct][…<CR>`.

The CRC (CRC-16/ARC: polynomial 0x8005 reflected, initial value 0) and the length cover the message
from the opening quote of the id to the character before <CR>. A frame whose CRC or length is wrong
was damaged on the way: the standard has the receiver ignore it, so the panel sends it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LF, CR = b"\n", b"\r"
# The length field has three hex digits (0LLL): a message is at most 0xFFF bytes.
MAX_MESSAGE_BYTES = 0xFFF
MAX_FRAME_BYTES = MAX_MESSAGE_BYTES + 10  # LF, CRC (4), length (4), CR

# Which frame problems the standard answers with silence (damaged in transit: no reply at all).
DAMAGED = frozenset({"malformed_frame", "bad_length", "bad_crc"})


class Dc09Error(ValueError):
    """A DC-09 message refused, with a stable machine-readable `reason` (the dead letter's reason)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class FrameError(Dc09Error):
    """The envelope is damaged or malformed."""


@dataclass(frozen=True, slots=True)
class Frame:
    token: str  # SIA-DCS, ADM-CID, NULL; in replies ACK, NAK, DUH
    encrypted: bool  # `"*SIA-DCS"`: the part after `[` is AES-encrypted hex
    sequence: int  # 0000–9999, echoed in the reply; a resend keeps it
    receiver: str | None  # R: receiver number (hex), optional
    prefix: str  # L: account prefix / line (hex)
    account: str | None  # #acct (hex, upper case); absent in a NAK
    body: str  # after the first `[`: `#acct|data]…[x…]_timestamp`, or the encrypted hex
    raw: bytes  # the frame as received, kept in dead letters


# Id, then the header fields up to the first `[`.
_HEADER = re.compile(
    r'"(?P<star>\*?)(?P<token>[A-Z0-9-]{2,12})"(?P<seq>\d{4})'
    r"(?:R(?P<receiver>[0-9A-Fa-f]{1,6}))?L(?P<prefix>[0-9A-Fa-f]{1,6})(?:#(?P<account>[0-9A-Fa-f]{3,16}))?\["
)


def crc16(data: bytes) -> int:
    """CRC-16/ARC as DC-09 (and DC-07 before it) specifies; check value of b"123456789" is 0xBB3D."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def encode_frame(message: str) -> bytes:
    """Wrap a message (`"id"seq…`) in LF, CRC, length and CR."""
    data = message.encode("latin-1")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ValueError(f"a DC-09 message holds at most {MAX_MESSAGE_BYTES} bytes, not {len(data)}")
    return LF + f"{crc16(data):04X}{len(data):04X}".encode("ascii") + data + CR


def unframe(raw: bytes) -> bytes:
    """The message inside a frame, after checking the envelope, the length and the CRC."""
    frame = raw.strip(b"\0")  # some transmitters pad UDP datagrams
    if len(frame) > MAX_FRAME_BYTES:
        raise FrameError("malformed_frame", f"{len(frame)} bytes, more than a frame can hold")
    if not frame.startswith(LF) or not frame.endswith(CR) or len(frame) < 10:
        raise FrameError("malformed_frame", "not <LF>crc length message <CR>")
    head, message = frame[1:9], frame[9:-1]
    try:
        crc, length = int(head[:4], 16), int(head[4:], 16)
    except ValueError:
        raise FrameError("malformed_frame", f"crc and length must be hex: {head!r}") from None
    if length != len(message):
        raise FrameError("bad_length", f"length field {length}, message {len(message)} bytes")
    computed = crc16(message)
    if crc != computed:
        raise FrameError("bad_crc", f"crc field {crc:04X}, computed {computed:04X}")
    return message


def parse_frame(raw: bytes) -> Frame:
    """Check the envelope and read the header. The body is left for `messages.read_content`, which
    needs the account's key when it is encrypted."""
    text = unframe(raw).decode("latin-1")
    match = _HEADER.match(text)
    if match is None:
        raise FrameError("malformed_header", f'no "id"seq…L…[ header in {text[:60]!r}')
    return Frame(
        token=match["token"],
        encrypted=bool(match["star"]),
        sequence=int(match["seq"]),
        receiver=match["receiver"].upper() if match["receiver"] else None,
        prefix=match["prefix"].upper(),
        account=match["account"].upper() if match["account"] else None,
        body=text[match.end() :],
        raw=raw,
    )
