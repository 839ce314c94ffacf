"""A spoken warning as the read side gives it (the warning list, an incident's detail, the live stream)."""

from __future__ import annotations

from typing import Literal

from hub.services.views.base import DateTime, Id, View

WarningStateName = Literal["sent", "received", "playing", "done", "failed", "expired"]


class SpeakerWarning(View):
    """A spoken warning sent to one loudspeaker, with the speaker's latest answer."""

    id: Id
    command_id: str
    speaker_id: str
    site_id: str
    incident_id: int | None
    rule_id: str | None
    message_id: str | None
    text: str
    lang: str
    audio_url: str
    duration_s: float
    repeat: int
    volume: int
    priority: int
    expires_at: DateTime
    state: WarningStateName
    error: str
    attempts: int
    created_by: str
    created_at: DateTime
    received_at: DateTime | None
    playing_at: DateTime | None
    finished_at: DateTime | None
    speaker_label: str
