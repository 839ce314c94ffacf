"""What a DC-09 receiver does with one frame, whatever carried it (TCP or UDP): check it, turn it into
the hub's events or a link-test status, commit them, and only then answer ACK.

* damaged (CRC, length, envelope): no reply, as the standard says (the panel resends); dead letter.
* unknown account, wrong line prefix or receiver number, wrong key, a clear message from an
  encrypted account, a timestamp outside the window: NAK with the receiver's time; dead letter.
* a message kind or payload the receiver cannot read: DUH (do not resend it as it is); dead letter.
* a NULL link test: the panel is heard (status online, supervision deadline moved); ACK.
* ADM-CID / SIA-DCS events: recorded as the panel device's events; ACK after the commit. A resend
  has the same event ids and is recorded once.
* anything while the database is away: no reply, nothing lost; the panel sends it again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

import structlog
from structlog.typing import FilteringBoundLogger

from hub.adapters.dc09.frames import DAMAGED, Frame, FrameError, parse_frame
from hub.adapters.dc09.messages import ADM_CID, NULL, SIA_DCS, Content, ContentError, ack, duh, nak, read_content
from hub.domain.contact_id import PanelSignal, PayloadError, parse_contact_id, parse_sia_dcs
from hub.domain.events import DeviceEvent, content_fingerprint
from hub.domain.panels import PanelAccount, PanelDirectory, panel_event_id
from hub.services.clock import utc_now
from hub.services.intake import AcceptedEvent, StatusReport
from hub.services.messages import Rejection
from hub.services.ports import IngestObserver
from hub.services.recording import Recorded

log = structlog.get_logger(__name__)

SOURCE = "dc09"
_PARSERS: dict[str, Callable[[str], list[PanelSignal]]] = {ADM_CID: parse_contact_id, SIA_DCS: parse_sia_dcs}


class PanelSink(Protocol):
    """Where checked panel facts go: `IngestService.record`, which returns once they are committed."""

    async def record(
        self,
        accepted: Sequence[AcceptedEvent],
        statuses: Sequence[StatusReport] = (),
        rejections: Sequence[Rejection] = (),
        now: datetime | None = None,
    ) -> Recorded: ...


class _Budget:
    """A token bucket for dead letters: anyone on the network can send junk to a UDP port, and junk
    must not turn into unbounded database writes. Over budget it is logged and counted only."""

    def __init__(self, per_second: float, burst: int) -> None:
        self._rate, self._burst = per_second, float(burst)
        self._tokens, self._at = float(burst), time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class Dc09Receiver:
    def __init__(
        self,
        panels: PanelDirectory,
        sink: PanelSink,
        observer: IngestObserver | None = None,
        clock: Callable[[], datetime] = utc_now,
        dead_letters_per_second: float = 20.0,
    ) -> None:
        self._panels = panels
        self._sink = sink
        self._observer = observer
        self._clock = clock
        self._dead_letters = _Budget(dead_letters_per_second, burst=int(dead_letters_per_second * 5) or 1)

    async def handle(self, raw: bytes, transport: str, peer: str) -> bytes | None:
        """The reply to send for one frame, or None for none (sent only after the commit)."""
        now = self._clock()
        logger = log.bind(transport=transport, peer=peer)
        try:
            frame = parse_frame(raw)
        except FrameError as exc:
            await self._refuse(raw, f"{SOURCE}/unknown", exc.reason, exc.detail, now, logger)
            # A damaged frame gets no reply (the panel resends); a readable but malformed one a NAK.
            return None if exc.reason in DAMAGED else nak(now)
        logger = logger.bind(account=frame.account, seq=frame.sequence, token=frame.token)
        topic = f"{SOURCE}/{frame.account or 'unknown'}"
        panel = self._panels.find(frame.account, frame.prefix, frame.receiver) if frame.account else None
        if panel is None:
            detail = f"account={frame.account} prefix={frame.prefix} receiver={frame.receiver}"
            await self._refuse(raw, topic, "unknown_account", detail, now, logger)
            return nak(now)
        logger = logger.bind(site=panel.site_id, device=panel.device_id)
        if frame.token not in (NULL, *_PARSERS):
            await self._refuse(raw, topic, "unsupported_message", frame.token, now, logger)
            return duh(frame)
        try:
            content = read_content(frame, panel.key)
        except ContentError as exc:
            await self._refuse(raw, topic, exc.reason, exc.detail, now, logger)
            return nak(now)
        if content.timestamp is not None:
            problem = self._panels.window.problem(content.timestamp, now)
            if problem is not None:
                detail = f"sent_at={content.timestamp.isoformat()} now={now.isoformat()}"
                await self._refuse(raw, topic, problem, detail, now, logger)
                return nak(now)
        if frame.token == NULL:
            return await self._commit(frame, panel, [], [self._link_test(panel, content, now)], now, logger)
        try:
            signals = _PARSERS[frame.token](content.data)
        except PayloadError as exc:
            await self._refuse(raw, topic, "malformed_payload", str(exc), now, logger)
            return duh(frame)
        accepted = [
            self._accepted(frame, panel, content, signal, index, transport, now) for index, signal in enumerate(signals)
        ]
        return await self._commit(frame, panel, accepted, [], now, logger)

    async def _commit(
        self,
        frame: Frame,
        panel: PanelAccount,
        accepted: list[AcceptedEvent],
        statuses: list[StatusReport],
        now: datetime,
        logger: FilteringBoundLogger,
    ) -> bytes | None:
        started = time.perf_counter()
        try:
            recorded = await self._sink.record(accepted, statuses, (), now)
        except Exception as exc:  # the database may be away: no ACK, the panel sends it again
            logger.error("dc09 message not recorded; no ACK", error=repr(exc))
            return None
        new = len(recorded.new_events)
        if self._observer is not None:
            self._observer.batch_committed(1, time.perf_counter() - started)
            if new:
                self._observer.events_stored("panel", new)
            if len(accepted) > new:
                self._observer.duplicates(len(accepted) - new)
            if recorded.opened:
                self._observer.incidents_opened(recorded.opened)
        if accepted:
            logger.info(
                "dc09 events recorded",
                types=[a.event.type for a in accepted],
                codes=[a.payload["code"] for a in accepted],
                new=new,
                duplicates=len(accepted) - new,
                opened=recorded.opened,
            )
        else:
            logger.debug("dc09 link test")
        return ack(frame, panel.key, self._clock())

    @staticmethod
    def _link_test(panel: PanelAccount, content: Content, now: datetime) -> StatusReport:
        """A NULL message: the panel and its path to the hub are alive; supervision hears it."""
        report = {
            "device_id": panel.device_id,
            "site_id": panel.site_id,
            "state": "online",
            "reported_at": content.timestamp or now,
            "received_at": now,
            "battery": None,
            "rssi": None,
            "firmware": None,
        }
        return StatusReport(report)

    @staticmethod
    def _accepted(
        frame: Frame,
        panel: PanelAccount,
        content: Content,
        signal: PanelSignal,
        index: int,
        transport: str,
        now: datetime,
    ) -> AcceptedEvent:
        sent_at = content.timestamp or now
        payload: dict[str, Any] = {
            "source": SOURCE,
            "protocol": frame.token,
            "account": panel.account,
            "sequence": frame.sequence,
            "code": signal.code,
            "description": signal.description,
            "detail": signal.detail,
            "zone": signal.zone,
            "partition": signal.partition,
            "user": signal.user,
            "text": signal.text,
            "data": content.data,
            "extended": list(content.extended) or None,
            "encrypted": frame.encrypted,
            "transport": transport,
        }
        # What the panel said, not how or when it sent it: a panel resends an unanswered message with the
        # same sequence number and content but a fresh timestamp, maybe over the other transport, and
        # that is the same event (replays of old messages are the timestamp window's job).
        said = {k: v for k, v in payload.items() if k != "transport"}
        event = DeviceEvent(
            site_id=panel.site_id,
            device_id=panel.device_id,
            device_kind="panel",
            event_id=panel_event_id(panel.account, frame.sequence, sent_at.date(), index, signal),
            type=signal.type,
            occurred_at=sent_at,
            received_at=now,
            zone=signal.zone,
            detail=signal.detail,
            fingerprint=content_fingerprint(said),
        )
        return AcceptedEvent(event, {k: v for k, v in payload.items() if v is not None})

    async def _refuse(
        self, raw: bytes, topic: str, reason: str, detail: str, now: datetime, logger: FilteringBoundLogger
    ) -> None:
        logger.warning("dc09 message refused", reason=reason, detail=detail[:300])
        if self._observer is not None:
            self._observer.rejected(f"{SOURCE}_{reason}")
        if not self._dead_letters.take():
            return
        rejection = Rejection(topic, raw, now, reason, detail, source=SOURCE)
        try:
            await self._sink.record([], (), [rejection], now)
        except Exception as exc:  # a refused frame gets its reply even if it cannot be kept
            logger.error("dc09 dead letter not stored", reason=reason, error=repr(exc))
