"""Weekly arming schedules: whether a zone is armed at a local date and time.

Each window is a `hub.domain.weekly.WeeklyWindow` (a school yard armed 19:00–07:00 runs overnight into the next
morning; `from` equal to `to` arms 24 hours from `from`). An empty schedule is always armed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.domain.weekly import WeeklyWindow

ArmingWindow = WeeklyWindow


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    windows: tuple[ArmingWindow, ...] = ()

    def is_armed(self, local: datetime) -> bool:
        return not self.windows or any(window.covers(local) for window in self.windows)


ALWAYS = WeeklySchedule()
