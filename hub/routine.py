"""The routine lane's process (docs/design.md, "Processes"): heartbeats and status reports, speaker
acks, camera events and officers' messages (everything but button events), ingested in an OS process
of their own, beside the hub's main process that keeps the alarm lane, the console, timers and
leadership. The main process starts it (`sentinel run` does, see `routine_process`), restarts it when
it dies and stops it with itself; it runs at a lower priority, so the alarm side wins the CPU.

It has its own MQTT session (client id, and broker account where the broker binds them, named
`routine_account_name`), with manual acknowledgement after commit like the main one: a routine
process killed at any instant loses nothing, since the broker redelivers what it had not
acknowledged to the next one. Consoles learn of what it commits through the change feed's NOTIFY,
which every instance listens to; the outbound messages it commits (speaker commands of a rule's
warning, a guard's feedback after an officer's reply) it relays itself, as any instance's relay may.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Callable

import structlog

from devices.contract import Topics
from hub.adapters.metrics import ForwardedCounts, HubMetrics
from hub.adapters.mqtt import MqttClient, MqttSettings
from hub.adapters.mqtt.broker_conf import routine_account_name
from hub.adapters.postgres.outbox import PostgresOutbox
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.probe import PostgresProbe, is_database_outage
from hub.adapters.postgres.store import PostgresStore
from hub.adapters.supervised import SupervisedProcess, lifeline, read_first_line, tick_forever
from hub.config import Settings, load_district
from hub.domain.district import District
from hub.logging import log_stream
from hub.parts import device_services, intake_checker, shared
from hub.services.health import DATABASE, LINK_GRACE_S, HealthMonitor, Watch, availability
from hub.services.ingest import IngestService
from hub.services.intake import ROUTINE_PROCESS_TOPIC_KINDS, is_alarm
from hub.services.lanes import AlarmRightOfWay, AlarmTurns, RoutineTurns
from hub.services.liveness import Liveness
from hub.services.outbox import OutboxRelay

log = structlog.get_logger(__name__)

ROUTINE_NICENESS = 10  # below the main process: under CPU pressure the alarm lane and console go first
# What the main process writes to the routine process's input when its alarm lane comes to hold alarms,
# and when it holds none any more: the routine lane then holds back (hub/services/lanes.py).
ALARMS_HELD, ALARMS_CLEAR = b"A", b"C"
_MAIN = "main process"
# It comes up in 1-7 s with the hub (imports, connects, subscribes, then says READY): "starting" until
# then, not an outage; not up this long after the hub's start is one (hub/services/health.py).
START_S = 15.0
# The first word of a tick line while the routine lane takes messages: its broker session is connected and
# subscribed (down for less than LINK_GRACE_S counts as up, as for the main process's broker link). The main
# process's `routine_process` dependency is up only then.
READY = "ready"


_COUNTS = " counts="  # in a tick line, before the routine process's ingest counters (JSON)


def reports_ready(tick_line: str) -> bool:
    """Whether a tick line (`RoutineLane.report`) says the routine lane takes messages."""
    return tick_line.split(" ", 1)[0] == READY


def reported_counts(tick_line: str) -> dict[str, float]:
    """The routine process's ingest counters in a tick line (`HubMetrics.forwarded`); none in a line without."""
    _, found, counts = tick_line.partition(_COUNTS)
    if not found:
        return {}
    parsed = json.loads(counts)
    if not isinstance(parsed, dict):
        return {}
    return {str(k): float(v) for k, v in parsed.items() if isinstance(v, int | float)}


def routine_process(
    settings: Callable[[], Settings],
    right_of_way: AlarmRightOfWay,
    metrics: HubMetrics,
    stall_after_s: float = 5.0,
) -> SupervisedProcess:
    """The routine process the main process supervises, given the main process's settings (read at each
    start); it hears when the main process's alarm lane holds alarms, is killed when it stops ticking
    for `stall_after_s`, and what it counts (messages, events, rejections, incidents) is added into
    `metrics`, the main process's, so /metrics counts the whole hub."""
    argv = [sys.executable, "-m", "hub", "routine"]
    forwarded = ForwardedCounts(metrics)
    # Its log lines go where the main process's go (the demo's log file, say).
    process = SupervisedProcess(
        "routine",
        argv,
        lambda: settings().model_dump_json().encode(),
        ROUTINE_NICENESS,
        output=log_stream(),
        liveness=Liveness(stall_after_s),
        on_report=lambda start, line: forwarded.heard(start, reported_counts(line)),
        reports_started=reports_ready,
    )
    right_of_way.observe(lambda held: process.send(ALARMS_HELD if held else ALARMS_CLEAR))
    return process


def routine_ready(process: SupervisedProcess) -> bool:
    """Whether the routine process runs, ticks and says its broker session is subscribed: until then a
    routine message (a heartbeat, a speaker's ack) may find no session at the broker and be lost, or wait."""
    return process.up and reports_ready(process.last_report)


class RoutineLane:
    def __init__(self, settings: Settings, district: District, clock: Callable[[], float] = time.monotonic) -> None:
        if not settings.mqtt_url or not settings.database_url:
            raise ValueError("the routine process needs the broker and the database")
        self.settings = settings
        self.district = district
        self.right_of_way = AlarmRightOfWay()
        self._metrics: HubMetrics | None = None
        self._mqtt: MqttClient | None = None
        self._clock = clock
        self._ever_connected = False
        self._link_down_since: float | None = None

    def report(self) -> str:
        """The tick line for the main process's watchdog (and its log, should it find us frozen): `READY`
        first while the broker session takes messages, else `starting` or `broker-down`; then counters, and
        the ingest counters for the main process's /metrics (`reported_counts`)."""
        if self._metrics is None or self._mqtt is None:
            return "starting"
        now = self._clock()
        if self._mqtt.connected:
            self._ever_connected, self._link_down_since = True, None
        elif self._link_down_since is None:
            self._link_down_since = now
        down_s = 0.0 if self._link_down_since is None else now - self._link_down_since
        state = READY if self._ever_connected and down_s < LINK_GRACE_S else "broker-down"
        counts = json.dumps(self._metrics.forwarded, separators=(",", ":"))
        return f"{state} committed={self._metrics.forwarded['messages']} backlog={self._mqtt.backlog}{_COUNTS}{counts}"

    def heard(self, data: bytes) -> None:
        """Bytes from the main process: whether its alarm lane holds alarms (the last one counts)."""
        last = next((bytes([b]) for b in reversed(data) if bytes([b]) in (ALARMS_HELD, ALARMS_CLEAR)), None)
        if last == ALARMS_HELD:
            self.right_of_way.alarm_taken(_MAIN)
        elif last == ALARMS_CLEAR:
            self.right_of_way.alarms_done(_MAIN)

    async def run(self) -> None:
        s = self.settings
        assert s.mqtt_url and s.database_url
        topics = Topics(s.topic_prefix)
        pool = await create_pool(s.database_url)
        probe = PostgresProbe(s.database_url)
        try:
            intake = intake_checker(s, self.district, topics)
            filters = shared(intake.subscriptions(ROUTINE_PROCESS_TOPIC_KINDS), s.shared_subscription_group)
            mqtt = MqttClient(
                MqttSettings(
                    url=s.routine_mqtt_url or s.mqtt_url,
                    client_id=routine_account_name(s.instance_id),
                    subscriptions=filters,
                    keepalive_s=5,
                ),
                # Camera tamper keeps a lane of its own here too, ahead of the routine traffic.
                is_alarm=is_alarm,
            )
            # Only to tell a database outage from a bad message (the main process reports health).
            health = HealthMonitor([Watch(probe)], lambda _frame: None)
            database = availability(health, DATABASE, is_database_outage)
            outbox_nudge = asyncio.Event()
            store = PostgresStore(pool)
            parts = await device_services(s, self.district, topics, store, outbox_nudge, lambda: s.public_url)
            metrics = HubMetrics()
            self._metrics, self._mqtt = metrics, mqtt
            right_of_way = self.right_of_way
            lane = (intake, store, self.district, topics, metrics, outbox_nudge)
            routine = IngestService(*lane, **parts.for_ingest(), database=database, lane=RoutineTurns(right_of_way))
            camera_alarms = IngestService(*lane, **parts.for_ingest(), database=database, lane=AlarmTurns(right_of_way))
            relay = OutboxRelay(PostgresOutbox(pool), mqtt, outbox_nudge)
            log.info("routine process starting", instance=s.instance_id, client_id=routine_account_name(s.instance_id))
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(health.run(), name="health")
                tasks.create_task(mqtt.run(), name="mqtt")
                tasks.create_task(routine.run(mqtt, s.ingest_batch_max), name="ingest")
                tasks.create_task(
                    camera_alarms.run(mqtt.alarms, s.ingest_batch_max, retry_deferred_s=0.01), name="ingest-alarms"
                )
                tasks.create_task(relay.run(), name="outbox-relay")
                tasks.create_task(parts.supervision.run_restorer(), name="supervision-restorer")
        finally:
            await probe.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await pool.close()
            log.info("routine process stopped")


def run_routine() -> None:
    """`sentinel routine`: the settings on the first line of standard input, then run until the main
    process stops us (SIGTERM) or goes away (end of standard input)."""
    from hub.app import run_until_signalled
    from hub.logging import configure_logging

    settings = Settings.model_validate_json(read_first_line())
    configure_logging(settings.log_level)
    lane = RoutineLane(settings, load_district(settings.district_file))

    async def until_orphaned() -> None:
        async with asyncio.TaskGroup() as tasks:
            work = tasks.create_task(lane.run(), name="routine")
            # From this event loop, so a loop that wedges (or a process stopped) goes silent.
            ticks = tasks.create_task(tick_forever(lane.report), name="ticks")
            await lifeline(lane.heard)
            log.warning("the hub's main process is gone; the routine process stops")
            work.cancel()
            ticks.cancel()

    run_until_signalled(until_orphaned())
