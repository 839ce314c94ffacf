"""The receiver's decisions for each kind of frame, against a fake store: what is recorded, what is
dead-lettered, what is answered, and that the answer comes only after the commit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from hub.adapters.dc09 import Dc09Receiver
from hub.adapters.dc09.frames import encode_frame, parse_frame
from hub.adapters.dc09.messages import build_message, read_content
from hub.domain.panels import PanelAccount, PanelDirectory, TimestampWindow
from hub.services.intake import AcceptedEvent, StatusReport
from hub.services.messages import Rejection
from hub.services.recording import Recorded

T0 = datetime(2026, 11, 21, 14, 3, 59, tzinfo=UTC)
KEY = bytes(range(32))
PANELS = PanelDirectory(
    {
        "1234": PanelAccount("1234", "bank", "panel-bank"),
        "ABCD": PanelAccount("ABCD", "school", "panel-school", key=KEY),
        "5678": PanelAccount("5678", "shop", "panel-shop", prefix="2", receiver="1"),
    },
    TimestampWindow(20, 20),
)


class FakeStore:
    """Stores like the real one: (device, event_id) unique; can be made to fail or to hold a commit."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, str], AcceptedEvent] = {}
        self.statuses: list[StatusReport] = []
        self.dead_letters: list[Rejection] = []
        self.fail: Exception | None = None
        self.hold: asyncio.Event | None = None
        self.commits = 0

    async def record(
        self,
        accepted: Sequence[AcceptedEvent],
        statuses: Sequence[StatusReport] = (),
        rejections: Sequence[Rejection] = (),
        now: datetime | None = None,
    ) -> Recorded:
        if self.hold is not None:
            await self.hold.wait()
        if self.fail is not None:
            raise self.fail
        result = Recorded()
        for a in accepted:
            key = (a.event.device_id, a.event.event_id)
            if key not in self.events:
                self.events[key] = a
                result.new_events.append(a.event)
        self.statuses.extend(statuses)
        self.dead_letters.extend(rejections)
        self.commits += 1
        return result

    @property
    def types(self) -> list[str]:
        return [a.event.type for a in self.events.values()]


class FakeObserver:
    def __init__(self) -> None:
        self.rejections: list[str] = []
        self.stored = 0
        self.duplicate = 0

    def batch_committed(self, size: int, seconds: float) -> None: ...

    def events_stored(self, device_kind: str, count: int) -> None:
        self.stored += count

    def duplicates(self, count: int) -> None:
        self.duplicate += count

    def rejected(self, reason: str) -> None:
        self.rejections.append(reason)

    def incidents_opened(self, count: int) -> None: ...


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def observer() -> FakeObserver:
    return FakeObserver()


@pytest.fixture
def receiver(store: FakeStore, observer: FakeObserver) -> Dc09Receiver:
    return Dc09Receiver(PANELS, store, observer, clock=lambda: T0)


def frame(token: str, data: str | None, account: str = "1234", seq: int = 42, **options: object) -> bytes:
    options.setdefault("sent_at", T0)
    return build_message(token, seq, account, data=data, **options)  # type: ignore[arg-type]


def reply_kind(reply: bytes | None) -> str | None:
    return None if reply is None else parse_frame(reply).token


async def handle(receiver: Dc09Receiver, raw: bytes) -> bytes | None:
    return await receiver.handle(raw, "tcp", "127.0.0.1:5000")


async def test_a_contact_id_panic_is_recorded_as_the_panels_event_and_acked(
    receiver: Dc09Receiver, store: FakeStore, observer: FakeObserver
) -> None:
    reply = await handle(receiver, frame("ADM-CID", "1120 01 015"))
    assert reply is not None and reply[9:-1] == b'"ACK"0042L0#1234[]'
    [accepted] = store.events.values()
    event = accepted.event
    assert (event.site_id, event.device_id, event.device_kind, event.type, event.zone) == (
        "bank",
        "panel-bank",
        "panel",
        "panic",
        "15",
    )
    assert (event.occurred_at, event.received_at) == (T0, T0)
    assert event.event_id == "1234-0042-20261121-0-1120-15"
    assert accepted.payload["code"] == "1120" and accepted.payload["protocol"] == "ADM-CID"
    assert accepted.payload["source"] == "dc09" and accepted.payload["partition"] == "1"
    assert observer.stored == 1


async def test_a_resent_message_is_the_same_event(
    receiver: Dc09Receiver, store: FakeStore, observer: FakeObserver
) -> None:
    raw = frame("SIA-DCS", "Nri1/BA003")
    assert reply_kind(await handle(receiver, raw)) == "ACK"
    assert reply_kind(await handle(receiver, raw)) == "ACK"  # the ACK was lost: the panel resends
    # A resend built afresh (an encrypted panel re-encrypts with a newer timestamp) is the same too.
    later = frame("SIA-DCS", "Nri1/BA003", sent_at=T0 + timedelta(seconds=5))
    assert reply_kind(await handle(receiver, later)) == "ACK"
    assert store.types == ["burglary"]
    assert observer.duplicate == 2


async def test_a_resend_has_the_fingerprint_of_the_original_and_other_content_under_the_same_id_does_not(
    receiver: Dc09Receiver, store: FakeStore
) -> None:
    seen: list[AcceptedEvent] = []
    record = store.record

    async def capture(accepted: Sequence[AcceptedEvent], *args: object) -> Recorded:
        seen.extend(accepted)
        return await record(accepted, *args)  # type: ignore[arg-type]

    store.record = capture  # type: ignore[method-assign]
    await handle(receiver, frame("ADM-CID", "1120 01 015"))
    await receiver.handle(frame("ADM-CID", "1120 01 015", sent_at=T0 + timedelta(seconds=5)), "udp", "127.0.0.1:9")
    await handle(receiver, frame("ADM-CID", "1120 02 015"))  # another partition: the same event id
    original, resent, other = (a.event for a in seen)
    assert original.event_id == resent.event_id == other.event_id
    assert original.identity.same_event(resent.identity)  # a fresh timestamp, the other transport
    assert not original.identity.same_event(other.identity)


async def test_the_next_message_with_the_same_content_is_a_new_event(receiver: Dc09Receiver, store: FakeStore) -> None:
    await handle(receiver, frame("ADM-CID", "1120 01 015", seq=42))
    await handle(receiver, frame("ADM-CID", "1120 01 015", seq=43))
    assert store.types == ["panic", "panic"]


async def test_the_ack_waits_for_the_commit(receiver: Dc09Receiver, store: FakeStore) -> None:
    store.hold = asyncio.Event()
    answer = asyncio.create_task(handle(receiver, frame("ADM-CID", "1120 01 015")))
    await asyncio.sleep(0.05)
    assert not answer.done() and not store.events
    store.hold.set()
    assert reply_kind(await answer) == "ACK"
    assert store.events


async def test_no_reply_while_the_database_is_away_so_the_panel_resends(
    receiver: Dc09Receiver, store: FakeStore
) -> None:
    store.fail = ConnectionError("database down")
    assert await handle(receiver, frame("ADM-CID", "1120 01 015")) is None
    store.fail = None
    assert reply_kind(await handle(receiver, frame("ADM-CID", "1120 01 015"))) == "ACK"
    assert store.types == ["panic"]


async def test_a_bad_crc_gets_no_reply_and_is_dead_lettered(
    receiver: Dc09Receiver, store: FakeStore, observer: FakeObserver
) -> None:
    raw = bytearray(frame("ADM-CID", "1120 01 015"))
    raw[1:5] = b"0000"
    assert await handle(receiver, bytes(raw)) is None
    assert not store.events
    [letter] = store.dead_letters
    assert (letter.source, letter.topic, letter.reason, letter.payload) == ("dc09", "dc09/unknown", "bad_crc", raw)
    assert observer.rejections == ["dc09_bad_crc"]


async def test_an_unknown_account_gets_a_nak(receiver: Dc09Receiver, store: FakeStore) -> None:
    reply = await handle(receiver, frame("ADM-CID", "1120 01 015", account="9999"))
    assert reply is not None and reply[9:-1] == b'"NAK"0000R0L0A0[]_14:03:59,11-21-2026'
    assert not store.events
    [letter] = store.dead_letters
    assert (letter.topic, letter.reason) == ("dc09/9999", "unknown_account")


async def test_a_panel_must_use_its_configured_prefix_and_receiver(receiver: Dc09Receiver, store: FakeStore) -> None:
    right = build_message("ADM-CID", 1, "5678", "2", "1", "1120 01 000")
    wrong = build_message("ADM-CID", 2, "5678", "0", "1", "1120 01 000")
    assert reply_kind(await handle(receiver, right)) == "ACK"
    assert reply_kind(await handle(receiver, wrong)) == "NAK"
    assert store.types == ["panic"]


@pytest.mark.parametrize(("offset_s", "reason"), [(-21, "timestamp_too_old"), (21, "timestamp_in_future")])
async def test_a_timestamp_outside_the_window_gets_a_nak_with_the_receivers_time(
    receiver: Dc09Receiver, store: FakeStore, offset_s: int, reason: str
) -> None:
    raw = frame("ADM-CID", "1120 01 015", sent_at=T0 + timedelta(seconds=offset_s))
    reply = await handle(receiver, raw)
    assert reply_kind(reply) == "NAK"
    assert reply is not None and read_content(parse_frame(reply), None).timestamp == T0
    assert not store.events and store.dead_letters[0].reason == reason


async def test_a_timestamp_inside_the_window_is_accepted(receiver: Dc09Receiver, store: FakeStore) -> None:
    for n, offset in enumerate((-20, 20)):
        raw = frame("ADM-CID", "1120 01 015", seq=n, sent_at=T0 + timedelta(seconds=offset))
        assert reply_kind(await handle(receiver, raw)) == "ACK"
    assert len(store.events) == 2


async def test_encrypted_accounts_round_trip_and_refuse_clear_text(receiver: Dc09Receiver, store: FakeStore) -> None:
    reply = await handle(receiver, frame("SIA-DCS", "Nri1/PA", account="ABCD", key=KEY))
    assert reply is not None
    ack = parse_frame(reply)
    assert (ack.token, ack.encrypted, ack.sequence) == ("ACK", True, 42)
    assert read_content(ack, KEY).timestamp == T0
    assert store.types == ["panic"]
    assert reply_kind(await handle(receiver, frame("SIA-DCS", "Nri1/PA", account="ABCD", seq=43))) == "NAK"
    assert store.dead_letters[-1].reason == "encryption_required"
    assert reply_kind(await handle(receiver, frame("SIA-DCS", "Nri1/PA", account="ABCD", seq=44, key=bytes(32)))) == (
        "NAK"
    )
    assert store.dead_letters[-1].reason == "decrypt_failed"
    assert store.types == ["panic"]


async def test_a_link_test_is_acked_and_heard_as_the_panel_online(receiver: Dc09Receiver, store: FakeStore) -> None:
    assert reply_kind(await handle(receiver, frame("NULL", None))) == "ACK"
    assert not store.events
    [status] = store.statuses
    assert status.report["device_id"] == "panel-bank" and status.report["state"] == "online"
    assert status.report["reported_at"] == T0
    encrypted = await handle(receiver, frame("NULL", None, account="ABCD", key=KEY))
    assert encrypted is not None and parse_frame(encrypted).encrypted
    assert len(store.statuses) == 2


async def test_restores_are_recorded_with_a_restored_detail(receiver: Dc09Receiver, store: FakeStore) -> None:
    await handle(receiver, frame("ADM-CID", "3130 01 004"))
    [accepted] = store.events.values()
    assert (accepted.event.type, accepted.event.detail, accepted.event.is_restore) == (
        "burglary",
        "burglary_restored",
        True,
    )


async def test_unmapped_codes_are_recorded_not_dropped(receiver: Dc09Receiver, store: FakeStore) -> None:
    assert reply_kind(await handle(receiver, frame("ADM-CID", "1401 01 003"))) == "ACK"
    assert reply_kind(await handle(receiver, frame("SIA-DCS", "Nri1/OP0003", seq=43))) == "ACK"
    assert store.types == ["cid_401", "sia_OP"]


async def test_several_events_in_one_message_are_each_recorded(receiver: Dc09Receiver, store: FakeStore) -> None:
    await handle(receiver, frame("SIA-DCS", "Nri1/BA001/BA002", extended=("X116.40", "Y39.91")))
    assert [a.event.zone for a in store.events.values()] == ["1", "2"]
    assert all(a.payload["extended"] == ["X116.40", "Y39.91"] for a in store.events.values())


async def test_an_unreadable_payload_or_message_kind_gets_duh(receiver: Dc09Receiver, store: FakeStore) -> None:
    assert reply_kind(await handle(receiver, frame("ADM-CID", "1A20 01 015"))) == "DUH"
    assert reply_kind(await handle(receiver, frame("SIA-DCX", "Nri1/BA001"))) == "DUH"
    assert [d.reason for d in store.dead_letters] == ["malformed_payload", "unsupported_message"]
    assert not store.events


async def test_a_readable_frame_with_a_malformed_header_gets_a_nak(receiver: Dc09Receiver, store: FakeStore) -> None:
    assert reply_kind(await handle(receiver, encode_frame('"ADM-CID"42L0#1234[#1234|1120 01 015]'))) == "NAK"
    assert store.dead_letters[0].reason == "malformed_header"


async def test_junk_is_dead_lettered_only_within_a_budget(store: FakeStore, observer: FakeObserver) -> None:
    receiver = Dc09Receiver(PANELS, store, observer, clock=lambda: T0, dead_letters_per_second=2)
    for _ in range(50):
        assert await handle(receiver, b"\nGARBAGE\r") is None
    assert len(observer.rejections) == 50  # every one counted
    assert 10 <= len(store.dead_letters) <= 12  # the burst, then about two a second
