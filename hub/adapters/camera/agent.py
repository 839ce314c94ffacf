"""`sentinel camera-agent`: analyse the district's cameras and publish their events as smart cameras would.

For each camera with a `camera:` section (or the ones named): a capture thread, analysis in worker processes,
snapshots and clips in the media store (served over HTTP by the agent itself, pruned hourly), and events and a
retained status heartbeat on the camera's own MQTT topics. Runs next to the hub or on an edge box.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import structlog
from aiohttp import web

from devices.contract import Topics
from devices.link import LinkError
from hub.adapters.camera.capture import Backoff
from hub.adapters.camera.media import MediaStore
from hub.adapters.camera.media_server import make_media_app
from hub.adapters.camera.pipeline import CameraPipeline, MediaOptions
from hub.adapters.camera.publisher import MqttCameraPublisher
from hub.adapters.camera.registry import CameraSpec, load_cameras
from hub.adapters.camera.settings import to_analyzer_settings
from hub.adapters.camera.verification import PressVerifier
from hub.adapters.camera.workers import ProcessAnalysisPool
from hub.logging import configure_logging

log = structlog.get_logger(__name__)

PRUNE_EVERY_S = 3600.0


@dataclass(frozen=True)
class AgentOptions:
    district_file: Path
    mqtt_url: str
    topic_prefix: str = "sentinel"
    cameras: tuple[str, ...] = ()  # device ids; empty: every camera with a `camera:` section
    media_dir: Path = Path(".sentinel/media")
    http_host: str = "127.0.0.1"
    http_port: int = 8091  # 0: any free port
    public_url: str | None = None  # how the hub and browsers reach the media server; default http://host:port
    workers: int = 2  # analysis processes
    retention_days: float = 14.0
    retention_gb: float = 20.0
    pre_s: float = 4.0
    post_s: float = 4.0
    log_level: str = "info"


def run_agent(options: AgentOptions) -> int:
    """Run until SIGINT or SIGTERM. Returns the process exit code; raises ConfigError for a bad district file."""
    configure_logging(options.log_level)
    cameras = load_cameras(options.district_file, options.cameras)
    if not cameras:
        log.error("camera_agent_no_cameras", district_file=str(options.district_file))
        return 2

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve_agent(options, cameras, stop)

    asyncio.run(main())
    return 0


async def serve_agent(
    options: AgentOptions, cameras: Sequence[CameraSpec], stop: asyncio.Event, ready: asyncio.Event | None = None
) -> None:
    """The agent's life: start everything, run until `stop` is set, shut down in reverse order."""
    store = MediaStore(options.media_dir, options.retention_days, int(options.retention_gb * 1024**3))
    runner = web.AppRunner(make_media_app(store), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, options.http_host, options.http_port)
    await site.start()
    host, port = runner.addresses[0][:2]
    base_url = options.public_url or f"http://{options.http_host}:{port}"
    log.info("camera_agent_media_server", url=base_url, listening=f"{host}:{port}", media_dir=str(store.root))

    pool = ProcessAnalysisPool({c.device: to_analyzer_settings(c.config, c.timezone) for c in cameras}, options.workers)
    publishers: list[MqttCameraPublisher] = []
    try:
        await pool.warm_up()
        topics = Topics(options.topic_prefix)
        for camera in cameras:
            publisher = MqttCameraPublisher(options.mqtt_url, topics, camera.site, camera.device)
            await _connect(publisher, camera, stop)
            publishers.append(publisher)
        if stop.is_set():
            return
        media = MediaOptions(base_url=base_url, pre_s=options.pre_s, post_s=options.post_s)
        pipelines = [CameraPipeline(c, pool, p, store, media) for c, p in zip(cameras, publishers, strict=True)]
        for pipeline, publisher in zip(pipelines, publishers, strict=True):
            publisher.on_command(_on_loop(asyncio.get_running_loop(), pipeline.verifier))
        tasks = [asyncio.create_task(_supervise(p), name=f"camera-{p.spec.device}") for p in pipelines]
        tasks.append(asyncio.create_task(_prune(store), name="media-prune"))
        log.info("camera_agent_started", cameras=[c.device for c in cameras], workers=options.workers)
        if ready is not None:
            ready.set()
        await stop.wait()
        for task in reversed(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        for publisher in publishers:
            await asyncio.to_thread(publisher.close)
        await asyncio.to_thread(pool.close)
        await runner.cleanup()
        log.info("camera_agent_stopped")


def _on_loop(loop: asyncio.AbstractEventLoop, verifier: PressVerifier) -> Callable[[bytes], None]:
    """Commands arrive on paho's thread: hand each to the verifier on the event loop."""

    def handle(payload: bytes) -> None:
        loop.call_soon_threadsafe(verifier.request, payload)

    return handle


async def _connect(publisher: MqttCameraPublisher, camera: CameraSpec, stop: asyncio.Event) -> None:
    backoff = Backoff()
    while not stop.is_set():
        try:
            await asyncio.to_thread(publisher.connect)
            return
        except (LinkError, OSError) as exc:
            delay = backoff.next_delay()
            log.warning("camera_agent_mqtt_unreachable", camera=camera.device, error=str(exc), retry_in_s=delay)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):  # not wait_for: in 3.11 it can swallow a cancellation
                    await stop.wait()


async def _supervise(pipeline: CameraPipeline) -> None:
    """Keep a camera's pipeline running: one camera's failure must not stop the others."""
    backoff = Backoff()
    while True:
        try:
            await pipeline.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            delay = backoff.next_delay()
            pipeline.log.exception("camera_pipeline_failed", restart_in_s=delay)
            await asyncio.sleep(delay)


async def _prune(store: MediaStore) -> None:
    while True:
        report = await asyncio.to_thread(store.prune)
        if report.files_deleted:
            log.info("camera_media_pruned", files=report.files_deleted, bytes=report.bytes_deleted)
        await asyncio.sleep(PRUNE_EVERY_S)
