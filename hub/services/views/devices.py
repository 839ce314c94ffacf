"""What supervision knows of a device, as the read side gives it (the desk's device health view is made of it
and the registry)."""

from __future__ import annotations

from typing import Literal

from hub.services.views.base import DateTime, View


class OpenFault(View):
    type: Literal["tamper", "offline"]
    incident_id: int
    since: DateTime


class DeviceStatus(View):
    """A device supervision watches or heard a status report from: supervision's verdict (null members: not
    supervised), its last status report (`status_*`, null: none), whether anything was ever heard from it, and
    the open incidents its own tamper or offline events belong to."""

    device_id: str
    site_id: str
    online: bool | None
    last_seen_at: DateTime | None
    deadline_at: DateTime | None
    offline_since: DateTime | None
    battery: int | None
    low_battery: bool | None
    status_state: Literal["online", "offline"] | None
    status_reported_at: DateTime | None
    status_battery: int | None
    rssi: int | None
    firmware: str | None
    heard: bool
    open_faults: list[OpenFault]
