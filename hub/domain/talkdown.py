"""Talk-down with a verdict: after a warning has played at a site with cameras, did the person leave?

The hub watches the warned zone for a window after the speaker reports `done`. What it knows of the zone
are the cameras' reports: an intrusion (someone is there) and, an addition to the camera event topic, a
`presence` event each time a zone's occupancy changes (`present` true or false). At the end of the window:
the person left (the zone's last report says nobody is there) and did not come back after the warning →
*deterred by warning*; otherwise (still there, came back, or no camera ever said the zone emptied) → the
warning did not work: the incident is raised, a firmer message plays and the grid's officer is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain.incidents import Priority

# Incidents a warning can talk down: someone in a zone, not a press (a guard who pressed stays with the desk).
TALKED_DOWN_KINDS = frozenset({"intrusion", "loitering", "line_crossing", "crowd"})
# Warnings the hub plays itself after a failed talk-down: no second verdict follows them.
FIRMER_RULE_PREFIX = "talkdown:"


@dataclass(frozen=True, slots=True)
class TalkdownRule:
    """For these site kinds (empty: any) and these hours of the day (local minutes, start < end, or
    spanning midnight when start > end; equal: all day): how long to watch and what to say next."""

    id: str
    window_s: int = 30
    firmer_message_id: str = ""  # played when the person stays; empty: no second message
    languages: tuple[str, ...] = ("zh-CN",)
    auto_close: bool = True  # close a deterred incident by itself (else it stays with the desk, marked)
    site_kinds: frozenset[str] = frozenset()
    start_minute: int = 0
    end_minute: int = 0
    raise_to: Priority = Priority.P1

    def applies(self, site_kind: str, minute_of_day: int) -> bool:
        if self.site_kinds and site_kind not in self.site_kinds:
            return False
        if self.start_minute == self.end_minute:
            return True
        if self.start_minute < self.end_minute:
            return self.start_minute <= minute_of_day < self.end_minute
        return minute_of_day >= self.start_minute or minute_of_day < self.end_minute


def rule_for(rules: Iterable[TalkdownRule], site_kind: str, minute_of_day: int) -> TalkdownRule | None:
    """The first rule that applies to this site kind at this time of day."""
    return next((r for r in rules if r.applies(site_kind, minute_of_day)), None)


@dataclass(frozen=True, slots=True)
class ZoneReport:
    """What a camera said about a zone at `at`: someone is there (an intrusion, `presence` true) or not."""

    at: datetime
    zone: str
    present: bool
    snapshot_id: int | None = None  # the media row of the report's snapshot, if it carried one


@dataclass(frozen=True, slots=True)
class Verdict:
    deterred: bool
    done_at: datetime  # when the warning finished playing
    seconds: int  # the window: "still present 40 s after the warning"
    reason: str  # left, still_present, returned
    before_snapshot: int | None  # the last snapshot showing the person before the warning ended
    after_snapshot: int | None  # the snapshot of the empty zone (deterred) or of the person still there

    @property
    def code(self) -> str:
        return "talkdown_deterred" if self.deterred else "talkdown_failed"


def verdict(reports: Sequence[ZoneReport], zones: frozenset[str], done_at: datetime, window_s: int) -> Verdict:
    """The verdict at the end of the window, from the reports on the warned `zones` (empty: every zone)
    up to then. Deterred only when every zone's last report says it is empty and nobody was reported
    there after the warning finished."""
    end = done_at + timedelta(seconds=window_s)
    seen = sorted((r for r in reports if (not zones or r.zone in zones) and r.at <= end), key=lambda r: r.at)
    last: dict[str, ZoneReport] = {}
    for report in seen:
        last[report.zone] = report
    returned = any(r.present for r in seen if r.at > done_at)
    still = any(r.present for r in last.values())
    before = next((r.snapshot_id for r in reversed(seen) if r.present and r.at <= done_at and r.snapshot_id), None)
    if not last or still or returned:
        after = next((r.snapshot_id for r in reversed(seen) if r.present and r.snapshot_id), None)
        reason = "returned" if returned else "still_present"
        return Verdict(False, done_at, window_s, reason, before, after)
    after = next((r.snapshot_id for r in reversed(seen) if not r.present and r.snapshot_id), None)
    return Verdict(True, done_at, window_s, "left", before, after)
