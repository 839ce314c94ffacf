"""DC-09 message contents (ANSI/SIA DC-09-2013): the data block, extended data and timestamp behind
the header, decrypted when the account is encrypted; and the messages a receiver and a panel build
(events, link tests, ACK, NAK, DUH).

    clear      "SIA-DCS"0042R1L0#1234[#1234|Nri1/BA001][X116.40][Y39.91]_14:03:59,01-31-2025
    encrypted  "*SIA-DCS"0042R1L0#1234[<hex of AES-CBC(pad|#1234|Nri1/BA001]…_14:03:59,01-31-2025)>
    replies    "ACK"0042R1L0#1234[]      "*ACK"0042R1L0#1234[<hex of pad|]_timestamp>
               "DUH"0042R1L0#1234[]      "NAK"0000R0L0A0[]_14:03:59,01-31-2025
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.adapters.dc09.crypto import DecryptError, decrypt, encrypt, strip_pad
from hub.adapters.dc09.frames import Dc09Error, Frame, encode_frame

ADM_CID, SIA_DCS, NULL = "ADM-CID", "SIA-DCS", "NULL"
ACK, NAK, DUH = "ACK", "NAK", "DUH"

_TIMESTAMP = re.compile(r"(\d{2}):(\d{2}):(\d{2}),(\d{2})-(\d{2})-(\d{4})")
_ECHOED_ACCOUNT = re.compile(r"#?([0-9A-Fa-f]{3,16})\|")
_CID_AT_END = re.compile(r"\d{4} ?\d{2} ?\d{3}$")


class ContentError(Dc09Error):
    """The envelope is sound but what it carries cannot be read (or must not be, unencrypted)."""


@dataclass(frozen=True, slots=True)
class Content:
    data: str  # the data block without the account it echoes: "Nri1/BA001", "1120 01 015", "" for NULL
    data_account: str | None  # the account echoed in the data block (`#1234|`)
    extended: tuple[str, ...]  # extended data blocks without brackets: "X116.40", "Y39.91", …
    timestamp: datetime | None  # UTC; required when encrypted


def read_content(frame: Frame, key: bytes | None) -> Content:
    """Decrypt (with the account's key) and read a message's contents. An encrypted account must
    send encrypted messages and a clear-text one clear messages: no downgrade, no guessing."""
    if not frame.encrypted:
        if key is not None:
            raise ContentError("encryption_required", "this account is encrypted; a clear message is refused")
        return _read(frame.body)
    if key is None:
        raise ContentError("unexpected_encryption", "encrypted message for an account without a key")
    try:
        text, separated = strip_pad(decrypt(key, frame.body))
        if not separated:
            text = _strip_unseparated_pad(text, frame.token)
        if not text.isascii() or not text.isprintable():
            # Garbage that happens to hold a `]` (say, as its last byte) would otherwise read as a
            # message without a timestamp: the wrong key, not a panel breaking the protocol.
            raise DecryptError("the decrypted text is not printable ASCII")
        content = _read(text)
    except (DecryptError, ContentError) as exc:
        # Garbage after decryption almost always means the panel has another key.
        raise ContentError("decrypt_failed", f"{exc} (is the key right?)") from None
    if content.timestamp is None:
        raise ContentError("timestamp_missing", "an encrypted message must carry a timestamp")
    return content


def _strip_unseparated_pad(text: str, token: str) -> str:
    """Some panels pad with zeros and leave out the `|`: the payload's own format shows where it starts."""
    close = text.find("]")
    if close < 0:
        raise ContentError("malformed_content", "no `]` closes the data block")
    head = text[:close]
    if token == NULL:
        return text[close:]
    if token == ADM_CID and (match := _CID_AT_END.search(head)):
        return text[match.start() :]
    return text.lstrip("0")


def _read(text: str) -> Content:
    close = text.find("]")
    if close < 0:
        raise ContentError("malformed_content", "no `]` closes the data block")
    data, rest = text[:close], text[close + 1 :]
    data_account = None
    if echoed := _ECHOED_ACCOUNT.match(data):
        data_account, data = echoed[1].upper(), data[echoed.end() :]
    extended: list[str] = []
    while rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            raise ContentError("malformed_content", "an extended data block is not closed")
        extended.append(rest[1:end])
        rest = rest[end + 1 :]
    timestamp = None
    if rest:
        if not rest.startswith("_"):
            raise ContentError("malformed_content", f"unexpected {rest[:30]!r} after the data")
        timestamp = parse_timestamp(rest[1:])
    return Content(data, data_account, tuple(extended), timestamp)


def parse_timestamp(text: str) -> datetime:
    """DC-09 timestamps are UTC: HH:MM:SS,MM-DD-YYYY."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise ContentError("malformed_content", f"timestamp {text[:30]!r} is not HH:MM:SS,MM-DD-YYYY")
    hour, minute, second, month, day, year = (int(g) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise ContentError("malformed_content", f"timestamp {text!r}: {exc}") from None


def format_timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("_%H:%M:%S,%m-%d-%Y")


def build_message(
    token: str,
    sequence: int,
    account: str,
    prefix: str = "0",
    receiver: str | None = None,
    data: str | None = None,
    *,
    key: bytes | None = None,
    extended: Sequence[str] = (),
    sent_at: datetime | None = None,
) -> bytes:
    """A framed message; encrypted when a key is given (it then needs `sent_at`). The data block
    echoes the account, as panels do (`[#1234|Nri1/BA001]`)."""
    if key is not None and sent_at is None:
        raise ValueError("an encrypted message must carry a timestamp")
    star = "*" if key is not None else ""
    header = f'"{star}{token}"{sequence:04d}{f"R{receiver}" if receiver else ""}L{prefix}#{account}['
    inner = (f"#{account}|{data}" if data else "") + "]" + "".join(f"[{x}]" for x in extended)
    if sent_at is not None:
        inner += format_timestamp(sent_at)
    return encode_frame(header + (encrypt(key, inner) if key is not None else inner))


def ack(frame: Frame, key: bytes | None, now: datetime) -> bytes:
    """The acknowledgement of `frame`, sent only once what it carries is committed. It echoes the
    sequence number, receiver and prefix; to an encrypted message it is encrypted and carries the
    receiver's time."""
    account = frame.account or "0"
    if frame.encrypted and key is not None:
        return build_message(ACK, frame.sequence, account, frame.prefix, frame.receiver, key=key, sent_at=now)
    return build_message(ACK, frame.sequence, account, frame.prefix, frame.receiver)


def duh(frame: Frame) -> bytes:
    """DUH, "I do not understand": a well-formed message of a kind or content the receiver does not take.
    The panel must not send it again as it is."""
    return build_message(DUH, frame.sequence, frame.account or "0", frame.prefix, frame.receiver)


def nak(now: datetime) -> bytes:
    """Refused (unknown account, wrong key, timestamp outside the window). As the standard writes it,
    with sequence 0000 and the receiver's time, from which the panel may correct its clock."""
    return encode_frame(f'"{NAK}"0000R0L0A0[]{format_timestamp(now)}')
