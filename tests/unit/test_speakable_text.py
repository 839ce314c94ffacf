"""What a loudspeaker may say: free text with markup or control characters is refused with the reason in
both languages; whatever else reaches the speech engine is cleaned (markup, entities, controls)."""

from __future__ import annotations

import pytest

from hub.adapters.speech import EspeakSynthesizer, clean_text
from hub.domain.warnings import UnspeakableText, speakable, speech_problem


@pytest.mark.parametrize(
    "text",
    [
        '请离开 <img src=x onerror="alert(1)">',
        "<b>Leave</b> now",
        "Leave now <!-- hidden",
        "&lt;img src=x&gt; leave",  # entity-encoded markup is markup once decoded
        "&amp;lt;speak&amp;gt;",
        "leave <script",  # an unclosed tag at the end
    ],
)
def test_free_text_with_markup_is_refused_as_markup(text: str) -> None:
    assert speech_problem(text) == "markup"


@pytest.mark.parametrize("text", ["请离开\x00", "leave\x1b[31m now", "leave\u202enow", "a\u200bb", "&#x202e;beep"])
def test_free_text_with_control_or_invisible_characters_is_refused_as_control(text: str) -> None:
    assert speech_problem(text) == "control"


@pytest.mark.parametrize("text", ["请立即离开！", "Leave now.\nThe police are coming.", "距离 < 5 米", "A & B, 3>2"])
def test_plain_text_with_line_breaks_and_comparison_signs_may_be_spoken(text: str) -> None:
    assert speech_problem(text) is None


def test_the_refusal_gives_the_reason_in_both_languages() -> None:
    refusal = UnspeakableText("markup")
    assert "网页标记" in refusal.reason_zh and "markup" in refusal.reason_en and str(refusal) == refusal.reason_en


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ('请离开 <img src=x onerror="alert(1)"> 现在', "请离开 现在"),
        ("<speak><b>Leave</b>\x00 now</speak>", "Leave now"),
        ("&lt;img src=x&gt;Leave &amp; go", "Leave & go"),
        ("<<b>b>Leave", "< b>Leave"),  # what is left is no tag, read as written
        ("stop\u202e now\t\n", "stop now"),
    ],
)
def test_speakable_removes_markup_entities_and_controls(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


def test_the_speech_adapter_never_hands_markup_to_espeak() -> None:
    assert clean_text('Leave <img src=x onerror="alert(1)"> now') == "Leave now"
    with pytest.raises(ValueError, match="empty"):
        clean_text("<img src=x>\x07")


async def test_markup_does_not_change_the_sound(tmp_path: object) -> None:
    from pathlib import Path

    synth = EspeakSynthesizer(Path(str(tmp_path)) / "speech")
    plain = await synth.render("Leave now.", "en")
    marked = await synth.render("<p>Leave <img src=x>now.</p>", "en")
    assert marked.key == plain.key and marked.text == "Leave now."
    assert synth.engine_runs == 1
