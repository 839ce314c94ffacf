"""The port of video patrol runs and the append-only patrol log, inside a transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from hub.domain.patrol import PatrolRun, PatrolView


class PatrolRuns(Protocol):
    async def add_run(self, run: dict[str, Any]) -> PatrolRun: ...

    async def run(self, run_id: int, lock: bool = True) -> PatrolRun | None: ...

    async def finish_run(self, run_id: int, at: datetime, actor: str) -> PatrolRun: ...

    async def add_view(self, view: dict[str, Any]) -> PatrolView: ...

    async def views_of(self, run_id: int) -> list[PatrolView]: ...

    async def warning_sites(self, warning_ids: Sequence[int]) -> dict[int, str]:
        """The site of each of these warnings (those that exist)."""
        ...
