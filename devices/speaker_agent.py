"""The loudspeaker's edge agent: hub commands over MQTT → download the audio → play it → ack every step.

    python -m devices.speaker_agent --url mqtt://user:pass@host:1883 --site S --device D [--prefix sentinel]

Threads, not asyncio (a device is a simple program, like `DeviceLink`): paho's callback only decodes and queues;
one control thread owns all state (what plays, what waits, what was seen) so no lock guards the queue; each
playback runs in a thread of its own so a stop or a higher priority can interrupt it.

Acks per command: `received`, then `playing` and `done`, or `failed` (with `error`), or `expired`. A higher
`priority` preempts what plays (which acks `failed`, "preempted by <id>"); a lower or equal one waits in a bounded
queue. A redelivered command id is acked again with its latest state and never played twice.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import logging
import queue
import shutil
import signal
import sys
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import structlog

from devices.contract import (
    ContractError,
    DeviceKind,
    DeviceState,
    SpeakerAck,
    SpeakerAckState,
    SpeakerAction,
    SpeakerCommand,
    Topics,
    decode,
    encode,
)
from devices.link import DeviceLink, LinkError, status_payload
from devices.speaker_playback import (
    FIRMWARE,
    Cancellation,
    Fetcher,
    FetchError,
    Playback,
    Player,
    PlayerError,
    SystemAudioPlayer,
    fetch_audio,
)

log = structlog.get_logger(__name__)

DEFAULT_QUEUE_LIMIT = 8
DEFAULT_HEARTBEAT_S = 60.0  # the hub's default reporting interval for speakers is 120 s
SEEN_COMMANDS = 1024  # command ids remembered for redelivery; the hub resends within minutes, not thousands later
STOPPED = "stopped"
AGENT_STOPPED = "speaker agent stopped"


@dataclass(eq=False)
class _Job:
    command: SpeakerCommand
    seq: int  # arrival order: equal priorities play first come, first served
    cancellation: Cancellation = field(default_factory=Cancellation)
    playing_acked: bool = False
    thread: threading.Thread | None = None

    @property
    def priority(self) -> int:
        return self.command.priority or 0  # a command without one never preempts


@dataclass(frozen=True)
class _Finished:
    job: _Job
    state: SpeakerAckState
    error: str | None


_SHUTDOWN = object()


def speaker_link(url: str, topics: Topics, site: str, device: str) -> DeviceLink:
    """A speaker's own MQTT link: client id = device id, Last Will = retained `offline` status."""
    status_topic = topics.device_status(site, DeviceKind.SPEAKER, device)
    return DeviceLink(url, device, will=(status_topic, status_payload(DeviceState.OFFLINE, firmware=FIRMWARE)))


class SpeakerAgent:
    """One speaker. `heartbeat_s=None` leaves the retained status to someone else (simulators on a shared link)."""

    def __init__(
        self,
        link: DeviceLink,
        topics: Topics,
        site: str,
        device: str,
        player: Player,
        *,
        fetch: Fetcher = fetch_audio,
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
        heartbeat_s: float | None = DEFAULT_HEARTBEAT_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        firmware: str = FIRMWARE,
    ) -> None:
        self.site, self.device = site, device
        self._link = link
        self._command_topic = topics.speaker_command(site, device)
        self._ack_topic = topics.speaker_ack(site, device)
        self._status_topic = topics.device_status(site, DeviceKind.SPEAKER, device)
        self._player = player
        self._fetch = fetch
        self._queue_limit = queue_limit
        self._heartbeat_s = heartbeat_s
        self._clock = clock
        self._firmware = firmware
        self._log = log.bind(site=site, device=device)
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._arrivals = itertools.count()
        # Owned by the control thread:
        self._current: _Job | None = None
        self._pending: list[_Job] = []  # highest priority first, then arrival order
        self._stopping = False
        # Written by the control and playback threads (the `playing` ack):
        self._seen: OrderedDict[str, tuple[SpeakerAckState, str | None]] = OrderedDict()
        self._seen_lock = threading.Lock()
        self._closed = threading.Event()
        self._work_dir: Path | None = None  # downloads, made at start
        self._control = threading.Thread(target=self._control_loop, name=f"speaker-{device}", daemon=True)
        self._heartbeat = threading.Thread(target=self._heartbeat_loop, name=f"speaker-{device}-hb", daemon=True)

    # --- life cycle -----------------------------------------------------------------------------
    def start(self) -> SpeakerAgent:
        self._work_dir = Path(tempfile.mkdtemp(prefix=f"speaker-{self.device}-"))
        self._control.start()
        self._link.subscribe(self._command_topic, self._on_message)
        if self._heartbeat_s is not None:
            self._publish_status(DeviceState.ONLINE)
            self._heartbeat.start()
        self._log.info("speaker_agent_started", topic=self._command_topic)
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop playing (acks what was playing or waiting as failed), say `offline`, and clean up."""
        if self._control.ident is not None:  # started
            self._inbox.put(_SHUTDOWN)
            self._control.join(timeout_s)
        self._closed.set()
        if self._heartbeat.ident is not None:
            self._heartbeat.join(timeout_s)
            # A clean disconnect does not fire the Last Will, so the agent says it itself.
            with contextlib.suppress(ConnectionError, RuntimeError, ValueError):
                self._link.publish_and_wait(
                    self._status_topic, status_payload(DeviceState.OFFLINE, firmware=self._firmware), True, 3
                )
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
        self._log.info("speaker_agent_stopped")

    def _publish_status(self, state: DeviceState) -> None:
        self._link.publish(self._status_topic, status_payload(state, firmware=self._firmware), retain=True)

    def _heartbeat_loop(self) -> None:
        assert self._heartbeat_s is not None
        # Also restores `online` after a reconnect, when the broker has published the Last Will meanwhile.
        while not self._closed.wait(self._heartbeat_s):
            self._publish_status(DeviceState.ONLINE)

    # --- inbound (paho's thread: decode and hand over, nothing else) ----------------------------
    def _on_message(self, _topic: str, body: bytes) -> None:
        try:
            command = decode(SpeakerCommand, body)
        except ContractError as exc:
            self._log.warning("speaker_command_rejected", reason=exc.reason, detail=exc.detail)
            return
        self._inbox.put(command)

    # --- acks -----------------------------------------------------------------------------------
    def send_ack(self, ack: SpeakerAck) -> None:
        """Publish one ack (a simulator overrides it to ack slowly)."""
        self._link.publish(self._ack_topic, encode(ack))

    def _ack(self, command_id: str, state: SpeakerAckState, error: str | None = None) -> None:
        with self._seen_lock:
            self._seen[command_id] = (state, error)
            self._seen.move_to_end(command_id)
            while len(self._seen) > SEEN_COMMANDS:
                self._seen.popitem(last=False)
        self._log.info("speaker_ack", command_id=command_id, state=state.value, error=error)
        self.send_ack(SpeakerAck(command_id=command_id, state=state, ts=self._clock(), error=error))

    # --- control thread -------------------------------------------------------------------------
    def _control_loop(self) -> None:
        while not (self._stopping and self._current is None):
            item = self._inbox.get()
            try:
                if item is _SHUTDOWN:
                    self._begin_shutdown()
                elif isinstance(item, _Finished):
                    self._on_finished(item)
                elif isinstance(item, SpeakerCommand) and not self._stopping:
                    self._on_command(item)  # while stopping, unacked commands are left for the hub to resend
            except Exception:
                self._log.exception("speaker_control_error")

    def _on_command(self, command: SpeakerCommand) -> None:
        with self._seen_lock:
            known = self._seen.get(command.command_id)
        if known is not None:
            # A redelivery (the hub resends until it hears an ack): say where it stands, do not play it again.
            self._log.info("speaker_command_redelivered", command_id=command.command_id, state=known[0].value)
            self.send_ack(SpeakerAck(command_id=command.command_id, state=known[0], ts=self._clock(), error=known[1]))
            return
        self._ack(command.command_id, SpeakerAckState.RECEIVED)
        if command.action is SpeakerAction.STOP:
            if self._current is not None:
                self._current.cancellation.cancel(STOPPED)
            self._ack(command.command_id, SpeakerAckState.DONE)
            return
        if self._expired(command):
            self._ack(command.command_id, SpeakerAckState.EXPIRED)
            return
        if not command.audio_url:
            self._ack(command.command_id, SpeakerAckState.FAILED, "no audio_url to play")
            return
        job = _Job(command, next(self._arrivals))
        current = self._current
        if current is None:
            self._start(job)
            return
        if not current.cancellation.is_set() and job.priority > current.priority:
            current.cancellation.cancel(f"preempted by {command.command_id}")
            self._log.info("speaker_preempt", command_id=command.command_id, preempted=current.command.command_id)
        # A preempting job waits only for the current playback to let go of the sound card.
        self._enqueue(job)

    def _enqueue(self, job: _Job) -> None:
        self._pending.append(job)
        self._pending.sort(key=lambda j: (-j.priority, j.seq))
        if len(self._pending) > self._queue_limit:
            dropped = self._pending.pop()
            self._ack(dropped.command.command_id, SpeakerAckState.FAILED, "speaker queue full")

    def _expired(self, command: SpeakerCommand) -> bool:
        return command.expires_at is not None and command.expires_at <= self._clock()

    def _start_next(self) -> None:
        while self._pending and not self._stopping:
            job = self._pending.pop(0)
            if self._expired(job.command):
                self._ack(job.command.command_id, SpeakerAckState.EXPIRED)
                continue
            self._start(job)
            return

    def _start(self, job: _Job) -> None:
        self._current = job
        job.thread = threading.Thread(
            target=self._play, args=(job,), name=f"speaker-{self.device}-{job.command.command_id[:8]}", daemon=True
        )
        job.thread.start()

    def _on_finished(self, finished: _Finished) -> None:
        if finished.job.thread is not None:
            finished.job.thread.join()  # it has nothing left to do but return
        command_id = finished.job.command.command_id
        if finished.state is SpeakerAckState.DONE and not finished.job.playing_acked:
            self._ack(command_id, SpeakerAckState.PLAYING)  # a player that never said so: keep the order
        self._ack(command_id, finished.state, finished.error)
        if finished.job is self._current:
            self._current = None
        self._start_next()

    def _begin_shutdown(self) -> None:
        self._stopping = True
        for job in self._pending:
            self._ack(job.command.command_id, SpeakerAckState.FAILED, AGENT_STOPPED)
        self._pending.clear()
        if self._current is not None:
            self._current.cancellation.cancel(AGENT_STOPPED)

    # --- playback thread ------------------------------------------------------------------------
    def _play(self, job: _Job) -> None:
        command = job.command
        job_log = self._log.bind(command_id=command.command_id)
        assert self._work_dir is not None
        audio = self._work_dir / f"{uuid.uuid4().hex}.audio"
        state, error = SpeakerAckState.DONE, None

        def started() -> None:
            if not job.playing_acked:
                job.playing_acked = True
                self._ack(command.command_id, SpeakerAckState.PLAYING)

        try:
            assert command.audio_url is not None
            self._fetch(command.audio_url, audio)
            if not job.cancellation.is_set():
                job_log.info("speaker_playing", repeat=command.repeat or 1, volume=command.volume)
                self._player(Playback(command, audio, job.cancellation, started))
        except (FetchError, PlayerError) as exc:
            state, error = SpeakerAckState.FAILED, str(exc)
        except Exception as exc:
            job_log.exception("speaker_playback_error")
            state, error = SpeakerAckState.FAILED, f"speaker agent error: {exc}"
        finally:
            audio.unlink(missing_ok=True)
        if job.cancellation.is_set():
            state, error = SpeakerAckState.FAILED, job.cancellation.reason
        self._inbox.put(_Finished(job, state, error))


# --- command line -------------------------------------------------------------------------------
def _configure_logging(level: str) -> None:
    renderer: structlog.typing.Processor = (
        structlog.dev.ConsoleRenderer()
        if sys.stderr.isatty()
        else structlog.processors.JSONRenderer(ensure_ascii=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devices.speaker_agent", description="Sentinel loudspeaker agent: hub commands → audio player."
    )
    parser.add_argument("--url", required=True, help="MQTT broker, mqtt://user:pass@host:1883")
    parser.add_argument("--site", required=True)
    parser.add_argument("--device", required=True, help="the speaker's device id (also its MQTT client id)")
    parser.add_argument("--prefix", default="sentinel", help="MQTT topic prefix (default: sentinel)")
    parser.add_argument("--player", choices=("auto", *SystemAudioPlayer.CANDIDATES), default="auto")
    parser.add_argument("--heartbeat-s", type=float, default=DEFAULT_HEARTBEAT_S)
    parser.add_argument("--queue", type=int, default=DEFAULT_QUEUE_LIMIT, help="commands that may wait (default 8)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning"), default="info")
    args = parser.parse_args(argv)
    _configure_logging(args.log_level)
    try:
        topics = Topics(args.prefix)
        link = speaker_link(args.url, topics, args.site, args.device)
        player = SystemAudioPlayer(None if args.player == "auto" else args.player)
    except (ValueError, PlayerError) as exc:
        log.error("speaker_agent_cannot_start", error=str(exc))
        return 2
    try:
        link.connect()
    except (LinkError, OSError) as exc:
        log.error("speaker_agent_cannot_connect", error=str(exc))
        return 1
    agent = SpeakerAgent(
        link, topics, args.site, args.device, player, queue_limit=args.queue, heartbeat_s=args.heartbeat_s
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    agent.start()
    while not stop.wait(1.0):
        pass
    agent.stop()
    link.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
