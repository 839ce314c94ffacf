"""Video patrol: the duty desk runs tours of cameras, logs what each view showed, and opens an incident by
hand when a view calls for one.

Each command is one transaction and one audit row: start a round, log a view (checked, an observation, a
warning issued with its warning ids, an incident opened with its id), finish the round. A manual incident
(`open_incident`) is written through the transaction's incident ports: it joins the site's open incident if there
is one (one open incident per site), otherwise opens a new one with its response timers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from hub.domain.district import District
from hub.domain.incidents import Incident, IncidentState, Priority, TimelineEntry
from hub.domain.patrol import (
    Outcome,
    PatrolRun,
    PatrolView,
    RunSummary,
    Tour,
    TourDue,
    shift_of,
    summarize,
    tour_due,
    view_problem,
)
from hub.services.clock import utc_now
from hub.services.lifecycle import timers_for_new_incident
from hub.services.ports.transaction import Store

log = structlog.get_logger(__name__)

KIND = re.compile(r"[a-z][a-z0-9_]{0,31}")
MANUAL_KIND = "patrol_observation"
# A round nobody finished is taken as abandoned (a closed browser) this long after it would have ended.
ABANDONED_AFTER = timedelta(minutes=30)


class PatrolStore(Store, Protocol):
    """Transactions (the runs are `tx.patrol`), and the patrol log's reads."""

    async def latest_runs(self) -> dict[str, PatrolRun]:
        """The latest round started of each tour, by tour id."""
        ...

    async def open_runs(self, since: datetime) -> list[PatrolRun]:
        """Rounds started since `since` and not finished."""
        ...

    async def view_counts(self, run_ids: Sequence[int]) -> dict[int, int]: ...

    async def log(
        self, start: datetime | None, end: datetime | None, camera_id: str | None, limit: int
    ) -> list[tuple[PatrolView, PatrolRun]]:
        """Views newest first, with their runs."""
        ...


class NotFound(LookupError):
    pass


class Invalid(ValueError):
    """A request that names things that do not fit together (a camera not on the tour, a warning played
    elsewhere...): the message says what."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class RunFinished(RuntimeError):
    pass


@dataclass(frozen=True)
class ViewRequest:
    camera_id: str
    outcome: Outcome
    note: str = ""
    incident_id: int | None = None
    warning_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ManualIncident:
    site_id: str
    kind: str = MANUAL_KIND
    priority: int = 3
    note: str = ""


@dataclass(frozen=True)
class TourOverview:
    tour: Tour
    due: TourDue
    last_run: PatrolRun | None
    open_runs: list[PatrolRun] = field(default_factory=list)


class PatrolService:
    def __init__(self, store: PatrolStore, district: District, clock: Callable[[], datetime] = utc_now) -> None:
        self._store = store
        self._district = district
        self._clock = clock
        self._tours = {t.id: t for t in district.patrol_tours}

    @property
    def district(self) -> District:
        return self._district

    def tour(self, tour_id: str) -> Tour:
        tour = self._tours.get(tour_id)
        if tour is None:
            raise NotFound(f"no patrol tour {tour_id!r}")
        return tour

    # --- reads ----------------------------------------------------------------------------------------
    async def tours(self) -> list[TourOverview]:
        """Every tour with whether it is due, its latest round and the rounds under way."""
        now = self._clock()
        latest = await self._store.latest_runs()
        under_way = await self._store.open_runs(now - ABANDONED_AFTER - self._longest_round())
        overviews = []
        for tour in self._tours.values():
            last = latest.get(tour.id)
            running = [
                r
                for r in under_way
                if r.tour_id == tour.id
                and r.started_at + timedelta(seconds=r.dwell_s * len(r.cameras)) + ABANDONED_AFTER > now
            ]
            due = tour_due(tour, last.started_at if last else None, now, self._district.timezone)
            overviews.append(TourOverview(tour, due, last, running))
        return overviews

    def _longest_round(self) -> timedelta:
        return timedelta(seconds=max((t.round_s for t in self._tours.values()), default=0))

    async def view_counts(self, run_ids: Sequence[int]) -> dict[int, int]:
        return await self._store.view_counts(run_ids)

    async def log(
        self, start: datetime | None, end: datetime | None, camera_id: str | None, limit: int
    ) -> list[tuple[PatrolView, PatrolRun]]:
        return await self._store.log(start, end, camera_id, limit)

    # --- a round --------------------------------------------------------------------------------------
    async def start_run(self, tour_id: str, actor: str) -> PatrolRun:
        tour = self.tour(tour_id)
        now = self._clock()
        async with self._store.transaction() as tx:
            run = await tx.patrol.add_run(
                {
                    "tour_id": tour.id,
                    "tour_name": tour.name,
                    "cameras": list(tour.cameras),
                    "dwell_s": tour.dwell_s,
                    "started_by": actor,
                    "started_at": now,
                    "shift": shift_of(now, self._district.timezone).label,
                }
            )
            await tx.audit_log.audit(actor, "patrol.start", f"patrol_run:{run.id}", {"tour_id": tour.id})
        log.info("patrol round started", run=run.id, tour=tour.id, actor=actor)
        return run

    async def log_view(self, run_id: int, view: ViewRequest, actor: str) -> PatrolView:
        now = self._clock()
        async with self._store.transaction() as tx:
            run = await tx.patrol.run(run_id, lock=True)
            if run is None:
                raise NotFound(f"no patrol run {run_id}")
            if run.finished:
                raise RunFinished(f"patrol run {run_id} is finished")
            problem = view_problem(
                run.cameras, view.camera_id, view.outcome, view.note, view.incident_id, view.warning_ids
            )
            if problem is not None:
                raise Invalid("invalid_view", problem)
            camera = self._district.devices.get(view.camera_id)
            if camera is None:  # on the tour when the round started, since removed from the district
                raise Invalid("invalid_view", f"camera {view.camera_id!r} is no longer in the district")
            if view.incident_id is not None:
                incident = await tx.incidents.incident(view.incident_id, lock=False)
                if incident is None:
                    raise Invalid("unknown_incident", f"no incident {view.incident_id}")
                if incident.site_id != camera.site_id:
                    raise Invalid("incident_elsewhere", f"incident {view.incident_id} is not at this camera's site")
            if view.warning_ids:
                sites = await tx.patrol.warning_sites(view.warning_ids)
                for warning_id in view.warning_ids:
                    if warning_id not in sites:
                        raise Invalid("unknown_warning", f"no warning {warning_id}")
                    if sites[warning_id] != camera.site_id:
                        raise Invalid("warning_elsewhere", f"warning {warning_id} did not play at this camera's site")
            saved = await tx.patrol.add_view(
                {
                    "run_id": run.id,
                    "camera_id": view.camera_id,
                    "site_id": camera.site_id,
                    "viewed_at": now,
                    "outcome": view.outcome.value,
                    "note": view.note,
                    "incident_id": view.incident_id,
                    "warning_ids": list(view.warning_ids),
                    "logged_by": actor,
                }
            )
            await tx.audit_log.audit(
                actor,
                "patrol.view",
                f"camera:{view.camera_id}",
                {
                    "run_id": run.id,
                    "view_id": saved.id,
                    "outcome": view.outcome.value,
                    "note": view.note,
                    "incident_id": view.incident_id,
                    "warning_ids": list(view.warning_ids),
                },
            )
        log.info("patrol view logged", run=run_id, camera=view.camera_id, outcome=view.outcome.value, actor=actor)
        return saved

    async def finish_run(self, run_id: int, actor: str) -> tuple[PatrolRun, RunSummary]:
        """Finish a round (finishing one already finished changes nothing) and say what it covered."""
        now = self._clock()
        async with self._store.transaction() as tx:
            run = await tx.patrol.run(run_id, lock=True)
            if run is None:
                raise NotFound(f"no patrol run {run_id}")
            views = await tx.patrol.views_of(run_id)
            summary = summarize(run.cameras, [(v.camera_id, v.outcome) for v in views])
            if not run.finished:
                run = await tx.patrol.finish_run(run_id, max(now, run.started_at), actor)
                await tx.audit_log.audit(
                    actor,
                    "patrol.finish",
                    f"patrol_run:{run_id}",
                    {"tour_id": run.tour_id, "views": summary.views, "cameras_missed": list(summary.cameras_missed)},
                )
                log.info("patrol round finished", run=run_id, views=summary.views, missed=len(summary.cameras_missed))
        return run, summary

    # --- manual incidents -----------------------------------------------------------------------------
    async def open_incident(self, request: ManualIncident, actor: str) -> tuple[Incident, bool]:
        """Open an incident at a site by hand (what a patrol view showed); join the site's open incident if it
        has one. Returns the incident and whether it was opened now."""
        site = self._district.sites.get(request.site_id)
        if site is None:
            raise NotFound(f"unknown site {request.site_id!r}")
        if not KIND.fullmatch(request.kind):
            raise Invalid(
                "invalid_parameter", "kind must be lower-case letters, digits and _ (e.g. patrol_observation)"
            )
        priority = Priority(request.priority)
        now = self._clock()
        reason = request.note.strip() or request.kind
        async with self._store.transaction() as tx:
            current = (await tx.incidents.lock_open_incidents([site.id])).get(site.id)
            if current is not None and current.id is not None:
                incident_id = current.id
                noted = {"kind": request.kind, "note": reason}
                entries = [
                    TimelineEntry(
                        now,
                        actor,
                        "note",
                        current.state,
                        current.state,
                        f"{request.kind}: {reason}",
                        "patrol_note",
                        noted,
                    )
                ]
                if priority < current.priority:  # what the desk saw is more urgent than what is open
                    raised = f"{request.kind} raised P{current.priority.value} to P{priority.value}"
                    change: dict[str, str | int] = {
                        "event": request.kind,
                        "from": current.priority.value,
                        "to": priority.value,
                    }
                    current = await tx.incidents.save_incident(replace(current, priority=priority))
                    entries.append(
                        TimelineEntry(
                            now,
                            actor,
                            "priority_raised",
                            current.state,
                            current.state,
                            raised,
                            "priority_raised",
                            change,
                        )
                    )
                await tx.incidents.append_timeline(incident_id, entries)
                await tx.audit_log.audit(
                    actor, "incident.join", f"incident:{incident_id}", {"kind": request.kind, "note": request.note}
                )
                await tx.changes.announce([incident_id])
                return current, False
            # Opened by the person who saw it: acknowledged by them at once, never ringing at the desk.
            incident = await tx.incidents.save_incident(
                Incident(
                    id=None,
                    site_id=site.id,
                    kind=request.kind,
                    priority=priority,
                    state=IncidentState.ACKNOWLEDGED,
                    acknowledged_at=now,
                    created_at=now,
                    last_event_at=now,
                    event_count=0,  # opened by a person: no device event
                    test=site.test_mode,
                )
            )
            assert incident.id is not None
            opened = {"kind": request.kind, "note": request.note.strip()}
            await tx.incidents.append_timeline(
                incident.id,
                [
                    TimelineEntry(now, actor, "opened", None, IncidentState.NEW, reason, "opened_by_person", opened),
                    TimelineEntry(now, actor, "acknowledge", IncidentState.NEW, incident.state),
                ],
            )
            await tx.timers.schedule_timers(timers_for_new_incident(incident, self._district, now))
            await tx.audit_log.audit(
                actor,
                "incident.open",
                f"incident:{incident.id}",
                {"site_id": site.id, "kind": request.kind, "priority": int(priority), "note": request.note},
            )
            await tx.changes.announce([incident.id])
        log.info("incident opened by hand", incident=incident.id, site=site.id, kind=request.kind, actor=actor)
        return incident, True
