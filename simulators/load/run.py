"""A load run from start to summary: connect, run the rates, report a row a period, drain, summarise."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from devices.mqtt_url import parse_mqtt_url
from simulators.load.options import LoadOptions
from simulators.load.stats import HEADER, Counts, row, summary, total, unacked
from simulators.load.worker import Worker


@dataclass
class LoadResult:
    counts: Counts
    elapsed_s: float
    connections: int
    connected: int
    held: bool
    interrupted: bool


def run_load(
    options: LoadOptions, out: Callable[[str], None] = print, stop: threading.Event | None = None
) -> LoadResult:
    """Connect every device, run until `duration_s`, Ctrl-C (SIGINT/SIGTERM, when called on the main
    thread) or `stop`, drain, disconnect, and print the live table and the summary."""
    workers = max(1, min(options.workers, len(options.devices)))
    shares = [options.devices[i::workers] for i in range(workers)]
    threads = [Worker(i, options, shares[i], 1 / workers) for i in range(workers)]
    stop = stop or threading.Event()
    interrupted = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal interrupted
        if stop.is_set():  # a second Ctrl-C while draining: stop waiting for confirmations
            for thread in threads:
                thread.abort()
        interrupted = True
        stop.set()

    on_main_thread = threading.current_thread() is threading.main_thread()
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)} if on_main_thread else {}
    try:
        for thread in threads:
            thread.start()
        mode = "one per device" if options.credentials is not None else f"{options.per_connection} devices each"
        out(f"load: connecting {len(options.devices)} devices ({mode}) to {parse_mqtt_url(options.url).host}…")
        connecting_until = time.monotonic() + options.connect_timeout_s
        wanted = (
            len(options.devices)
            if options.credentials is not None
            else sum(-(-len(s) // options.per_connection) for s in shares)
        )
        last_said = 0.0
        while not stop.is_set() and time.monotonic() < connecting_until:
            connected = sum(t.connected for t in threads)
            if connected >= wanted:
                break
            if time.monotonic() - last_said >= 2:
                out(f"load: {connected}/{wanted} connections up")
                last_said = time.monotonic()
            stop.wait(0.2)
        connected = sum(t.connected for t in threads)
        rates = options.rates()
        out(
            f"load: {connected}/{wanted} connections up; status {rates.status:.1f}/s, presses {rates.press:g}/s "
            f"({options.press_type}), camera events {rates.camera:g}/s"
            + (f" for {options.duration_s:g} s" if options.duration_s else " until Ctrl-C")
        )
        start = time.monotonic() + 0.2
        for thread in threads:
            thread.stop_at = start + options.duration_s if options.duration_s else None
            thread.begin(start)
        out(HEADER)
        before, last = total(t.counts for t in threads), start
        while not stop.is_set():
            left = start + options.duration_s - time.monotonic() if options.duration_s else options.report_every_s
            stop.wait(max(min(options.report_every_s, left), 0.0))
            now = time.monotonic()
            current = total(t.counts for t in threads)
            if now - last >= 0.25:  # a last sliver of a window says nothing per second
                out(row(before, current, now - last, now - start, options.duration_s))
            before, last = current, now
            if options.duration_s and now - start >= options.duration_s - 0.01:
                break
            if any(t.error is not None for t in threads):
                out("load: a worker failed; stopping")
                break
        elapsed = max(min(time.monotonic() - start, options.duration_s or float("inf")), 1e-3)
        for thread in threads:
            thread.stop()
        waiting = sum(t.pending_presses for t in threads)
        outstanding = unacked(total(t.counts for t in threads))
        out(
            f"load: stopping (Ctrl-C again: stop waiting); up to {options.drain_s:g} s for {outstanding} "
            f"PUBACKs and {waiting} press confirmation(s)"
        )
        for thread in threads:
            while not thread.finished.wait(0.5):
                pass  # signals are handled between waits
        counts = total(t.counts for t in threads)
        text, held = summary(counts, rates, elapsed, len(options.devices), sum(len(t.connections) for t in threads))
        out(text)
        return LoadResult(counts, elapsed, sum(len(t.connections) for t in threads), connected, held, interrupted)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
