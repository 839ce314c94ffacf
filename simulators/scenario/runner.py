"""Plays a scenario against a running hub and reports what passed, what failed (expected against seen) and the
timings measured. The hub is reached only through its public interfaces: REST, WebSocket and MQTT (and DC-09
for panels)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from devices.contract import Topics
from devices.link import DeviceLink
from simulators.officer import start_positions
from simulators.scenario.devices import RegisteredDevice, ScenarioDevices
from simulators.scenario.expect import check, compare_figure, matching_since, report_figure
from simulators.scenario.model import OfficerPlan, Scenario, Step
from simulators.scenario.observe import Observer

log = structlog.get_logger(__name__)

CHECK_EVERY_S = 0.1


@dataclass(frozen=True)
class Target:
    """Where the hub is and how to reach it."""

    http_url: str
    mqtt_url: str  # an account that may speak for every device and read their feedback
    token: str  # a duty API token
    supervisor_token: str | None = None  # for report expectations
    topic_prefix: str = "sentinel"
    dc09: tuple[str, int] | None = None  # the hub's DC-09 receiver (TCP), for panels


@dataclass
class StepResult:
    step: Step
    ok: bool
    seconds: float | None = None  # expectation: from its reference to when it was met; action: how long it took
    limit_s: float | None = None
    seen: list[str] = field(default_factory=list)
    expected: str = ""

    @property
    def is_expectation(self) -> bool:
        return self.step.kind in ("expect", "expect_none")


@dataclass
class Report:
    scenario: Scenario
    results: list[StepResult]
    seconds: float
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(r.ok for r in self.results) and not self.problems and bool(self.results)

    def failures(self) -> list[StepResult]:
        return [r for r in self.results if not r.ok]

    def render(self) -> str:
        lines = [f"scenario: {self.scenario.name}  ({self.scenario.path})"]
        for r in self.results:
            mark = "PASS" if r.ok else "FAIL"
            where = f"line {r.step.line}"
            if r.is_expectation:
                timing = f"{r.seconds:6.2f} s" if r.seconds is not None else "   —    "
                limit = f"(limit {r.limit_s:g} s)" if r.step.kind == "expect" else f"(watched {r.limit_s:g} s)"
                lines.append(f"  {mark}  {where:9} {r.step.describe():60} {timing} {limit}")
            else:
                timing = f"{r.seconds:6.2f} s" if r.seconds is not None else ""
                lines.append(f"  {mark}  {where:9} {r.step.describe():60} {timing}")
            if not r.ok:
                lines.append(f"        expected: {r.expected}")
                for n, seen in enumerate(r.seen or ["nothing"]):
                    lines.append(f"        {'seen:    ' if n == 0 else '         '} {seen}")
        for problem in self.problems:
            lines.append(f"  ERROR {problem}")
        failed = len(self.failures())
        verdict = "PASS" if self.passed else f"FAIL ({failed} of {len(self.results)} steps failed)"
        lines.append(f"result: {verdict} in {self.seconds:.1f} s")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.name,
            "file": str(self.scenario.path),
            "passed": self.passed,
            "seconds": round(self.seconds, 3),
            "steps": [
                {
                    "line": r.step.line,
                    "step": r.step.describe(),
                    "kind": r.step.kind,
                    "ok": r.ok,
                    "seconds": None if r.seconds is None else round(r.seconds, 3),
                    "limit_s": r.limit_s,
                    "expected": r.expected,
                    "seen": r.seen,
                }
                for r in self.results
            ],
            "problems": self.problems,
        }


Progress = Callable[[str], None]


async def run_scenario(scenario: Scenario, target: Target, progress: Progress | None = None) -> Report:
    say = progress or (lambda _line: None)
    started = time.monotonic()
    topics = Topics(target.topic_prefix)
    observer = Observer(target.http_url, target.token, target.supervisor_token, topics)
    link = await asyncio.to_thread(DeviceLink(target.mqtt_url, f"sentinel-scenario-{uuid.uuid4().hex[:8]}").connect)
    results: list[StepResult] = []
    problems: list[str] = []
    devices: ScenarioDevices | None = None
    try:
        await observer.start(link)
        observer.watch_devices = any(s.args.get("what") == "device" for s in scenario.steps)
        registry = [
            RegisteredDevice(d["id"], d["site_id"], d["kind"], float(d["report_interval_s"]))
            for d in (await observer.get("/api/v1/devices"))["devices"]
        ]
        starts = await _officer_starts(observer)
        devices = ScenarioDevices(link, topics, registry, starts, scenario.panels, target.dc09)
        await devices.start(scenario.officers, scenario.speakers)
        player = _Player(scenario, observer, devices, say)
        results = await player.play()
    except Exception as exc:  # the report must still come out, naming what broke
        log.exception("scenario.aborted", scenario=scenario.name)
        problems.append(f"the scenario could not run: {type(exc).__name__}: {exc}")
    finally:
        if devices is not None:
            await devices.stop()
        await observer.stop()
        await asyncio.to_thread(link.close)
    problems += sorted(set(observer.errors))[:5] if not results or not all(r.ok for r in results) else []
    return Report(scenario, results, time.monotonic() - started, problems)


async def _officer_starts(observer: Observer) -> dict[str, tuple[float, float]]:
    """Each officer starts somewhere in their grid (around its sites), as `sentinel demo` places them."""
    sites = [
        s
        for s in (await observer.get("/api/v1/sites"))["sites"]
        if s.get("lat") is not None and s.get("lon") is not None
    ]
    anchors = []
    for officer in (await observer.get("/api/v1/officers"))["officers"]:
        grid_sites = [s for s in sites if s.get("grid_id") == officer.get("grid_id")] or sites
        if not grid_sites:
            anchors.append((officer["id"], 39.9, 116.4))
            continue
        lat = sum(s["lat"] for s in grid_sites) / len(grid_sites)
        lon = sum(s["lon"] for s in grid_sites) / len(grid_sites)
        anchors.append((officer["id"], lat, lon))
    return start_positions(anchors, seed=7)


class _Player:
    def __init__(self, scenario: Scenario, observer: Observer, devices: ScenarioDevices, say: Progress) -> None:
        self.scenario = scenario
        self.observer = observer
        self.devices = devices
        self.say = say
        self.start = time.monotonic()
        self.last_action_at = self.start
        self.named: dict[str, float] = {}

    async def play(self) -> list[StepResult]:
        results: list[StepResult] = []
        total = len(self.scenario.steps)
        for n, step in enumerate(self.scenario.steps, 1):
            if step.at_s is not None:
                delay = self.start + step.at_s - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            failed = sum(not r.ok for r in results)
            self.say(f"[{n}/{total}] {time.monotonic() - self.start:6.1f} s  {failed} failed  {step.describe()}")
            began = time.monotonic()
            if step.kind == "expect":
                result = await self._expect(step)
            elif step.kind == "expect_none":
                result = await self._expect_none(step)
            else:
                self.last_action_at = began
                result = await self._act(step)
            if step.name:
                self.named[step.name] = began
            results.append(result)
        return results

    # --- actions ------------------------------------------------------------------------------
    async def _act(self, step: Step) -> StepResult:
        began = time.monotonic()
        try:
            detail = await self._do(step)
        except (ValueError, ConnectionError, OSError) as exc:
            return StepResult(step, False, time.monotonic() - began, expected="the action to succeed", seen=[str(exc)])
        return StepResult(step, True, time.monotonic() - began, seen=[detail] if detail else [])

    async def _do(self, step: Step) -> str:
        a, d = step.args, self.devices
        if step.kind == "wait":
            await asyncio.sleep(a["seconds"])
            return ""
        if step.kind == "press":
            ids = await d.press(a["device"], a["type"] or "panic", int(a["count"] or 1), a["rate_per_s"])
            return f"{len(ids)} press(es) confirmed by the broker"
        if step.kind == "camera":
            if a["scene"]:
                found = await d.camera_scene(a["device"], a["scene"], a["speed"] or 10.0)
                return f"the analytics found {found} event(s) in scene {a['scene']}"
            await d.camera_event(a["device"], a["event"], a["zone"], a["score"])
            return ""
        if step.kind == "panel":
            return await d.panel(a["device"], a["cid"], a["sia"], int(a["zone"] or 0), bool(a["restore"]))
        if step.kind == "silence":
            await d.silence(d.resolve_devices(a["devices"], a["site"]), bool(a["offline"]))
            return ""
        if step.kind == "restore":
            await d.restore(d.resolve_devices(a["devices"], a["site"]))
            return ""
        if step.kind == "officer":
            plan = self.scenario.officers.get(a["id"], OfficerPlan())
            plan = OfficerPlan(
                answer=a["answer"] or plan.answer,
                after_s=plan.after_s if a["after_s"] is None else a["after_s"],
                travel_s=plan.travel_s if a["travel_s"] is None else a["travel_s"],
                on_scene_s=plan.on_scene_s if a["on_scene_s"] is None else a["on_scene_s"],
            )
            await d.set_officer(a["id"], plan, signed_on=a["signed_on"] is not False)
            return ""
        if step.kind == "speaker":
            await d.set_speaker(a["device"], a["mode"])
            return ""
        if step.kind == "desk":
            return await self._desk(a)
        raise ValueError(f"unknown step {step.kind}")

    async def _desk(self, a: dict[str, Any]) -> str:
        """What the duty desk does in the console, through the same REST API."""
        action, site = a["action"], a["site"]
        if action == "warn":
            body = {"site_id": site, "message_id": a["message"], "lang": a["lang"] or "zh-CN", "repeat": 1}
            status, answer = await self.observer.post("/api/v1/warnings", body)
            if status >= 400:
                raise ValueError(f"POST /api/v1/warnings answered {status}: {answer}")
            return ""
        incidents = (await self.observer.get("/api/v1/incidents?state=open"))["incidents"]
        at_site = [i for i in incidents if i.get("site_id") == site]
        if not at_site:
            raise ValueError(f"no open incident at {site} to {action}")
        incident_id = max(i["id"] for i in at_site)
        body = {
            "ack": {},
            "dispatch": {"officer_id": a["officer"]},
            "resolve": {"disposition": a["disposition"] or "genuine", "note": a["note"] or ""},
            "cancel": {"note": a["note"] or "scenario"},
        }[action]
        status, answer = await self.observer.post(f"/api/v1/incidents/{incident_id}/{action}", body)
        if status >= 400:
            raise ValueError(f"POST /api/v1/incidents/{incident_id}/{action} answered {status}: {answer}")
        return f"incident #{incident_id}"

    # --- expectations -------------------------------------------------------------------------
    def _reference(self, step: Step) -> float:
        since = step.args.get("since")
        return self.named.get(since, self.last_action_at) if since is not None else self.last_action_at

    async def _expect(self, step: Step) -> StepResult:
        what, match, within = step.args["what"], step.args["match"], step.args["seconds"]
        reference = self._reference(step)
        deadline = reference + within
        expected = _expected_text(what, match)
        while True:
            if what == "report":
                met_at, seen = await self._report(match)
            else:
                outcome = check(what, match, self.observer.snapshot())
                met_at, seen = outcome.met_at, outcome.seen
            if met_at is not None:
                seconds = max(0.0, met_at - reference)
                if seconds <= within:
                    return StepResult(step, True, seconds, within, seen, expected)
                return StepResult(
                    step,
                    False,
                    seconds,
                    within,
                    [*seen, f"met {seconds:.2f} s after, later than {within:g} s"],
                    expected,
                )
            if time.monotonic() >= deadline:
                return StepResult(step, False, None, within, seen, f"{expected} within {within:g} s")
            await asyncio.sleep(CHECK_EVERY_S if what != "report" else 1.0)

    async def _expect_none(self, step: Step) -> StepResult:
        what, match, watch = step.args["what"], step.args["match"], step.args["seconds"]
        reference = self._reference(step)
        await asyncio.sleep(max(0.0, reference + watch - time.monotonic()))
        found = matching_since(what, match, self.observer.snapshot(), reference)
        expected = f"no {_expected_text(what, match)} for {watch:g} s"
        return StepResult(step, not found, None, watch, found, expected)

    async def _report(self, match: dict[str, Any]) -> tuple[float | None, list[str]]:
        today = datetime.now(UTC).date()
        day = match.get("day")
        query = (
            f"period=day&date={day}"
            if day and day != "today"
            else f"period=custom&from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
        )
        try:
            report = await self.observer.get(f"/api/v1/reports?{query}", supervisor=True)
            value = report_figure(report, str(match["figure"]))
        except KeyError as exc:
            return None, [f"the report has no {match['figure']!r} (missing part {exc})"]
        except Exception as exc:
            return None, [f"GET /api/v1/reports failed: {exc}"]
        misses = compare_figure(value, match)
        if misses:
            return None, [f"{match['figure']} = {value} ({', '.join(misses)})"]
        return time.monotonic(), [f"{match['figure']} = {value}"]


def _expected_text(what: str, match: dict[str, Any]) -> str:
    return f"{what} " + ", ".join(f"{k}={v}" for k, v in match.items())
