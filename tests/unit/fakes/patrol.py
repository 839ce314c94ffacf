"""In-memory patrol runs and views (hub.services.ports.patrol)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from itertools import count
from typing import Any

from hub.domain.patrol import Outcome, PatrolRun, PatrolView
from tests.unit.fakes.warnings import FakeWarnings


class FakePatrolRuns:
    def __init__(self, warnings: FakeWarnings) -> None:
        self.runs: dict[int, PatrolRun] = {}
        self.views: dict[int, PatrolView] = {}
        self._warnings = warnings
        self._ids = count(1)

    async def add_run(self, run: dict[str, Any]) -> PatrolRun:
        saved = PatrolRun(**{**run, "id": next(self._ids), "cameras": tuple(run["cameras"])})
        self.runs[saved.id] = saved
        return saved

    async def run(self, run_id: int, lock: bool = True) -> PatrolRun | None:
        return self.runs.get(run_id)

    async def finish_run(self, run_id: int, at: datetime, actor: str) -> PatrolRun:
        assert self.runs[run_id].finished_at is None, f"patrol run {run_id} was finished meanwhile"
        self.runs[run_id] = replace(self.runs[run_id], finished_at=at, finished_by=actor)
        return self.runs[run_id]

    async def add_view(self, view: dict[str, Any]) -> PatrolView:
        values = {**view, "outcome": Outcome(view["outcome"]), "warning_ids": tuple(view["warning_ids"])}
        saved = PatrolView(id=next(self._ids), **values)
        self.views[saved.id] = saved
        return saved

    async def views_of(self, run_id: int) -> list[PatrolView]:
        return [v for _, v in sorted(self.views.items()) if v.run_id == run_id]

    async def warning_sites(self, warning_ids: Sequence[int]) -> dict[int, str]:
        return {i: self._warnings.rows[i]["site_id"] for i in warning_ids if i in self._warnings.rows}
