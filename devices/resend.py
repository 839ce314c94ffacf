"""The device side of the resend rule (`devices.contract.resend`): keep every event that the hub confirms
until its feedback arrives, resend it with backoff, at once after a reconnect, and give up at the bound.

One `Resender` serves any number of buttons on any number of links (a real button has one link; the
load simulator has one per button). A thread of its own does the resending; paho's thread only hands
over feedback and reconnects.

While the broker has not confirmed the last copy (PUBACK), paho still holds it and sends it again on
reconnect by itself, so the resender adds no second copy then: it resends only what the broker said
it had, which is exactly what a broker crash can lose.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as paho
import structlog

from devices.contract import RESEND_RULE, ButtonFeedback, ContractError, ResendRule, Topics, decode
from devices.link import DeviceLink

log = structlog.get_logger(__name__)

Key = tuple[str, str, str]  # site, device, event id


@dataclass(eq=False)
class _Pending:
    link: DeviceLink
    topic: str
    payload: bytes
    first_sent: float
    due: float
    resends: int = 0
    info: paho.MQTTMessageInfo | None = None  # the last copy handed to paho

    @property
    def broker_has_it(self) -> bool:
        """The broker confirmed the last copy. Also true when paho cannot tell: a copy handed over while
        disconnected is sent on reconnect, but its info only ever reports the failed first try. A spare
        copy is harmless (the hub stores an event once); a lost one is not."""
        if self.info is None:
            return False
        try:
            return self.info.is_published()
        except (RuntimeError, ValueError):
            return True


class Resender:
    """Resends events until the hub confirms them. `on_feedback(site, device, feedback)` sees every
    feedback (a button's LED and buzzer follow it); `on_give_up(site, device, event_id)` is where a real
    button would tell the guard that the alarm was not confirmed. Both run on paho's or the resender's
    thread: keep them short."""

    def __init__(
        self,
        rule: ResendRule = RESEND_RULE,
        clock: Callable[[], float] = time.monotonic,
        on_feedback: Callable[[str, str, ButtonFeedback], None] | None = None,
        on_give_up: Callable[[str, str, str], None] | None = None,
    ) -> None:
        self._rule = rule
        self._clock = clock
        self._on_feedback_hook = on_feedback
        self._on_give_up = on_give_up
        self._pending: dict[Key, _Pending] = {}
        self._due: list[tuple[float, int, Key]] = []  # a heap; entries whose due time moved are stale
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._links: set[int] = set()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="resender", daemon=True)
        self.resent = 0  # copies sent again
        self.given_up: list[Key] = []

    # --- the device's side ---------------------------------------------------------------------
    def follow(self, link: DeviceLink, topics: Topics, site: str, device: str) -> None:
        """Listen for this button's feedback on its link (before its first event is sent)."""
        link.subscribe(topics.button_feedback(site, device), lambda _t, body: self._on_feedback(site, device, body))
        with self._cond:
            if id(link) in self._links:
                return
            self._links.add(id(link))
        link.on_connect(lambda: self._reconnected(link))

    def send(self, link: DeviceLink, topic: str, site: str, device: str, event_id: str, payload: bytes) -> None:
        """Publish an event and keep it until the hub's feedback for `event_id` arrives."""
        now = self._clock()
        key = (site, device, event_id)
        entry = _Pending(link, topic, payload, now, now + self._rule.delay_s(0))
        with self._cond:
            self._pending[key] = entry  # before publishing: the feedback may beat the PUBACK
            self._schedule(key, entry)
        info = link.publish(topic, payload)
        with self._cond:
            entry.info = info

    @property
    def unconfirmed(self) -> int:
        with self._cond:
            return len(self._pending)

    def wait_confirmed(self, timeout: float) -> bool:
        """Wait until nothing is left to confirm (confirmed or given up); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.5))
            return True

    def start(self) -> Resender:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread.ident is not None:
            self._thread.join(5)

    def __enter__(self) -> Resender:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- paho's thread -------------------------------------------------------------------------
    def _on_feedback(self, site: str, device: str, body: bytes) -> None:
        try:
            feedback = decode(ButtonFeedback, body)
        except ContractError as exc:
            log.warning("button_feedback_rejected", site=site, device=device, reason=exc.reason)
            return
        # `received` or any later state: the hub has the event.
        with self._cond:
            if self._pending.pop((site, device, feedback.event_id), None) is not None:
                self._cond.notify_all()
        if self._on_feedback_hook is not None:
            self._on_feedback_hook(site, device, feedback)

    def _reconnected(self, link: DeviceLink) -> None:
        """The broker may be a restarted one that lost what it had confirmed: resend that now."""
        now = self._clock()
        with self._cond:
            for key, entry in self._pending.items():
                if entry.link is link and entry.broker_has_it:
                    entry.due = now
                    self._schedule(key, entry)
            self._cond.notify_all()

    # --- the resend thread ---------------------------------------------------------------------
    def _schedule(self, key: Key, entry: _Pending) -> None:
        heapq.heappush(self._due, (entry.due, next(self._order), key))

    def _take_due(self, now: float) -> list[_Pending]:
        """Under the lock: the entries due now, rescheduled as if resent (the caller resends them)."""
        due: list[_Pending] = []
        while self._due and self._due[0][0] <= now:
            at, _, key = heapq.heappop(self._due)
            entry = self._pending.get(key)
            if entry is None or entry.due != at:
                continue  # confirmed meanwhile, or moved
            if now - entry.first_sent >= self._rule.give_up_after_s:
                del self._pending[key]
                self.given_up.append(key)
                self._cond.notify_all()
                log.error("event not confirmed by the hub; given up", site=key[0], device=key[1], event_id=key[2])
                if self._on_give_up is not None:
                    self._on_give_up(*key)
                continue
            entry.resends += 1
            entry.due = now + self._rule.delay_s(entry.resends)
            self._schedule(key, entry)
            if entry.link.connected and entry.broker_has_it:
                due.append(entry)
            # else: paho holds the last copy, or there is no broker; a reconnect makes it due again
        return due

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stopping:
                    return
                due = self._take_due(self._clock())
                if not due:
                    wait = self._due[0][0] - self._clock() if self._due else 1.0
                    self._cond.wait(min(max(wait, 0.01), 1.0))
                    continue
            for entry in due:  # outside the lock: paho's thread takes it for feedback
                info = entry.link.publish(entry.topic, entry.payload)
                with self._cond:
                    entry.info = info
                    self.resent += 1
