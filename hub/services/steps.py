"""Guided response (hub.domain.steps): ticking steps, by what the hub sees or by a click, and the check that
resolving with a required step open gives a reason.

Every write takes the incident's site lock first (`incident(lock=True)`, or `lock_sites` before looking up a
site's open incident), like every other writer of the incident; a step keeps its first mark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from hub.domain.district import District
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.steps import SeenAction, Step, open_required, steps_for, ticked_by
from hub.services.clock import utc_now
from hub.services.ports.transaction import Store, Transaction
from hub.services.views import incidents as views


class UnknownStep(LookupError):
    pass


class StepsOpen(Exception):
    """Resolving while required steps are open needs a reason."""

    def __init__(self, steps: list[Step]) -> None:
        super().__init__("required steps are open: " + ", ".join(s.id for s in steps))
        self.steps = steps


def plan_of(district: District, incident: Incident) -> tuple[Step, ...]:
    site = district.sites.get(incident.site_id)
    return steps_for(district.response_steps, incident.kind, site.kind if site else "")


async def tick_seen(
    tx: Transaction, district: District, incident: Incident, action: SeenAction, actor: str, at: datetime
) -> list[str]:
    """Inside a transaction that holds the incident's site lock: mark the steps `action` completes."""
    ids = ticked_by(plan_of(district, incident), action)
    if not ids or incident.id is None or not incident.is_open:
        return []
    marked = await tx.steps.mark_steps(incident.id, ids, at, actor, "", True)
    if marked:
        steps = [s for s in plan_of(district, incident) if s.id in marked]
        await tx.incidents.append_timeline(
            incident.id, [_entry(at, actor, "step_done", incident, steps, ", ".join(marked))]
        )
    return marked


def _entry(
    at: datetime, actor: str, action: str, incident: Incident, steps: Sequence[Step], text: str, **more: str
) -> TimelineEntry:
    """A timeline entry about steps, with their labels as data for the console to word (hub.domain.incidents)."""
    params = {
        "steps": ", ".join(s.id for s in steps),
        "label": "、".join(s.label.get("zh-CN") or s.label.get("en") or s.id for s in steps),
        "label_en": ", ".join(s.label.get("en") or s.label.get("zh-CN") or s.id for s in steps),
        **more,
    }
    return TimelineEntry(at, actor, action, incident.state, incident.state, text, action, params)


async def check_before_resolve(
    tx: Transaction, district: District, incident: Incident, actor: str, at: datetime, reason: str
) -> list[str]:
    """Raise StepsOpen when a required step is open and no reason is given; with a reason, record it on the
    timeline. Returns the open required steps."""
    assert incident.id is not None
    missing = open_required(plan_of(district, incident), await tx.steps.steps_done(incident.id))
    if not missing:
        return []
    if not reason.strip():
        raise StepsOpen(missing)
    ids = [s.id for s in missing]
    text = f"{', '.join(ids)}: {reason}"
    await tx.incidents.append_timeline(
        incident.id, [_entry(at, actor, "steps_skipped", incident, missing, text, reason=reason)]
    )
    return ids


class StepService:
    def __init__(self, store: Store, district: District, clock: Callable[[], datetime] = utc_now) -> None:
        self._store, self._district, self._clock = store, district, clock

    async def complete(self, incident_id: int, step_id: str, actor: str, note: str = "") -> bool:
        """The desk (or the officer) marks a step done; False when it was already done."""
        async with self._store.transaction() as tx:
            incident = await tx.incidents.incident(incident_id, lock=True)
            if incident is None:
                raise UnknownStep(f"no incident {incident_id}")
            if step_id not in {s.id for s in plan_of(self._district, incident)}:
                raise UnknownStep(f"incident {incident_id} has no step {step_id!r}")
            now = self._clock()
            marked = await tx.steps.mark_steps(incident_id, [step_id], now, actor, note, False)
            if marked:
                step = [s for s in plan_of(self._district, incident) if s.id == step_id]
                reason = f"{step_id}: {note}" if note else step_id
                await tx.incidents.append_timeline(
                    incident_id, [_entry(now, actor, "step_done", incident, step, reason, note=note)]
                )
                await tx.audit_log.audit(
                    actor, "incident.step", f"incident:{incident_id}", {"step": step_id, "note": note}
                )
                await tx.changes.announce([incident_id])
            return bool(marked)

    async def seen_at_site(self, site_id: str, action: SeenAction, actor: str) -> list[str]:
        """Something happened at a site (a camera of it watched live): tick its open incident's steps."""
        async with self._store.transaction() as tx:
            await tx.incidents.lock_sites([site_id])
            incident = await tx.incidents.open_incident_of_site(site_id)
            if incident is None or incident.id is None:
                return []
            marked = await tick_seen(tx, self._district, incident, action, actor, self._clock())
            if marked:
                await tx.changes.announce([incident.id])
            return marked

    async def view(self, incident_id: int) -> list[views.Step]:
        """The incident's steps in order, each with its mark (done_at, actor, note, automatic) or none."""
        async with self._store.transaction() as tx:
            incident = await tx.incidents.incident(incident_id, lock=False)
            if incident is None:
                raise UnknownStep(f"no incident {incident_id}")
            done = await tx.steps.steps_done(incident_id)
        return [
            views.Step(
                id=step.id,
                label=step.label,
                required=step.required,
                done_by=step.done_by.value if step.done_by else None,
                role=step.role.value,
                done=views.StepMark(**done[step.id]) if step.id in done else None,
            )
            for step in plan_of(self._district, incident)
        ]
