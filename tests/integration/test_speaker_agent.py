"""The speakers' real edge agent (devices.speaker_agent) on the private Mosquitto, with a fake player: it plays,
preempts and acks like the simulator, fails what it cannot play cleanly, and its command runs the system
player. (The wire, the audio and the simulator's behaviour: test_speaker_devices.py.)"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from devices.contract import DeviceState
from devices.speaker_agent import SpeakerAgent, speaker_link
from devices.speaker_playback import Playback
from sentinel_dev.services import PrivateMosquitto
from tests.integration.conftest import REPO
from tests.integration.test_speaker_devices import SITE, AudioServer, SpeakerLine, in_future
from tests.integration.test_speaker_devices import audio_server as audio_server  # fixtures
from tests.integration.test_speaker_devices import line as line


class FakePlayer:
    """Stands in for aplay: 'plays' for a fixed time per repeat, and remembers what it was given."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls: list[tuple[str, int, int | None, int]] = []  # command id, repeat, volume, audio bytes

    def __call__(self, playback: Playback) -> None:
        self.calls.append(
            (playback.command.command_id, playback.repeat, playback.volume, playback.audio.stat().st_size)
        )
        playback.started()
        playback.cancellation.wait(self.seconds * playback.repeat)


@pytest.fixture
async def real_agent(mqtt_broker: PrivateMosquitto, line: SpeakerLine) -> AsyncIterator[FakePlayer]:
    player = FakePlayer(0.3)
    link = await asyncio.to_thread(speaker_link(mqtt_broker.url, line.topics, SITE, line.device).connect)
    agent = SpeakerAgent(link, line.topics, SITE, line.device, player).start()
    await line.until_status(DeviceState.ONLINE)
    yield player
    await asyncio.to_thread(agent.stop)
    await line.until_status(DeviceState.OFFLINE)  # said by the agent itself: a clean exit fires no Last Will
    await asyncio.to_thread(link.close)


async def test_the_edge_agent_plays_preempts_and_acks_like_the_simulator(
    real_agent: FakePlayer, line: SpeakerLine, audio_server: AudioServer
) -> None:
    audio = audio_server.warning_zh
    line.send("a1", audio_server.url(audio), repeat=2, volume=70, expires_at=in_future(30))
    assert await line.until("a1", "done") == ["received", "playing", "done"]
    assert real_agent.calls == [("a1", 2, 70, audio.path.stat().st_size)]

    line.send("low", audio_server.url(audio), priority=1, repeat=20)
    await line.until("low", "playing")
    line.send("low", audio_server.url(audio), priority=1, repeat=20)  # redelivered mid-play: not queued again
    line.send("high", audio_server.url(audio), priority=9)
    line.send("old", audio_server.url(audio), expires_at=in_future(-5))

    assert await line.until("high", "done") == ["received", "playing", "done"]
    assert line.acks("low") == [
        ("received", None),
        ("playing", None),
        ("playing", None),
        ("failed", "preempted by high"),
    ]
    assert line.states("old") == ["received", "expired"]
    assert [call[0] for call in real_agent.calls] == ["a1", "low", "high"]


@pytest.fixture
def no_stray_threads() -> Iterator[None]:
    before = set(threading.enumerate())
    yield
    stray = [t.name for t in set(threading.enumerate()) - before if t.name.startswith("speaker-") and t.is_alive()]
    assert not stray, stray


async def test_a_full_queue_and_stopping_the_agent_fail_commands_cleanly(
    no_stray_threads: None, mqtt_broker: PrivateMosquitto, line: SpeakerLine, audio_server: AudioServer
) -> None:
    link = await asyncio.to_thread(speaker_link(mqtt_broker.url, line.topics, SITE, line.device).connect)
    agent = SpeakerAgent(link, line.topics, SITE, line.device, FakePlayer(5.0), queue_limit=1).start()
    await line.until_status(DeviceState.ONLINE)
    url = audio_server.url(audio_server.leave_en)
    line.send("playing", url)
    line.send("waiting", url)
    line.send("one-too-many", url)
    await line.until("playing", "playing")
    assert await line.until("one-too-many", "failed") == ["received", "failed"]
    assert line.acks("one-too-many")[-1] == ("failed", "speaker queue full")

    await asyncio.to_thread(agent.stop)
    await asyncio.to_thread(link.close)

    await line.until("waiting", "failed")
    await line.until("playing", "failed")
    assert line.acks("playing")[-1] == ("failed", "speaker agent stopped")
    assert line.acks("waiting")[-1] == ("failed", "speaker agent stopped")


FAKE_APLAY = """#!/bin/sh
# Stands in for alsa-utils' aplay: logs its arguments, "plays" 0.3 s, or fails like a missing sound card.
echo "$@" >> "{log}"
if [ -e "{fail_flag}" ]; then echo "aplay: main:831: audio open error: No such file or directory" >&2; exit 1; fi
sleep 0.3
"""


async def test_the_agent_command_runs_the_system_player(
    mqtt_broker: PrivateMosquitto, line: SpeakerLine, audio_server: AudioServer, tmp_path: Path
) -> None:
    bin_dir, log, fail_flag = tmp_path / "bin", tmp_path / "aplay.log", tmp_path / "fail"
    bin_dir.mkdir()
    aplay = bin_dir / "aplay"
    aplay.write_text(FAKE_APLAY.format(log=log, fail_flag=fail_flag))
    aplay.chmod(0o755)
    command = [sys.executable, "-m", "devices.speaker_agent", "--url", mqtt_broker.url, "--site", SITE]
    command += ["--device", line.device, "--prefix", line.topics.prefix, "--log-level", "warning"]
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    agent = await asyncio.create_subprocess_exec(
        *command, cwd=REPO, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        await line.until_status(DeviceState.ONLINE)
        url = audio_server.url(audio_server.leave_en)

        line.send("twice", url, repeat=2, volume=50)
        assert await line.until("twice", "done") == ["received", "playing", "done"]
        calls = log.read_text().splitlines()
        assert len(calls) == 2 and all(c.startswith("-q /") and c.endswith(".audio") for c in calls), calls

        line.send("long", url, repeat=20)
        await line.until("long", "playing")
        line.send("hush", action="stop")
        assert (await line.until("long", "failed"))[-1] == "failed"
        assert line.acks("long")[-1] == ("failed", "stopped")

        fail_flag.touch()
        line.send("broken", url)
        await line.until("broken", "failed")
        assert line.acks("broken")[-1] == (
            "failed",
            "aplay exited with 1: aplay: main:831: audio open error: No such file or directory",
        )
    finally:
        agent.send_signal(signal.SIGTERM)
        output = (await asyncio.wait_for(agent.communicate(), 10))[0].decode()
    assert agent.returncode == 0, output
    await line.until_status(DeviceState.OFFLINE)
