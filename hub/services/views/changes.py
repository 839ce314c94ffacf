"""Changes as live views send them: a committed incident, dispatch or warning, each a frame of the stream.
`frame()` serialises a change once, for every client that gets it (the push is on the alarm's path)."""

from __future__ import annotations

from typing import Literal

from hub.services.changes import Frame
from hub.services.views.base import View
from hub.services.views.dispatches import Dispatch
from hub.services.views.incidents import Incident
from hub.services.views.warnings import SpeakerWarning


class IncidentChange(View):
    type: Literal["incident"] = "incident"
    incident: Incident


class DispatchChange(View):
    type: Literal["dispatch"] = "dispatch"
    dispatch: Dispatch


class WarningChange(View):
    type: Literal["warning"] = "warning"
    warning: SpeakerWarning


def frame(change: IncidentChange | DispatchChange | WarningChange) -> Frame:
    return Frame(change.dump())
