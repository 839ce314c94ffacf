"""Speakers' answers to warnings, and the resend and expiry round the leader runs.

A speaker acks a warning's command as it receives, starts and finishes playing it; each answer moves the
warning's state (hub.domain.warnings), goes into the audit log and the incident's timeline, and a warning
that played ticks the incident's "warn on site" step and starts the talk-down watch. A warning whose
speaker stays quiet is resent (the same command) until it expires, then given up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from devices.contract import Topics
from hub.domain.district import District
from hub.domain.escalation import Timer, TimerKind
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.steps import SeenAction
from hub.domain.talkdown import FIRMER_RULE_PREFIX
from hub.domain.warnings import FINAL_WARNING_STATES, WarningState, next_state, resend_delay_s
from hub.services.messages import OutboundMessage
from hub.services.polling import every
from hub.services.ports import Lease, LeaseLost
from hub.services.ports.transaction import Store, Transaction
from hub.services.ports.warnings import StoredWarning
from hub.services.steps import tick_seen
from hub.services.talkdown import watch_rule

log = structlog.get_logger(__name__)

# How long the hub waits for an answer after asking a quiet speaker again, before it gives up.
ASK_BEFORE_GIVING_UP_S = 10.0


def _end_due(warning: StoredWarning, now: datetime) -> datetime:
    """When a speaker that reported `playing` (at `playing_at`, else now) must have reported the end."""
    return (warning.playing_at or now) + timedelta(seconds=warning.playing_for_s + 30)


@dataclass(frozen=True, slots=True)
class WarningAcks:
    """The warning service's answers and resend round (WarningService delegates to it)."""

    _store: Store
    _district: District
    _topics: Topics
    _clock: Callable[[], datetime]
    _outbox_nudge: asyncio.Event | None = None

    async def acknowledge(
        self, speaker_id: str, command_id: str, reported: WarningState, reported_at: datetime, error: str = ""
    ) -> bool:
        """A speaker's ack. False: no such command for this speaker (dead-lettered by the caller)."""
        now = self._clock()
        async with self._store.transaction() as tx:
            warning = await tx.warnings.warning_by_command(command_id)
            if warning is None or warning.speaker_id != speaker_id:
                return False
            await tx.warnings.add_warning_ack(warning.id, reported.value, reported_at, now, error)
            state = next_state(warning.state, reported)
            if state is None:
                return True
            await tx.warnings.set_warning_state(warning.id, state, now, error, self._watch_until(warning, state, now))
            await tx.changes.announce_warnings([warning.id])
            await self._note(tx, warning, state, now, f"speaker:{speaker_id}", error)
        log.info("warning ack", speaker=speaker_id, command=command_id, state=state.value, error=error or None)
        return True

    @staticmethod
    def _watch_until(warning: StoredWarning, state: WarningState, now: datetime) -> datetime | None:
        """When to look at the warning again: a speaker that took it must start before it expires,
        and one that started must report the end within the playing time (plus a margin)."""
        if state in FINAL_WARNING_STATES:
            return None
        if state is WarningState.PLAYING:
            return _end_due(warning, now)
        return warning.expires_at

    async def _note(
        self, tx: Transaction, warning: StoredWarning, state: WarningState, now: datetime, actor: str, error: str
    ) -> None:
        await tx.audit_log.audit(
            actor, f"warning.{state.value}", f"speaker:{warning.speaker_id}", {"warning_id": warning.id, "error": error}
        )
        if warning.incident_id is None:
            return
        played = state is WarningState.DONE  # ticks the incident's "warn on site" step: a write, under the site lock
        incident = await tx.incidents.incident(warning.incident_id, lock=played)
        if incident is None:
            return
        reason = f"{warning.speaker_id}: {state.value}" + (f" ({error})" if error else "")
        params: dict[str, str | int] = {
            "speaker": warning.speaker_id,
            "state": state.value,
            "error": error,
            "warning": warning.id,
        }
        entry = TimelineEntry(
            now, actor, f"warning_{state.value}", incident.state, incident.state, reason, "warning_state", params
        )
        await tx.incidents.append_timeline(warning.incident_id, [entry])
        if played:
            await tick_seen(tx, self._district, incident, SeenAction.WARNING, actor, now)
            await self._watch_after(tx, warning, incident, now)
        await tx.changes.announce([warning.incident_id])

    async def _watch_after(self, tx: Transaction, warning: StoredWarning, incident: Incident, now: datetime) -> None:
        """A warning has played about someone in a zone: watch it for the talk-down rule's window
        (hub.domain.talkdown; the verdict is a lifecycle timer). The last speaker to finish sets the window."""
        if warning.rule_id and warning.rule_id.startswith(FIRMER_RULE_PREFIX):
            return  # the firmer message after a failed talk-down gets no second verdict
        rule = watch_rule(self._district, incident, now)
        if rule is None or incident.id is None:
            return
        due = now + timedelta(seconds=rule.window_s)
        await tx.timers.cancel_timers(incident.id, [TimerKind.TALKDOWN])
        await tx.timers.schedule_timers([Timer(TimerKind.TALKDOWN, incident.id, due)])
        params: dict[str, str | int] = {"rule": rule.id, "seconds": rule.window_s}
        entry = TimelineEntry(
            now,
            "system",
            "talkdown_watch",
            incident.state,
            incident.state,
            f"watching the zone for {rule.window_s} s after the warning",
            "talkdown_watch",
            params,
        )
        await tx.incidents.append_timeline(incident.id, [entry])
        log.info("talk-down watch", incident=incident.id, rule=rule.id, window_s=rule.window_s)

    # --- resend and expiry (leader) -----------------------------------------------------------------
    async def resend_due(self, lease: Lease | None = None, limit: int = 100) -> int:
        now = self._clock()
        handled = 0
        async with self._store.transaction() as tx:
            if lease is not None:
                await tx.lease.hold_lease(lease)
            for warning in await tx.warnings.due_warnings(now, limit):
                handled += 1
                # A speaker that took the command but went quiet may have acked and lost the ack with
                # the broker: ask once (the same command; the speaker answers a repeat with where it
                # stands, never plays it twice) and give up only if that gets no answer either.
                if warning.state is WarningState.PLAYING:
                    asked_until = _end_due(warning, now) + timedelta(seconds=ASK_BEFORE_GIVING_UP_S)
                    if warning.playing_at is not None and now < asked_until:
                        await self._resend(tx, warning, asked_until)
                    else:
                        await self._give_up(tx, warning, WarningState.FAILED, now, "the speaker never reported the end")
                elif now >= warning.expires_at:
                    asked_until = warning.expires_at + timedelta(seconds=ASK_BEFORE_GIVING_UP_S)
                    if warning.state is WarningState.RECEIVED and now < asked_until:
                        await self._resend(tx, warning, asked_until)
                    else:
                        await self._give_up(tx, warning, WarningState.EXPIRED, now, "not played before it expired")
                elif warning.state is WarningState.SENT:
                    attempts = warning.attempts + 1
                    await self._resend(tx, warning, now + timedelta(seconds=resend_delay_s(attempts)))
                else:  # received: it must start playing before it expires
                    await tx.warnings.resent(warning.id, warning.attempts, warning.expires_at)
        if handled and self._outbox_nudge is not None:
            self._outbox_nudge.set()
        return handled

    async def _resend(self, tx: Transaction, warning: StoredWarning, look_again_at: datetime) -> None:
        # Same command id: a speaker that got it already just acks again with its latest state.
        attempts = warning.attempts + 1
        topic = self._topics.speaker_command(warning.site_id, warning.speaker_id)
        await tx.outbox.enqueue([OutboundMessage(topic, warning.command)])
        await tx.warnings.resent(warning.id, attempts, look_again_at)
        log.info(
            "warning resent",
            speaker=warning.speaker_id,
            command=warning.command_id,
            attempt=attempts,
            state=warning.state.value,
        )

    async def _give_up(
        self, tx: Transaction, warning: StoredWarning, state: WarningState, now: datetime, why: str
    ) -> None:
        await tx.warnings.set_warning_state(warning.id, state, now, why, None)
        await tx.changes.announce_warnings([warning.id])
        await self._note(tx, warning, state, now, "system", why)
        log.warning(
            "warning gave up", speaker=warning.speaker_id, command=warning.command_id, state=state.value, why=why
        )

    async def run(self, lease: Lease | None = None, interval_s: float = 0.5) -> None:
        await every(
            interval_s, lambda: self.resend_due(lease), "warning resend round failed; will retry", stop_on=(LeaseLost,)
        )
