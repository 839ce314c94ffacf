"""The district file: schema, validation with errors that name file and key, and conversion to the
domain's `District`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails

from devices.contract.topics import is_valid_id
from hub.config.errors import ConfigError
from hub.config.fields import Id, TimeOfDay
from hub.config.panels import Dc09Config, dc09_problems, panel_directory
from hub.config.patrol import PatrolTourConfig, patrol_problems, to_tours
from hub.config.sites import DEFAULT_REPORT_INTERVAL_S, SiteConfig
from hub.config.yaml_text import parse_yaml
from hub.domain.district import Device, District, Grid, Officer, Site, Zone
from hub.domain.escalation import DEFAULT_TARGETS, ResponseTargets
from hub.domain.incidents import Priority
from hub.domain.media import allowed_origins
from hub.domain.roster import Shift
from hub.domain.steps import SeenAction, Step, StepPlan, StepRole
from hub.domain.talkdown import TalkdownRule
from hub.domain.verification import VerificationPolicy
from hub.domain.warnings import Message, WarningRule
from hub.domain.weekly import Weekday, parse_hhmm, weekday_numbers


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GridConfig(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    name_en: str = ""
    officer: Id | None = None
    assistants: list[Id] = []


class OfficerConfig(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    name_en: str = ""
    role: Literal["officer", "supervisor"] = "officer"
    phone: str = ""
    grid: Id | None = None


class DistrictInfo(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    name_en: str = ""
    timezone: str = "Asia/Shanghai"


class ShiftConfig(_Strict):
    """One weekly shift of an officer or of a duty-desk seat. `to` not after `from`: overnight."""

    officer: Id | None = None
    desk: str | None = None
    desk_en: str = ""  # the desk seat's name in English mode (falls back to `desk`)
    days: list[Weekday] | Literal["all"] = "all"
    from_: TimeOfDay = Field(alias="from")
    to: TimeOfDay


class TargetsConfig(_Strict):
    ack_s: Annotated[int, Field(ge=5, le=86_400)]
    accept_s: Annotated[int, Field(ge=5, le=86_400)]
    arrival_s: Annotated[int, Field(ge=30, le=86_400)]


Lang = Literal["zh-CN", "en"]


class MessageConfig(_Strict):
    """A library message: text per language (spoken offline), or a recording per language."""

    id: Id
    text: dict[Lang, Annotated[str, Field(min_length=1, max_length=500)]] = {}
    recording: dict[Lang, str] = {}


class WarningRuleConfig(_Strict):
    id: Id
    # Not `on`: YAML reads a bare `on` key as the boolean true.
    event: Literal["intrusion", "loitering", "crowd", "line_crossing", "panic", "duress"]
    message: Id
    languages: list[Lang] = ["zh-CN"]
    sites: list[Id] = []
    zones: list[str] = []
    repeat: Annotated[int, Field(ge=1, le=10)] = 2
    cooldown_s: Annotated[int, Field(ge=0, le=86_400)] = 120
    priority: Annotated[int, Field(ge=0, le=9)] = 5


class VerificationConfig(_Strict):
    """Video verification of presses (hub.domain.verification): the span each site camera records."""

    pre_s: Annotated[float, Field(ge=5, le=60)] = 8.0
    post_s: Annotated[float, Field(ge=0, le=60)] = 4.0


class TalkdownConfig(_Strict):
    """Talk-down with a verdict (hub.domain.talkdown): for these site kinds (empty: any) and hours
    (`from`/`to` "HH:MM", local; absent: all day), watch the warned zone `window_s` after the warning."""

    id: Id
    site_kinds: list[str] = []
    from_: TimeOfDay = Field("00:00", alias="from")
    to: TimeOfDay = "00:00"
    window_s: Annotated[int, Field(ge=5, le=600)] = 30
    firmer_message: Id | None = None
    languages: list[Lang] = ["zh-CN"]
    auto_close: bool = True


class StepConfig(_Strict):
    id: Id
    label: dict[Lang, Annotated[str, Field(min_length=1, max_length=200)]]
    required: bool = False
    # Ticked by itself when the hub sees it done; absent: a click (with an optional note).
    done_by: Literal["dispatch", "warning", "live_view"] | None = None
    role: Literal["desk", "officer"] = "desk"


class StepPlanConfig(_Strict):
    """Guided response (hub.domain.steps): the ordered steps for these incident kinds at these site kinds."""

    incident_kinds: Annotated[list[str], Field(min_length=1)]
    site_kinds: list[str] = []  # empty: any site
    steps: Annotated[list[StepConfig], Field(min_length=1)]

    @model_validator(mode="after")
    def _unique_ids(self) -> StepPlanConfig:
        ids = [s.id for s in self.steps]
        if len(ids) != len(set(ids)):
            raise ValueError("step ids must be unique within a plan")
        return self


class DistrictConfig(_Strict):
    district: DistrictInfo
    grids: list[GridConfig]
    officers: list[OfficerConfig] = []
    sites: list[SiteConfig]
    roster: list[ShiftConfig] = []
    response_targets: dict[Literal["P1", "P2", "P3", "P4"], TargetsConfig] = {}
    auto_dispatch_priorities: list[Annotated[int, Field(ge=1, le=4)]] = [1]
    # Seconds of silence tolerated on top of a device's reporting interval (default: half the
    # interval, at least 30 s).
    supervision_grace_s: Annotated[int, Field(ge=1, le=86_400)] | None = None
    messages: list[MessageConfig] = []
    warning_rules: list[WarningRuleConfig] = []
    # Alarm panels reporting over SIA DC-09 (hub.config.panels).
    dc09: Dc09Config = Dc09Config()
    # The duty desk's scheduled rounds of cameras (hub.config.patrol).
    patrol_tours: list[PatrolTourConfig] = []
    verification: VerificationConfig = VerificationConfig()
    response_steps: list[StepPlanConfig] = []
    talkdown: list[TalkdownConfig] = []


def load_district(path: Path | str) -> District:
    """Read, validate and convert a district file; raise ConfigError listing every problem."""
    return to_domain(read_district(path))


def read_district(path: Path | str) -> DistrictConfig:
    """The district file as validated settings, cross-references included (for readers that need more than
    the domain's `District`, e.g. the camera agent); ConfigError lists every problem."""
    path = Path(path)
    try:
        raw = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(path, [f"cannot read file: {exc.strerror}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, [f"not valid YAML: {exc}"]) from None
    return validate_district(raw, path)


def parse_district(raw: object, path: Path | str = "<district>") -> District:
    return to_domain(validate_district(raw, path))


def validate_district(raw: object, path: Path | str = "<district>") -> DistrictConfig:
    if not isinstance(raw, dict):
        raise ConfigError(path, ["the file must hold a mapping with district, grids, officers and sites"])
    try:
        config = DistrictConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(path, [_format_error(err) for err in exc.errors()]) from None
    problems = _cross_reference_problems(config)
    if problems:
        raise ConfigError(path, problems)
    return config


def _format_error(err: ErrorDetails) -> str:
    key = ""
    for part in err["loc"]:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return f"{key or '(top level)'}: {err['msg']}"


def _duplicates(ids: list[str]) -> set[str]:
    return {i for i, count in Counter(ids).items() if count > 1}


def _cross_reference_problems(config: DistrictConfig) -> list[str]:
    problems: list[str] = []
    grid_ids = {g.id for g in config.grids}
    officer_ids = {o.id for o in config.officers}
    for label, ids in (
        ("grids", [g.id for g in config.grids]),
        ("officers", [o.id for o in config.officers]),
        ("sites", [s.id for s in config.sites]),
        ("devices", [d.id for s in config.sites for d in s.devices]),
    ):
        for dup in sorted(_duplicates(ids)):
            problems.append(f"{label}: id {dup!r} is used more than once (ids must be unique)")
    for i, grid in enumerate(config.grids):
        for j, officer_id in enumerate([grid.officer, *grid.assistants]):
            key = f"grids[{i}].officer" if j == 0 else f"grids[{i}].assistants[{j - 1}]"
            if officer_id is not None and officer_id not in officer_ids:
                problems.append(f"{key}: unknown officer {officer_id!r}")
    for i, officer in enumerate(config.officers):
        if officer.grid is not None and officer.grid not in grid_ids:
            problems.append(f"officers[{i}].grid: unknown grid {officer.grid!r}")
    for i, shift in enumerate(config.roster):
        if (shift.officer is None) == (shift.desk is None):
            problems.append(f"roster[{i}]: name exactly one of officer or desk")
        elif shift.officer is not None and shift.officer not in officer_ids:
            problems.append(f"roster[{i}].officer: unknown officer {shift.officer!r}")
    message_ids = {m.id for m in config.messages}
    site_ids = {s.id for s in config.sites}
    for dup in sorted(_duplicates([m.id for m in config.messages])):
        problems.append(f"messages: id {dup!r} is used more than once")
    for i, message in enumerate(config.messages):
        if not message.text and not message.recording:
            problems.append(f"messages[{i}]: give a text or a recording for at least one language")
    for i, talkdown in enumerate(config.talkdown):
        if talkdown.firmer_message and talkdown.firmer_message not in message_ids:
            problems.append(f"talkdown[{i}].firmer_message: unknown message {talkdown.firmer_message!r}")
    for i, rule in enumerate(config.warning_rules):
        if rule.message not in message_ids:
            problems.append(f"warning_rules[{i}].message: unknown message {rule.message!r}")
        for j, site_id in enumerate(rule.sites):
            if site_id not in site_ids:
                problems.append(f"warning_rules[{i}].sites[{j}]: unknown site {site_id!r}")
    speakers = {d.id: s.id for s in config.sites for d in s.devices if d.kind == "speaker"}
    for i, site in enumerate(config.sites):
        for j, device in enumerate(site.devices):
            for k, speaker in enumerate(device.camera.speakers if device.camera else []):
                if speakers.get(speaker) != site.id:
                    problems.append(
                        f"sites[{i}].devices[{j}].camera.speakers[{k}]: {speaker!r} is not a speaker of this site"
                    )
    for i, site in enumerate(config.sites):
        if not is_valid_id(site.id):
            problems.append(f"sites[{i}].id: {site.id!r} may hold only letters, digits, '_', '.', '-'")
        if site.grid not in grid_ids:
            problems.append(f"sites[{i}].grid: unknown grid {site.grid!r}")
        for j, device in enumerate(site.devices):
            if not is_valid_id(device.id):
                problems.append(
                    f"sites[{i}].devices[{j}].id: {device.id!r} may hold only letters, digits, '_', '.', '-'"
                )
    problems.extend(dc09_problems(config.dc09, config.sites))
    problems.extend(patrol_problems(config.patrol_tours, config.sites))
    return problems


def to_domain(config: DistrictConfig) -> District:
    sites = {
        s.id: Site(
            id=s.id,
            name=s.name,
            name_en=s.name_en or s.name,
            kind=s.kind,
            grid_id=s.grid,
            address=s.address,
            lat=s.lat,
            lon=s.lon,
            contact_name=s.contact.name,
            contact_phone=s.contact.phone,
            test_mode=s.test_mode,
        )
        for s in config.sites
    }
    devices = {
        d.id: Device(
            id=d.id,
            site_id=s.id,
            kind=d.kind,
            label=d.label,
            label_en=d.label_en or d.label,
            zones=tuple(
                Zone(z.id, z.name or z.id, z.name_en or z.name or z.id) for z in (d.camera.zones if d.camera else [])
            ),
            report_interval_s=d.report_interval_s or DEFAULT_REPORT_INTERVAL_S[d.kind],
            speakers=tuple(d.camera.speakers) if d.camera else (),
            stream=d.camera.stream if d.camera else "",
            media_origins=allowed_origins(d.camera.stream if d.camera else "", d.media_origins),
            verifies_presses=d.verification if d.verification is not None else d.camera is not None,
        )
        for s in config.sites
        for d in s.devices
    }
    grids = {g.id: Grid(g.id, g.name, g.officer, tuple(g.assistants), g.name_en or g.name) for g in config.grids}
    officers = {o.id: Officer(o.id, o.name, o.role, o.phone, o.grid, o.name_en or o.name) for o in config.officers}
    info = config.district
    targets = dict(DEFAULT_TARGETS)
    for name, t in config.response_targets.items():
        targets[Priority(int(name[1]))] = ResponseTargets(t.ack_s, t.accept_s, t.arrival_s)
    return District(
        info.id,
        info.name,
        name_en=info.name_en or info.name,
        sites=sites,
        devices=devices,
        grids=grids,
        officers=officers,
        timezone=info.timezone,
        shifts=tuple(_shift(s) for s in config.roster),
        targets=targets,
        auto_dispatch=frozenset(Priority(p) for p in config.auto_dispatch_priorities),
        supervision_grace_s=config.supervision_grace_s,
        messages={m.id: _message(m) for m in config.messages},
        warning_rules=tuple(
            WarningRule(
                r.id,
                r.event,
                r.message,
                tuple(r.languages),
                frozenset(r.sites),
                frozenset(r.zones),
                r.repeat,
                r.cooldown_s,
                r.priority,
            )
            for r in config.warning_rules
        ),
        patrol_tours=to_tours(config.patrol_tours),
        panels=panel_directory(config.dc09),
        verification=VerificationPolicy(config.verification.pre_s, config.verification.post_s),
        response_steps=tuple(_step_plan(p) for p in config.response_steps),
        talkdown_rules=tuple(
            TalkdownRule(
                t.id,
                t.window_s,
                t.firmer_message or "",
                tuple(t.languages),
                t.auto_close,
                frozenset(t.site_kinds),
                parse_hhmm(t.from_),
                parse_hhmm(t.to),
            )
            for t in config.talkdown
        ),
    )


def _message(message: MessageConfig) -> Message:
    texts: dict[str, str] = dict(message.text.items())
    recordings: dict[str, str] = dict(message.recording.items())
    return Message(message.id, texts, recordings)


def _step_plan(plan: StepPlanConfig) -> StepPlan:
    steps = tuple(
        Step(
            s.id,
            {str(lang): text for lang, text in s.label.items()},
            s.required,
            SeenAction(s.done_by) if s.done_by else None,
            StepRole(s.role),
        )
        for s in plan.steps
    )
    return StepPlan(frozenset(plan.incident_kinds), frozenset(plan.site_kinds), steps)


def _shift(shift: ShiftConfig) -> Shift:
    return Shift(
        who=shift.officer or shift.desk or "",
        desk=shift.desk is not None,
        days=weekday_numbers(shift.days),
        start=parse_hhmm(shift.from_),
        end=parse_hhmm(shift.to),
        who_en=shift.desk_en if shift.desk else "",
    )
