"""What every operation may answer: the error body. Apart from the other models because hub.adapters.web.errors
writes its bodies from it, and the other models' base reads requests through that module (its 400s)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from hub.services.views.base import Time, View


class ErrorDetail(View):
    code: str = Field(
        description="Stable, for programs.",
        examples=[
            "invalid_parameter",
            "invalid_id",
            "invalid_json",
            "not_found",
            "method_not_allowed",
            "internal_error",
            "database_unavailable",
            "already_acknowledged",
            "already_closed",
            "illegal_transition",
        ],
    )
    message: str = Field(description="For people.")
    params: dict[str, str | int | float | bool | list[str | int] | None] | None = Field(
        default=None,
        description="What the code refers to, for a console to word the refusal in its language (e.g. "
        "already_acknowledged: by, at; already_closed: state, by, at; illegal_transition: state, action)",
    )
    since: Time | None = Field(default=None, description="database_unavailable only: when the outage began, if known.")


class Error(View):
    """Every refusal: `{"error": {"code", "message"}}`."""

    error: ErrorDetail

    def dump(self) -> dict[str, Any]:
        """Only the members given: `params` when there are some, `since` for database_unavailable (null too)."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)
