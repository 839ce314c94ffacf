"""Virtual panic buttons: a single press, or a burst from many devices for load and crash tests."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from devices.contract import ButtonEvent, ButtonEventType, Topics, encode
from devices.link import DeviceLink


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
    """Press once; optionally wait for the hub's feedback. Returns (event_id, feedback received)."""
    feedback: list[dict[str, object]] = []
    got = threading.Event()
    event_id, payload = press_payload(event_type)
    if wait_feedback_s > 0:

        def on_feedback(_topic: str, body: bytes) -> None:
            message = json.loads(body)
            if message.get("event_id") == event_id:
                feedback.append(message)
                got.set()

        link.subscribe(topics.button_feedback(button.site, button.device), on_feedback)
        time.sleep(0.2)  # let the subscription settle before pressing
    link.publish_and_wait(topics.button_event(button.site, button.device), payload)
    if wait_feedback_s > 0:
        got.wait(wait_feedback_s)
    return event_id, feedback


def burst(
    link: DeviceLink,
    topics: Topics,
    buttons: Sequence[ButtonRef],
    total: int,
    rate_per_s: float | None = None,
    run_id: str | None = None,
    progress: Iterable[int] | None = None,
) -> list[tuple[ButtonRef, str]]:
    """Publish `total` distinct panic presses round-robin over `buttons`, then wait until the broker
    has confirmed every one. Returns (button, event_id) of each press."""
    run_id = run_id or uuid.uuid4().hex[:8]
    sent: list[tuple[ButtonRef, str]] = []
    infos = []
    started = time.monotonic()
    report_at = set(progress or ())
    for n, button in zip(range(total), itertools.cycle(buttons), strict=False):
        event_id, payload = press_payload("panic", f"{run_id}-{button.device}-{n}", seq=n)
        infos.append(link.publish(topics.button_event(button.site, button.device), payload))
        sent.append((button, event_id))
        if n + 1 in report_at:
            print(f"burst: {n + 1}/{total} published", flush=True)
        if rate_per_s:
            delay = started + (n + 1) / rate_per_s - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    for info in infos:
        info.wait_for_publish(60)
    return sent
