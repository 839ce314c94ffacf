"""Loudspeaker warnings: the message library, the rules that warn by themselves, and the life of one
warning on one speaker (sent → received → playing → done, or failed, or expired)."""

from __future__ import annotations

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
