"""Drawing a history from a seeded random stream: incidents with their clocks, dispatches, warnings,
test presses, outages, patrol rounds; each later addition on a random stream of its own."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from hub.domain.district import District
from hub.domain.incidents import Priority
from hub.domain.steps import steps_for
from simulators.history.model import (
    GenDispatch,
    GenEvent,
    GenIncident,
    GenPatrolRun,
    GenPatrolView,
    GenWarning,
    History,
)

_KINDS = (  # (kind, priority, weight)
    ("panic", 1, 40),
    ("duress", 1, 5),
    ("intrusion", 2, 25),
    ("tamper", 3, 8),
    ("loitering", 3, 7),
    ("device_offline", 3, 15),
)
_DISPOSITIONS = (("genuine", 55), ("false_alarm", 30), ("malicious", 5), ("other", 10))
_FILLER_TYPES = (("camera", "motion"), ("button", "low_battery"), ("camera", "loitering"))


def patrol_rounds(
    district: District,
    start: datetime,
    end: datetime,
    every_h: float = 3.0,
    seed: int = 11,
    skipped: float = 0.2,
    idle: float = 0.12,
) -> list[GenPatrolRun]:
    """Rounds of each of the district's tours about every `every_h` hours over [start, end): a share `skipped` of
    the rounds never happen, a share `idle` of the 12-hour stretches has no round at all (a busy night), and a
    round's camera is now and then left unviewed; most views are `checked`."""
    rng = random.Random(seed)
    runs: list[GenPatrolRun] = []
    staff = ("user:desk-1", "user:desk-2")
    stretches = int((end - start).total_seconds() // 43200) + 1
    quiet = {n for n in range(stretches) if rng.random() < idle}
    for tour in district.patrol_tours:
        at = start + timedelta(minutes=rng.random() * 60)
        while at < end:
            if rng.random() >= skipped and int((at - start).total_seconds() // 43200) not in quiet:
                run = GenPatrolRun(tour.id, tour.cameras, rng.choice(staff), at, None)
                moment = at
                for camera in tour.cameras:
                    moment += timedelta(seconds=tour.dwell_s * (0.6 + rng.random()))
                    if rng.random() < 0.1:
                        continue  # not viewed this round
                    roll = rng.random()
                    outcome = "observation" if roll < 0.08 else "warning_issued" if roll < 0.1 else "checked"
                    run.views.append(GenPatrolView(camera, district.devices[camera].site_id, moment, outcome))
                run.finished_at = moment + timedelta(seconds=5) if rng.random() < 0.95 else None
                runs.append(run)
            at += timedelta(hours=every_h * (0.8 + 0.4 * rng.random()))
    return runs


def _seconds(rng: random.Random, low: float, high: float) -> timedelta:
    """A whole number of milliseconds between low and high seconds, skewed towards low."""
    return timedelta(milliseconds=round((low + (high - low) * rng.random() ** 2) * 1000))


def generate(
    district: District,
    start: datetime,
    end: datetime,
    incidents: int,
    seed: int = 7,
    filler_events: int = 0,
    outages_per_device: float = 1.0,
    open_incidents: bool = True,
) -> History:
    """`incidents` incidents spread over [start, end); test presses, outages and warnings around
    them (some just outside the span, so period bounds are exercised); `filler_events` device
    events no report reads (camera motion, low battery), for realistic table sizes."""
    rng = random.Random(seed)
    history = History()
    sites = list(district.sites.values())
    team = {g.id: [o for o in (g.officer_id, *g.assistant_ids) if o] for g in district.grids.values()}
    everyone = [o.id for o in district.officers.values() if o.role == "officer"] or list(district.officers)
    span = (end - start).total_seconds()
    kinds = [(k, p) for k, p, w in _KINDS for _ in range(w)]
    dispositions = [d for d, w in _DISPOSITIONS for _ in range(w)]
    open_sites: set[str] = set()
    times = sorted(start + timedelta(seconds=rng.random() * span) for _ in range(incidents))
    for number, created in enumerate(times, 1):
        site = rng.choice(sites)
        created = created.replace(microsecond=created.microsecond // 1000 * 1000)
        kind, priority = rng.choice(kinds)
        test = site.test_mode or rng.random() < 0.03
        incident = GenIncident(number, site.id, kind, priority, test, "new", created)
        history.incidents.append(incident)
        if test:
            incident.state = "cancelled"
            incident.cancelled_at = created + _seconds(rng, 10, 300)
            incident.disposition = "test"
            continue
        targets = district.targets[Priority(priority)]
        clock = created
        if rng.random() < 0.94:
            incident.acknowledged_at = created + _seconds(rng, 1, targets.ack_s * 3)
            late = (incident.acknowledged_at - created).total_seconds() / targets.ack_s
            incident.escalation_count = int(late) if priority == 1 else 0
            clock = incident.acknowledged_at
        dispatch_wanted = priority <= 2 or rng.random() < 0.3
        if dispatch_wanted and rng.random() < 0.95:
            offered = created + _seconds(rng, 2, 90)
            incident.dispatched_at = offered
            officers = team.get(site.grid_id) or everyone
            first = rng.choice(officers)
            if rng.random() < 0.15:  # declined or timed out, then the next officer
                answered = offered + (
                    timedelta(seconds=targets.accept_s) if rng.random() < 0.5 else _seconds(rng, 2, 40)
                )
                state = "timed_out" if answered - offered == timedelta(seconds=targets.accept_s) else "declined"
                incident.dispatches.append(GenDispatch(first, state, offered, answered))
                offered = answered
                first = rng.choice([o for o in everyone if o != first] or everyone)
            if rng.random() < 0.93:
                accepted = offered + _seconds(rng, 2, targets.accept_s * 1.6)
                incident.accepted_at = accepted
                incident.accepted_by = first
                clock = max(clock, accepted)
                final = "completed"
                if rng.random() < 0.9:
                    incident.en_route_at = accepted + _seconds(rng, 1, 30)
                    incident.on_scene_at = incident.en_route_at + _seconds(rng, 30, targets.arrival_s * 1.4)
                    clock = incident.on_scene_at
                incident.dispatches.append(GenDispatch(first, final, offered, accepted))
            else:
                incident.dispatches.append(GenDispatch(first, "completed", offered, None))
            arrival_due = created + timedelta(seconds=targets.arrival_s)
            if incident.on_scene_at is None or incident.on_scene_at > arrival_due:
                incident.arrival_overdue_at = arrival_due
        roll = rng.random()
        if open_incidents and roll < 0.03 and site.id not in open_sites:
            open_sites.add(site.id)
            incident.state = (
                "on_scene" if incident.on_scene_at else "acknowledged" if incident.acknowledged_at else "new"
            )
            for d in incident.dispatches:
                if d.state == "completed" and d.answered_at is not None:
                    d.state = "on_scene" if incident.on_scene_at else "accepted"
                elif d.state == "completed":
                    d.state = "offered"
        elif roll < 0.10:
            incident.state = "cancelled"
            incident.cancelled_at = clock + _seconds(rng, 5, 600)
            incident.disposition = "other"
        else:
            incident.state = "resolved"
            incident.resolved_at = clock + _seconds(rng, 30, 1800)
            incident.disposition = rng.choice(dispositions)
        if incident.dispatches and incident.dispatches[-1].answered_at is None and incident.closed_at:
            incident.dispatches[-1].answered_at = incident.closed_at  # completed while still offered

    for site in sites:
        # A drill about once a month: every button pressed, or only some; a few sites never drill.
        buttons = [d for d in district.devices.values() if d.site_id == site.id and d.kind == "button"]
        habit = rng.random()
        if not buttons or habit < 0.15:
            continue
        drill = start + timedelta(seconds=rng.uniform(0, 30 * 86400))
        while drill < end + timedelta(days=5):
            pressed = buttons if habit > 0.4 else rng.sample(buttons, rng.randint(1, len(buttons)))
            for button in pressed:
                at = drill + timedelta(seconds=rng.uniform(0, 900))
                history.events.append(GenEvent(button.id, button.site_id, "button", "test", at, at))
            drill += timedelta(days=rng.uniform(20, 40))
    for device in district.devices.values():
        count = rng.random() * 2 * outages_per_device
        at = start - timedelta(days=3)
        for _ in range(int(count)):
            at = at + timedelta(seconds=rng.uniform(0, span / max(1, count)))
            down = _seconds(rng, 60, 86400 / 2)
            history.events.append(GenEvent(device.id, device.site_id, device.kind, "offline", at, at))
            if rng.random() < 0.92:
                history.events.append(GenEvent(device.id, device.site_id, device.kind, "online", at + down, at + down))
            else:
                break  # still offline
            at = at + down
    speakers = {
        s.id: [d.id for d in district.devices.values() if d.site_id == s.id and d.kind == "speaker"] for s in sites
    }
    for incident in history.incidents:
        if incident.test or not speakers.get(incident.site_id) or rng.random() > 0.3:
            continue
        for _ in range(rng.randint(1, 2)):
            at = incident.created_at + _seconds(rng, 1, 120)
            history.warnings.append(
                GenWarning(
                    incident.site_id,
                    rng.choice(speakers[incident.site_id]),
                    incident.id,
                    "rule" if rng.random() < 0.6 else None,
                    at,
                )
            )
    for _ in range(max(1, incidents // 20)):  # warnings from the desk with no incident
        site = rng.choice(sites)
        if speakers.get(site.id):
            at = start + timedelta(seconds=rng.uniform(-86400, span + 86400))
            history.warnings.append(GenWarning(site.id, speakers[site.id][0], None, None, at))
    devices = list(district.devices.values())
    for _ in range(filler_events):
        device = rng.choice(devices)
        at = start + timedelta(seconds=rng.random() * span)
        kind, type_ = rng.choice(_FILLER_TYPES)
        history.events.append(GenEvent(device.id, device.site_id, device.kind, type_, at, at))
    _add_verifications(history, seed)
    _add_response_steps(history, district, seed)
    _add_talkdowns(history, seed)
    return history


def _add_talkdowns(history: History, seed: int) -> None:
    """Most intrusions are warned and get a verdict; about 60 % of them are deterred. A random stream of its own."""
    rng = random.Random(seed * 15485863 + 5)
    for incident in history.incidents:
        if incident.kind == "intrusion" and rng.random() < 0.8:
            incident.talkdown = "deterred" if rng.random() < 0.6 else "failed"


DESK_SEATS = ("user:zhang", "user:li", "user:wang")


def _add_response_steps(history: History, district: District, seed: int) -> None:
    """Where the district has response steps: a desk seat resolves each resolved incident, having marked some of
    its steps (each seat with its own diligence). A random stream of its own, like the verifications."""
    if not district.response_steps:
        return
    rng = random.Random(seed * 104729 + 3)
    diligence = {seat: 0.5 + 0.2 * n for n, seat in enumerate(DESK_SEATS)}
    for incident in history.incidents:
        if incident.state != "resolved":
            continue
        seat = rng.choice(DESK_SEATS)
        incident.resolved_by = seat
        site = district.sites[incident.site_id]
        plan = steps_for(district.response_steps, incident.kind, site.kind)
        incident.steps_done = tuple(step.id for step in plan if rng.random() < diligence[seat])


def _add_verifications(history: History, seed: int) -> None:
    """Presses (panic, duress) ask for video; most cameras answer within seconds. A random stream of its own,
    so the rest of the history is what it was before verification existed."""
    rng = random.Random(seed * 7919 + 1)
    for incident in history.incidents:
        if incident.kind not in ("panic", "duress") or rng.random() < 0.2:
            continue  # some sites have no camera that answers
        incident.verification_requested = True
        if rng.random() < 0.9:
            incident.verification_s = round(rng.uniform(2.0, 15.0), 3)
