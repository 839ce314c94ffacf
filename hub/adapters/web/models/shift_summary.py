"""The duty desk's shift summary at the HTTP boundary: which shift (the summary is the view
hub.services.views.shift_summary.ShiftSummary)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hub.adapters.web.models.base import Query


class ShiftSummaryQuery(Query):
    empty_is_absent = False  # `shift=` names no shift: refused, as the document's enum says
    shift: Literal["current", "previous"] = Field("current", description="current (the default) or previous.")
