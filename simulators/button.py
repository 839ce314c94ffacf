"""Virtual panic buttons: a single press, or a burst from many devices for load and crash tests.

Both follow the wire contract's resend rule (`devices.contract.resend`): a press is resent until the
hub's `received` arrives. `burst` (one link, broker confirmation only) is kept for benchmarks that
queue presses while the hub is down."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from devices.contract import (
    CONFIRMED_BUTTON_EVENTS,
    RESEND_RULE,
    ButtonEvent,
    ButtonEventType,
    ButtonFeedback,
    ResendRule,
    Topics,
    encode,
)
from devices.contract.payloads import as_dict
from devices.link import DeviceLink
from devices.resend import Resender


@dataclass(frozen=True)
class ButtonRef:
    site: str
    device: str


def press_payload(
    event_type: str = "panic", event_id: str | None = None, seq: int | None = None, battery: int | None = None
) -> tuple[str, bytes]:
    event_id = event_id or uuid.uuid4().hex
    event = ButtonEvent(
        event_id=event_id, type=ButtonEventType(event_type), ts=datetime.now(UTC), seq=seq, battery=battery
    )
    return event_id, encode(event)


def press(
    link: DeviceLink,
    topics: Topics,
    button: ButtonRef,
    event_type: str = "panic",
    wait_feedback_s: float = 0.0,
) -> tuple[str, list[dict[str, object]]]:
    """Press once; optionally wait for the hub's feedback, resending the press by the contract's resend
    rule until `received` (or later) arrives. Returns (event_id, feedback received)."""
    event_id, payload = press_payload(event_type)
    topic = topics.button_event(button.site, button.device)
    if wait_feedback_s <= 0 or ButtonEventType(event_type) not in CONFIRMED_BUTTON_EVENTS:
        link.publish_and_wait(topic, payload)  # tamper and low battery get no feedback: nothing to wait for
        return event_id, []
    feedback: list[dict[str, object]] = []
    got = threading.Event()

    def on_feedback(_site: str, _device: str, message: ButtonFeedback) -> None:
        if message.event_id == event_id:
            feedback.append(as_dict(message))
            got.set()

    with Resender(on_feedback=on_feedback) as resender:
        resender.follow(link, topics, button.site, button.device)
        time.sleep(0.2)  # let the subscription settle before pressing
        resender.send(link, topic, button.site, button.device, event_id, payload)
        got.wait(wait_feedback_s)
    return event_id, feedback


@dataclass
class BurstResult:
    sent: list[tuple[ButtonRef, str]]  # (button, event id) of each press
    unconfirmed: int  # presses the hub had not confirmed when the wait ended
    resent: int  # copies sent again by the resend rule
    given_up: int


def confirmed_burst(
    url: str,
    topics: Topics,
    buttons: Sequence[ButtonRef],
    total: int,
    rate_per_s: float | None = None,
    run_id: str | None = None,
    progress: Iterable[int] | None = None,
    confirm_timeout_s: float = 120.0,
    rule: ResendRule = RESEND_RULE,
    client_prefix: str = "sim",
) -> BurstResult:
    """`total` distinct panic presses round-robin over `buttons`, each button on an MQTT link of its own
    and following the resend rule (resend until the hub's `received`, reconnect after a broker restart).
    Returns once the hub has confirmed every press, or after `confirm_timeout_s` more."""
    run_id = run_id or uuid.uuid4().hex[:8]
    links: dict[ButtonRef, DeviceLink] = {}
    with Resender(rule) as resender:
        try:
            for button in buttons:
                link = links[button] = DeviceLink(url, f"{client_prefix}-{run_id}-{button.device}").connect()
                resender.follow(link, topics, button.site, button.device)
            time.sleep(0.2)  # let the feedback subscriptions settle
            sent = _publish(
                total,
                buttons,
                run_id,
                rate_per_s,
                progress,
                lambda b, event_id, payload: resender.send(
                    links[b], topics.button_event(b.site, b.device), b.site, b.device, event_id, payload
                ),
            )
            resender.wait_confirmed(confirm_timeout_s)
            return BurstResult(sent, resender.unconfirmed, resender.resent, len(resender.given_up))
        finally:
            for link in links.values():
                link.close()


def burst(
    link: DeviceLink,
    topics: Topics,
    buttons: Sequence[ButtonRef],
    total: int,
    rate_per_s: float | None = None,
    run_id: str | None = None,
    progress: Iterable[int] | None = None,
) -> list[tuple[ButtonRef, str]]:
    """Publish `total` distinct panic presses round-robin over `buttons` on one link, then wait until the
    broker has confirmed every one (no resend rule: for measuring the hub with a queue built up while it
    is down). Returns (button, event_id) of each press."""
    run_id = run_id or uuid.uuid4().hex[:8]
    infos = []

    def publish(button: ButtonRef, _event_id: str, payload: bytes) -> None:
        infos.append(link.publish(topics.button_event(button.site, button.device), payload))

    sent = _publish(total, buttons, run_id, rate_per_s, progress, publish)
    for info in infos:
        info.wait_for_publish(60)
    return sent


def _publish(
    total: int,
    buttons: Sequence[ButtonRef],
    run_id: str,
    rate_per_s: float | None,
    progress: Iterable[int] | None,
    publish: Callable[[ButtonRef, str, bytes], None],
) -> list[tuple[ButtonRef, str]]:
    sent: list[tuple[ButtonRef, str]] = []
    started = time.monotonic()
    report_at = set(progress or ())
    for n, button in zip(range(total), itertools.cycle(buttons), strict=False):
        event_id, payload = press_payload("panic", f"{run_id}-{button.device}-{n}", seq=n)
        publish(button, event_id, payload)
        sent.append((button, event_id))
        if n + 1 in report_at:
            print(f"burst: {n + 1}/{total} published", flush=True)
        if rate_per_s:
            delay = started + (n + 1) / rate_per_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    return sent
