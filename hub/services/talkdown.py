"""Talk-down with a verdict (hub.domain.talkdown): which rule watches a warned incident, and the verdict
when its window ends (a lifecycle timer, fired by the leader under its lease, in the lifecycle unit that
holds the incident's site lock).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import structlog

from hub.domain.district import District
from hub.domain.escalation import Timer, TimerKind, ack_deadline
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.lifecycle import Action, Disposition, Transition
from hub.domain.talkdown import TALKED_DOWN_KINDS, TalkdownRule, Verdict, rule_for, verdict

if TYPE_CHECKING:  # the lifecycle service's unit of work runs the verdict
    from hub.services.dispatching import DispatchingUnit

log = structlog.get_logger(__name__)


def _minute_of_day(district: District, at: datetime) -> int:
    local = at.astimezone(ZoneInfo(district.timezone))
    return local.hour * 60 + local.minute


def watch_rule(district: District, incident: Incident, at: datetime) -> TalkdownRule | None:
    """The rule that watches `incident` after a warning finished at `at`: someone in a zone (not a press),
    at a site with a camera, and a rule for the site's kind at this hour."""
    site = district.sites.get(incident.site_id)
    if site is None or incident.kind not in TALKED_DOWN_KINDS or not incident.is_open:
        return None
    if not any(d.kind == "camera" for d in district.devices_at(site.id)):
        return None
    return rule_for(district.talkdown_rules, site.kind, _minute_of_day(district, at))


def _rule_ending_at(district: District, incident: Incident, due: datetime) -> TalkdownRule | None:
    """The rule whose window, started when the warning finished, ends at `due`."""
    site = district.sites.get(incident.site_id)
    kind = site.kind if site else ""
    for rule in district.talkdown_rules:
        if rule.applies(kind, _minute_of_day(district, due - timedelta(seconds=rule.window_s))):
            return rule
    return None


async def give_verdict(
    unit: DispatchingUnit, incident: Incident, due: datetime
) -> tuple[Incident, TalkdownRule] | None:
    """At the end of the window: close the incident as deterred, or raise it and send the grid's officer.
    Returns the incident and rule when the talk-down failed (the caller queues the firmer message in this unit)."""
    assert incident.id is not None
    rule = _rule_ending_at(unit.district, incident, due)
    if rule is None:
        return None
    done_at = due - timedelta(seconds=rule.window_s)
    reports = await unit.tx.events.zone_reports(incident.site_id, incident.created_at - timedelta(seconds=60))
    zones = frozenset(r.zone for r in reports if r.present and r.zone and r.at <= done_at)
    found = verdict(reports, zones, done_at, rule.window_s)
    entry = _entry(unit.now, incident, found, rule)
    detail: dict[str, Any] = {**entry.params, "verdict": found.code}
    log.info("talk-down verdict", incident=incident.id, verdict=found.code, reason=found.reason)
    if found.deterred:
        await unit.note(incident, entry)
        if rule.auto_close:
            note = "离开 — 喊话劝离 / left after the warning"
            await unit.close(incident, Action.RESOLVE, "system", Disposition.DETERRED, note)
        await unit.audit("system", "incident.talkdown_deterred", incident.id, detail)
        return None
    raised = replace(incident, priority=min(incident.priority, rule.raise_to))
    current = await unit.transition(Transition(raised, entry))
    if current.acknowledged_at is None and not current.test:
        # Now the desk's: the unacknowledged-escalation clock starts again from the verdict, at the raised
        # priority (it was held while the zone was watched: LifecycleService._hold_escalation).
        await unit.tx.timers.cancel_timers(incident.id, [TimerKind.ACK])
        targets = unit.district.targets[current.priority]
        await unit.tx.timers.schedule_timers([Timer(TimerKind.ACK, incident.id, ack_deadline(unit.now, targets))])
    await unit.audit("system", "incident.talkdown_failed", incident.id, detail)
    if not current.test and not any(d.is_active for d in await unit.tx.dispatches.dispatches_of(incident.id)):
        await unit.send_officer(current, None, "system", by_person=False)
    return unit.result, rule


def _entry(now: datetime, incident: Incident, found: Verdict, rule: TalkdownRule) -> TimelineEntry:
    params: dict[str, str | int] = {"seconds": found.seconds, "reason": found.reason, "rule": rule.id}
    if found.before_snapshot is not None:
        params["before"] = found.before_snapshot
    if found.after_snapshot is not None:
        params["after"] = found.after_snapshot
    if found.deterred:
        text = f"left after the warning and did not return within {found.seconds} s"
    else:
        came_back = " (came back)" if found.reason == "returned" else ""
        text = f"still present {found.seconds} s after the warning{came_back}"
        params |= {"from": int(incident.priority), "to": int(min(incident.priority, rule.raise_to))}
    return TimelineEntry(now, "system", found.code, incident.state, incident.state, text, found.code, params)
