"""Scenario files: YAML read with the line of every value (simulators.scenario.yaml_nodes), validated into
plain dataclasses.

Every problem is reported as `FILE:LINE: what is wrong`, all of them at once (see `ScenarioError`).
The format is documented in scenarios/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulators.scenario.yaml_nodes import (
    Node,
    Problems,
    ScenarioError,
    as_mapping,
    as_number,
    as_text,
    check_keys,
    kind_of,
    read_yaml,
)

# --- the scenario ---------------------------------------------------------------------------------------

ANSWERS = ("accept", "decline", "silent")
SPEAKER_MODES = ("normal", "fail", "offline", "slow")
PRESS_TYPES = ("panic", "duress", "test", "cancel", "tamper", "low_battery")
CAMERA_EVENTS = ("intrusion", "loitering", "crowd", "line_crossing", "tamper", "motion")
DESK_ACTIONS = ("ack", "dispatch", "resolve", "cancel", "warn")
EXPECT_KINDS = ("incident", "dispatch", "warning", "feedback", "device", "report")


@dataclass(frozen=True)
class OfficerPlan:
    answer: str = "accept"
    after_s: float = 1.0  # before answering an offered dispatch
    travel_s: float = 1.0  # from accepting to on scene
    on_scene_s: float | None = 1.0  # on scene until resolved; None: the officer does not resolve


@dataclass(frozen=True)
class Step:
    """One line of the timeline. `kind` is the action (press, camera, panel, silence, restore, officer,
    speaker, desk, wait) or `expect` / `expect_none`; `args` its validated arguments."""

    kind: str
    args: dict[str, Any]
    line: int
    at_s: float | None = None  # not before this many seconds after the start
    name: str = ""

    def describe(self) -> str:
        label = f"{self.name}: " if self.name else ""
        return label + self._what()

    def _what(self) -> str:
        if self.kind in ("expect", "expect_none"):
            what = self.args["what"]
            fields = " ".join(f"{k}={v}" for k, v in self.args["match"].items())
            prefix = "no " if self.kind == "expect_none" else ""
            return f"{prefix}{what} {fields}".strip()
        if self.kind == "wait":
            return f"wait {self.args['seconds']:g} s"
        fields = " ".join(f"{k}={v}" for k, v in self.args.items() if v not in (None, False))
        return f"{self.kind} {fields}".strip()


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str
    description: str
    district: Path | None  # the district file a private hub is started with
    officers: dict[str, OfficerPlan]
    speakers: dict[str, str]
    panels: dict[str, str]  # panel device → DC-09 account
    steps: list[Step] = field(default_factory=list)


# Per action: allowed keys → (type, required, choices). Types: str, num, bool, list, any.
_ACTIONS: dict[str, dict[str, tuple[str, bool, tuple[str, ...]]]] = {
    "press": {
        "device": ("str", True, ()),
        "type": ("str", False, PRESS_TYPES),
        "count": ("num", False, ()),
        "rate_per_s": ("num", False, ()),
    },
    "camera": {
        "device": ("str", True, ()),
        "event": ("str", False, CAMERA_EVENTS),
        "zone": ("str", False, ()),
        "score": ("num", False, ()),
        "scene": ("str", False, ()),
        "speed": ("num", False, ()),
    },
    "panel": {
        "device": ("str", True, ()),
        "cid": ("str", False, ()),
        "sia": ("str", False, ()),
        "zone": ("num", False, ()),
        "restore": ("bool", False, ()),
    },
    "silence": {"devices": ("list", False, ()), "site": ("str", False, ()), "offline": ("bool", False, ())},
    "restore": {"devices": ("list", False, ()), "site": ("str", False, ())},
    "officer": {
        "id": ("str", True, ()),
        "answer": ("str", False, ANSWERS),
        "after_s": ("num", False, ()),
        "travel_s": ("num", False, ()),
        "on_scene_s": ("num", False, ()),
        "signed_on": ("bool", False, ()),
    },
    "speaker": {"device": ("str", True, ()), "mode": ("str", True, SPEAKER_MODES)},
    "desk": {
        "action": ("str", True, DESK_ACTIONS),
        "site": ("str", True, ()),
        "officer": ("str", False, ()),
        "disposition": ("str", False, ()),
        "note": ("str", False, ()),
        "message": ("str", False, ()),
        "lang": ("str", False, ()),
    },
}

# Per expectation: the fields it may match on (each optional); values are compared as documented.
_EXPECT_FIELDS: dict[str, tuple[str, ...]] = {
    "incident": (
        "site", "kind", "priority", "state", "test", "event_count", "event_count_at_least",
        "escalation_count_at_least", "count",
    ),
    "dispatch": ("officer", "site", "state", "rule", "count", "count_at_least"),
    "warning": ("site", "speaker", "message", "state", "rule", "count", "count_at_least"),
    "feedback": ("device", "states", "state", "events_at_least"),
    "device": ("device", "online", "heard"),
    "report": ("day", "figure", "equals", "at_least", "at_most"),
}  # fmt: skip
_REQUIRED: dict[str, tuple[str, ...]] = {"feedback": ("device",), "device": ("device",), "report": ("figure",)}
_STEP_COMMON = ("at_s", "name")


def _action_args(kind: str, node: Node, problems: Problems) -> dict[str, Any]:
    spec = _ACTIONS[kind]
    mapping = as_mapping(node, kind, problems)
    if mapping is None:
        return {}
    check_keys(mapping, tuple(spec), kind, problems)
    args: dict[str, Any] = {}
    for key, (typ, required, choices) in spec.items():
        value = mapping.get(key)
        if value is None:
            if required:
                problems.add(node, f"{kind}: {key!r} is required")
            args[key] = None
            continue
        what = f"{kind}.{key}"
        if typ == "str":
            args[key] = as_text(value, what, problems, choices)
        elif typ == "num":
            args[key] = as_number(value, what, problems)
        elif typ == "bool":
            if not isinstance(value.value, bool):
                problems.add(value, f"{what} must be true or false, not {kind_of(value.value)}")
            args[key] = bool(value.value)
        elif typ == "list":
            items = value.value if isinstance(value.value, list) else [value]
            args[key] = [as_text(item, what, problems) for item in items]
    if kind == "camera" and (args.get("event") is None) == (args.get("scene") is None):
        problems.add(
            node, "camera: give either 'event' (one event) or 'scene' (a synthetic scene played through the analytics)"
        )
    if kind == "panel" and (args.get("cid") is None) == (args.get("sia") is None):
        problems.add(node, "panel: give either 'cid' (Contact ID event code) or 'sia' (SIA DCS code)")
    if kind in ("silence", "restore") and not args.get("devices") and not args.get("site"):
        problems.add(node, f"{kind}: give 'devices' (a list) or 'site'")
    if kind == "desk" and args.get("action") == "dispatch" and not args.get("officer"):
        problems.add(node, "desk: a dispatch needs 'officer'")
    if kind == "desk" and args.get("action") == "warn" and not args.get("message"):
        problems.add(node, "desk: a warning needs 'message' (a message id of the library)")
    return args


def _expectation(kind: str, node: Node, problems: Problems) -> dict[str, Any]:
    mapping = as_mapping(node, kind, problems)
    if mapping is None:
        return {}
    window = "for_s" if kind == "expect_none" else "within_s"
    whats = [k for k in mapping if k in _EXPECT_FIELDS]
    check_keys(mapping, (*_EXPECT_FIELDS, window, "since"), kind, problems)
    if len(whats) != 1:
        problems.add(node, f"{kind}: name exactly one of {', '.join(_EXPECT_FIELDS)} (found {len(whats)})")
        return {}
    what = whats[0]
    fields = as_mapping(mapping[what], f"{kind}.{what}", problems) or {}
    check_keys(fields, _EXPECT_FIELDS[what], f"{kind}.{what}", problems)
    for required in _REQUIRED.get(what, ()):
        if required not in fields:
            problems.add(mapping[what], f"{kind}.{what}: {required!r} is required")
    if kind == "expect_none" and what in ("feedback", "device", "report"):
        problems.add(mapping[what], f"expect_none works on incident, dispatch and warning, not {what}")
    if what == "feedback" and "states" in fields and not isinstance(fields["states"].value, list):
        problems.add(fields["states"], "feedback.states must be a list of states, in the order they come")
    seconds = as_number(mapping.get(window), f"{kind}.{window}", problems)
    if seconds is None and window not in mapping:
        problems.add(node, f"{kind}: {window!r} is required (seconds)")
    return {
        "what": what,
        "match": {k: v.plain() for k, v in fields.items()},
        "seconds": seconds or 0.0,
        "since": as_text(mapping.get("since"), f"{kind}.since", problems),
    }


def _step(node: Node, problems: Problems) -> Step | None:
    mapping = as_mapping(node, "a step", problems)
    if mapping is None:
        return None
    kinds = [k for k in mapping if k not in _STEP_COMMON]
    known = (*_ACTIONS, "wait", "expect", "expect_none")
    if len(kinds) != 1 or kinds[0] not in known:
        problems.add(node, f"a step has exactly one of {', '.join(known)} (found: {', '.join(kinds) or 'none'})")
        return None
    kind = kinds[0]
    if kind == "wait":
        args: dict[str, Any] = {"seconds": as_number(mapping["wait"], "wait", problems) or 0.0}
    elif kind in ("expect", "expect_none"):
        args = _expectation(kind, mapping[kind], problems)
    else:
        args = _action_args(kind, mapping[kind], problems)
    at_s = as_number(mapping.get("at_s"), "at_s", problems)
    name = as_text(mapping.get("name"), "name", problems) or ""
    return Step(kind, args, node.line, at_s, name)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; ScenarioError lists every problem with its file and line."""
    path = Path(path)
    root = read_yaml(path)
    problems = Problems(path)
    top = as_mapping(root, "a scenario", problems)
    if top is None:
        raise ScenarioError(problems.items)
    check_keys(
        top, ("name", "description", "district", "officers", "speakers", "panels", "steps"), "scenario", problems
    )
    name = as_text(top.get("name"), "name", problems) or path.stem
    description = as_text(top.get("description"), "description", problems) or ""
    district = None
    if "district" in top:
        text = as_text(top["district"], "district", problems)
        if text:
            district = (path.parent / text).resolve()
            if not district.is_file():
                problems.add(top["district"], f"district file {text!r} not found next to the scenario")
    officers: dict[str, OfficerPlan] = {}
    for officer_id, plan in (
        as_mapping(top["officers"], "officers", problems) or {} if "officers" in top else {}
    ).items():
        officers[officer_id] = _officer_plan(plan, f"officers.{officer_id}", problems)
    speakers = {}
    for device, mode in (as_mapping(top["speakers"], "speakers", problems) or {} if "speakers" in top else {}).items():
        speakers[device] = as_text(mode, f"speakers.{device}", problems, SPEAKER_MODES) or "normal"
    panels = {}
    for device, account in (as_mapping(top["panels"], "panels", problems) or {} if "panels" in top else {}).items():
        panels[device] = as_text(account, f"panels.{device} (the DC-09 account)", problems) or ""
    steps: list[Step] = []
    if "steps" not in top or not isinstance(top["steps"].value, list) or not top["steps"].value:
        problems.add(top.get("steps", root), "'steps' must be a non-empty list")
    else:
        for node in top["steps"].value:
            step = _step(node, problems)
            if step is not None:
                steps.append(step)
        names = {s.name for s in steps if s.name}
        for step in steps:
            since = step.args.get("since")
            if since and since not in names:
                problems.add(step.line, f"since: no step named {since!r}")
            if step.kind == "panel" and step.args.get("device") and step.args["device"] not in panels:
                problems.add(step.line, f"panel {step.args['device']!r} has no DC-09 account under 'panels'")
    if problems.items:
        raise ScenarioError(problems.items)
    return Scenario(path, name, description, district, officers, speakers, panels, steps)


def _officer_plan(node: Node, what: str, problems: Problems) -> OfficerPlan:
    if isinstance(node.value, str):
        return OfficerPlan(answer=as_text(node, what, problems, ANSWERS) or "accept")
    mapping = as_mapping(node, what, problems) or {}
    check_keys(mapping, ("answer", "after_s", "travel_s", "on_scene_s"), what, problems)
    default = OfficerPlan()
    on_scene = mapping.get("on_scene_s")
    return OfficerPlan(
        answer=as_text(mapping.get("answer"), f"{what}.answer", problems, ANSWERS) or default.answer,
        after_s=_or(as_number(mapping.get("after_s"), f"{what}.after_s", problems), default.after_s),
        travel_s=_or(as_number(mapping.get("travel_s"), f"{what}.travel_s", problems), default.travel_s),
        on_scene_s=None
        if on_scene is not None and on_scene.value is None
        else _or(as_number(on_scene, f"{what}.on_scene_s", problems), default.on_scene_s or 1.0),
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
