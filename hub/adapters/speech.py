"""Offline speech for loudspeaker warnings: espeak-ng renders text to WAV, stations may register their own
recordings, and both end up as content-addressed files that the hub serves at `/audio/{key}.wav`.

Keys are sha256 hex digests, so the URLs are unguessable and immutable: a speaker fetches without a session,
and a key always means the same sound (a new espeak version or voice setting gives a new key).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import shutil
import uuid
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import structlog

from hub.domain.warnings import speakable

log = structlog.get_logger(__name__)

WAV_CONTENT_TYPE = "audio/wav"
DEFAULT_VOICES: Mapping[str, str] = {"zh-CN": "cmn", "en": "en"}
MAX_TEXT_CHARS = 500
ESPEAK_TIMEOUT_S = 30.0
_KEY = re.compile(r"^[0-9a-f]{64}$")


class SpeechError(RuntimeError):
    """espeak-ng is missing, failed, or produced no usable audio; or a recording is not a usable WAV."""


@dataclass(frozen=True, slots=True)
class RenderedAudio:
    key: str  # sha256 hex: the file is served at /audio/{key}.wav
    path: Path
    duration_s: float
    lang: str
    text: str
    content_type: str = WAV_CONTENT_TYPE


def is_audio_key(key: str) -> bool:
    return bool(_KEY.match(key))


def clean_text(text: str) -> str:
    """The text as espeak will read it: markup, control and invisible characters dropped, whitespace collapsed,
    at most 500 characters. Raises ValueError for nothing left to say or too much.

    The service refuses such free text before it gets here; this is the last guard for whatever else reaches
    the engine (library messages, a future caller)."""
    if not isinstance(text, str):
        raise ValueError("warning text must be a string")
    # "[[...]]" is espeak's inline phoneme syntax; a warning is plain text, read as written.
    kept = speakable(text).replace("[[", "[ [")
    if not kept:
        raise ValueError("warning text is empty")
    if len(kept) > MAX_TEXT_CHARS:
        raise ValueError(f"warning text has {len(kept)} characters; at most {MAX_TEXT_CHARS} may be spoken")
    return kept


def wav_duration(path: Path) -> float:
    """Duration in seconds from the WAV header; SpeechError if it is not a non-empty PCM WAV file."""
    try:
        with wave.open(str(path), "rb") as wav:
            frames, rate = wav.getnframes(), wav.getframerate()
    except (wave.Error, EOFError, OSError) as exc:
        raise SpeechError(f"{path.name} is not a readable WAV file: {exc}") from None
    if frames <= 0 or rate <= 0:
        raise SpeechError(f"{path.name} holds no audio")
    return frames / rate


class EspeakSynthesizer:
    """Renders text with espeak-ng into `cache_dir/{key}.wav`, once per (engine version, voice, speed, pitch, text).

    Concurrent renders of one text share a single espeak run; a crash mid-render leaves only a temp file behind,
    never a half-written cache entry (written to a temp name, then renamed).
    """

    def __init__(
        self,
        cache_dir: Path,
        voices: Mapping[str, str] = DEFAULT_VOICES,
        speed_wpm: int = 150,
        pitch: int | None = None,
        executable: str | Path | None = None,
    ) -> None:
        if not voices:
            raise ValueError("at least one language → espeak voice is needed")
        if not 80 <= speed_wpm <= 450:
            raise ValueError(f"speed_wpm must be within 80..450 (espeak's range), not {speed_wpm}")
        if pitch is not None and not 0 <= pitch <= 99:
            raise ValueError(f"pitch must be within 0..99, not {pitch}")
        self.cache_dir = Path(cache_dir)
        self.voices = dict(voices)
        self._voice_by_lang = {lang.lower(): voice for lang, voice in voices.items()}
        self.speed_wpm = speed_wpm
        self.pitch = pitch
        self._executable = str(executable) if executable else (shutil.which("espeak-ng") or "/usr/bin/espeak-ng")
        self._engine_version: str | None = None
        self._version_lock = asyncio.Lock()
        self._in_flight: dict[str, asyncio.Task[RenderedAudio]] = {}
        self._known: dict[str, RenderedAudio] = {}
        self.engine_runs = 0  # espeak invocations that rendered audio: a cache hit does not count

    def voice_for(self, lang: str) -> str:
        voice = self._voice_by_lang.get(lang.lower()) if isinstance(lang, str) else None
        if voice is None:
            raise ValueError(f"no speech voice for language {lang!r}; configured: {', '.join(sorted(self.voices))}")
        return voice

    async def check(self) -> str:
        """For start-up: the engine version, or SpeechError naming what is missing (binary or a voice)."""
        version = await self.engine_version()
        for lang, voice in self.voices.items():
            try:
                await self._run(["-q", "-v", voice, "--stdin"], stdin=b"ok")  # -q: synthesise, play nothing
            except SpeechError as exc:
                raise SpeechError(f"espeak-ng cannot speak with voice {voice!r} (for {lang}): {exc}") from None
        return version

    async def engine_version(self) -> str:
        async with self._version_lock:
            if self._engine_version is None:
                out = await self._run(["--version"])
                # "eSpeak NG text-to-speech: 1.51  Data at: /usr/lib/..." — the data path is not part of the sound.
                self._engine_version = out.decode(errors="replace").split("Data at:")[0].strip()
        return self._engine_version

    def cache_key(self, engine_version: str, voice: str, text: str) -> str:
        identity = {
            "engine": engine_version,
            "voice": voice,
            "speed": self.speed_wpm,
            "pitch": self.pitch,
            "text": text,
        }
        return hashlib.sha256(json.dumps(identity, ensure_ascii=False, sort_keys=True).encode()).hexdigest()

    async def render(self, text: str, lang: str) -> RenderedAudio:
        """The spoken text as a WAV file; ValueError for bad text or an unknown language, SpeechError if espeak
        fails."""
        voice = self.voice_for(lang)
        spoken = clean_text(text)
        key = self.cache_key(await self.engine_version(), voice, spoken)
        known = self._known.get(key)
        if known is not None and known.path.exists():
            return known
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(self._render_once(key, voice, spoken, lang), name=f"espeak-{key[:8]}")
            self._in_flight[key] = task
            task.add_done_callback(lambda _t: self._in_flight.pop(key, None))
        # Shielded: one caller giving up must not cancel the render the others are waiting for.
        return await asyncio.shield(task)

    async def _render_once(self, key: str, voice: str, text: str, lang: str) -> RenderedAudio:
        path = self.cache_dir / f"{key}.wav"
        if not path.exists():  # rendered by an earlier process: the cache outlives the hub
            await asyncio.to_thread(self.cache_dir.mkdir, parents=True, exist_ok=True)
            temp = self.cache_dir / f".{key}.{uuid.uuid4().hex}.tmp"
            args = ["-v", voice, "-s", str(self.speed_wpm), "-b", "1", "-w", str(temp), "--stdin"]
            if self.pitch is not None:
                args[4:4] = ["-p", str(self.pitch)]
            try:
                self.engine_runs += 1
                await self._run(args, stdin=text.encode("utf-8"))
                await asyncio.to_thread(wav_duration, temp)  # refuse to cache an empty or broken file
                await asyncio.to_thread(os.replace, temp, path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    await asyncio.to_thread(temp.unlink)
            log.info("speech_rendered", key=key, voice=voice, lang=lang, chars=len(text))
        audio = RenderedAudio(key, path, await asyncio.to_thread(wav_duration, path), lang, text)
        self._known[key] = audio
        return audio

    async def _run(self, args: list[str], stdin: bytes | None = None) -> bytes:
        try:
            process = await asyncio.create_subprocess_exec(
                self._executable,
                *args,
                stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except FileNotFoundError:
            raise SpeechError(f"{self._executable} not found; install Debian's espeak-ng (./dev does)") from None
        try:
            async with asyncio.timeout(ESPEAK_TIMEOUT_S):  # not wait_for: in 3.11 it can swallow a cancellation
                out, err = await process.communicate(stdin)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise SpeechError(f"espeak-ng took longer than {ESPEAK_TIMEOUT_S:.0f}s") from None
        except asyncio.CancelledError:
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
        if process.returncode != 0:
            detail = err.decode(errors="replace").strip()[-300:]
            raise SpeechError(f"espeak-ng exited with {process.returncode}: {detail}")
        return out


class PrerecordedAudio:
    """A station's own recordings (WAV files under `folder`), registered by message id and language.

    The key is the sha256 of the file's content, so re-recording a message gives it a new URL and a speaker never
    plays a stale copy.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._by_message: dict[tuple[str, str], RenderedAudio] = {}
        self._by_key: dict[str, Path] = {}

    async def register(self, message_id: str, lang: str, file: str | Path, text: str = "") -> RenderedAudio:
        """Register `file` (relative to the folder) as message `message_id` in `lang`; `text` is what it says, for
        the timeline. ValueError if the file is outside the folder, SpeechError if it is not a usable WAV."""
        return await asyncio.to_thread(self._register, message_id, lang, Path(file), text)

    def _register(self, message_id: str, lang: str, file: Path, text: str) -> RenderedAudio:
        root = self.folder.resolve()
        path = (root / file).resolve()
        if not path.is_relative_to(root):
            raise ValueError(f"audio file {str(file)!r} is outside the audio folder {str(root)!r}")
        if path.suffix.lower() != ".wav":
            raise ValueError(f"audio file {str(file)!r}: only WAV recordings are supported")
        if not path.is_file():
            raise ValueError(f"audio file {str(file)!r} not found in {str(root)!r}")
        duration = wav_duration(path)
        key = hashlib.sha256(path.read_bytes()).hexdigest()
        audio = RenderedAudio(key, path, duration, lang, text)
        self._by_message[(message_id, lang.lower())] = audio
        self._by_key[key] = path
        log.info("prerecorded_audio_registered", message_id=message_id, lang=lang, key=key, duration_s=duration)
        return audio

    def get(self, message_id: str, lang: str) -> RenderedAudio | None:
        return self._by_message.get((message_id, lang.lower()))

    def path_for(self, key: str) -> Path | None:
        return self._by_key.get(key) if is_audio_key(key) else None


class AudioFiles:
    """What `GET /audio/{key}.wav` may serve: rendered speech in the cache and registered recordings, nothing else."""

    def __init__(self, cache_dir: Path, prerecorded: PrerecordedAudio | None = None) -> None:
        self._cache_root = Path(cache_dir).resolve()
        self._prerecorded = prerecorded

    def resolve(self, key: str) -> Path | None:
        """The file for a key, or None (malformed key, unknown, or not inside the allowed folders)."""
        if not is_audio_key(key):
            return None
        if self._prerecorded is not None and (recorded := self._prerecorded.path_for(key)) is not None:
            return recorded if recorded.is_file() else None
        path = (self._cache_root / f"{key}.wav").resolve()
        if path.parent != self._cache_root or not path.is_file():
            return None
        return path


def audio_url(public_base_url: str, audio: RenderedAudio) -> str:
    """The URL a speaker fetches, e.g. http://10.0.0.5:8080/audio/{key}.wav."""
    return f"{public_base_url.rstrip('/')}/audio/{audio.key}.wav"
