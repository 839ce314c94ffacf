"""Supervisors' reports at the HTTP boundary: the period's query string (the report's shape, which the store builds,
is hub.services.views.reports.Report)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, StringConstraints

from hub.adapters.web.models.base import Query
from hub.domain.reports import MAX_CUSTOM_DAYS, PeriodKind

PeriodName = Literal["day", "week", "month", "custom"]
assert set(get_args(PeriodName)) == {k.value for k in PeriodKind}


class ReportQuery(Query):
    """Checked further by hub.domain.reports.parse_period (400 invalid_period)."""

    period: PeriodName | None = Field(None, description="day, week, month (the default) or custom.")
    date: str | None = Field(
        None, description="period=day: the day (YYYY-MM-DD).", json_schema_extra={"format": "date"}
    )
    week: Annotated[str, StringConstraints(pattern=r"^\d{4}-W\d{2}$")] | None = Field(
        None, description="period=week: the ISO week (YYYY-Www)."
    )
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}$")] | None = Field(
        None, description="period=month: the month (YYYY-MM)."
    )
    from_: str | None = Field(
        None,
        alias="from",
        description="period=custom: the first day (YYYY-MM-DD).",
        json_schema_extra={"format": "date"},
    )
    to: str | None = Field(None, description=f"period=custom: the last day, inclusive; at most {MAX_CUSTOM_DAYS} days.")

    def given(self) -> dict[str, str]:
        return self.model_dump(by_alias=True, exclude_none=True)
