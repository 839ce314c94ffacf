"""Loudspeaker warnings: from the desk, an officer or a rule, to the speakers, confirmed.

A warning is rendered to audio (offline speech, cached), written with its command to the outbox in
one transaction, and resent while the speaker does not answer, until it expires. Every warning and
every ack goes into the incident's timeline and the audit log.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog

from devices.contract import SpeakerAction, SpeakerCommand, Topics, encode
from hub.domain.district import District
from hub.domain.escalation import Timer, TimerKind
from hub.domain.events import DeviceEvent
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.steps import SeenAction
from hub.domain.talkdown import FIRMER_RULE_PREFIX, TalkdownRule
from hub.domain.warnings import (
    FINAL_WARNING_STATES,
    UnspeakableText,
    WarningRule,
    WarningState,
    cooled_down,
    next_state,
    resend_delay_s,
    rules_for,
    speakable,
    speech_problem,
)
from hub.services.clock import utc_now
from hub.services.messages import OutboundMessage
from hub.services.polling import every
from hub.services.ports import Lease, LeaseLost
from hub.services.ports.transaction import Store, Transaction
from hub.services.ports.warnings import StoredWarning
from hub.services.steps import tick_seen
from hub.services.talkdown import watch_rule

log = structlog.get_logger(__name__)


class SpeechAudio(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def duration_s(self) -> float: ...


class Speech(Protocol):
    async def render(self, text: str, lang: str) -> SpeechAudio: ...


class Recordings(Protocol):
    def get(self, message_id: str, lang: str) -> SpeechAudio | None: ...


class UnknownTarget(LookupError):
    pass


@dataclass(frozen=True)
class WarningRequest:
    """What to say, where. Either `message_id` (from the library) or `text` (free text)."""

    speakers: tuple[str, ...]
    lang: str
    message_id: str | None = None
    text: str | None = None
    repeat: int = 1
    priority: int = 7  # a person's warning outranks a rule's (5)
    volume: int = 80
    incident_id: int | None = None
    rule_id: str | None = None
    expires_s: int = 60


# How long the hub waits for an answer after asking a quiet speaker again, before it gives up.
ASK_BEFORE_GIVING_UP_S = 10.0


def _end_due(warning: StoredWarning, now: datetime) -> datetime:
    """When a speaker that reported `playing` (at `playing_at`, else now) must have reported the end."""
    return (warning.playing_at or now) + timedelta(seconds=warning.playing_for_s + 30)


class WarningService:
    def __init__(
        self,
        store: Store,
        district: District,
        topics: Topics,
        speech: Speech,
        audio_url: Callable[[str], str],
        clock: Callable[[], datetime] = utc_now,
        on_outbox: asyncio.Event | None = None,
        recordings: Recordings | None = None,
    ) -> None:
        self._recordings = recordings
        self._store = store
        self._district = district
        self._topics = topics
        self._speech = speech
        self._audio_url = audio_url
        self._clock = clock
        self._outbox_nudge = on_outbox

    def speakers_at(self, site_id: str) -> tuple[str, ...]:
        if site_id not in self._district.sites:
            raise UnknownTarget(f"unknown site {site_id!r}")
        return tuple(self._district.speakers_for(site_id))

    async def warm_up(self) -> None:
        """Render the whole library once at start, so the first warning plays at once."""
        for message in self._district.messages.values():
            for lang, text in message.texts.items():
                try:
                    await self._speech.render(text, lang)
                except Exception as exc:  # speech must never stop the hub from starting
                    log.warning("speech warm-up failed", message=message.id, lang=lang, error=repr(exc))

    async def warn(self, request: WarningRequest, actor: str) -> list[int]:
        """Send the warning to each speaker; return the warning ids."""
        text, audio = await self._prepare(request)
        async with self._store.transaction() as tx:
            ids, outbound = await self._write(tx, request, text, audio, actor, self._clock())
            await tx.outbox.enqueue(outbound)
        if self._outbox_nudge is not None:
            self._outbox_nudge.set()
        log.info(
            "warning sent",
            speakers=list(request.speakers),
            message=request.message_id,
            lang=request.lang,
            actor=actor,
            incident=request.incident_id,
        )
        return ids

    async def _prepare(self, request: WarningRequest) -> tuple[str, SpeechAudio]:
        """What to say and its audio (rendered before any transaction: speech takes a while the first time)."""
        text = self._text_of(request)
        for speaker in request.speakers:
            device = self._district.devices.get(speaker)
            if device is None or device.kind != "speaker":
                raise UnknownTarget(f"unknown speaker {speaker!r}")
        recorded = (
            self._recordings.get(request.message_id, request.lang) if self._recordings and request.message_id else None
        )
        return text, recorded or await self._speech.render(text, request.lang)

    async def _write(
        self, tx: Transaction, request: WarningRequest, text: str, audio: SpeechAudio, actor: str, now: datetime
    ) -> tuple[list[int], list[OutboundMessage]]:
        """The warning rows, their audit and timeline entries in `tx`; returns the ids and the speaker
        commands for the caller to put in the outbox of the same transaction."""
        incident = await tx.incidents.incident(request.incident_id, lock=False) if request.incident_id else None
        if request.incident_id and incident is None:
            raise UnknownTarget(f"no incident {request.incident_id}")
        ids: list[int] = []
        outbound = []
        for speaker in request.speakers:
            site_id = self._district.devices[speaker].site_id
            command_id = uuid.uuid4().hex
            expires_at = now + timedelta(seconds=request.expires_s)
            command = SpeakerCommand(
                command_id=command_id,
                action=SpeakerAction.PLAY,
                audio_url=self._audio_url(audio.key),
                text=text,
                lang=request.lang,
                repeat=request.repeat,
                volume=request.volume,
                priority=request.priority,
                expires_at=expires_at,
            )
            payload = encode(command)
            warning_id = await tx.warnings.add_warning(
                {
                    "command_id": command_id,
                    "speaker_id": speaker,
                    "site_id": site_id,
                    "incident_id": request.incident_id,
                    "rule_id": request.rule_id,
                    "message_id": request.message_id,
                    "text": text,
                    "lang": request.lang,
                    "audio_key": audio.key,
                    "audio_url": command.audio_url,
                    "duration_s": audio.duration_s,
                    "repeat": request.repeat,
                    "volume": request.volume,
                    "priority": request.priority,
                    "expires_at": expires_at,
                    "state": WarningState.SENT.value,
                    "next_resend_at": now + timedelta(seconds=resend_delay_s(1)),
                    "created_by": actor,
                    "created_at": now,
                    "command": payload,
                }
            )
            ids.append(warning_id)
            outbound.append(OutboundMessage(self._topics.speaker_command(site_id, speaker), payload))
            await tx.audit_log.audit(
                actor,
                "warning.send",
                f"speaker:{speaker}",
                {
                    "warning_id": warning_id,
                    "message_id": request.message_id,
                    "text": text,
                    "lang": request.lang,
                    "incident_id": request.incident_id,
                    "rule_id": request.rule_id,
                },
            )
            if incident is not None and incident.id is not None:
                reason = f"{speaker}: {request.message_id or 'free text'} ({request.lang}) ×{request.repeat}"
                params: dict[str, str | int] = {
                    "warning": warning_id,
                    "speaker": speaker,
                    "message": request.message_id or "",
                    "lang": request.lang,
                    "repeat": request.repeat,
                }
                entry = TimelineEntry(
                    now, actor, "warning", incident.state, incident.state, reason, "warning_sent", params
                )
                await tx.incidents.append_timeline(incident.id, [entry])
        await tx.changes.announce_warnings(ids)
        if incident is not None and incident.id is not None:
            await tx.changes.announce([incident.id])
        return ids, outbound

    def _text_of(self, request: WarningRequest) -> str:
        """What the speakers will say: free text refused with the reason when it holds markup or control
        characters, a library message cleaned the same way (a district file is not trusted to be plain)."""
        if request.text:
            problem = speech_problem(request.text)
            if problem is not None:
                raise UnspeakableText(problem)
            return speakable(request.text)
        message = self._district.messages.get(request.message_id or "")
        if message is None:
            raise UnknownTarget(f"unknown message {request.message_id!r}")
        if request.lang not in message.languages:
            raise UnknownTarget(f"message {message.id!r} has no text or recording in {request.lang}")
        return speakable(message.texts.get(request.lang, f"[{message.id}]"))

    # --- rules --------------------------------------------------------------------------------------
    async def on_events(self, events: Sequence[DeviceEvent], incidents: dict[str, int]) -> int:
        """Warn by rule for newly stored events (intrusion in a zone, a panic at a bank door, …)."""
        sent = 0
        now = self._clock()
        for event in events:
            for rule in rules_for(self._district.warning_rules, event):
                speakers = []
                for speaker in self._district.speakers_for(event.site_id, event.device_id):
                    async with self._store.transaction() as tx:
                        last = await tx.warnings.last_rule_warning(rule.id, speaker)
                    if cooled_down(rule, last, now):
                        speakers.append(speaker)
                if speakers:
                    sent += await self._warn_by_rule(rule, tuple(speakers), incidents.get(event.site_id))
        return sent

    async def queue_firmer(
        self, tx: Transaction, incident: Incident, rule: TalkdownRule, now: datetime
    ) -> list[OutboundMessage]:
        """After a failed talk-down, inside the verdict's own transaction: the rule's firmer message for every
        speaker of the site, above a rule's priority, its commands returned for that transaction's outbox
        (so the verdict, the dispatch and the message commit or roll back together, and no connection but
        the verdict's is used). It gets no verdict of its own (its rule id says it came from the talk-down).
        The audio is the library's, rendered at start (warm_up), so this does not wait for speech."""
        if not rule.firmer_message_id or incident.id is None:
            return []
        firmer = WarningRule(
            f"{FIRMER_RULE_PREFIX}{rule.id}", "talkdown", rule.firmer_message_id, rule.languages, repeat=2, priority=8
        )
        speakers = tuple(self._district.speakers_for(incident.site_id))
        outbound: list[OutboundMessage] = []
        for request in self._rule_requests(firmer, speakers, incident.id):
            try:
                text, audio = await self._prepare(request)
            except Exception as exc:  # the verdict and the dispatch stand without the second message
                log.error("firmer warning not possible", incident=incident.id, rule=rule.id, error=repr(exc))
                continue
            outbound += (await self._write(tx, request, text, audio, f"rule:{firmer.id}", now))[1]
        return outbound

    @staticmethod
    def _rule_requests(rule: WarningRule, speakers: tuple[str, ...], incident_id: int | None) -> list[WarningRequest]:
        return [
            WarningRequest(
                speakers,
                lang,
                message_id=rule.message_id,
                repeat=rule.repeat,
                priority=rule.priority,
                incident_id=incident_id,
                rule_id=rule.id,
            )
            for lang in rule.languages
        ]

    async def _warn_by_rule(self, rule: WarningRule, speakers: tuple[str, ...], incident_id: int | None) -> int:
        sent = 0
        for request in self._rule_requests(rule, speakers, incident_id):
            try:
                sent += len(await self.warn(request, f"rule:{rule.id}"))
            except Exception as exc:  # a rule's warning must never hold up the alarm that caused it
                log.error("warning rule failed", rule=rule.id, error=repr(exc))
        return sent

    # --- acks ---------------------------------------------------------------------------------------
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
