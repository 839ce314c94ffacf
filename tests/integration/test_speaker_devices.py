"""Speakers end to end on the private Mosquitto: commands on the wire, audio rendered by espeak-ng and fetched
over HTTP, acks in order; expiry, preemption, redelivery and the simulator's fault modes. (The real edge agent,
which behaves the same way: test_speaker_agent.py.)"""

from __future__ import annotations

import array
import asyncio
import json
import math
import threading
import time
import uuid
import wave
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from devices.contract import (
    DeviceKind,
    DeviceState,
    DeviceStatus,
    SpeakerAck,
    SpeakerCommand,
    Topics,
    decode,
)
from devices.link import DeviceLink
from hub.adapters.speech import AudioFiles, EspeakSynthesizer, PrerecordedAudio, RenderedAudio, audio_url
from sentinel_dev.services import PrivateMosquitto
from simulators.speaker import Mode, SpeakerSimulator

SITE = "school-1"
ZH = "这里是公安视频监控区域，请立即离开。"
LEAVE_EN = "Please leave now."


@dataclass(frozen=True)
class AudioServer:
    """The hub's part, played by the test: rendered warnings served at /audio/{key}.wav."""

    base_url: str
    leave_en: RenderedAudio
    warning_zh: RenderedAudio
    beep: RenderedAudio  # 0.1 s: too short to be a spoken warning

    def url(self, audio: RenderedAudio) -> str:
        return audio_url(self.base_url, audio)


def write_beep(path: Path) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(array.array("h", (int(9000 * math.sin(n / 3)) for n in range(800))).tobytes())
    return path


@pytest.fixture(scope="module")
async def audio_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AudioServer]:
    base = tmp_path_factory.mktemp("speaker-audio")
    synth = EspeakSynthesizer(base / "speech")
    recordings = PrerecordedAudio(base)
    leave_en, warning_zh = await synth.render(LEAVE_EN, "en"), await synth.render(ZH, "zh-CN")
    beep = await recordings.register("beep", "en", write_beep(base / "beep.wav"))
    files = AudioFiles(synth.cache_dir, recordings)

    async def serve_audio(request: web.Request) -> web.StreamResponse:
        path = files.resolve(request.match_info["key"])
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": "audio/wav"})

    app = web.Application()
    app.router.add_get("/audio/{key}.wav", serve_audio)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield AudioServer(f"http://{host}:{port}", leave_en, warning_zh, beep)
    await runner.cleanup()


class SpeakerLine:
    """The hub's side of one speaker's topics: send commands, collect acks and status."""

    def __init__(self, link: DeviceLink, prefix: str) -> None:
        self.topics = Topics(prefix)
        self.device = f"spk-{uuid.uuid4().hex[:8]}"
        self._link = link
        self._lock = threading.Lock()
        self._acks: list[SpeakerAck] = []
        self._status: list[DeviceState] = []
        link.subscribe(self.topics.speaker_ack(SITE, self.device), self._on_ack)
        link.subscribe(self.topics.device_status(SITE, DeviceKind.SPEAKER, self.device), self._on_status)

    def _on_ack(self, _topic: str, body: bytes) -> None:
        with self._lock:
            self._acks.append(decode(SpeakerAck, body))

    def _on_status(self, _topic: str, body: bytes) -> None:
        with self._lock:
            self._status.append(decode(DeviceStatus, body).state)

    def send(self, command_id: str, audio: str | None = None, **fields: object) -> None:
        body = {"command_id": command_id, "action": "play", "audio_url": audio, **fields}
        payload = json.dumps({k: v for k, v in body.items() if v is not None}).encode()
        decode(SpeakerCommand, payload)  # what the hub sends follows the contract
        self._link.publish_and_wait(self.topics.speaker_command(SITE, self.device), payload)

    def acks(self, command_id: str) -> list[tuple[str, str | None]]:
        with self._lock:
            return [(a.state.value, a.error) for a in self._acks if a.command_id == command_id]

    def states(self, command_id: str) -> list[str]:
        return [state for state, _ in self.acks(command_id)]

    @property
    def status(self) -> list[DeviceState]:
        with self._lock:
            return list(self._status)

    async def until(self, command_id: str, state: str, timeout_s: float = 10.0) -> list[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if state in (states := self.states(command_id)):
                return states
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {state!r} ack for {command_id} within {timeout_s}s: {self.acks(command_id)}")

    async def until_status(self, state: DeviceState, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while state not in self.status:
            assert time.monotonic() < deadline, f"speaker never reported {state}: {self.status}"
            await asyncio.sleep(0.02)


@pytest.fixture
def line(device_link: DeviceLink) -> SpeakerLine:
    return SpeakerLine(device_link, f"t{uuid.uuid4().hex[:8]}")


StartSimulator = Callable[..., Awaitable[SpeakerSimulator]]


@pytest.fixture
async def start_simulator(mqtt_broker: PrivateMosquitto, line: SpeakerLine) -> AsyncIterator[StartSimulator]:
    """Start a simulator with its own session; waits until it is online (its subscription is in place by then)."""
    started: list[SpeakerSimulator] = []

    async def start(mode: Mode = Mode.NORMAL, **options: float) -> SpeakerSimulator:
        simulator = SpeakerSimulator(mqtt_broker.url, line.topics, SITE, line.device, mode, **options)
        started.append(await asyncio.to_thread(simulator.start))
        if mode is not Mode.OFFLINE:
            await line.until_status(DeviceState.ONLINE)
        return simulator

    yield start
    for simulator in started:
        await asyncio.to_thread(simulator.stop)  # off the loop: its playback may be downloading from this loop


def in_future(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


async def test_a_warning_is_acked_in_order_and_plays_as_long_as_its_audio(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    simulator = await start_simulator()
    audio = audio_server.leave_en

    line.send("w1", audio_server.url(audio), text=LEAVE_EN, lang="en", repeat=2, volume=80, expires_at=in_future(30))

    assert await line.until("w1", "done") == ["received", "playing", "done"]
    [played] = simulator.played
    assert (played.command_id, played.repeat, played.outcome, played.error) == ("w1", 2, "done", None)
    assert (played.text, played.lang, played.audio_url) == (LEAVE_EN, "en", audio_server.url(audio))
    assert played.duration_s == pytest.approx(audio.duration_s, abs=0.01)
    assert played.elapsed_s == pytest.approx(2 * audio.duration_s, abs=0.3)


async def test_an_expired_warning_is_never_played(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    simulator = await start_simulator(time_scale=4.0)
    url = audio_server.url(audio_server.warning_zh)

    line.send("late", url, expires_at=in_future(-1))
    # Expires while waiting behind a playing warning of the same priority (1.75 s at this time scale).
    line.send("first", url, priority=3)
    line.send("queued", url, priority=3, expires_at=in_future(0.8))

    assert await line.until("late", "expired") == ["received", "expired"]
    assert await line.until("queued", "expired") == ["received", "expired"]
    assert line.states("first") == ["received", "playing", "done"]
    assert [p.command_id for p in simulator.played] == ["first"]


async def test_a_higher_priority_warning_preempts_and_an_equal_one_waits(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    simulator = await start_simulator(time_scale=2.0)
    long_zh, short_en = audio_server.url(audio_server.warning_zh), audio_server.url(audio_server.leave_en)

    line.send("low", long_zh, priority=2, lang="zh-CN", text=ZH)
    await line.until("low", "playing")
    line.send("high", short_en, priority=8)
    line.send("same", short_en, priority=2)

    await line.until("same", "done")
    assert line.acks("low") == [("received", None), ("playing", None), ("failed", "preempted by high")]
    assert line.states("high") == ["received", "playing", "done"]
    assert line.states("same") == ["received", "playing", "done"]
    assert [(p.command_id, p.outcome) for p in simulator.played] == [
        ("low", "failed"),
        ("high", "done"),
        ("same", "done"),
    ]
    assert simulator.played[0].elapsed_s < 1.5  # of the 3.5 s it would have lasted at this time scale


async def test_a_redelivered_command_is_acked_again_but_played_once(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    simulator = await start_simulator(time_scale=4.0)
    url = audio_server.url(audio_server.leave_en)

    line.send("again", url)
    await line.until("again", "done")
    line.send("again", url)  # the hub did not hear the ack and resends

    deadline = time.monotonic() + 5
    while len(line.states("again")) < 4:
        assert time.monotonic() < deadline, line.acks("again")
        await asyncio.sleep(0.02)
    assert line.states("again") == ["received", "playing", "done", "done"]
    assert len(simulator.played) == 1


async def test_stop_silences_the_warning_playing(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    simulator = await start_simulator()
    line.send("loud", audio_server.url(audio_server.warning_zh), repeat=3)
    await line.until("loud", "playing")

    line.send("quiet", action="stop")

    assert await line.until("quiet", "done") == ["received", "done"]
    assert (await line.until("loud", "failed"))[-1] == "failed"
    assert line.acks("loud")[-1] == ("failed", "stopped")
    assert simulator.played[0].elapsed_s < 2


async def test_a_faulty_speaker_acks_failed(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    simulator = await start_simulator(Mode.FAIL)
    line.send("w", audio_server.url(audio_server.leave_en))
    assert await line.until("w", "failed") == ["received", "failed"]
    assert line.acks("w")[-1] == ("failed", "amplifier fault")
    assert simulator.played == []


async def test_audio_too_short_or_missing_fails(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    await start_simulator()
    line.send("beep", audio_server.url(audio_server.beep))
    line.send("gone", f"{audio_server.base_url}/audio/{'0' * 64}.wav")
    line.send("nothing")
    await line.until("nothing", "failed")
    await line.until("gone", "failed")
    assert "too short" in str(line.acks("beep")[-1][1])
    assert line.acks("gone")[-1] == ("failed", "audio download failed: HTTP 404")
    assert line.acks("nothing")[-1] == ("failed", "no audio_url to play")


async def test_a_slow_speaker_acks_late(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    await start_simulator(Mode.SLOW, ack_delay_s=0.4, time_scale=8.0)
    sent = time.monotonic()
    line.send("w", audio_server.url(audio_server.leave_en))
    await line.until("w", "received")
    assert time.monotonic() - sent >= 0.4
    assert await line.until("w", "done") == ["received", "playing", "done"]
    assert time.monotonic() - sent >= 1.2  # three acks, each 0.4 s late


async def test_an_offline_speaker_says_nothing(
    start_simulator: StartSimulator, line: SpeakerLine, audio_server: AudioServer
) -> None:
    simulator = await start_simulator(Mode.OFFLINE)
    line.send("w", audio_server.url(audio_server.leave_en))
    await asyncio.sleep(0.5)
    assert line.acks("w") == []
    assert line.status == []
    assert simulator.played == []
