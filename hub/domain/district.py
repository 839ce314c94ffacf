"""The district as the hub sees it: sites (key units), their devices, grids and officers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from hub.domain.escalation import DEFAULT_TARGETS, ResponseTargets
from hub.domain.incidents import Priority
from hub.domain.media import Origin
from hub.domain.panels import PanelDirectory
from hub.domain.patrol import Tour
from hub.domain.roster import Gap, Shift, coverage_gaps
from hub.domain.steps import StepPlan
from hub.domain.talkdown import TalkdownRule
from hub.domain.verification import VerificationPolicy
from hub.domain.warnings import Message, WarningRule


@dataclass(frozen=True, slots=True)
class Device:
    id: str
    site_id: str
    kind: str  # button, camera, speaker, panel
    label: str = ""
    report_interval_s: int = 300
    speakers: tuple[str, ...] = ()  # a camera's linked loudspeakers (its warnings play there)
    stream: str = ""  # a camera's stream (rtsp://, http(s):// MJPEG, a file); "" when none is configured
    media_origins: tuple[Origin, ...] = ()  # where its snapshot and clip URLs may point (hub.domain.media)
    label_en: str = ""  # English mode (the district file's label_en, else the label)
    zones: tuple[Zone, ...] = ()  # a camera's analysis zones, by the names people see
    verifies_presses: bool = False  # a camera that answers the `record` command (hub.domain.verification)


@dataclass(frozen=True, slots=True)
class Zone:
    """A camera zone as people name it: events carry the id."""

    id: str
    name: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Site:
    id: str
    name: str
    name_en: str
    kind: str  # school, kindergarten, hospital, bank, petrol_station, shopping_street, ...
    grid_id: str
    address: str = ""
    lat: float | None = None
    lon: float | None = None
    contact_name: str = ""
    contact_phone: str = ""
    test_mode: bool = False

    @property
    def geo_uri(self) -> str | None:
        """A `geo:` URI (RFC 5870) that phones open in their navigation app."""
        if self.lat is None or self.lon is None:
            return None
        lat, lon = round(self.lat, 6), round(self.lon, 6)
        return f"geo:{lat},{lon}?q={lat},{lon}"


@dataclass(frozen=True, slots=True)
class Grid:
    id: str
    name: str
    officer_id: str | None = None
    assistant_ids: tuple[str, ...] = ()
    name_en: str = ""  # English mode (the district file's name_en, else the name)


@dataclass(frozen=True, slots=True)
class Officer:
    id: str
    name: str
    role: str = "officer"  # officer or supervisor
    phone: str = ""
    grid_id: str | None = None
    name_en: str = ""  # English mode (the district file's name_en, else the name)


@dataclass(frozen=True)
class District:
    id: str
    name: str
    sites: dict[str, Site] = field(default_factory=dict)
    devices: dict[str, Device] = field(default_factory=dict)
    grids: dict[str, Grid] = field(default_factory=dict)
    officers: dict[str, Officer] = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"
    shifts: tuple[Shift, ...] = ()
    targets: dict[Priority, ResponseTargets] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    # Priorities the hub dispatches by itself, without waiting for the desk (seconds count).
    auto_dispatch: frozenset[Priority] = frozenset({Priority.P1})
    supervision_grace_s: int | None = None
    messages: dict[str, Message] = field(default_factory=dict)
    warning_rules: tuple[WarningRule, ...] = ()
    patrol_tours: tuple[Tour, ...] = ()  # the duty desk's rounds of cameras (hub.domain.patrol)
    name_en: str = ""  # English mode (the district file's name_en, else the name)
    panels: PanelDirectory = field(default_factory=PanelDirectory)  # alarm panels reporting over SIA DC-09
    verification: VerificationPolicy = field(default_factory=VerificationPolicy)  # what cameras record of a press
    response_steps: tuple[StepPlan, ...] = ()  # guided response per incident kind and site kind
    talkdown_rules: tuple[TalkdownRule, ...] = ()  # the verdict after a warning (hub.domain.talkdown)

    def devices_at(self, site_id: str) -> tuple[Device, ...]:
        """The site's devices, in the district's order: looked up, not searched for among all the district's
        (an opening press asks for its site's cameras; a district has thousands of devices)."""
        return self._devices_by_site.get(site_id, ())

    @cached_property
    def _devices_by_site(self) -> dict[str, tuple[Device, ...]]:
        by_site: dict[str, list[Device]] = {}
        for device in self.devices.values():
            by_site.setdefault(device.site_id, []).append(device)
        return {site: tuple(devices) for site, devices in by_site.items()}

    def speakers_for(self, site_id: str, device_id: str | None = None) -> list[str]:
        """Where a warning about this device plays: its linked speakers, else every speaker of the site."""
        device = self.devices.get(device_id) if device_id else None
        if device is not None and device.speakers:
            return list(device.speakers)
        return [d.id for d in self.devices_at(site_id) if d.kind == "speaker"]

    def roster_gaps(self) -> list[Gap]:
        teams = {g.id: tuple(o for o in (g.officer_id, *g.assistant_ids) if o) for g in self.grids.values()}
        return coverage_gaps(self.shifts, teams)

    def origin_problem(self, site_id: str, device_kind: str, device_id: str) -> str | None:
        """Why a message claiming to come from this site/kind/device must be refused, or None.

        The broker's ACL already confines devices to their own topics; this is the hub's own check
        against its registry, so a misconfigured broker cannot let one site speak for another.
        """
        device = self.devices.get(device_id)
        if device is None:
            return "unknown_device"
        if device.site_id != site_id:
            return "site_mismatch"
        if device.kind != device_kind:
            return "kind_mismatch"
        return None
