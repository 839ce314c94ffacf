"""The loudspeaker's audio: download it (bounded in size and time) and play it through a system player,
interruptibly (a stop, a preemption or the agent's shutdown cancels a playback)."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit

from devices.contract import (
    SpeakerCommand,
)

FIRMWARE = "sentinel-speaker-agent"
MAX_AUDIO_BYTES = 20 * 1024 * 1024
FETCH_TIMEOUT_S = 10.0


class PlayerError(RuntimeError):
    """Playback failed; the message becomes the `failed` ack's error."""


class FetchError(RuntimeError):
    """The audio could not be downloaded; the message becomes the `failed` ack's error."""


class Cancellation:
    """Set by the agent to end a playback early (stop, preemption, shutdown); the player waits on it."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason: str | None = None

    def cancel(self, reason: str) -> None:
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(timeout)


@dataclass(frozen=True)
class Playback:
    """What a player gets: play `audio` `repeat` times at `volume` (0–100, None: leave as is), call `started()` when
    sound comes out (that acks `playing`), return early once `cancellation` is set, raise PlayerError on failure."""

    command: SpeakerCommand
    audio: Path
    cancellation: Cancellation
    started: Callable[[], None]

    @property
    def repeat(self) -> int:
        return self.command.repeat or 1

    @property
    def volume(self) -> int | None:
        return self.command.volume


Player = Callable[[Playback], None]
Fetcher = Callable[[str, Path], None]  # download a URL into a file, or raise FetchError


def fetch_audio(
    url: str, destination: Path, timeout_s: float = FETCH_TIMEOUT_S, max_bytes: int = MAX_AUDIO_BYTES
) -> None:
    """Download `url` (http or https) into `destination`, refusing more than `max_bytes`."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise FetchError(f"audio_url must be http or https: {url[:80]!r}")
    deadline = time.monotonic() + 3 * timeout_s  # the socket timeout is per read; this bounds a trickling server
    request = urllib.request.Request(url, headers={"User-Agent": FIRMWARE})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response, destination.open("wb") as out:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"audio is {int(length)} bytes; at most {max_bytes} are accepted")
            total = 0
            while chunk := response.read(64 * 1024):
                total += len(chunk)
                if total > max_bytes:
                    raise FetchError(f"audio is larger than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(f"audio download took longer than {3 * timeout_s:.0f}s")
                out.write(chunk)
    except HTTPError as exc:
        raise FetchError(f"audio download failed: HTTP {exc.code}") from None
    except (URLError, OSError) as exc:
        raise FetchError(f"audio download failed: {getattr(exc, 'reason', exc)}") from None


class SystemAudioPlayer:
    """Plays through the first of aplay, paplay, `ffplay -nodisp -autoexit` found. Volume is passed where the
    player has an option for it (paplay, ffplay); with aplay the mixer's or the amplifier's setting applies."""

    CANDIDATES = ("aplay", "paplay", "ffplay")

    def __init__(self, executable: str | None = None) -> None:
        names = (executable,) if executable else self.CANDIDATES
        found = next((path for name in names if (path := shutil.which(name))), None)
        if found is None:
            raise PlayerError(
                f"no audio player found (tried {', '.join(names)}): "
                "install alsa-utils (aplay), pulseaudio-utils (paplay) or ffmpeg (ffplay)"
            )
        self.executable = found
        self.name = Path(found).name

    def command_line(self, audio: Path, volume: int | None) -> list[str]:
        if self.name == "paplay":
            scaled = [f"--volume={round(volume * 65536 / 100)}"] if volume is not None else []
            return [self.executable, *scaled, str(audio)]
        if self.name == "ffplay":
            scaled = ["-volume", str(volume)] if volume is not None else []
            return [self.executable, "-nodisp", "-autoexit", "-loglevel", "error", *scaled, str(audio)]
        return [self.executable, "-q", str(audio)]

    def __call__(self, playback: Playback) -> None:
        for n in range(playback.repeat):
            if playback.cancellation.is_set():
                return
            try:
                process = subprocess.Popen(
                    self.command_line(playback.audio, playback.volume),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            except OSError as exc:
                raise PlayerError(f"cannot start {self.name}: {exc}") from None
            if n == 0:
                playback.started()
            while True:
                try:
                    _, err = process.communicate(timeout=0.05)
                    break
                except subprocess.TimeoutExpired:
                    if playback.cancellation.is_set():
                        process.terminate()
                        try:
                            process.communicate(timeout=2)
                        except subprocess.TimeoutExpired:
                            process.kill()
                            process.communicate()
                        return
            if process.returncode != 0:
                detail = err.decode(errors="replace").strip()[-200:]
                raise PlayerError(f"{self.name} exited with {process.returncode}: {detail}")
