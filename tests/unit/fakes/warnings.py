"""In-memory loudspeaker warnings (hub.services.ports.warnings)."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any

from hub.domain.warnings import WarningState
from hub.services.ports.warnings import StoredWarning


class FakeWarnings:
    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}  # the columns as written, and as updated
        self.acks: list[tuple[int, str, datetime, datetime, str]] = []
        self._ids = count(1)

    async def add_warning(self, row: dict[str, Any]) -> int:
        warning_id = next(self._ids)
        self.rows[warning_id] = {"attempts": 1, "playing_at": None, "error": "", **row}
        return warning_id

    def stored(self, warning_id: int) -> StoredWarning:
        r = self.rows[warning_id]
        return StoredWarning(
            id=warning_id, command_id=r["command_id"], speaker_id=r["speaker_id"], site_id=r["site_id"],
            incident_id=r.get("incident_id"), state=WarningState(r["state"]), attempts=r["attempts"],
            expires_at=r["expires_at"], command=bytes(r["command"]),
            playing_for_s=float(r["duration_s"]) * r["repeat"], playing_at=r["playing_at"], rule_id=r["rule_id"],
        )  # fmt: skip

    async def warning_by_command(self, command_id: str) -> StoredWarning | None:
        found = [i for i, r in self.rows.items() if r["command_id"] == command_id]
        return self.stored(found[0]) if found else None

    async def set_warning_state(
        self, warning_id: int, state: WarningState, at: datetime, error: str, next_resend_at: datetime | None
    ) -> None:
        stamp = {"received": "received_at", "playing": "playing_at"}.get(state.value, "finished_at")
        row = self.rows[warning_id]
        row.update(state=state.value, error=error, next_resend_at=next_resend_at)
        row[stamp] = row.get(stamp) or at

    async def add_warning_ack(
        self, warning_id: int, state: str, reported_at: datetime, received_at: datetime, error: str
    ) -> None:
        self.acks.append((warning_id, state, reported_at, received_at, error))

    async def due_warnings(self, now: datetime, limit: int) -> list[StoredWarning]:
        due = sorted(
            (r["next_resend_at"], i) for i, r in self.rows.items()
            if r["state"] in ("sent", "received", "playing") and r.get("next_resend_at") and r["next_resend_at"] <= now
        )  # fmt: skip
        return [self.stored(i) for _, i in due[:limit]]

    async def resent(self, warning_id: int, attempts: int, next_resend_at: datetime) -> None:
        self.rows[warning_id].update(attempts=attempts, next_resend_at=next_resend_at)

    async def last_rule_warning(self, rule_id: str, speaker_id: str) -> datetime | None:
        times = [
            r["created_at"] for r in self.rows.values() if r["rule_id"] == rule_id and r["speaker_id"] == speaker_id
        ]
        return max((t for t in times if t is not None), default=None)

    def states(self) -> list[str]:
        return [r["state"] for _, r in sorted(self.rows.items())]
