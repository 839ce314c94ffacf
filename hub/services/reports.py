"""Supervisors' reports: the port the web adapter and the command line read them through.

The figures are computed by the store (SQL over the append-only tables); what they mean is defined
in hub.domain.reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hub.domain.reports import Period
from hub.services.views.reports import Report
from hub.services.views.shift_summary import ShiftSummary


class ReportSource(Protocol):
    async def build(self, period: Period, now: datetime) -> Report:
        """The report of `period`, with figures as of `now`."""
        ...


class ShiftSummarySource(Protocol):
    async def build(self, previous: bool, now: datetime) -> ShiftSummary:
        """The summary of the desk shift running at `now` (or, with `previous`, of the one before it): incidents
        by kind and outcome, the deterred-by-warning list and the open incidents handed over."""
        ...
