"""The DC-09 envelope: CRC-16/ARC, the length field, the header; damaged and malformed frames."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.adapters.dc09.frames import DAMAGED, MAX_MESSAGE_BYTES, FrameError, crc16, encode_frame, parse_frame

# Frames as receivers and panels in the field send them (CRC and length as found there).
FIELD_NAK = b'\n3C830025"NAK"0000R0L0A0[]_16:09:09,04-14-2015\r'
FIELD_NAK_2024 = b'\nE5630025"NAK"0000R0L0A0[]_10:10:18,07-30-2024\r'
FIELD_EVENT = b'\n43580023"SIA-DCS"0084L0#AAA[#AAA|Nri1/XC12]\r'


def test_crc16_is_crc16_arc() -> None:
    assert crc16(b"123456789") == 0xBB3D  # the catalogued check value of CRC-16/ARC
    assert crc16(b"") == 0


@pytest.mark.parametrize("raw", [FIELD_NAK, FIELD_NAK_2024, FIELD_EVENT])
def test_frames_from_the_field_pass_the_crc_and_length_check(raw: bytes) -> None:
    assert parse_frame(raw).raw == raw
    assert encode_frame(raw[9:-1].decode()) == raw


def test_a_frame_is_read_into_its_header_fields() -> None:
    frame = parse_frame(FIELD_EVENT)
    assert (frame.token, frame.encrypted, frame.sequence) == ("SIA-DCS", False, 84)
    assert (frame.receiver, frame.prefix, frame.account) == (None, "0", "AAA")
    assert frame.body == "#AAA|Nri1/XC12]"
    assert frame.raw == FIELD_EVENT


def test_a_nak_has_no_account() -> None:
    frame = parse_frame(FIELD_NAK)
    assert (frame.token, frame.sequence, frame.receiver, frame.account) == ("NAK", 0, "0", None)


def test_receiver_prefix_and_account_are_hex_and_read_in_upper_case() -> None:
    frame = parse_frame(encode_frame('"*ADM-CID"9999R1aL2b#00ff12[ABCDEF'))
    assert (frame.encrypted, frame.sequence, frame.receiver, frame.prefix, frame.account) == (
        True,
        9999,
        "1A",
        "2B",
        "00FF12",
    )


def test_encode_frame_puts_crc_and_length_in_upper_case_hex() -> None:
    raw = encode_frame('"NULL"0001L0#1234[]')
    assert raw[:1] == b"\n" and raw[-1:] == b"\r"
    assert raw[5:9] == b"0013"  # 19 bytes
    assert raw[1:5] == f"{crc16(raw[9:-1]):04X}".encode()


def test_a_bad_crc_is_damage() -> None:
    raw = bytearray(FIELD_EVENT)
    raw[1:5] = b"0000"
    with pytest.raises(FrameError) as caught:
        parse_frame(bytes(raw))
    assert caught.value.reason == "bad_crc" and caught.value.reason in DAMAGED


def test_a_flipped_character_is_caught_by_the_crc() -> None:
    raw = FIELD_EVENT.replace(b"XC12", b"XC13")
    with pytest.raises(FrameError, match="bad_crc"):
        parse_frame(raw)


def test_a_wrong_length_is_damage() -> None:
    raw = FIELD_EVENT.replace(b"0023", b"0024", 1)
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert caught.value.reason == "bad_length" and caught.value.reason in DAMAGED


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\r",
        b'43580023"SIA-DCS"0084L0#AAA[#AAA|Nri1/XC12]\r',  # no LF
        b'\n43580023"SIA-DCS"0084L0#AAA[#AAA|Nri1/XC12]',  # no CR
        b'\nZZZZ0023"SIA-DCS"0084L0#AAA[#AAA|Nri1/XC12]\r',  # CRC not hex
        b"\n1234\r",
        b"\n" + b"0" * 5000 + b"\r",
    ],
)
def test_malformed_envelopes_are_damage(raw: bytes) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(raw)
    assert caught.value.reason in DAMAGED


@pytest.mark.parametrize(
    "message",
    [
        '"SIA-DCS"84L0#AAA[#AAA|Nri1/XC12]',  # sequence of two digits
        '"SIA-DCS"0084#AAA[#AAA|Nri1/XC12]',  # no L prefix
        "SIA-DCS0084L0#AAA[]",  # no quotes
        '"SIA-DCS"0084L0#AAA',  # no data block
        '"SIA-DCS"0084L0#AG[]',  # account not hex and too short
        '"sia-dcs"0084L0#AAA[]',
    ],
)
def test_a_frame_with_a_good_crc_but_a_malformed_header_is_not_damage(message: str) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(encode_frame(message))
    assert caught.value.reason == "malformed_header" and caught.value.reason not in DAMAGED


def test_nul_padding_around_a_datagram_is_ignored() -> None:
    assert parse_frame(b"\0" + FIELD_EVENT + b"\0\0").account == "AAA"


def test_a_message_longer_than_the_length_field_can_say_is_not_built() -> None:
    with pytest.raises(ValueError):
        encode_frame('"SIA-DCS"0001L0#1234[' + "x" * MAX_MESSAGE_BYTES)


@given(st.binary(max_size=300))
def test_any_bytes_either_parse_or_fail_with_a_reason(raw: bytes) -> None:
    try:
        parse_frame(raw)
    except FrameError as exc:
        assert exc.reason in DAMAGED | {"malformed_header"}


@given(st.binary(min_size=1, max_size=200))
def test_any_corruption_of_a_frame_is_refused(noise: bytes) -> None:
    raw = bytearray(FIELD_EVENT)
    position = 9 + noise[0] % (len(FIELD_EVENT) - 10)
    if raw[position] == (noise[0] ^ 0x5A):
        return
    raw[position] = noise[0] ^ 0x5A  # one byte of the message changed: CRC-16 catches every such error
    with pytest.raises(FrameError):
        parse_frame(bytes(raw))
