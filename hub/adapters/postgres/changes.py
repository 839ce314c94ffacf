"""Committed changes announced to every hub instance (NOTIFY, delivered on commit)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from hub.adapters.postgres.rows import Rows

CHANGES_CHANNEL = "sentinel_changes"
NOTIFY_CHUNK = 400  # ids per NOTIFY, keeping each payload far below PostgreSQL's 8000-byte limit


class PostgresChanges(Rows):
    async def announce(self, incident_ids: Sequence[int], dispatch_ids: Sequence[int] = ()) -> None:
        # NOTIFY is delivered only on commit, to every hub instance: live views never show what
        # was rolled back.
        for kind, ids in (("incidents", incident_ids), ("dispatches", dispatch_ids)):
            for start in range(0, len(ids), NOTIFY_CHUNK):
                chunk = list(ids[start : start + NOTIFY_CHUNK])
                await self._conn.fetch_carrying(
                    (), "SELECT pg_notify($1, $2)", CHANGES_CHANNEL, json.dumps({"type": kind, "ids": chunk})
                )

    async def announce_warnings(self, warning_ids: Sequence[int]) -> None:
        await self._conn.execute(
            "SELECT pg_notify($1, $2)", CHANGES_CHANNEL, json.dumps({"type": "warnings", "ids": list(warning_ids)})
        )
