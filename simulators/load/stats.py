"""What `sentinel simulate load` counts and prints: per-stream counters, the live table's rows (per
second over each reporting window) and the final verdict on whether the configured rates were held.
Pure (no I/O, no clock): the load generator hands in readings and times."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields

STREAMS = ("status", "press", "camera")


@dataclass
class StreamCount:
    """One stream of one worker (written by that worker's thread only; summed by the reader)."""

    sent: int = 0  # new messages handed to the broker (resends not included)
    acked: int = 0  # PUBACK with a success code
    failed: int = 0  # PUBACK with an error code, or not sent because the link was down


@dataclass
class Counts:
    status: StreamCount = field(default_factory=StreamCount)
    press: StreamCount = field(default_factory=StreamCount)
    camera: StreamCount = field(default_factory=StreamCount)
    confirmed: int = 0  # presses the hub answered (`received` or later) by the resend rule
    resent: int = 0  # press copies sent again by the resend rule
    given_up: int = 0  # presses never confirmed within the rule's bound (also counted as failed)
    resend_acked: int = 0  # PUBACKs of resent copies (kept apart so `press.acked` matches `press.sent`)
    confirm_ms: list[float] = field(default_factory=list)  # press → first feedback

    def stream(self, name: str) -> StreamCount:
        stream = getattr(self, name)
        assert isinstance(stream, StreamCount), name
        return stream


def total(parts: Iterable[Counts]) -> Counts:
    """Sum the workers' counters (a consistent-enough reading: each int is read atomically)."""
    out = Counts()
    for part in parts:
        for name in STREAMS:
            mine, theirs = out.stream(name), part.stream(name)
            for f in fields(StreamCount):
                setattr(mine, f.name, getattr(mine, f.name) + getattr(theirs, f.name))
        out.confirmed += part.confirmed
        out.resent += part.resent
        out.given_up += part.given_up
        out.resend_acked += part.resend_acked
        out.confirm_ms.extend(list(part.confirm_ms))
    return out


@dataclass(frozen=True)
class Rates:
    """What was configured, per second."""

    status: float
    press: float
    camera: float

    def of(self, stream: str) -> float:
        return float(getattr(self, stream))


HEADER = (
    f"{'progress':<27}  {'status sent/ack/fail':>20}  {'press sent/ack/conf/fail':>24}  "
    f"{'camera sent/ack/fail':>20}  {'resent':>6}  {'unacked':>7}  {'confirm ms p50':>14}"
)


def _bar(elapsed_s: float, duration_s: float | None, width: int = 10) -> str:
    if not duration_s:
        return f"{'[' + '~' * width + ']'} {elapsed_s:6.0f} s"
    done = min(elapsed_s / duration_s, 1.0)
    filled = round(done * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:4.0%} {elapsed_s:4.0f}/{duration_s:.0f} s"


def row(before: Counts, now: Counts, window_s: float, elapsed_s: float, duration_s: float | None) -> str:
    """One line of the live table: per second over the window since `before`."""

    def per_s(name: str, attr: str) -> str:
        return f"{(getattr(now.stream(name), attr) - getattr(before.stream(name), attr)) / window_s:.0f}"

    def triple(name: str) -> str:
        return "/".join(per_s(name, a) for a in ("sent", "acked", "failed"))

    press = "/".join(
        [
            per_s("press", "sent"),
            per_s("press", "acked"),
            f"{(now.confirmed - before.confirmed) / window_s:.1f}",
            per_s("press", "failed"),
        ]
    )
    new_ms = now.confirm_ms[len(before.confirm_ms) :]
    p50 = f"{statistics.median(new_ms):.0f}" if new_ms else "-"
    return (
        f"{_bar(elapsed_s, duration_s):<27}  {triple('status'):>20}  {press:>24}  {triple('camera'):>20}  "
        f"{(now.resent - before.resent) / window_s:>6.1f}  {unacked(now):>7}  {p50:>14}"
    )


def unacked(counts: Counts) -> int:
    """Messages handed to the broker and not answered yet (PUBACK outstanding)."""
    return sum(counts.stream(s).sent - counts.stream(s).acked - counts.stream(s).failed for s in STREAMS)


@dataclass(frozen=True)
class StreamVerdict:
    stream: str
    configured_per_s: float
    sent_per_s: float
    acked_per_s: float
    failed: int
    held: bool


def verdicts(counts: Counts, rates: Rates, elapsed_s: float, tolerance: float = 0.02) -> list[StreamVerdict]:
    """A stream held its rate when what was sent and acknowledged is within `tolerance` of the
    configured rate over the run, and nothing failed."""
    out = []
    for name in STREAMS:
        stream = counts.stream(name)
        configured = rates.of(name)
        sent, acked = stream.sent / elapsed_s, stream.acked / elapsed_s
        failed = stream.failed + (counts.given_up if name == "press" else 0)
        held = failed == 0 and (configured == 0 or min(sent, acked) >= configured * (1 - tolerance))
        out.append(StreamVerdict(name, configured, sent, acked, failed, held))
    return out


def percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


def summary(counts: Counts, rates: Rates, elapsed_s: float, devices: int, connections: int) -> tuple[str, bool]:
    """The figures printed at the end, and whether every configured rate was held."""
    lines = [
        f"load: {devices} devices on {connections} MQTT connection(s) for {elapsed_s:.0f} s",
        f"  {'stream':<8} {'configured/s':>12} {'sent/s':>9} {'acked/s':>9} {'failed':>7}  held",
    ]
    results = verdicts(counts, rates, elapsed_s)
    for v in results:
        lines.append(
            f"  {v.stream:<8} {v.configured_per_s:>12.2f} {v.sent_per_s:>9.2f} {v.acked_per_s:>9.2f} "
            f"{v.failed:>7}  {'yes' if v.held else 'NO'}"
        )
    press = counts.press
    lines.append(
        f"  presses: {press.sent} sent, {counts.confirmed} confirmed by the hub, "
        f"{press.sent - counts.confirmed - counts.given_up} unconfirmed at the end, {counts.given_up} given up, "
        f"{counts.resent} copies resent by the resend rule"
    )
    if counts.confirm_ms:
        lines.append(
            f"  press → hub `received`: median {statistics.median(counts.confirm_ms):.0f} ms, "
            f"p99 {percentile(counts.confirm_ms, 0.99):.0f} ms, max {max(counts.confirm_ms):.0f} ms"
        )
    rates_held = all(v.held for v in results)
    hub_kept_up = counts.confirmed >= press.sent
    lines.append(f"  rates held (sent and acknowledged by the broker, nothing failed): {'yes' if rates_held else 'NO'}")
    lines.append(f"  hub kept up (every press confirmed by the end): {'yes' if hub_kept_up else 'NO'}")
    return "\n".join(lines), rates_held and hub_kept_up
