"""Video patrol, the pure part: tours of cameras on a schedule, which tours are due, the outcome of each
camera view, and the duty shifts the patrol log is counted in.

* A tour is a round of cameras, each watched for `dwell_s` seconds. It is scheduled by weekly windows
  (`windows`: the round is due once in each window), by an interval (`every_s`: due that long after the last
  round started), or by both (every interval inside the windows); with neither it runs on demand only.
* Due: a round falls due at `due_at`; it is overdue `grace_s` later if nobody has started it by then. A round
  started counts for the window or interval it was started in, finished or not.
* Shifts (the report's "cameras checked per shift"): the fixed day (08:00–20:00) and night (20:00–08:00)
  halves in the district's time zone. A shift belongs to the day it starts, so a night shift is never split
  between two days or two months. Fixed halves rather than the roster's desk seats: seats may overlap or
  change during a month, which would make shifts incomparable from one report to the next; the demo
  roster's two desk seats are exactly these halves.

Times are aware datetimes; local wall times are computed with the district's time zone (a string, as
`District.timezone`). No clock is read here: `now` is always given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from hub.domain.weekly import WeeklyWindow

Window = WeeklyWindow  # a tour's weekly window: the round is due once in each occurrence
SHIFT_DAY_START = time(8, 0)  # the day shift: 08:00–20:00; the night shift: 20:00–08:00 the next morning
SHIFT_HOURS = 12
MAX_NOTE = 2000
MAX_WARNINGS_PER_VIEW = 20


class Outcome(StrEnum):
    """What the person patrolling made of one camera view."""

    CHECKED = "checked"  # looked, all normal
    OBSERVATION = "observation"  # something worth writing down (a note is required)
    WARNING_ISSUED = "warning_issued"  # a loudspeaker warning went out (its warning ids are required)
    INCIDENT_OPENED = "incident_opened"  # an incident was opened or joined (its id is required)


class TourState(StrEnum):
    ON_DEMAND = "on_demand"  # no schedule: run when someone decides to
    NOT_DUE = "not_due"  # done for this window or interval, or outside every window
    DUE = "due"
    OVERDUE = "overdue"  # due for longer than the tour's grace


@dataclass(frozen=True, slots=True)
class Tour:
    id: str
    name: str
    cameras: tuple[str, ...]
    dwell_s: int = 20
    windows: tuple[Window, ...] = ()
    every_s: int | None = None
    grace_s: int = 900
    name_en: str = ""

    @property
    def scheduled(self) -> bool:
        return bool(self.windows) or self.every_s is not None

    @property
    def round_s(self) -> int:
        """How long one round takes at the tour's dwell time."""
        return len(self.cameras) * self.dwell_s


@dataclass(frozen=True, slots=True)
class TourDue:
    state: TourState
    due_at: datetime | None = None  # when the round now due fell due (None: never run, so due since always)
    next_due_at: datetime | None = None  # when the next round falls due (not due now)


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _aware(local: datetime | None, zone: ZoneInfo) -> datetime | None:
    return None if local is None else local.replace(tzinfo=zone)


def _open_window(windows: Sequence[Window], local: datetime) -> tuple[datetime, datetime] | None:
    """The occurrence containing `local` that opened last (windows may overlap)."""
    found = [o for w in windows if (o := w.occurrence(local)) is not None]
    return max(found) if found else None


def _next_opening(windows: Sequence[Window], local: datetime) -> datetime | None:
    found = [o for w in windows if (o := w.next_opening(local)) is not None]
    return min(found) if found else None


def tour_due(tour: Tour, last_started_at: datetime | None, now: datetime, timezone: str) -> TourDue:
    """Whether `tour` is due at `now`, given when its last round started (None: never)."""
    if not tour.scheduled:
        return TourDue(TourState.ON_DEMAND)
    zone = ZoneInfo(timezone)
    grace = timedelta(seconds=tour.grace_s)

    def falls_due(due_at: datetime | None) -> TourDue:
        if due_at is not None and now >= due_at + grace:
            return TourDue(TourState.OVERDUE, due_at)
        return TourDue(TourState.DUE, due_at)

    every = timedelta(seconds=tour.every_s) if tour.every_s is not None else None
    if not tour.windows:  # an interval, around the clock
        assert every is not None
        if last_started_at is None:
            return TourDue(TourState.DUE)
        due_at = last_started_at + every
        return falls_due(due_at) if due_at <= now else TourDue(TourState.NOT_DUE, next_due_at=due_at)

    local = _local(now, zone)
    window = _open_window(tour.windows, local)
    if window is None:
        return TourDue(TourState.NOT_DUE, next_due_at=_aware(_next_opening(tour.windows, local), zone))
    opened, closes = window
    last = _local(last_started_at, zone) if last_started_at is not None else None
    if every is None:  # once per window
        if last is not None and last >= opened:
            return TourDue(TourState.NOT_DUE, next_due_at=_aware(_next_opening(tour.windows, local), zone))
        return falls_due(_aware(opened, zone))
    due_local = last + every if last is not None and last >= opened else opened
    if due_local <= local:
        return falls_due(_aware(due_local, zone))
    if due_local < closes:
        return TourDue(TourState.NOT_DUE, next_due_at=_aware(due_local, zone))
    # Done for this window: the next window (one opening as this one closes counts).
    after = closes - timedelta(microseconds=1)
    return TourDue(TourState.NOT_DUE, next_due_at=_aware(_next_opening(tour.windows, after), zone))


def due_tours(
    tours: Iterable[Tour], last_started: Mapping[str, datetime], now: datetime, timezone: str
) -> list[tuple[Tour, TourDue]]:
    """The tours due or overdue at `now`, overdue first, then the longest due."""
    states = [(tour, tour_due(tour, last_started.get(tour.id), now, timezone)) for tour in tours]
    due = [(t, d) for t, d in states if d.state in (TourState.DUE, TourState.OVERDUE)]
    oldest = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(due, key=lambda td: (td[1].state is not TourState.OVERDUE, td[1].due_at or oldest, td[0].id))


# ---- runs and views ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatrolRun:
    """One round of a tour, as it was when it started (the tour's cameras and dwell may change later)."""

    id: int
    tour_id: str
    tour_name: str
    cameras: tuple[str, ...]
    dwell_s: int
    started_by: str
    started_at: datetime
    shift: str
    finished_at: datetime | None = None
    finished_by: str | None = None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


@dataclass(frozen=True, slots=True)
class PatrolView:
    """One camera viewed during a run, with what the person made of it. Append-only."""

    id: int
    run_id: int
    camera_id: str
    site_id: str
    viewed_at: datetime
    outcome: Outcome
    note: str
    incident_id: int | None
    warning_ids: tuple[int, ...]
    logged_by: str


def view_problem(
    cameras: Sequence[str],
    camera_id: str,
    outcome: Outcome,
    note: str,
    incident_id: int | None,
    warning_ids: Sequence[int],
) -> str | None:
    """Why this view cannot go into the run's log (a message for the person), or None."""
    if camera_id not in cameras:
        return f"camera {camera_id!r} is not on this tour"
    if len(note) > MAX_NOTE:
        return f"note must be at most {MAX_NOTE} characters"
    if len(warning_ids) > MAX_WARNINGS_PER_VIEW:
        return f"at most {MAX_WARNINGS_PER_VIEW} warning ids per view"
    if len(set(warning_ids)) != len(warning_ids):
        return "warning_ids must not repeat"
    match outcome:
        case Outcome.OBSERVATION if not note.strip():
            return "an observation needs a note saying what was seen"
        case Outcome.WARNING_ISSUED if not warning_ids:
            return "warning_issued needs the ids of the warnings sent (warning_ids)"
        case Outcome.INCIDENT_OPENED if incident_id is None:
            return "incident_opened needs the incident's id (incident_id)"
        case Outcome.CHECKED if incident_id is not None or warning_ids:
            return "a plain check refers to no incident or warning; use the outcome that says what was done"
    return None


@dataclass(frozen=True, slots=True)
class RunSummary:
    views: int
    cameras: int
    cameras_viewed: tuple[str, ...]
    cameras_missed: tuple[str, ...]
    by_outcome: dict[str, int]


def summarize(cameras: Sequence[str], views: Iterable[tuple[str, Outcome]]) -> RunSummary:
    """What a round covered: cameras viewed (in tour order) and missed, and the views per outcome."""
    counts = {outcome.value: 0 for outcome in Outcome}
    seen: set[str] = set()
    total = 0
    for camera_id, outcome in views:
        counts[outcome.value] += 1
        seen.add(camera_id)
        total += 1
    return RunSummary(
        views=total,
        cameras=len(cameras),
        cameras_viewed=tuple(c for c in cameras if c in seen),
        cameras_missed=tuple(c for c in cameras if c not in seen),
        by_outcome=counts,
    )


# ---- shifts ------------------------------------------------------------------------------------------


class Half(StrEnum):
    DAY = "day"
    NIGHT = "night"


@dataclass(frozen=True, slots=True, order=True)
class PatrolShift:
    """A duty shift: the day (08:00–20:00) or night (20:00–08:00 the next morning) half starting on `day`."""

    day: date
    half: Half

    @property
    def label(self) -> str:
        return f"{self.day.isoformat()} {self.half.value}"

    def start(self, timezone: str) -> datetime:
        opens = datetime.combine(self.day, SHIFT_DAY_START, ZoneInfo(timezone))
        return opens + timedelta(hours=SHIFT_HOURS) if self.half is Half.NIGHT else opens

    def end(self, timezone: str) -> datetime:
        return self.start(timezone) + timedelta(hours=SHIFT_HOURS)


def shift_of(moment: datetime, timezone: str) -> PatrolShift:
    """The shift `moment` falls in."""
    since = _local(moment, ZoneInfo(timezone)) - timedelta(hours=SHIFT_DAY_START.hour, minutes=SHIFT_DAY_START.minute)
    return PatrolShift(since.date(), Half.DAY if since.hour < SHIFT_HOURS else Half.NIGHT)


def shifts_starting(first_day: date, last_day: date) -> list[PatrolShift]:
    """Every shift starting on the days from `first_day` to `last_day` (inclusive), in order."""
    days = (last_day - first_day).days + 1
    return [PatrolShift(first_day + timedelta(days=n), half) for n in range(max(0, days)) for half in Half]
