"""What a load run is: its devices, rates, broker and how devices reach it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from devices.contract import (
    RESEND_RULE,
    ResendRule,
    Topics,
)
from simulators.load.stats import Rates


@dataclass(frozen=True)
class LoadDevice:
    site: str
    kind: str  # button, camera, speaker
    device: str
    heartbeat_s: float


@dataclass(frozen=True)
class LoadOptions:
    url: str  # the broker: the lab account's URL, or (per device) the device listener's
    topics: Topics
    devices: list[LoadDevice]
    press_per_s: float = 2.0
    camera_per_s: float = 1.0
    duration_s: float | None = None  # None: until Ctrl-C
    credentials: dict[str, str] | None = None  # device id → password: one connection per device
    per_connection: int = 250  # multiplexed: devices per connection
    workers: int = 2
    press_type: str = "panic"
    drain_s: float = 30.0  # after the stop: wait this long for PUBACKs and the hub's confirmations
    report_every_s: float = 1.0
    connect_timeout_s: float = 120.0
    rule: ResendRule = RESEND_RULE
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    def rates(self) -> Rates:
        return Rates(sum(1 / d.heartbeat_s for d in self.devices), self.press_per_s, self.camera_per_s)
