"""Composition root: builds the adapters and services of one hub instance and runs them in one
TaskGroup. Nothing is created at import time. Over 400 lines for a reason: it is where every part is
wired to every other, read top to bottom as the hub starts."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import signal
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network

import structlog
from aiohttp import web

from devices.contract import DeviceState, HubStatus, Topics, encode
from devices.mqtt_url import parse_mqtt_url
from hub import __version__
from hub.adapters.dc09 import Dc09Listen, Dc09Receiver, Dc09Server
from hub.adapters.media import HttpDownloader
from hub.adapters.metrics import HubMetrics
from hub.adapters.mqtt import MqttClient, MqttSettings
from hub.adapters.mqtt.broker_conf import hub_account_name
from hub.adapters.postgres.accounts import PostgresAccounts
from hub.adapters.postgres.dead_letters import PostgresDeadLetterRetention
from hub.adapters.postgres.leader import LeaseLeader
from hub.adapters.postgres.listener import PostgresChangeListener
from hub.adapters.postgres.login_throttle import PostgresLoginThrottle
from hub.adapters.postgres.outbox import PostgresOutbox
from hub.adapters.postgres.patrol import PostgresPatrolStore
from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.probe import PostgresProbe, is_database_outage
from hub.adapters.postgres.queries import PostgresIncidentQueries
from hub.adapters.postgres.reports import PostgresReports
from hub.adapters.postgres.schema import migrate
from hub.adapters.postgres.shift_summary import PostgresShiftSummary
from hub.adapters.postgres.store import PostgresStore
from hub.adapters.speech import AudioFiles
from hub.adapters.web import WebServices, make_app
from hub.adapters.web.limits import HttpLimits
from hub.config import Settings
from hub.domain.district import District
from hub.domain.incidents import Incident
from hub.domain.panels import PanelDirectory
from hub.parts import device_services, intake_checker, shared
from hub.routine import START_S as ROUTINE_START_S
from hub.routine import routine_process, routine_ready
from hub.services.auth import AuthPolicy
from hub.services.changes import Broadcaster
from hub.services.health import (
    BROKER,
    CHANGE_FEED,
    DATABASE,
    LINK_GRACE_S,
    ROUTINE_PROCESS,
    FlagCheck,
    HealthMonitor,
    Watch,
    availability,
)
from hub.services.ingest import REHEARSAL_TIMEOUT_S, IngestService
from hub.services.intake import INGEST_TOPIC_KINDS, MAIN_PROCESS_TOPIC_KINDS, is_alarm
from hub.services.lanes import AlarmRightOfWay, AlarmTurns, RoutineTurns
from hub.services.lifecycle import LifecycleService
from hub.services.media import MediaFetcher
from hub.services.messages import OutboundMessage
from hub.services.outbox import ImmediateSender, OutboxRelay
from hub.services.patrol import PatrolService
from hub.services.ports import Lease, LeaseLost
from hub.services.steps import StepService
from hub.services.supervision import SupervisionService
from hub.services.timers import run_timers
from hub.services.views.changes import IncidentChange, frame
from hub.services.warnings import WarningService

log = structlog.get_logger(__name__)

MAIN_POOL_MIN = 2  # connections the main pool keeps open (each gets the dispatch rehearsed at start)


@dataclass
class RunningHub:
    """Handles a caller (tests, the demo) may use once the hub has started."""

    http_url: str
    metrics: HubMetrics
    mqtt: MqttClient
    lifecycle: LifecycleService
    leader: LeaseLeader
    supervision: SupervisionService
    ingest: IngestService
    health: HealthMonitor


class Hub:
    def __init__(self, settings: Settings, district: District) -> None:
        if not settings.mqtt_url or not settings.database_url:
            raise ValueError("the hub needs SENTINEL_MQTT_URL and SENTINEL_DATABASE_URL (or use `sentinel demo`)")
        self.settings = settings
        self.district = district

    async def run(self, started: asyncio.Future[RunningHub] | None = None) -> None:
        s = self.settings
        assert s.mqtt_url and s.database_url
        log.info("hub starting", version=__version__, instance=s.instance_id, district=self.district.id)
        applied = await migrate(s.database_url)
        if applied:
            log.info("database migrated", applied=applied)
        topics = Topics(s.topic_prefix)
        metrics = HubMetrics()
        pool = await create_pool(s.database_url, min_size=MAIN_POOL_MIN)
        alarm_pool = await create_pool(s.database_url, min_size=1, max_size=2)
        # Ends of this process's transactions that held sites: the alarm lane retries a busy site's
        # deferred presses the moment its holder (the desk, the leader's round) lets go.
        sites_released = asyncio.Event()
        # The alarm lane writes through a connection of its own, kept between its transactions (docs/design.md,
        # "Lanes").
        alarm_store = PostgresStore(alarm_pool, on_sites_released=sites_released.set, keep_connection=True)
        try:
            broadcaster = Broadcaster()
            queries = PostgresIncidentQueries(pool, self.district)
            # The health monitor (below) wakes the listener when the database is back.
            listener = PostgresChangeListener(s.database_url, queries, broadcaster, lambda: health.recovered(DATABASE))
            intake = intake_checker(s, self.district, topics)
            status_topic = topics.hub_status(s.instance_id)
            # With the routine lane in a process of its own, this one takes only the button events.
            apart = _routine_apart(s)
            taken = MAIN_PROCESS_TOPIC_KINDS if apart else INGEST_TOPIC_KINDS
            mqtt = MqttClient(
                MqttSettings(
                    url=s.mqtt_url,
                    # The same name as its broker account: with use_username_as_clientid the session is the
                    # account's, and nobody else's client id can be the hub's (broker_conf).
                    client_id=hub_account_name(s.instance_id),
                    subscriptions=shared(intake.subscriptions(taken), s.shared_subscription_group),
                    unsubscriptions=shared(
                        [f for f in intake.subscriptions() if f not in intake.subscriptions(taken)],
                        s.shared_subscription_group,
                    ),
                    will=(status_topic, _hub_status(DeviceState.OFFLINE)),
                    # A stalled instance is dropped by the broker within 1.5 × this, and a broker that
                    # balances shared subscriptions stops routing to it.
                    keepalive_s=5,
                ),
                is_alarm=is_alarm,
            )
            database_probe = PostgresProbe(s.database_url)
            right_of_way = AlarmRightOfWay()
            # Started once the HTTP server is bound (below): it needs the public URL for media links.
            routine = (
                routine_process(lambda: s.model_copy(update={"public_url": public_url.value}), right_of_way, metrics)
                if apart
                else None
            )
            health = HealthMonitor(
                [
                    Watch(database_probe),
                    # In-process flags: a reconnect that takes a moment must not flash a banner.
                    Watch(
                        FlagCheck(BROKER, lambda: mqtt.connected), every_s=0.25, every_down_s=0.25, grace_s=LINK_GRACE_S
                    ),
                    Watch(
                        FlagCheck(CHANGE_FEED, listener.is_ready), every_s=0.25, every_down_s=0.25, grace_s=LINK_GRACE_S
                    ),
                    # Its watchdog already waited out the silence that makes it "down" (stall_after_s), and
                    # the process its broker link's grace; up once its session is subscribed. While the
                    # first one starts (the hub's own start only) it is "starting", no outage, but the hub
                    # is not ready: a routine message sent now might find no session at the broker.
                    *(
                        [
                            Watch(
                                FlagCheck(ROUTINE_PROCESS, lambda: routine_ready(routine), lambda: routine.starting),
                                every_s=0.25,
                                every_down_s=0.25,
                                start_s=ROUTINE_START_S,
                            )
                        ]
                        if routine is not None
                        else []
                    ),
                ],
                broadcaster.publish,
            )
            database = availability(health, DATABASE, is_database_outage)
            outbox_nudge = asyncio.Event()
            store = PostgresStore(pool, on_sites_released=sites_released.set)
            public_url = _PublicUrl(s.public_url)
            parts = await device_services(s, self.district, topics, store, outbox_nudge, lambda: public_url.value)
            lifecycle, warnings, supervision, media_files = (
                parts.lifecycle,
                parts.warnings,
                parts.supervision,
                parts.media_files,
            )
            leader = LeaseLeader(s.database_url, s.instance_id)
            media_fetcher = MediaFetcher(store, HttpDownloader(), media_files, self.district)
            await supervision.seed()

            outbox = PostgresOutbox(pool)

            def show_committed(incidents: Sequence[Incident]) -> None:
                # Best effort, after the commit: a failure here must not fail the batch (the change's
                # NOTIFY read-back shows the incident anyway).
                for incident in incidents:
                    try:
                        broadcaster.publish(frame(IncidentChange(incident=queries.incident_view(incident))))
                    except Exception:
                        log.exception("showing a committed incident failed", incident=incident.id)

            opened_incidents = asyncio.Event()  # wakes the leader's timers (automatic dispatch)

            def ingest_lane(lane_store: PostgresStore, alarm_lane: bool = False) -> IngestService:
                turns = AlarmTurns(right_of_way) if alarm_lane else RoutineTurns(right_of_way)
                return IngestService(
                    intake,
                    lane_store,
                    self.district,
                    topics,
                    metrics,
                    outbox_nudge,
                    **parts.for_ingest(),
                    database=database,
                    lane=turns,
                    send_at_commit=ImmediateSender(outbox, mqtt, outbox_nudge) if alarm_lane else None,
                    show_committed=show_committed,
                    opened_incidents=opened_incidents,
                    sites_released=sites_released if alarm_lane else None,
                )

            ingest = ingest_lane(store)
            alarm_ingest = ingest_lane(alarm_store, alarm_lane=True)
            relay = OutboxRelay(outbox, mqtt, outbox_nudge)
            dead_letters = PostgresDeadLetterRetention(pool, timedelta(days=s.dead_letter_retention_days), metrics)
            dc09 = await _start_dc09(s, self.district.panels, ingest, metrics)
            metrics.gauge("sentinel_mqtt_connected", "1 while the broker connection is up", lambda: mqtt.connected)
            metrics.gauge("sentinel_database_listener_connected", "1 while LISTEN is up", listener.is_ready)
            metrics.gauge("sentinel_mqtt_reconnects", "Broker reconnects since start", lambda: mqtt.reconnects)
            metrics.gauge("sentinel_timer_leader", "1 on the instance that runs the timers", lambda: leader.is_leader)
            metrics.labelled_gauges(
                "sentinel_dependency_up",
                "1 while the dependency answers (database, broker, change_feed, routine_process), as /readyz says",
                "dependency",
                {state.name: functools.partial(health.is_up, state.name) for state in health.states},
            )
            if routine is not None:
                metrics.gauge(
                    "sentinel_routine_process_up",
                    "1 while the routine process runs and ticks (reports to the watchdog)",
                    lambda: routine.up,
                )
                metrics.counter(
                    "sentinel_routine_process_restarts",
                    "Routine process restarts (it exited, or the watchdog killed it frozen)",
                    lambda: routine.restarts,
                )
            metrics.gauge(
                "sentinel_inbound_backlog",
                "Messages received from the broker and not yet committed and acknowledged",
                lambda: mqtt.backlog,
            )
            metrics.gauge(
                "sentinel_inbound_oldest_unacked_seconds",
                "Age of the oldest message received from the broker and not yet acknowledged (0: none)",
                mqtt.oldest_unacknowledged_s,
            )

            http_limits = HttpLimits(idle_timeout_s=s.http_idle_timeout_s, body_timeout_s=s.http_body_timeout_s)
            app = make_app(
                WebServices(
                    queries=queries,
                    changes=broadcaster,
                    district=self.district,
                    probes=(),  # the health monitor watches the broker link and LISTEN too
                    health=health,
                    is_database_outage=is_database_outage,
                    metrics=metrics.registry,
                    accounts=PostgresAccounts(pool),
                    lifecycle=lifecycle,
                    media_files=media_files,
                    warnings=warnings,
                    audio_files=AudioFiles(parts.speech_dir, parts.recordings),
                    reports=PostgresReports(pool, self.district),
                    shift_summary=PostgresShiftSummary(pool, self.district),
                    patrol=PatrolService(PostgresPatrolStore(pool), self.district),
                    steps=StepService(store, self.district),
                    http_limits=http_limits,
                    auth_policy=AuthPolicy(
                        idle_timeout=timedelta(minutes=s.session_idle_minutes),
                        secure_cookie=s.secure_cookies,
                        allowed_origins=frozenset(s.allowed_origins),
                        trusted_proxies=tuple(ip_network(p, strict=False) for p in s.trusted_proxies),
                    ),
                    login_throttle=PostgresLoginThrottle(pool),
                )
            )
            runner = web.AppRunner(app, handle_signals=False, **http_limits.runner_options())
            await runner.setup()
            site = web.TCPSite(runner, s.http_host, s.http_port)
            await site.start()
            http_url = _bound_url(runner, s.http_host)
            public_url.value = s.public_url or http_url
            log.info("console listening", url=http_url)
            # Before the broker session opens: a backlog waiting there would flood the event loop, and the
            # rehearsal's round trips would hold up its first batch (1.4 s for 20,000 queued presses).
            await alarm_ingest.rehearse()
            # On as many of the main pool's connections as it keeps open (the leader takes whichever is free).
            await asyncio.gather(*(_rehearse_dispatch(lifecycle, alarm_ingest, n) for n in range(MAIN_POOL_MIN)))
            # What start-up built lives as long as the hub: out of the collector's way, so a full
            # collection (a pause for every task, an alarm's included) walks only what came since.
            gc.collect()
            gc.freeze()
            try:
                async with asyncio.TaskGroup() as tasks:
                    tasks.create_task(health.run(), name="health")
                    tasks.create_task(mqtt.run(), name="mqtt")
                    tasks.create_task(_nudge_on_return(health, outbox_nudge), name="outbox-on-return")
                    tasks.create_task(
                        metrics.sample_forever(
                            "sentinel_outbox_backlog",
                            "Outbox messages not yet sent (sampled; the last value while the database is away)",
                            outbox.backlog,
                        ),
                        name="outbox-backlog-metric",
                    )
                    tasks.create_task(listener.run(), name="db-listener")
                    tasks.create_task(ingest.run(mqtt, s.ingest_batch_max), name="ingest")
                    tasks.create_task(
                        alarm_ingest.run(mqtt.alarms, s.ingest_alarm_batch_max, retry_deferred_s=0.01),
                        name="ingest-alarms",
                    )
                    tasks.create_task(relay.run(), name="outbox-relay")
                    tasks.create_task(_announce_presence(mqtt, status_topic), name="hub-status")
                    tasks.create_task(media_fetcher.run(), name="media-fetcher")
                    tasks.create_task(supervision.run_restorer(), name="supervision-restorer")
                    if dc09 is not None:
                        tasks.create_task(dc09.run(), name="dc09-receiver")
                    if routine is not None:
                        tasks.create_task(routine.run(), name="routine-process")
                    tasks.create_task(warnings.warm_up(), name="speech-warm-up")
                    tasks.create_task(media_files.prune_forever(), name="media-retention")
                    tasks.create_task(dead_letters.run(), name="dead-letter-retention")
                    tasks.create_task(
                        leader.run(
                            lambda lease: _leader_work(
                                lifecycle, supervision, warnings, s.instance_id, lease, opened_incidents
                            )
                        ),
                        name="leader",
                    )
                    if started is not None and not started.done():
                        started.set_result(
                            RunningHub(http_url, metrics, mqtt, lifecycle, leader, supervision, ingest, health)
                        )
            finally:
                await runner.cleanup()
                await database_probe.close()
        finally:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await pool.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await alarm_store.close()
                    await alarm_pool.close()
            log.info("hub stopped")


def _routine_apart(s: Settings) -> bool:
    """Whether the routine lane runs in a process of its own. Not with the hub's own broker account:
    where the broker binds client ids to accounts, the routine process would take the hub's session."""
    if not s.routine_process:
        return False
    assert s.mqtt_url
    if s.routine_mqtt_url is None and parse_mqtt_url(s.mqtt_url).username is not None:
        log.warning("the routine lane stays in this process: set SENTINEL_ROUTINE_MQTT_URL to its broker account")
        return False
    return True


async def _rehearse_dispatch(lifecycle: LifecycleService, ingest: IngestService, site: int) -> None:
    """The automatic dispatch rehearsed on an incident a made-up press at the district's `site`-th site opens
    (hub.services.lifecycle), on a connection of the main pool, where the leader dispatches. Never fails the
    start."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(REHEARSAL_TIMEOUT_S):
            if not await lifecycle.rehearse_dispatch(functools.partial(ingest.rehearsal_press, site=site)):
                return
    except Exception as exc:
        log.warning("dispatch rehearsal failed; the first dispatch may be slower", error=repr(exc))
        return
    log.info("dispatch rehearsed", ms=round((time.perf_counter() - started) * 1000, 1))


async def _nudge_on_return(health: HealthMonitor, nudge: asyncio.Event) -> None:
    """The outbox relay backs off while the database or broker is away: wake it the moment either is
    back, so the guards' "received" goes out at once."""

    async def wake_on(name: str) -> None:
        while True:
            await health.recovered(name)
            nudge.set()

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(wake_on(DATABASE))
        tasks.create_task(wake_on(BROKER))


async def _leader_work(
    lifecycle: LifecycleService,
    supervision: SupervisionService,
    warnings: WarningService,
    instance: str,
    lease: Lease,
    opened_incidents: asyncio.Event,
) -> None:
    """What exactly one instance does, while it holds the lease: fire timers, find silent devices,
    resend unanswered warnings. Each of their transactions checks the lease (fencing)."""
    try:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(run_timers(lifecycle, instance, lease, due_now=opened_incidents), name="timers")
            tasks.create_task(supervision.run(lease), name="supervision")
            tasks.create_task(warnings.run(lease), name="warnings")
    except* LeaseLost:
        log.warning("leader work stopped: the lease passed to another instance", epoch=lease.epoch)


async def _start_dc09(
    s: Settings, panels: PanelDirectory, ingest: IngestService, metrics: HubMetrics
) -> Dc09Server | None:
    """SIA DC-09 receivers for alarm panels, when configured. Binds now: a port in use stops start-up."""
    if not s.dc09_tcp and not s.dc09_udp:
        return None

    def address(value: str | None) -> tuple[str, int] | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        return host, int(port)

    server = Dc09Server(
        Dc09Receiver(panels, ingest, metrics), Dc09Listen(tcp=address(s.dc09_tcp), udp=address(s.dc09_udp))
    )
    await server.start()
    log.info("DC-09 receiver listening", tcp=server.tcp_address, udp=server.udp_address)
    return server


@dataclass
class _PublicUrl:
    """Known once the HTTP server is bound (its port may be chosen by the system)."""

    value: str | None


async def _announce_presence(mqtt: MqttClient, topic: str) -> None:
    """Retained `online` after every (re)connect; the Last Will says `offline` if we die."""
    try:
        while True:
            await mqtt.wait_connected()
            await mqtt.publish(OutboundMessage(topic, _hub_status(DeviceState.ONLINE)), retain=True)
            await mqtt.wait_lost()
    finally:
        if mqtt.connected:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(2):
                    await mqtt.publish(OutboundMessage(topic, _hub_status(DeviceState.OFFLINE)), retain=True)


def _hub_status(state: DeviceState) -> bytes:
    return encode(HubStatus(state=state, ts=datetime.now(UTC), version=__version__))


def _bound_url(runner: web.AppRunner, host: str) -> str:
    for address in runner.addresses:
        if isinstance(address, tuple):
            return f"http://{host}:{address[1]}"
    return f"http://{host}"


def run_until_signalled(main: Coroutine[object, object, None]) -> None:
    """Run a coroutine until SIGINT/SIGTERM, then cancel it so everything shuts down in order."""

    async def runner() -> None:
        task = asyncio.ensure_future(main)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(runner())
