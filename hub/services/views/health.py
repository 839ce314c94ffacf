"""The hub's dependencies as /readyz and the live streams' health frame give them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from hub.services.views.base import DateTime, View


class Dependency(View):
    name: Literal["database", "broker", "change_feed", "routine_process"]
    state: Literal["unchecked", "starting", "up", "down"] = Field(
        description=(
            "`starting`: coming up with the hub (the routine process, for at most 15 s), not an outage; "
            "`unchecked`: not checked yet (/readyz only)."
        )
    )
    up: bool | None = Field(
        description="As `state` says: true when up, false when down, null otherwise (unchecked or starting)."
    )
    since: DateTime = Field(description="When this state began.")
    error: str | None = Field(
        None, exclude_if=lambda error: error is None, description="/readyz only, when down: the kind of failure."
    )


class HealthFrame(View):
    type: Literal["health"] = "health"
    ok: bool = Field(description="No dependency is down (one starting is not).")
    dependencies: list[Dependency] = Field(description="Those checked so far.")
