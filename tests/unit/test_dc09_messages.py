"""DC-09 contents: AES-CBC round trips with 128/192/256-bit keys, pads, timestamps, the account echo,
extended data; the replies a receiver sends; interoperation with pysiaalarm (Home Assistant's)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hub.adapters.dc09.crypto import BLOCK, decrypt, encrypt, strip_pad
from hub.adapters.dc09.frames import crc16, encode_frame, parse_frame
from hub.adapters.dc09.messages import (
    ContentError,
    ack,
    build_message,
    duh,
    format_timestamp,
    nak,
    parse_timestamp,
    read_content,
)

T0 = datetime(2026, 11, 21, 14, 3, 59, tzinfo=UTC)
KEYS = {bits: bytes(range(bits // 8)) for bits in (128, 192, 256)}
# An encrypted frame from a panel in the field; key "AAAAAAAAAAAAAAAA", zeros as pad.
FIELD_KEY = b"A" * 16
FIELD_ENCRYPTED = (
    b'\n05BB0076"*SIA-DCS"7654L0#1111[C07DA1EB73C617857476EE5D79436CEE5E0084485E79EC56B0D5D1F3F6E648B2'
    b"78050BBCCBC8FE5DCA7E3C80DBDD4945\r"
)


def aes_cbc_zero_iv(key: bytes, plain: str) -> str:
    encryptor = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).encryptor()
    return (encryptor.update(plain.encode()) + encryptor.finalize()).hex().upper()


@pytest.mark.parametrize("bits", [128, 192, 256])
@pytest.mark.parametrize("text", ["]", "#1234|Nri1/BA001]_14:03:59,11-21-2026", "x" * 15, "x" * 16, "y" * 47])
def test_encryption_round_trips_with_every_key_size(bits: int, text: str) -> None:
    key = KEYS[bits]
    hex_text = encrypt(key, text)
    assert hex_text == hex_text.upper() and len(hex_text) % (2 * BLOCK) == 0
    assert strip_pad(decrypt(key, hex_text)) == (text, True)


def test_the_pad_is_random_and_never_holds_the_delimiters() -> None:
    key = KEYS[128]
    texts = {encrypt(key, "]_14:03:59,11-21-2026") for _ in range(20)}
    assert len(texts) == 20  # a fixed IV, but a fresh pad: no two ciphertexts alike
    for hex_text in texts:
        pad = decrypt(key, hex_text).split("|", 1)[0]
        assert 1 <= len(pad) <= BLOCK and not set(pad) & set("|[]")


def test_it_is_plain_aes_cbc_with_a_zero_iv_as_the_standard_says() -> None:
    key = KEYS[256]
    plain = "abcdefghijklmno|#1234|Nri1/PA]_14:03:59,11-21-2026"
    plain += "z" * (-len(plain) % 16)
    assert decrypt(key, aes_cbc_zero_iv(key, plain)) == plain


@pytest.mark.parametrize("hex_text", ["", "ABC", "ZZ" * 16, "00" * 15])
def test_ciphertext_that_is_not_whole_hex_blocks_is_refused(hex_text: str) -> None:
    with pytest.raises(ValueError):
        decrypt(KEYS[128], hex_text)


def message(token: str, data: str | None, key: bytes | None = None, **options: object) -> bytes:
    return build_message(token, 42, "1234", "0", "1", data, key=key, sent_at=T0, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [None, KEYS[128], KEYS[192], KEYS[256]])
@pytest.mark.parametrize(("token", "data"), [("ADM-CID", "1120 01 015"), ("SIA-DCS", "Nri1/BA001"), ("NULL", None)])
def test_messages_round_trip_clear_and_encrypted(key: bytes | None, token: str, data: str | None) -> None:
    frame = parse_frame(message(token, data, key, extended=("X116.40", "Y39.91")))
    assert (frame.token, frame.encrypted, frame.sequence, frame.receiver, frame.account) == (
        token,
        key is not None,
        42,
        "1",
        "1234",
    )
    content = read_content(frame, key)
    assert content.data == (data or "")
    assert content.data_account == ("1234" if data else None)
    assert content.extended == ("X116.40", "Y39.91")
    assert content.timestamp == T0


def test_a_clear_message_reads_as_the_standard_writes_it() -> None:
    raw = message("SIA-DCS", "Nri1/BA001")
    assert raw[9:-1] == b'"SIA-DCS"0042R1L0#1234[#1234|Nri1/BA001]_14:03:59,11-21-2026'


def test_a_clear_message_may_leave_out_the_timestamp() -> None:
    raw = build_message("ADM-CID", 7, "1234", data="1602 00 000")
    content = read_content(parse_frame(raw), None)
    assert (content.data, content.timestamp) == ("1602 00 000", None)


def test_a_frame_encrypted_by_a_panel_in_the_field_is_read() -> None:
    frame = parse_frame(FIELD_ENCRYPTED)
    content = read_content(frame, FIELD_KEY)
    assert (frame.account, frame.sequence, content.data) == ("1111", 7654, "Nri1/WA000")
    assert content.timestamp == datetime(2020, 7, 9, 16, 4, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("token", "text", "data"),
    [
        ("SIA-DCS", "0000000000Nri1/BA001]_14:03:59,11-21-2026", "Nri1/BA001"),
        ("ADM-CID", "000000000001120 01 015]_14:03:59,11-21-2026", "1120 01 015"),
        ("NULL", "00000000000000000000000000]_14:03:59,11-21-2026", ""),
        ("SIA-DCS", "000000#1234|Nri1/BA001]_14:03:59,11-21-2026", "Nri1/BA001"),
    ],
)
def test_zero_pads_without_the_separator_are_tolerated(token: str, text: str, data: str) -> None:
    text = "0" * (-len(text) % 16) + text
    raw = encode_frame(f'"*{token}"0042L0#1234[{aes_cbc_zero_iv(KEYS[128], text)}')
    content = read_content(parse_frame(raw), KEYS[128])
    assert (content.data, content.timestamp) == (data, T0)


def test_the_wrong_key_is_refused_as_such_whatever_the_garbage_decrypts_to() -> None:
    # 2,000 random pads: about 1 in 250 decrypts, with the wrong key, to garbage ending in `]`, which
    # once read as a message without its timestamp ("timestamp_missing"; a flaky test in the suite).
    reasons = set()
    for _ in range(2000):
        frame = parse_frame(message("SIA-DCS", "Nri1/PA", KEYS[128]))
        with pytest.raises(ContentError) as caught:
            read_content(frame, bytes(16))
        reasons.add(caught.value.reason)
    assert reasons == {"decrypt_failed"}


def test_an_encrypted_account_refuses_clear_messages_and_a_clear_one_encrypted_ones() -> None:
    with pytest.raises(ContentError) as clear:
        read_content(parse_frame(message("ADM-CID", "1120 01 015")), KEYS[128])
    assert clear.value.reason == "encryption_required"
    with pytest.raises(ContentError) as encrypted:
        read_content(parse_frame(message("ADM-CID", "1120 01 015", KEYS[128])), None)
    assert encrypted.value.reason == "unexpected_encryption"


def test_an_encrypted_message_needs_a_timestamp() -> None:
    text = "|#1234|1120 01 015]"
    text = "p" * (-len(text) % 16) + text
    raw = encode_frame(f'"*ADM-CID"0042L0#1234[{aes_cbc_zero_iv(KEYS[128], text)}')
    with pytest.raises(ContentError) as caught:
        read_content(parse_frame(raw), KEYS[128])
    assert caught.value.reason == "timestamp_missing"
    with pytest.raises(ValueError):
        build_message("NULL", 1, "1234", key=KEYS[128])


@pytest.mark.parametrize(
    "body",
    [
        "#1234|1120 01 015",  # data block not closed
        "#1234|1120 01 015][X1",  # extended data not closed
        "#1234|1120 01 015]junk",
        "#1234|1120 01 015]_14:03:59",
        "#1234|1120 01 015]_25:03:59,11-21-2026",
        "#1234|1120 01 015]_14:03:59,02-30-2026",
    ],
)
def test_malformed_contents_are_refused(body: str) -> None:
    with pytest.raises(ContentError) as caught:
        read_content(parse_frame(encode_frame(f'"ADM-CID"0042L0#1234[{body}')), None)
    assert caught.value.reason == "malformed_content"


def test_timestamps_are_utc_in_the_standards_format() -> None:
    assert format_timestamp(T0) == "_14:03:59,11-21-2026"
    assert parse_timestamp("14:03:59,11-21-2026") == T0


def test_the_ack_echoes_sequence_receiver_prefix_and_account() -> None:
    frame = parse_frame(build_message("ADM-CID", 42, "1234", "3", "1F", "1120 01 015"))
    assert ack(frame, None, T0)[9:-1] == b'"ACK"0042R1FL3#1234[]'
    assert duh(frame)[9:-1] == b'"DUH"0042R1FL3#1234[]'
    no_receiver = parse_frame(build_message("ADM-CID", 7, "1234", data="1120 01 015"))
    assert ack(no_receiver, None, T0)[9:-1] == b'"ACK"0007L0#1234[]'


def test_the_ack_to_an_encrypted_message_is_encrypted_and_carries_the_receivers_time() -> None:
    key = KEYS[192]
    frame = parse_frame(message("SIA-DCS", "Nri1/PA", key))
    reply = parse_frame(ack(frame, key, T0))
    assert (reply.token, reply.encrypted, reply.sequence, reply.account) == ("ACK", True, 42, "1234")
    assert read_content(reply, key).timestamp == T0


def test_the_nak_is_the_standards_with_the_receivers_time() -> None:
    raw = nak(T0)
    assert raw[9:-1] == b'"NAK"0000R0L0A0[]_14:03:59,11-21-2026'
    assert raw[1:5] == f"{crc16(raw[9:-1]):04X}".encode()
    assert read_content(parse_frame(raw), None).timestamp == T0


class TestInteroperationWithPysiaalarm:
    """An independent implementation (Home Assistant's SIA integration) reads what we send, and we
    read what it sends. It takes the AES key as text, so the key here is printable."""

    KEY = b"0123456789abcdef"

    @pytest.mark.parametrize("encrypted", [False, True])
    @pytest.mark.parametrize(
        ("token", "data", "code"),
        [("SIA-DCS", "Nri1/BA001", "BA"), ("ADM-CID", "1120 01 015", "PA"), ("NULL", None, "RP")],
    )
    def test_pysiaalarm_reads_our_frames_and_we_read_its_acks(
        self, encrypted: bool, token: str, data: str | None, code: str
    ) -> None:
        pysia = pytest.importorskip("pysiaalarm")
        event_module = pytest.importorskip("pysiaalarm.event")
        key = self.KEY if encrypted else None
        raw = build_message(token, 42, "1234", "0", "1", data, key=key, sent_at=datetime.now(UTC))
        account = pysia.SIAAccount("1234", self.KEY.decode() if encrypted else None)
        event = event_module.SIAEvent.from_line(raw.decode().strip(), {"1234": account})
        assert event.valid_message and event.code == code and event.sequence == "0042"
        reply = parse_frame(event.create_response())
        assert (reply.token, reply.sequence, reply.encrypted) == ("ACK", 42, encrypted)
        read_content(reply, key)
