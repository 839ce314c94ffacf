"""What the analysis reports: one `Detection` per event, in frame fractions so that it does not depend on the
analysis resolution. Plain frozen dataclasses: they cross process boundaries (pickled) and carry no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DetectionType(StrEnum):
    INTRUSION = "intrusion"
    LOITERING = "loitering"
    CROWD = "crowd"
    LINE_CROSSING = "line_crossing"
    MOTION = "motion"
    TAMPER = "tamper"
    PRESENCE = "presence"  # an intrusion or loitering zone's occupancy changed (`present`)


class TamperKind(StrEnum):
    """Sub-kind of a `tamper` detection. Each condition has its own restore event."""

    COVERED = "tamper_covered"
    COVERED_RESTORED = "tamper_covered_restored"
    MOVED = "tamper_moved"
    MOVED_RESTORED = "tamper_moved_restored"
    DEFOCUSED = "tamper_defocused"
    DEFOCUSED_RESTORED = "tamper_defocused_restored"
    STREAM_LOST = "stream_lost"
    STREAM_RESTORED = "stream_restored"

    @property
    def is_restore(self) -> bool:
        return self.value.endswith("_restored")


@dataclass(frozen=True, slots=True)
class ObjectBox:
    """A tracked object: `box` is (x, y, width, height) as fractions of the frame."""

    track_id: int
    box: tuple[float, float, float, float]
    label: str = "object"

    @property
    def foot(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return (x + w / 2, y + h)


@dataclass(frozen=True, slots=True)
class Detection:
    """One event raised by a camera's analysis at time `t` (seconds since the epoch, as given to the analyzer).

    `zone_shape` is the zone's polygon (or the two points of a line) in frame fractions, for drawing."""

    type: DetectionType
    t: float
    score: float
    zone_id: str | None = None
    tamper: TamperKind | None = None
    objects: tuple[ObjectBox, ...] = ()
    zone_shape: tuple[tuple[float, float], ...] = field(default=())
    rules_suspended: bool | None = None  # tamper events: whether zone rules are suspended from now on
    present: bool | None = None  # presence events: whether someone is in the zone from now on

    @property
    def name(self) -> str:
        """The event's own name: the tamper sub-kind for tamper events, else the type."""
        return self.tamper.value if self.tamper is not None else self.type.value
