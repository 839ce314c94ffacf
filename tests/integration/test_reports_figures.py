"""Supervisors' reports against the private PostgreSQL, every figure: a generated history with known clocks
(simulators/history/) is written into a fresh database, and every figure of the month's report is checked
against values computed here, in plain Python, from the generated objects (never from the database)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest

from hub.domain.district import District
from simulators.history import GenEvent, GenIncident, GenWarning, generate
from tests.integration.test_reports import (
    END,
    NOW,
    START,
    district,
    report_of,
)
from tests.integration.test_reports import (
    pool as pool,  # a fixture
)


def _p90(values: list[float]) -> float:
    return values[0] if len(values) == 1 else statistics.quantiles(values, n=10, method="inclusive")[8]


def _seconds(a: datetime | None, b: datetime | None) -> float | None:
    return None if a is None or b is None else (a - b).total_seconds()


def _judge(reached: float | None, target: float, open_for: float) -> bool | None:
    if reached is not None:
        return reached <= target
    return False if open_for > target else None


def expected_step(incidents: list[GenIncident], d: District, step: str) -> dict[str, Any]:
    taken: list[float] = []
    judged: list[bool] = []
    for i in incidents:
        targets = d.targets[i.priority]  # type: ignore[index]
        closed = i.closed_at or NOW
        if step == "ack":
            reached = _seconds(i.acknowledged_at, i.created_at)
            verdict = _judge(reached, targets.ack_s, _seconds(closed, i.created_at))  # type: ignore[arg-type]
        elif step == "accept":
            reached = _seconds(i.accepted_at, i.created_at)
            verdict = None
            if i.dispatched_at is not None:
                verdict = _judge(
                    _seconds(i.accepted_at, i.dispatched_at),
                    targets.accept_s,
                    _seconds(closed, i.dispatched_at),  # type: ignore[arg-type]
                )
        else:
            reached = _seconds(i.on_scene_at, i.created_at)
            verdict = None
            if i.dispatched_at is not None:
                verdict = _judge(reached, targets.arrival_s, _seconds(closed, i.created_at))  # type: ignore[arg-type]
        if reached is not None:
            taken.append(reached)
        if verdict is not None:
            judged.append(verdict)
    return {
        "n": len(taken),
        "median_s": statistics.median(taken) if taken else None,
        "p90_s": _p90(taken) if taken else None,
        "due": len(judged),
        "within": sum(judged),
        "share_within": sum(judged) / len(judged) if judged else None,
    }


def _count(values: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return dict(counts)


def expected_stats(
    all_incidents: list[GenIncident], d: District, warnings: int, dispatches: bool = False
) -> dict[str, Any]:
    incidents = [i for i in all_incidents if not i.test]
    resolved = [i for i in incidents if i.state == "resolved"]
    false_alarms = sum(i.disposition == "false_alarm" for i in resolved)
    stats: dict[str, Any] = {
        "incidents": len(incidents),
        "test_incidents": len(all_incidents) - len(incidents),
        "by_kind": _count(i.kind for i in incidents),
        "by_priority": _count(f"P{i.priority}" for i in incidents),
        "by_disposition": _count(i.disposition or "open" for i in incidents),
        **{step: expected_step(incidents, d, step) for step in ("ack", "accept", "arrive")},
        "escalated_incidents": sum(i.escalation_count > 0 for i in incidents),
        "escalations": sum(i.escalation_count for i in incidents),
        "arrival_overdue": sum(i.arrival_overdue_at is not None for i in incidents),
        "resolved": len(resolved),
        "false_alarms": false_alarms,
        "false_alarm_rate": false_alarms / len(resolved) if resolved else None,
        "warnings": warnings,
    }
    return stats


def assert_stats(actual: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    for key, value in expected.items():
        got = actual[key]
        if isinstance(value, dict) and "median_s" in value:
            for k, v in value.items():
                assert got[k] == pytest.approx(v, abs=1e-3), f"{where}: {key}.{k}"
        elif isinstance(value, float):
            assert got == pytest.approx(value), f"{where}: {key}"
        else:
            assert got == value, f"{where}: {key}: {got!r} != {value!r}"


def in_period(at: datetime, start: datetime = START, end: datetime = END) -> bool:
    return start <= at < end


def expected_outages(changes: list[GenEvent], start: datetime, end: datetime) -> list[tuple[datetime, datetime, bool]]:
    """(from, to, still offline at the end) of one device, computed by walking its history."""
    spans = []
    down: datetime | None = None
    for event in sorted(changes, key=lambda e: e.occurred_at):
        if event.occurred_at >= end:
            break
        if event.type == "offline" and down is None:
            down = event.occurred_at
        elif event.type == "online" and down is not None:
            if event.occurred_at > start:
                spans.append((max(down, start), event.occurred_at, False))
            down = None
    if down is not None:
        spans.append((max(down, start), end, True))
    return [span for span in spans if span[1] > span[0]]


async def test_every_figure_of_a_generated_month_matches_an_independent_computation(pool: asyncpg.Pool) -> None:
    d = district(sites=12, test_mode_sites=1, buttons_per_site=2)
    history = generate(d, START - timedelta(days=12), END + timedelta(days=8), incidents=700, seed=11)
    report = await report_of(pool, d, history)

    cohort = [i for i in history.incidents if in_period(i.created_at)]
    assert 400 < len(cohort) < 600
    warnings = [w for w in history.warnings if in_period(w.created_at)]
    by_id = {i.id: i for i in cohort}

    def warnings_at(keep: Callable[[GenWarning], bool]) -> int:
        return sum(1 for w in warnings if keep(w))

    # Every figure checked below is defined in the report itself, in both languages.
    stated = {x["figure"]: x for x in report["definitions"]}
    assert set(stated) == {
        "incidents", "times", "within_target", "officers", "escalated", "false_alarm_rate", "warnings", "drills",
        "availability", "patrol_coverage", "video_verification", "step_compliance",
        "deterrence",
    }  # fmt: skip
    assert all(x["zh"] and x["en"] for x in stated.values())
    assert "dispatched and never accepted" in stated["officers"]["en"] and "无人接警" in stated["officers"]["zh"]

    assert_stats(report["totals"], expected_stats(cohort, d, len(warnings)), "district")
    for row in report["grids"]:
        sites = {s.id for s in d.sites.values() if s.grid_id == row["id"]}
        expected = expected_stats(
            [i for i in cohort if i.site_id in sites], d, warnings_at(lambda w, sites=sites: w.site_id in sites)
        )
        assert_stats(row, expected, f"grid {row['id']}")
    for row in report["sites"]:
        site_id = row["id"]
        expected = expected_stats(
            [i for i in cohort if i.site_id == site_id], d, warnings_at(lambda w, s=site_id: w.site_id == s)
        )
        assert_stats(row, expected, f"site {site_id}")
    assert sum(r["incidents"] for r in report["sites"]) == report["totals"]["incidents"]

    officer_rows = {o["id"]: o for o in report["officers"]}
    assert set(officer_rows) == {*d.officers, None}
    for officer_id, row in officer_rows.items():
        if officer_id is None:  # dispatched and never accepted; never dispatched is nobody's figure
            mine = [i for i in cohort if i.accepted_by is None and i.dispatched_at is not None and not i.test]
            assert 0 < len(mine) < len([i for i in cohort if i.accepted_by is None and not i.test])
        else:
            mine = [i for i in cohort if i.accepted_by == officer_id and not i.test]
        linked = warnings_at(lambda w, o=officer_id: w.incident_id in by_id and by_id[w.incident_id].accepted_by == o)
        assert_stats(row, expected_stats(mine, d, linked if officer_id else 0), f"officer {officer_id}")
        if officer_id is not None:
            offered = [x for i in cohort if not i.test for x in i.dispatches if x.officer_id == officer_id]
            assert row["dispatches"] == {
                "offered": len(offered),
                "declined": sum(x.state == "declined" for x in offered),
                "timed_out": sum(x.state == "timed_out" for x in offered),
            }, officer_id

    # Drills: a test press received in October passes its button; a site passes when all its buttons did.
    presses: dict[str, list[datetime]] = defaultdict(list)
    for e in history.events:
        if e.type == "test" and in_period(e.received_at):
            presses[e.device_id].append(e.received_at)
    drills = {s["site_id"]: s for s in report["drills"]["sites"]}
    assert set(drills) == set(d.sites)
    statuses = []
    for site in d.sites.values():
        buttons = [dev.id for dev in d.devices.values() if dev.site_id == site.id and dev.kind == "button"]
        passed = [b for b in buttons if presses.get(b)]
        status = "passed" if len(passed) == len(buttons) else "partial" if passed else "missing"
        statuses.append(status)
        row = drills[site.id]
        assert (row["status"], row["buttons"], row["buttons_passed"]) == (status, len(buttons), len(passed))
        for device in row["devices"]:
            times = presses.get(device["device_id"], [])
            assert device["presses"] == len(times)
            assert device["passed"] == bool(times)
            if times:
                assert datetime.fromisoformat(device["first_at"]) == min(times)
                assert datetime.fromisoformat(device["last_at"]) == max(times)
    assert report["drills"]["summary"] == {
        "sites": len(d.sites),
        **{s: statuses.count(s) for s in ("passed", "partial", "missing")},
    }
    assert len(set(statuses)) > 1

    # Availability: outages from offline/online events clipped to October.
    window = (END - START).total_seconds()
    rows = {r["device_id"]: r for r in report["availability"]["devices"]}
    assert set(rows) == set(d.devices)
    with_outages = 0
    for device in d.devices.values():
        changes = [e for e in history.events if e.device_id == device.id and e.type in ("offline", "online")]
        spans = expected_outages(changes, START, END)
        down = sum((b - a).total_seconds() for a, b, _ in spans)
        row = rows[device.id]
        assert row["outages"] == len(spans), device.id
        assert row["downtime_s"] == pytest.approx(down, abs=1e-3), device.id
        assert row["uptime_share"] == pytest.approx(1 - down / window), device.id
        longest = max(spans, key=lambda span: (span[1] - span[0], -span[0].timestamp()), default=None)
        if longest:
            with_outages += 1
            assert row["longest_outage_s"] == pytest.approx((longest[1] - longest[0]).total_seconds(), abs=1e-3)
            assert datetime.fromisoformat(row["longest_outage_from"]) == longest[0]
        assert row["offline_at_end"] == any(ongoing for _, _, ongoing in spans), device.id
    assert report["availability"]["summary"]["with_outages"] == with_outages > 0
    assert report["availability"]["summary"]["uptime_share"] == pytest.approx(
        statistics.mean(r["uptime_share"] for r in rows.values())
    )
