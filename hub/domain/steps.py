"""Guided response: per incident kind and site kind, the ordered steps the desk (and the officer) work through.

Steps are configured in the district file (`response_steps`). A step the hub can see done (`done_by`: a dispatch
sent, a warning played, a live view opened) ticks itself; the others take a click and an optional note. Resolving
while a required step is open needs a reason, which is recorded.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum


class SeenAction(StrEnum):
    """Actions the hub sees happen, which tick the steps waiting for them."""

    DISPATCH = "dispatch"  # an officer dispatched (by the desk or the routing rules)
    WARNING = "warning"  # a loudspeaker warning played to the end (`done`)
    LIVE_VIEW = "live_view"  # a camera of the site watched live


class StepRole(StrEnum):
    DESK = "desk"
    OFFICER = "officer"


@dataclass(frozen=True, slots=True)
class Step:
    id: str
    label: dict[str, str]  # per language (zh-CN, en)
    required: bool = False
    done_by: SeenAction | None = None  # None: ticked by a click
    role: StepRole = StepRole.DESK


@dataclass(frozen=True, slots=True)
class StepPlan:
    """The steps for incidents of these kinds at sites of these kinds (empty: any site kind)."""

    incident_kinds: frozenset[str]
    site_kinds: frozenset[str]
    steps: tuple[Step, ...]


def steps_for(plans: Sequence[StepPlan], incident_kind: str, site_kind: str) -> tuple[Step, ...]:
    """The steps of the most specific plan: one naming the site kind wins over one for any site."""
    matching = [
        p for p in plans if incident_kind in p.incident_kinds and (not p.site_kinds or site_kind in p.site_kinds)
    ]
    if not matching:
        return ()
    return max(matching, key=lambda p: bool(p.site_kinds)).steps


def ticked_by(steps: Sequence[Step], action: SeenAction) -> list[str]:
    return [s.id for s in steps if s.done_by is action]


def open_required(steps: Sequence[Step], done: Collection[str]) -> list[Step]:
    return [s for s in steps if s.required and s.id not in done]
