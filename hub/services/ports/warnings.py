"""The port of loudspeaker warnings: each command sent, the speaker's acknowledgements and resends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hub.domain.warnings import WarningState


@dataclass(frozen=True, slots=True)
class StoredWarning:
    id: int
    command_id: str
    speaker_id: str
    site_id: str
    incident_id: int | None
    state: WarningState
    attempts: int
    expires_at: datetime
    command: bytes  # the encoded command, resent as it was
    playing_for_s: float  # audio duration × repeats
    playing_at: datetime | None = None  # when the hub heard `playing`
    rule_id: str | None = None  # the rule that sent it (None: a person)


class Warnings(Protocol):
    async def add_warning(self, row: dict[str, Any]) -> int:
        """Insert a warnings row (column → value); its id."""
        ...

    async def warning_by_command(self, command_id: str) -> StoredWarning | None:
        """Row-locked."""
        ...

    async def set_warning_state(
        self, warning_id: int, state: WarningState, at: datetime, error: str, next_resend_at: datetime | None
    ) -> None:
        """Each state's time is set once (the first report of it)."""
        ...

    async def add_warning_ack(
        self, warning_id: int, state: str, reported_at: datetime, received_at: datetime, error: str
    ) -> None: ...

    async def due_warnings(self, now: datetime, limit: int) -> list[StoredWarning]:
        """Unfinished warnings due to be looked at again, row-locked (skipping those another holds)."""
        ...

    async def resent(self, warning_id: int, attempts: int, next_resend_at: datetime) -> None: ...

    async def last_rule_warning(self, rule_id: str, speaker_id: str) -> datetime | None:
        """When the rule last warned through this speaker."""
        ...
