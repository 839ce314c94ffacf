"""The district's registry at the HTTP boundary: sites, devices, officers, the district with its targets
and grids, device health and the roster. The handlers build these views from the domain's objects."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field

from hub.adapters.web.models.base import DateTime, View
from hub.services.views.devices import OpenFault

FAULTS = ("never_heard", "offline", "reported_offline", "low_battery", "tamper")
Fault = Literal["never_heard", "offline", "reported_offline", "low_battery", "tamper"]
assert get_args(Fault) == FAULTS


class Site(View):
    id: str
    name: str
    name_en: str
    kind: str = Field(examples=["school", "hospital", "bank", "petrol_station"])
    grid_id: str
    address: str
    lat: float | None
    lon: float | None
    contact_name: str
    contact_phone: str
    test_mode: bool
    devices: list[str] = Field(description="Device ids.")


class Zone(View):
    """A camera's analysis zone: events name the id; people see name / name_en."""

    id: str
    name: str
    name_en: str


class Device(View):
    id: str
    site_id: str
    kind: str = Field(examples=["button", "camera", "speaker", "panel"])
    label: str
    label_en: str = Field(description="English label (falls back to label)")
    zones: list[Zone]
    report_interval_s: int = Field(ge=1)


class Officer(View):
    id: str
    name: str
    name_en: str = Field(description="English name (falls back to name)")
    role: str = Field(examples=["officer", "supervisor"])
    phone: str
    grid_id: str | None


class SiteList(View):
    sites: list[Site]


class DeviceList(View):
    devices: list[Device]


class OfficerList(View):
    officers: list[Officer]


class Target(View):
    """Response targets of a priority: to acknowledgement and to arrival from the first event; to acceptance
    from the dispatch."""

    priority: int = Field(ge=1, le=4)
    ack_s: int = Field(ge=1)
    accept_s: int = Field(ge=1)
    arrival_s: int = Field(ge=1)


class Grid(View):
    id: str
    name: str
    name_en: str = Field(description="English name (falls back to name).")
    officer_id: str | None = Field(description="The responsible officer.")
    assistant_ids: list[str]
    site_ids: list[str]


class District(View):
    id: str
    name: str
    name_en: str = Field(description="The name in English mode (else the name)")
    timezone: str = Field(examples=["Asia/Shanghai"])
    targets: list[Target]
    auto_dispatch: list[int] = Field(description="Priorities the hub dispatches by itself.")
    grids: list[Grid]


class DeviceHealth(View):
    id: str
    site_id: str
    kind: str
    label: str
    report_interval_s: int
    state: Literal["online", "offline", "never_heard"]
    heard: bool = Field(description="Anything (event or status) ever heard from it.")
    online: bool | None = Field(description="Supervision's verdict; null: not supervised.")
    last_seen_at: DateTime | None
    offline_since: DateTime | None
    deadline_at: DateTime | None = Field(description="Offline if nothing is heard by then.")
    battery: int | None = Field(ge=0, le=100)
    low_battery: bool
    rssi: int | None
    firmware: str | None
    status_state: Literal["online", "offline"] | None
    status_reported_at: DateTime | None
    faults: list[Fault]
    open_faults: list[OpenFault] = Field(
        description="Open incidents this device's own tamper or offline events belong to."
    )


class HealthSummary(View):
    total: int
    online: int
    offline: int
    never_heard: int
    low_battery: int
    with_faults: int


class DeviceHealthList(View):
    """Devices in registry order, with counts for the header."""

    summary: HealthSummary
    devices: list[DeviceHealth]


class Shift(View):
    who: str
    who_en: str
    desk: bool
    days: list[int]
    start_minute: int
    end_minute: int


class RosterGap(View):
    who: str
    start_minute: int
    end_minute: int
    text: str


class RosterOfficer(View):
    officer_id: str
    name: str
    role: str
    grid_id: str | None
    on_shift: bool
    signed_on: bool
    lat: float | None
    lon: float | None
    located_at: DateTime | None


class Roster(View):
    """Weekly shifts, coverage gaps, who is on shift and who is signed on."""

    timezone: str
    shifts: list[Shift]
    gaps: list[RosterGap]
    officers: list[RosterOfficer]
