"""Offline speech with the real espeak-ng: plausible, audible Mandarin and English; rendered once per text and
voice; bad input refused; only content-addressed files under the audio folders can be served."""

from __future__ import annotations

import array
import asyncio
import hashlib
import math
import wave
from pathlib import Path

import pytest

from hub.adapters.speech import (
    MAX_TEXT_CHARS,
    AudioFiles,
    EspeakSynthesizer,
    PrerecordedAudio,
    RenderedAudio,
    SpeechError,
    audio_url,
    clean_text,
)

ZH = "这里是公安视频监控区域，请立即离开。"
EN = "This area is under police video surveillance. Please leave now."
SILENCE_RMS = 300  # 16-bit samples; espeak's speech measures ~3,000


def samples(path: Path) -> tuple[array.array[int], int]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2), "espeak writes 16-bit mono"
        return array.array("h", wav.readframes(wav.getnframes())), wav.getframerate()


def rms(values: array.array[int]) -> float:
    return math.sqrt(sum(v * v for v in values) / len(values))


def write_tone(path: Path, seconds: float, rate: int = 16000) -> Path:
    tone = array.array("h", (int(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate))))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(tone.tobytes())
    return path


@pytest.fixture
def synth(tmp_path: Path) -> EspeakSynthesizer:
    return EspeakSynthesizer(tmp_path / "speech")


@pytest.mark.parametrize(("text", "lang"), [(ZH, "zh-CN"), (EN, "en")])
async def test_a_warning_renders_to_audible_speech_of_plausible_length(
    synth: EspeakSynthesizer, text: str, lang: str
) -> None:
    audio = await synth.render(text, lang)

    assert audio.content_type == "audio/wav" and audio.lang == lang and audio.text == text
    assert audio.path == synth.cache_dir / f"{audio.key}.wav"
    values, rate = samples(audio.path)
    assert rate >= 16000
    assert audio.duration_s == pytest.approx(len(values) / rate)
    assert 1.5 < audio.duration_s < 15, audio.duration_s
    # A speaking rate of 2–8 characters a second (Mandarin syllables, English letters run faster).
    assert 0.5 < len(text) / audio.duration_s < 20, audio.duration_s
    assert rms(values) > SILENCE_RMS


async def test_a_longer_text_takes_longer_to_say(synth: EspeakSynthesizer) -> None:
    short_en, long_en = await synth.render("Please leave now.", "en"), await synth.render(EN, "en")
    short_zh, long_zh = await synth.render("请离开。", "zh-CN"), await synth.render(ZH, "zh-CN")
    assert long_en.duration_s > 2 * short_en.duration_s
    assert long_zh.duration_s > 2 * short_zh.duration_s


async def test_each_voice_sounds_different(synth: EspeakSynthesizer) -> None:
    # The same characters read by the Mandarin and the English voice: different keys, different sound.
    mandarin, english = await synth.render("110 police", "zh-CN"), await synth.render("110 police", "en")
    assert mandarin.key != english.key
    assert mandarin.path.read_bytes() != english.path.read_bytes()


async def test_speed_is_part_of_the_sound(tmp_path: Path) -> None:
    slow = await EspeakSynthesizer(tmp_path, speed_wpm=110).render(EN, "en")
    fast = await EspeakSynthesizer(tmp_path, speed_wpm=220).render(EN, "en")
    assert slow.key != fast.key
    assert slow.duration_s > 1.4 * fast.duration_s


async def test_the_same_text_is_rendered_once(synth: EspeakSynthesizer, tmp_path: Path) -> None:
    first = await synth.render(EN, "en")
    again = await synth.render(EN, "en")
    assert again == first
    assert synth.engine_runs == 1

    # Concurrent requests for a new text share one espeak run.
    together = await asyncio.gather(*(synth.render(ZH, "zh-CN") for _ in range(5)))
    assert len({audio.key for audio in together}) == 1
    assert synth.engine_runs == 2

    # The cache outlives the process: a new synthesizer on the same folder finds the file.
    restarted = EspeakSynthesizer(synth.cache_dir)
    assert await restarted.render(EN, "en") == first
    assert restarted.engine_runs == 0
    assert sorted(p.name for p in synth.cache_dir.iterdir()) == sorted(f"{a.key}.wav" for a in (first, together[0]))


async def test_control_characters_and_spacing_do_not_change_the_sound(synth: EspeakSynthesizer) -> None:
    clean = await synth.render(EN, "en")
    messy = await synth.render("  This area is under\x00 police\tvideo\n surveillance.\x1b Please leave now. ", "en")
    assert messy.key == clean.key
    assert synth.engine_runs == 1


async def test_language_tags_are_case_insensitive(synth: EspeakSynthesizer) -> None:
    assert (await synth.render("请离开。", "zh-cn")).key == (await synth.render("请离开。", "zh-CN")).key


@pytest.mark.parametrize(
    ("text", "lang", "message"),
    [
        ("", "en", "empty"),
        (" \x00\x07\n\t ", "en", "empty"),
        ("x" * (MAX_TEXT_CHARS + 1), "en", "at most 500"),
        ("Bonjour", "fr", "no speech voice for language 'fr'; configured: en, zh-CN"),
    ],
)
async def test_bad_input_is_refused_before_espeak_runs(
    synth: EspeakSynthesizer, text: str, lang: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await synth.render(text, lang)
    assert synth.engine_runs == 0


def test_phoneme_markup_is_read_as_text() -> None:
    assert clean_text("[[h@'loU]] stop") == "[ [h@'loU]] stop"


async def test_a_missing_espeak_is_a_clear_error(tmp_path: Path) -> None:
    synth = EspeakSynthesizer(tmp_path, executable=tmp_path / "no-espeak-ng")
    with pytest.raises(SpeechError, match="not found"):
        await synth.render(EN, "en")


async def test_check_names_a_missing_voice(tmp_path: Path) -> None:
    assert (await EspeakSynthesizer(tmp_path).check()).startswith("eSpeak NG")
    with pytest.raises(SpeechError, match="'xx-none'"):
        await EspeakSynthesizer(tmp_path, voices={"xx": "xx-none"}).check()


async def test_prerecorded_messages_are_keyed_by_content(tmp_path: Path) -> None:
    folder = tmp_path / "audio"
    folder.mkdir()
    recording = write_tone(folder / "leave-zh.wav", 1.25)
    library = PrerecordedAudio(folder)

    audio = await library.register("leave", "zh-CN", "leave-zh.wav", text="请立即离开")

    assert audio == RenderedAudio(
        hashlib.sha256(recording.read_bytes()).hexdigest(), recording.resolve(), 1.25, "zh-CN", "请立即离开"
    )
    assert library.get("leave", "zh-cn") == audio
    assert library.get("leave", "en") is None
    assert AudioFiles(tmp_path / "speech", library).resolve(audio.key) == recording.resolve()


async def test_prerecorded_files_must_be_wav_inside_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "audio"
    folder.mkdir()
    write_tone(tmp_path / "outside.wav", 1.0)
    (folder / "notes.txt").write_text("not audio")
    (folder / "fake.wav").write_text("not audio")
    library = PrerecordedAudio(folder)
    with pytest.raises(ValueError, match="outside the audio folder"):
        await library.register("m", "en", "../outside.wav")
    with pytest.raises(ValueError, match="only WAV"):
        await library.register("m", "en", "notes.txt")
    with pytest.raises(ValueError, match="not found"):
        await library.register("m", "en", "missing.wav")
    with pytest.raises(SpeechError, match="not a readable WAV"):
        await library.register("m", "en", "fake.wav")


async def test_only_content_keys_in_the_audio_folders_resolve(synth: EspeakSynthesizer, tmp_path: Path) -> None:
    audio = await synth.render(EN, "en")
    files = AudioFiles(synth.cache_dir)
    (tmp_path / ("b" * 64 + ".wav")).write_bytes(audio.path.read_bytes())  # next to, not inside, the cache

    assert files.resolve(audio.key) == audio.path.resolve()
    for bad in ("a" * 64, "b" * 64, audio.key.upper(), audio.key[:63], f"../{audio.key[3:]}", "", f"{audio.key}.wav"):
        assert files.resolve(bad) is None, bad
    assert audio_url("http://10.0.0.5:8080/", audio) == f"http://10.0.0.5:8080/audio/{audio.key}.wav"
