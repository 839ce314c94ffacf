"""Prometheus metrics for what an operator watches: intake, rejections, latency, connections."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable, Iterator, Mapping

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

log = structlog.get_logger(__name__)


class HubMetrics:
    """Implements the IngestObserver port; one registry per hub (tests run several hubs)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        # The ingest counters as plain totals, `kind` or `kind:label` (e.g. `rejected:malformed_json`): what
        # the routine process forwards to the main process's /metrics (`add_forwarded`, `ForwardedCounts`).
        self.forwarded: collections.Counter[str] = collections.Counter()
        r = self.registry
        self.messages = Counter("sentinel_messages_total", "Inbound messages processed", registry=r)
        self.events = Counter("sentinel_events_stored_total", "New device events stored", ["device_kind"], registry=r)
        self.duplicate_events = Counter(
            "sentinel_events_duplicate_total", "Events ignored as already stored (resends, redeliveries)", registry=r
        )
        self.rejections = Counter(
            "sentinel_messages_rejected_total", "Messages refused and dead-lettered", ["reason"], registry=r
        )
        self.incidents = Counter("sentinel_incidents_opened_total", "Incidents opened", registry=r)
        self.deferred_events = Counter(
            "sentinel_events_deferred_total",
            "Events held back for a moment because another writer held their site (retried, never dropped)",
            registry=r,
        )
        self.batch_size = Histogram(
            "sentinel_ingest_batch_size",
            "Messages per ingest transaction",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=r,
        )
        self.commit_seconds = Histogram(
            "sentinel_ingest_commit_seconds",
            "Time from batch start to commit",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=r,
        )

        self.dead_letters_deleted = Counter(
            "sentinel_dead_letters_pruned_total", "Dead letters deleted after their retention", registry=r
        )
        self.dead_letters_kept = Gauge(
            "sentinel_dead_letters_kept", "Dead letters kept (as of the last pruning)", registry=r
        )
        self.dead_letter_bytes = Gauge(
            "sentinel_dead_letters_payload_bytes",
            "Payload bytes kept in dead letters (a large payload counts its prefix only)",
            registry=r,
        )

    def add_forwarded(self, key: str, amount: float) -> None:
        """Count what another process of this hub counted (a `forwarded` key) in this one's counters."""
        kind, _, label = key.partition(":")
        counter = {
            "messages": self.messages,
            "events": self.events,  # by device kind
            "duplicates": self.duplicate_events,
            "deferred": self.deferred_events,
            "rejected": self.rejections,  # by reason
            "incidents": self.incidents,
        }.get(kind)
        if counter is not None:
            (counter.labels(label) if label else counter).inc(amount)

    def dead_letters_pruned(self, pruned: int, kept: int, payload_bytes: int) -> None:
        self.dead_letters_deleted.inc(pruned)
        self.dead_letters_kept.set(kept)
        self.dead_letter_bytes.set(payload_bytes)

    def gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        Gauge(name, documentation, registry=self.registry).set_function(read)

    def labelled_gauges(
        self, name: str, documentation: str, label: str, reads: Mapping[str, Callable[[], float]]
    ) -> None:
        gauge = Gauge(name, documentation, [label], registry=self.registry)
        for value, read in reads.items():
            gauge.labels(value).set_function(read)

    def counter(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A counter kept elsewhere (read at each scrape); `name` without `_total`, which Prometheus adds."""
        self.registry.register(_ReadCounter(name, documentation, read))

    async def sample_forever(
        self,
        name: str,
        documentation: str,
        read: Callable[[], Awaitable[float]],
        every_s: float = 5.0,
        timeout_s: float = 2.0,
    ) -> None:
        """A gauge read by a query (which must not run on every scrape): sampled every `every_s`.
        A sample that fails (the database is away) keeps the last value: best effort, never a stall."""
        gauge = Gauge(name, documentation, registry=self.registry)
        while True:
            try:
                async with asyncio.timeout(timeout_s):
                    gauge.set(await read())
            except Exception as exc:
                log.debug("metric sample failed", metric=name, error=repr(exc))
            await asyncio.sleep(every_s)

    # --- IngestObserver ----------------------------------------------------------------------------
    def batch_committed(self, size: int, seconds: float) -> None:
        self.messages.inc(size)
        self.forwarded["messages"] += size
        self.batch_size.observe(size)
        self.commit_seconds.observe(seconds)

    def events_stored(self, device_kind: str, count: int) -> None:
        self.events.labels(device_kind).inc(count)
        self.forwarded[f"events:{device_kind}"] += count

    def duplicates(self, count: int) -> None:
        self.duplicate_events.inc(count)
        self.forwarded["duplicates"] += count

    def deferred(self, count: int) -> None:
        self.deferred_events.inc(count)
        self.forwarded["deferred"] += count

    def rejected(self, reason: str) -> None:
        self.rejections.labels(reason).inc()
        self.forwarded[f"rejected:{reason}"] += 1

    def incidents_opened(self, count: int) -> None:
        self.incidents.inc(count)
        self.forwarded["incidents"] += count


class ForwardedCounts:
    """A child process's running totals (its `HubMetrics.forwarded`, sent in its ticks) added into this
    process's counters, so /metrics counts what both of the hub's processes did: each report adds what grew
    since the last one; a child restarted counts from zero again. What a child counted after its last report
    and before it died is not seen (half a second at most)."""

    def __init__(self, metrics: HubMetrics) -> None:
        self._metrics = metrics
        self._start: int | None = None
        self._seen: dict[str, float] = {}

    def heard(self, start: int, totals: Mapping[str, float]) -> None:
        """`totals` reported by the child of this `start` (the supervisor's count of starts)."""
        if start != self._start:
            self._start, self._seen = start, {}
        for key, total in totals.items():
            grown = total - self._seen.get(key, 0.0)
            if grown > 0:
                self._metrics.add_forwarded(key, grown)
                self._seen[key] = total


class _ReadCounter(Collector):
    def __init__(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        self._name, self._documentation, self._read = name, documentation, read

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(self._name, self._documentation, value=self._read())
