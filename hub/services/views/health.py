"""The hub's dependencies as /readyz and the live streams' health frame give them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hub.services.views.base import DateTime, View


class Dependency(View):
    name: Literal["database", "broker", "change_feed", "routine_process"]
    up: bool | None = Field(description="null: not checked yet.")
    since: DateTime = Field(description="When this state began.")
    error: str | None = Field(
        None, exclude_if=lambda error: error is None, description="/readyz only, when down: the kind of failure."
    )


class HealthFrame(View):
    type: Literal["health"] = "health"
    ok: bool
    dependencies: list[Dependency] = Field(description="Those checked so far.")
