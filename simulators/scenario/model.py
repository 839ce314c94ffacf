"""Scenario files: YAML read with the line of every value, validated into plain dataclasses.

Every problem is reported as `FILE:LINE: what is wrong`, all of them at once (see `ScenarioError`).
The format is documented in scenarios/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# --- YAML with line numbers ---------------------------------------------------------------------------


class ScenarioError(Exception):
    """Every problem found in a scenario file, each naming the file and line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Node:
    """A YAML value and the (1-based) line it starts on."""

    value: Any  # dict[str, Node] | list[Node] | scalar
    line: int

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _convert(node: yaml.Node) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return Node({str(_scalar(k)): _convert(v) for k, v in node.value}, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(v) for v in node.value], line)
    return Node(_scalar(node), line)


def _scalar(node: yaml.Node) -> Any:
    return yaml.SafeLoader(yaml.safe_dump(None)).construct_object(node)  # resolves int, float, bool, null


def read_yaml(path: Path) -> Node:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ScenarioError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if root is None:
        raise ScenarioError([f"{path}:1: the file is empty"])
    return _convert(root)


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


class _Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, node: Node | int, message: str) -> None:
        line = node if isinstance(node, int) else node.line
        self.items.append(f"{self.path}:{line}: {message}")


def _mapping(node: Node, what: str, problems: _Problems) -> dict[str, Node] | None:
    if not isinstance(node.value, dict):
        problems.add(node, f"{what} must be a mapping (key: value), not {_kind(node.value)}")
        return None
    return node.value


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"{type(value).__name__} {value!r}"


def _keys(mapping: dict[str, Node], allowed: tuple[str, ...], what: str, problems: _Problems) -> None:
    for key, node in mapping.items():
        if key not in allowed:
            problems.add(node, f"{what}: unknown key {key!r} (known: {', '.join(allowed)})")


def _number(node: Node | None, what: str, problems: _Problems, minimum: float = 0.0) -> float | None:
    if node is None:
        return None
    if isinstance(node.value, bool) or not isinstance(node.value, int | float) or node.value < minimum:
        problems.add(node, f"{what} must be a number ≥ {minimum:g}, not {_kind(node.value)}")
        return None
    return node.value


def _text(node: Node | None, what: str, problems: _Problems, choices: tuple[str, ...] = ()) -> str | None:
    if node is None:
        return None
    if isinstance(node.value, int | float) and not isinstance(node.value, bool):
        value = str(node.value)  # an account or a code written without quotes
    elif isinstance(node.value, str) and node.value:
        value = node.value
    else:
        problems.add(node, f"{what} must be text, not {_kind(node.value)}")
        return None
    if choices and value not in choices:
        problems.add(node, f"{what} must be one of {', '.join(choices)}, not {value!r}")
        return None
    return value


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


def _action_args(kind: str, node: Node, problems: _Problems) -> dict[str, Any]:
    spec = _ACTIONS[kind]
    mapping = _mapping(node, kind, problems)
    if mapping is None:
        return {}
    _keys(mapping, tuple(spec), kind, problems)
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
            args[key] = _text(value, what, problems, choices)
        elif typ == "num":
            args[key] = _number(value, what, problems)
        elif typ == "bool":
            if not isinstance(value.value, bool):
                problems.add(value, f"{what} must be true or false, not {_kind(value.value)}")
            args[key] = bool(value.value)
        elif typ == "list":
            items = value.value if isinstance(value.value, list) else [value]
            args[key] = [_text(item, what, problems) for item in items]
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


def _expectation(kind: str, node: Node, problems: _Problems) -> dict[str, Any]:
    mapping = _mapping(node, kind, problems)
    if mapping is None:
        return {}
    window = "for_s" if kind == "expect_none" else "within_s"
    whats = [k for k in mapping if k in _EXPECT_FIELDS]
    _keys(mapping, (*_EXPECT_FIELDS, window, "since"), kind, problems)
    if len(whats) != 1:
        problems.add(node, f"{kind}: name exactly one of {', '.join(_EXPECT_FIELDS)} (found {len(whats)})")
        return {}
    what = whats[0]
    fields = _mapping(mapping[what], f"{kind}.{what}", problems) or {}
    _keys(fields, _EXPECT_FIELDS[what], f"{kind}.{what}", problems)
    for required in _REQUIRED.get(what, ()):
        if required not in fields:
            problems.add(mapping[what], f"{kind}.{what}: {required!r} is required")
    if kind == "expect_none" and what in ("feedback", "device", "report"):
        problems.add(mapping[what], f"expect_none works on incident, dispatch and warning, not {what}")
    if what == "feedback" and "states" in fields and not isinstance(fields["states"].value, list):
        problems.add(fields["states"], "feedback.states must be a list of states, in the order they come")
    seconds = _number(mapping.get(window), f"{kind}.{window}", problems)
    if seconds is None and window not in mapping:
        problems.add(node, f"{kind}: {window!r} is required (seconds)")
    return {
        "what": what,
        "match": {k: v.plain() for k, v in fields.items()},
        "seconds": seconds or 0.0,
        "since": _text(mapping.get("since"), f"{kind}.since", problems),
    }


def _step(node: Node, problems: _Problems) -> Step | None:
    mapping = _mapping(node, "a step", problems)
    if mapping is None:
        return None
    kinds = [k for k in mapping if k not in _STEP_COMMON]
    known = (*_ACTIONS, "wait", "expect", "expect_none")
    if len(kinds) != 1 or kinds[0] not in known:
        problems.add(node, f"a step has exactly one of {', '.join(known)} (found: {', '.join(kinds) or 'none'})")
        return None
    kind = kinds[0]
    if kind == "wait":
        args: dict[str, Any] = {"seconds": _number(mapping["wait"], "wait", problems) or 0.0}
    elif kind in ("expect", "expect_none"):
        args = _expectation(kind, mapping[kind], problems)
    else:
        args = _action_args(kind, mapping[kind], problems)
    at_s = _number(mapping.get("at_s"), "at_s", problems)
    name = _text(mapping.get("name"), "name", problems) or ""
    return Step(kind, args, node.line, at_s, name)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; ScenarioError lists every problem with its file and line."""
    path = Path(path)
    root = read_yaml(path)
    problems = _Problems(path)
    top = _mapping(root, "a scenario", problems)
    if top is None:
        raise ScenarioError(problems.items)
    _keys(top, ("name", "description", "district", "officers", "speakers", "panels", "steps"), "scenario", problems)
    name = _text(top.get("name"), "name", problems) or path.stem
    description = _text(top.get("description"), "description", problems) or ""
    district = None
    if "district" in top:
        text = _text(top["district"], "district", problems)
        if text:
            district = (path.parent / text).resolve()
            if not district.is_file():
                problems.add(top["district"], f"district file {text!r} not found next to the scenario")
    officers: dict[str, OfficerPlan] = {}
    for officer_id, plan in (
        _mapping(top["officers"], "officers", problems) or {} if "officers" in top else {}
    ).items():
        officers[officer_id] = _officer_plan(plan, f"officers.{officer_id}", problems)
    speakers = {}
    for device, mode in (_mapping(top["speakers"], "speakers", problems) or {} if "speakers" in top else {}).items():
        speakers[device] = _text(mode, f"speakers.{device}", problems, SPEAKER_MODES) or "normal"
    panels = {}
    for device, account in (_mapping(top["panels"], "panels", problems) or {} if "panels" in top else {}).items():
        panels[device] = _text(account, f"panels.{device} (the DC-09 account)", problems) or ""
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


def _officer_plan(node: Node, what: str, problems: _Problems) -> OfficerPlan:
    if isinstance(node.value, str):
        return OfficerPlan(answer=_text(node, what, problems, ANSWERS) or "accept")
    mapping = _mapping(node, what, problems) or {}
    _keys(mapping, ("answer", "after_s", "travel_s", "on_scene_s"), what, problems)
    default = OfficerPlan()
    on_scene = mapping.get("on_scene_s")
    return OfficerPlan(
        answer=_text(mapping.get("answer"), f"{what}.answer", problems, ANSWERS) or default.answer,
        after_s=_or(_number(mapping.get("after_s"), f"{what}.after_s", problems), default.after_s),
        travel_s=_or(_number(mapping.get("travel_s"), f"{what}.travel_s", problems), default.travel_s),
        on_scene_s=None
        if on_scene is not None and on_scene.value is None
        else _or(_number(on_scene, f"{what}.on_scene_s", problems), default.on_scene_s or 1.0),
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
