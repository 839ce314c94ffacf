"""Officers' presence in PostgreSQL: signed on or off (with the duty log) and their last location."""

from __future__ import annotations

from datetime import datetime

from hub.adapters.postgres.rows import Rows
from hub.domain.routing import OfficerPresence


class PostgresOfficers(Rows):
    async def officer_presence(self) -> dict[str, OfficerPresence]:
        rows = await self._conn.fetch(
            """
            SELECT p.officer_id, p.signed_on, p.lat, p.lon,
                   EXISTS (SELECT 1 FROM dispatches d WHERE d.officer_id = p.officer_id
                           AND d.state IN ('offered', 'accepted', 'en_route', 'on_scene')) AS busy
            FROM officer_presence p
            """
        )
        return {
            r["officer_id"]: OfficerPresence(r["officer_id"], r["signed_on"], r["busy"], r["lat"], r["lon"])
            for r in rows
        }

    async def set_signed_on(self, officer_id: str, signed_on: bool, at: datetime) -> None:
        was = await self._conn.fetchval(
            "SELECT signed_on FROM officer_presence WHERE officer_id = $1 FOR UPDATE", officer_id
        )
        if was is signed_on:
            return  # an app repeating its state: nothing changes, nothing to log
        await self._conn.execute(
            "INSERT INTO officer_presence (officer_id, signed_on, changed_at) VALUES ($1, $2, $3)"
            " ON CONFLICT (officer_id) DO UPDATE SET signed_on = EXCLUDED.signed_on, changed_at = EXCLUDED.changed_at",
            officer_id,
            signed_on,
            at,
        )
        await self._conn.execute(
            "INSERT INTO officer_duty_log (officer_id, action, at) VALUES ($1, $2, $3)",
            officer_id,
            "sign_on" if signed_on else "sign_off",
            at,
        )

    async def record_location(self, officer_id: str, lat: float, lon: float, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO officer_presence (officer_id, signed_on, changed_at, lat, lon, located_at)"
            " VALUES ($1, false, $4, $2, $3, $4)"
            " ON CONFLICT (officer_id) DO UPDATE SET lat = $2, lon = $3, located_at = $4",
            officer_id,
            lat,
            lon,
            at,
        )
