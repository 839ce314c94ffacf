"""Expectations of a scenario, checked against what the observer saw of the hub.

`check` answers when an expectation was first met (a monotonic time) or None, and, for the report, what was
seen that came closest: each candidate with the fields that differ, `field=seen (expected X)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulators.scenario.observe import Record, Snapshot


@dataclass(frozen=True)
class Outcome:
    met_at: float | None  # monotonic time the expectation was first met
    seen: list[str]  # what came closest (failures) or what met it (passes)


# expectation field → (object field, comparison)
Compare = Callable[[Any, Any], bool]


def _equal(seen: Any, expected: Any) -> bool:
    return seen == expected or (seen is not None and str(seen) == str(expected))


def _at_least(seen: Any, expected: Any) -> bool:
    return isinstance(seen, int | float) and seen >= expected


_FIELDS: dict[str, dict[str, tuple[str, Compare]]] = {
    "incident": {
        "site": ("site_id", _equal),
        "kind": ("kind", _equal),
        "priority": ("priority", _equal),
        "state": ("state", _equal),
        "test": ("test", _equal),
        "event_count": ("event_count", _equal),
        "event_count_at_least": ("event_count", _at_least),
        "escalation_count_at_least": ("escalation_count", _at_least),
    },
    "dispatch": {
        "officer": ("officer_id", _equal),
        "site": ("site_id", _equal),
        "state": ("state", _equal),
        "rule": ("rule", _equal),
    },
    "warning": {
        "site": ("site_id", _equal),
        "speaker": ("speaker_id", _equal),
        "message": ("message_id", _equal),
        "state": ("state", _equal),
        "rule": ("rule_id", _equal),
    },
}
_COUNTS = ("count", "count_at_least")


def check(what: str, match: dict[str, Any], snapshot: Snapshot) -> Outcome:
    if what in _FIELDS:
        table = {"incident": snapshot.incidents, "dispatch": snapshot.dispatches, "warning": snapshot.warnings}[what]
        return _check_records(what, match, table)
    if what == "feedback":
        return _check_feedback(match, snapshot)
    if what == "device":
        return _check_device(match, snapshot)
    raise ValueError(f"cannot check {what!r} from a snapshot")


def matching_since(what: str, match: dict[str, Any], snapshot: Snapshot, since: float) -> list[str]:
    """expect_none: every object of the kind that matched at some moment after `since`."""
    table = {"incident": snapshot.incidents, "dispatch": snapshot.dispatches, "warning": snapshot.warnings}[what]
    fields = {k: v for k, v in match.items() if k not in _COUNTS}
    found = []
    for object_id, record in sorted(table.items()):
        for at, value in record.versions:
            if at >= since and not _differences(what, fields, value):
                found.append(_describe(what, object_id, value, fields, at - since))
                break
    return found


def _differences(what: str, fields: dict[str, Any], value: dict[str, Any]) -> list[str]:
    differences = []
    for name, expected in fields.items():
        key, compare = _FIELDS[what][name]
        if not compare(value.get(key), expected):
            differences.append(name)
    return differences


def _first_match(what: str, fields: dict[str, Any], record: Record) -> float | None:
    for at, value in record.versions:
        if not _differences(what, fields, value):
            return at
    return None


def _check_records(what: str, match: dict[str, Any], table: dict[int, Record]) -> Outcome:
    fields = {k: v for k, v in match.items() if k not in _COUNTS}
    firsts = {object_id: _first_match(what, fields, record) for object_id, record in table.items()}
    matched = {i: at for i, at in firsts.items() if at is not None}
    exact, at_least = match.get("count"), match.get("count_at_least")
    if exact is not None or at_least is not None:
        # Counted on the latest version of each: "exactly one incident at the site" now.
        current = {i: at for i, at in matched.items() if not _differences(what, fields, table[i].latest)}
        number = len(current)
        met = number == exact if exact is not None else number >= (at_least or 0)
        described = [_describe(what, i, table[i].latest, fields) for i in sorted(current)]
        summary = f"{number} {what}(s) matching"
        if met:
            return Outcome(max(current.values(), default=None), [summary, *described[:5]])
        return Outcome(None, [summary, *described[:5]] if described else [summary, *_closest(what, fields, table)])
    if matched:
        object_id = min(matched, key=lambda i: matched[i])
        return Outcome(
            matched[object_id], [_describe(what, object_id, _version_at(table[object_id], matched[object_id]), fields)]
        )
    return Outcome(None, _closest(what, fields, table))


def _version_at(record: Record, at: float) -> dict[str, Any]:
    return next(value for when, value in record.versions if when == at)


def _closest(what: str, fields: dict[str, Any], table: dict[int, Record]) -> list[str]:
    if not table:
        return [f"no {what} at all"]
    ranked = sorted(table.items(), key=lambda item: (len(_differences(what, fields, item[1].latest)), -item[0]))
    return [_describe(what, object_id, record.latest, fields) for object_id, record in ranked[:3]]


def _describe(
    what: str, object_id: int, value: dict[str, Any], fields: dict[str, Any], after: float | None = None
) -> str:
    parts = []
    for name, expected in fields.items():
        key, compare = _FIELDS[what][name]
        seen = value.get(key)
        parts.append(
            f"{key}={seen}" if compare(seen, expected) else f"{key}={seen} (expected {_expected(name, expected)})"
        )
    extra = {
        "incident": ("site_id", "kind", "state"),
        "dispatch": ("officer_id", "state"),
        "warning": ("speaker_id", "state", "error"),
    }
    shown = {p.split("=", 1)[0] for p in parts}
    parts += [f"{k}={value.get(k)}" for k in extra[what] if k not in shown and value.get(k) is not None]
    when = f" {after:.1f} s after the reference" if after is not None else ""
    return f"{what} #{object_id}: " + ", ".join(parts) + when


def _expected(name: str, value: Any) -> str:
    return f"≥ {value}" if name.endswith("_at_least") else str(value)


def _check_feedback(match: dict[str, Any], snapshot: Snapshot) -> Outcome:
    device = match["device"]
    messages = [f for f in snapshot.feedback if f.device == device]
    seen_states: list[str] = []
    for f in messages:
        if not seen_states or seen_states[-1] != f.state:
            seen_states.append(f.state)
    met_at: float | None = None
    summary = f"feedback to {device}: {' → '.join(seen_states) or 'none'}"
    if "states" in match:
        wanted = [str(s) for s in match["states"]]
        position = 0
        for f in messages:
            if position < len(wanted) and f.state == wanted[position]:
                position += 1
                if position == len(wanted):
                    met_at = f.at
                    break
        if met_at is None:
            return Outcome(None, [summary, f"expected in this order: {' → '.join(wanted)}"])
    if "state" in match or "events_at_least" in match:
        state = str(match.get("state", "received"))
        needed = int(match.get("events_at_least", 1))
        events: dict[str, float] = {}
        for f in messages:
            if f.state == state:
                events.setdefault(f.event_id, f.at)
        if len(events) < needed:
            return Outcome(None, [f"{len(events)} press(es) of {device} got {state!r} (expected ≥ {needed})"])
        at = sorted(events.values())[needed - 1]
        met_at = max(met_at or at, at)
        summary += f"; {len(events)} press(es) got {state!r}"
    return Outcome(met_at, [summary])


def _check_device(match: dict[str, Any], snapshot: Snapshot) -> Outcome:
    at, health = snapshot.device_health
    device = next((d for d in health if d.get("id") == match["device"]), None)
    if device is None:
        return Outcome(
            None, [f"device {match['device']} not in /api/v1/devices/health" if health else "no device health read yet"]
        )
    parts, ok = [], True
    for name in ("online", "heard"):
        if name in match:
            good = device.get(name) == match[name]
            ok = ok and good
            parts.append(f"{name}={device.get(name)}" + ("" if good else f" (expected {match[name]})"))
    return Outcome(at if ok else None, [f"device {match['device']}: " + ", ".join(parts)])


def report_figure(report: Any, path: str) -> Any:
    """A figure of the report JSON by a dotted path; a list is indexed by position or by `key=value`
    (e.g. `drills.sites.site_id=school-drill.passed`). KeyError names the part not found."""
    value = report
    for part in path.split("."):
        if isinstance(value, list):
            if "=" in part:
                key, _, wanted = part.partition("=")
                value = next((v for v in value if isinstance(v, dict) and str(v.get(key)) == wanted), None)
                if value is None:
                    raise KeyError(part)
            elif part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            elif part == "count":
                value = len(value)
            else:
                raise KeyError(part)
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            known = ", ".join(sorted(value)) if isinstance(value, dict) else type(value).__name__
            raise KeyError(f"{part} (there: {known})")
    return value


def compare_figure(value: Any, match: dict[str, Any]) -> list[str]:
    """The ways a report figure misses its expectation (empty when it meets it)."""
    misses = []
    if "equals" in match and not _equal(value, match["equals"]):
        misses.append(f"expected {match['equals']}")
    if "at_least" in match and not _at_least(value, match["at_least"]):
        misses.append(f"expected ≥ {match['at_least']}")
    if "at_most" in match and not (isinstance(value, int | float) and value <= match["at_most"]):
        misses.append(f"expected ≤ {match['at_most']}")
    return misses
