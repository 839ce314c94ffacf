"""Loudspeaker warnings: from the desk, an officer or a rule, to the speakers, confirmed.

A warning is rendered to audio (offline speech, cached), written with its command to the outbox in
one transaction, and resent while the speaker does not answer, until it expires (the answers and the
resend round: hub.services.warning_acks). Every warning and every ack goes into the incident's timeline
and the audit log. A failed talk-down's firmer message is written here too (queue_firmer).
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
from hub.domain.events import DeviceEvent
from hub.domain.incidents import Incident, TimelineEntry
from hub.domain.talkdown import FIRMER_RULE_PREFIX, TalkdownRule
from hub.domain.warnings import (
    UnspeakableText,
    WarningRule,
    WarningState,
    cooled_down,
    resend_delay_s,
    rules_for,
    speakable,
    speech_problem,
)
from hub.services.clock import utc_now
from hub.services.messages import OutboundMessage
from hub.services.ports import Lease
from hub.services.ports.transaction import Store, Transaction
from hub.services.warning_acks import WarningAcks

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
        self._acks = WarningAcks(store, district, topics, clock, on_outbox)

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

    # --- acks, resend and expiry: hub.services.warning_acks -----------------------------------------
    async def acknowledge(
        self, speaker_id: str, command_id: str, reported: WarningState, reported_at: datetime, error: str = ""
    ) -> bool:
        """A speaker's ack. False: no such command for this speaker (dead-lettered by the caller)."""
        return await self._acks.acknowledge(speaker_id, command_id, reported, reported_at, error)

    async def resend_due(self, lease: Lease | None = None, limit: int = 100) -> int:
        return await self._acks.resend_due(lease, limit)

    async def run(self, lease: Lease | None = None, interval_s: float = 0.5) -> None:
        await self._acks.run(lease, interval_s)
