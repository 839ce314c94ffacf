"""The audit log in PostgreSQL (the database links each entry into the hash chain, migration 013)."""

from __future__ import annotations

from hub.adapters.postgres.rows import Rows
from hub.services.ports import JsonObject


class PostgresAuditLog(Rows):
    async def audit(self, actor: str, action: str, target: str, detail: JsonObject) -> None:
        await self._conn.execute(
            "INSERT INTO audit_log (actor, action, target, detail) VALUES ($1, $2, $3, $4)",
            actor,
            action,
            target,
            detail,
        )
