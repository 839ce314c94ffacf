"""Virtual loudspeakers: the real speaker agent (`devices.speaker_agent`) with a player that decodes the audio,
checks it is long enough to be speech, and waits as long as it would play, recording what it would have played.

Modes exercise the hub's ack tracking: `offline` never connects (the hub must resend until the command expires),
`fail` acks `received` then `failed` ("amplifier fault"), `slow` delays every ack by `ack_delay_s`.
"""

from __future__ import annotations

import functools
import threading
import wave
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import structlog

from devices.contract import DeviceKind, SpeakerAck, Topics
from devices.link import DeviceLink
from devices.speaker_agent import SpeakerAgent, speaker_link
from devices.speaker_playback import Playback, PlayerError

log = structlog.get_logger(__name__)

FIRMWARE = "sentinel-speaker-simulator"
MIN_SPEECH_S = 0.3  # shorter than any spoken warning: the hub sent a broken or empty file
AMPLIFIER_FAULT = "amplifier fault"


class Mode(StrEnum):
    NORMAL = "normal"
    OFFLINE = "offline"
    FAIL = "fail"
    SLOW = "slow"


@dataclass(frozen=True)
class Played:
    """One playback the simulator would have made. `outcome` is the final ack (`done` or `failed`, with `error`,
    e.g. "preempted by …"); `duration_s` is the audio's length, once."""

    command_id: str
    text: str | None
    lang: str | None
    audio_url: str | None
    duration_s: float
    repeat: int
    started_at: datetime
    finished_at: datetime
    outcome: str
    error: str | None = None

    @property
    def elapsed_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def decoded_duration(audio: Path) -> float:
    """Seconds of sound actually in the file (its frames decoded, not only the header); PlayerError if it is not a
    PCM WAV file."""
    try:
        with wave.open(str(audio), "rb") as wav:
            frame_bytes = wav.getsampwidth() * wav.getnchannels()
            rate = wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise PlayerError(f"audio is not a playable WAV file: {exc}") from None
    if frame_bytes <= 0 or rate <= 0:
        raise PlayerError("audio has no frames")
    return len(frames) // frame_bytes / rate


class SimulatedPlayer:
    """A player for the agent that plays nothing: it waits duration × repeat / time_scale and records it."""

    def __init__(self, time_scale: float = 1.0, fault: str | None = None) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._time_scale = time_scale
        self._fault = fault
        self._lock = threading.Lock()
        self._played: list[Played] = []

    @property
    def played(self) -> list[Played]:
        with self._lock:
            return list(self._played)

    def __call__(self, playback: Playback) -> None:
        if self._fault:
            raise PlayerError(self._fault)
        duration = decoded_duration(playback.audio)
        if duration < MIN_SPEECH_S:
            raise PlayerError(f"audio is {duration:.2f}s long, too short to be a spoken warning")
        playback.started()
        started_at = datetime.now(UTC)
        cancelled = playback.cancellation.wait(duration * playback.repeat / self._time_scale)
        command = playback.command
        played = Played(
            command_id=command.command_id,
            text=command.text,
            lang=command.lang,
            audio_url=command.audio_url,
            duration_s=duration,
            repeat=playback.repeat,
            started_at=started_at,
            finished_at=datetime.now(UTC),
            outcome="failed" if cancelled else "done",
            error=playback.cancellation.reason if cancelled else None,
        )
        with self._lock:
            self._played.append(played)


class _SlowAckingAgent(SpeakerAgent):
    """The agent of a speaker on a poor link: every ack leaves `ack_delay_s` late."""

    def __init__(self, *args: Any, ack_delay_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ack_delay_s = ack_delay_s
        self._halt = threading.Event()

    def send_ack(self, ack: SpeakerAck) -> None:
        self._halt.wait(self._ack_delay_s)
        super().send_ack(ack)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._halt.set()  # no more waiting: flush the last acks on the way out
        super().stop(timeout_s)


class SpeakerSimulator:
    """One virtual speaker. Given a URL it has an MQTT session of its own (client id = device id, Last Will,
    retained status and heartbeat); given a shared link it only subscribes and acks, and its status is left to
    whoever runs the link (the demo's ambient district)."""

    def __init__(
        self,
        link_or_url: DeviceLink | str,
        topics: Topics,
        site: str,
        device: str,
        mode: Mode | str = Mode.NORMAL,
        ack_delay_s: float = 3.0,
        time_scale: float = 1.0,
        heartbeat_s: float = 60.0,
    ) -> None:
        self.site, self.device = site, device
        self.mode = Mode(mode)
        self._topics = topics
        self._url = link_or_url if isinstance(link_or_url, str) else None
        self._link = link_or_url if isinstance(link_or_url, DeviceLink) else None
        self._owns_link = self._url is not None
        self._ack_delay_s = ack_delay_s
        self._heartbeat_s = heartbeat_s
        self._player = SimulatedPlayer(time_scale, fault=AMPLIFIER_FAULT if self.mode is Mode.FAIL else None)
        self._agent: SpeakerAgent | None = None
        self._log = log.bind(site=site, device=device, mode=self.mode.value)

    @property
    def played(self) -> list[Played]:
        return self._player.played

    @property
    def status_topic(self) -> str:
        return self._topics.device_status(self.site, DeviceKind.SPEAKER, self.device)

    def start(self) -> SpeakerSimulator:
        if self.mode is Mode.OFFLINE:
            self._log.info("speaker_simulator_offline")  # powered off: no session, no status, no acks
            return self
        if self._link is None:
            assert self._url is not None
            self._link = speaker_link(self._url, self._topics, self.site, self.device).connect()
        heartbeat_s = self._heartbeat_s if self._owns_link else None
        agent_class = (
            functools.partial(_SlowAckingAgent, ack_delay_s=self._ack_delay_s)
            if self.mode is Mode.SLOW
            else SpeakerAgent
        )
        agent = agent_class(
            self._link,
            self._topics,
            self.site,
            self.device,
            self._player,
            heartbeat_s=heartbeat_s,
            firmware=FIRMWARE,
        )
        self._agent = agent.start()
        return self

    def stop(self) -> None:
        if self._agent is not None:
            self._agent.stop()
            self._agent = None
        if self._owns_link and self._link is not None:
            self._link.close()
            self._link = None

    def __enter__(self) -> SpeakerSimulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def speaker_simulators(
    link: DeviceLink,
    topics: Topics,
    district_devices: Iterable[tuple[str, str, str]],
    mode: Mode | str = Mode.NORMAL,
    **options: float,
) -> list[SpeakerSimulator]:
    """A (not yet started) simulator for every speaker among (site, kind, device), all on one shared link."""
    return [
        SpeakerSimulator(link, topics, site, device, mode, **options)
        for site, kind, device in district_devices
        if kind == DeviceKind.SPEAKER
    ]
