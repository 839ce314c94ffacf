"""Loudspeaker warnings: the message library, the rules that warn by themselves, and the life of one
warning on one speaker (sent → received → playing → done, or failed, or expired)."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from hub.domain.events import DeviceEvent


@dataclass(frozen=True, slots=True)
class Message:
    """A library message: its text per language (zh-CN, en, ...), or a recording per language."""

    id: str
    texts: Mapping[str, str] = field(default_factory=dict)
    recordings: Mapping[str, str] = field(default_factory=dict)  # lang → audio file path

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys([*self.texts, *self.recordings]))


@dataclass(frozen=True, slots=True)
class WarningRule:
    """Warn by itself: an event of this type (at these sites, in this zone) plays a message."""

    id: str
    on: str  # event type: intrusion, loitering, crowd, line_crossing, panic, duress, ...
    message_id: str
    languages: tuple[str, ...] = ("zh-CN",)
    sites: frozenset[str] = frozenset()  # empty: every site
    zones: frozenset[str] = frozenset()  # empty: any zone
    repeat: int = 2
    cooldown_s: int = 120  # a loiterer does not get the same message every second
    priority: int = 5

    def matches(self, event: DeviceEvent) -> bool:
        return (
            event.type == self.on
            and not event.is_restore
            and (not self.sites or event.site_id in self.sites)
            and (not self.zones or (event.zone or "") in self.zones)
        )


def rules_for(rules: Iterable[WarningRule], event: DeviceEvent) -> list[WarningRule]:
    return [rule for rule in rules if rule.matches(event)]


def cooled_down(rule: WarningRule, last_warned: datetime | None, now: datetime) -> bool:
    return last_warned is None or now - last_warned >= timedelta(seconds=rule.cooldown_s)


class WarningState(StrEnum):
    SENT = "sent"  # published, no answer yet: resent until answered or expired
    RECEIVED = "received"
    PLAYING = "playing"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


FINAL_WARNING_STATES = frozenset({WarningState.DONE, WarningState.FAILED, WarningState.EXPIRED})
_ORDER = {
    WarningState.SENT: 0,
    WarningState.RECEIVED: 1,
    WarningState.PLAYING: 2,
    WarningState.DONE: 3,
    WarningState.FAILED: 3,
    WarningState.EXPIRED: 3,
}


def next_state(current: WarningState, reported: WarningState) -> WarningState | None:
    """The state after a speaker's ack, or None when the ack changes nothing (a late or repeated
    ack never moves a warning backwards, nor out of a final state)."""
    if current in FINAL_WARNING_STATES or _ORDER[reported] <= _ORDER[current]:
        return None
    return reported


def resend_delay_s(attempts: int) -> float:
    """Unanswered commands are resent quickly at first, then less often (2, 4, 8, 10, 10… s)."""
    return min(2.0 * 2 ** max(attempts - 1, 0), 10.0)


# ---- what may be spoken ---------------------------------------------------------------------------
# A loudspeaker reads its text aloud: markup (`<img src=x onerror=…>`, `<speak>`, comments) and control or
# invisible format characters must never reach the speech engine or the speaker's payload.
_MARKUP = re.compile(r"<!--.*?(?:-->|$)|<[/!?]?[A-Za-z][^<>]*(?:>|$)", re.DOTALL)
_SPACES = re.compile(r"\s+")


class UnspeakableText(ValueError):
    """Free text that cannot be spoken as written, with the reason in both languages."""

    def __init__(self, problem: str) -> None:
        zh, en = UNSPEAKABLE_REASONS[problem]
        super().__init__(en)
        self.problem = problem
        self.reason_zh = zh
        self.reason_en = en


UNSPEAKABLE_REASONS: Mapping[str, tuple[str, str]] = {
    "markup": (
        "喊话内容不能包含网页标记（如 <img …>），请只输入要播报的文字",
        "the warning text must not contain markup (such as <img …>): type only the words to be spoken",
    ),
    "control": (
        "喊话内容不能包含控制字符或不可见的格式字符",
        "the warning text must not contain control or invisible formatting characters",
    ),
}


def _unescaped(text: str) -> str:
    """Entities decoded until nothing changes (`&amp;lt;img&amp;gt;` is markup too)."""
    for _ in range(3):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def _is_hidden(ch: str) -> bool:
    """A control (other than whitespace) or an invisible format character (bidi overrides, zero widths)."""
    return unicodedata.category(ch) in {"Cc", "Cf"} and not ch.isspace()


def speech_problem(text: str) -> str | None:
    """Why free text cannot be spoken as written ("markup" or "control"), or None when it can."""
    decoded = _unescaped(text)
    if _MARKUP.search(decoded):
        return "markup"
    if any(_is_hidden(ch) for ch in decoded):
        return "control"
    return None


def speakable(text: str) -> str:
    """The text as it may be spoken: entities decoded, markup removed, control and invisible format
    characters dropped, whitespace collapsed. For text that was never checked (library messages, old rows)."""
    decoded = _unescaped(text)
    while (stripped := _MARKUP.sub(" ", decoded)) != decoded:
        decoded = stripped
    kept = "".join(" " if ch.isspace() else ch for ch in decoded if not _is_hidden(ch))
    return _SPACES.sub(" ", kept).strip()
