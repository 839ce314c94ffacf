"""Supervisors' reports against the private PostgreSQL: a small worked example with hand-picked numbers,
periods cut in the district's time zone, empty and current periods, and patrol coverage per shift.
(Every figure of a generated month: test_reports_figures.py.)"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.reports import PostgresReports
from hub.config.district import parse_district
from hub.domain.district import District
from hub.domain.reports import parse_period
from hub.services.views.reports import Report
from simulators.districts import synthetic_district
from simulators.history import GenDispatch, GenEvent, GenIncident, GenWarning, History, generate, write

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 1, tzinfo=ZONE)
END = datetime(2026, 11, 1, tzinfo=ZONE)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=ZONE)
OCTOBER = {"period": "month", "month": "2026-10"}


def district(**options: Any) -> District:
    return parse_district(synthetic_district(**options))


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def report_of(pool: asyncpg.Pool, d: District, history: History, query: dict[str, str] = OCTOBER) -> Any:
    async with pool.acquire() as conn:
        await write(conn, history)
    return (await PostgresReports(pool, d).build(parse_period(query, d.timezone), NOW)).dump()  # as the API sends it


# ---- a worked example --------------------------------------------------------------------------------


def _incident(number: int, site: str, created: datetime, **clocks: Any) -> GenIncident:
    base = {"kind": "panic", "priority": 1, "test": False, "state": "resolved", "disposition": "genuine"}
    base.update(clocks)
    return GenIncident(number, site, created_at=created, **base)


async def test_a_worked_example_by_hand(pool: asyncpg.Pool) -> None:
    d = district(sites=2)  # site-00 in grid g0, site-01 in g1; P1 targets: ack 30 s, accept 60 s, arrive 600 s
    t0 = datetime(2026, 10, 5, 9, 0, tzinfo=ZONE)
    s = timedelta(seconds=1)
    day2 = t0 + timedelta(days=2)
    history = History(
        incidents=[
            # acknowledged in 10 s, dispatched at 5 s, accepted 20 s after, on scene at 300 s: all in target
            _incident(
                1,
                "site-00",
                t0,
                acknowledged_at=t0 + 10 * s,
                dispatched_at=t0 + 5 * s,
                accepted_at=t0 + 25 * s,
                on_scene_at=t0 + 300 * s,
                resolved_at=t0 + 900 * s,
                accepted_by="o0",
                dispatches=[GenDispatch("o0", "completed", t0 + 5 * s, t0 + 25 * s)],
            ),
            # acknowledged late (40 s, escalated once), o0 timed out, o2 accepted 70 s after the first
            # dispatch (late), on scene at 700 s (late): a false alarm
            _incident(
                2,
                "site-00",
                t0 + timedelta(hours=2),
                acknowledged_at=t0 + timedelta(hours=2) + 40 * s,
                dispatched_at=t0 + timedelta(hours=2) + 10 * s,
                accepted_at=t0 + timedelta(hours=2) + 80 * s,
                on_scene_at=t0 + timedelta(hours=2) + 700 * s,
                resolved_at=t0 + timedelta(hours=3),
                disposition="false_alarm",
                escalation_count=1,
                arrival_overdue_at=t0 + timedelta(hours=2) + 600 * s,
                accepted_by="o2",
                dispatches=[
                    GenDispatch("o0", "timed_out", t0 + timedelta(hours=2) + 10 * s, t0 + timedelta(hours=2) + 70 * s),
                    GenDispatch("o2", "completed", t0 + timedelta(hours=2) + 70 * s, t0 + timedelta(hours=2) + 80 * s),
                ],
            ),
            # never acknowledged; cancelled after 20 s (before its 30 s target): not counted for ack
            _incident(
                3,
                "site-01",
                t0 + timedelta(days=1),
                state="cancelled",
                disposition="other",
                cancelled_at=t0 + timedelta(days=1) + 20 * s,
            ),
            # never acknowledged, closed after 5 minutes: against the ack target; dispatched to o1, who never
            # answered: against the accept target, and the one incident nobody accepted (无人接警)
            _incident(
                4,
                "site-01",
                day2,
                dispatched_at=day2 + 5 * s,
                resolved_at=day2 + 300 * s,
                dispatches=[GenDispatch("o1", "timed_out", day2 + 5 * s, day2 + 65 * s)],
            ),
            # a test incident: counted apart only
            _incident(
                5,
                "site-01",
                t0 + timedelta(days=3),
                test=True,
                state="cancelled",
                disposition="test",
                cancelled_at=t0 + timedelta(days=3, seconds=30),
            ),
            # September: outside the period
            _incident(6, "site-00", t0 - timedelta(days=10), acknowledged_at=t0 - timedelta(days=10) + s),
        ],
        warnings=[
            GenWarning("site-00", "spk-00", 2, "rule", t0 + timedelta(hours=2, seconds=5)),
            GenWarning("site-01", "spk-01", None, None, t0 + timedelta(days=4)),
        ],
    )
    report = await report_of(pool, d, history)
    totals = report["totals"]
    assert totals["incidents"] == 4 and totals["test_incidents"] == 1
    assert totals["ack"] == {"n": 2, "median_s": 25.0, "p90_s": 37.0, "due": 3, "within": 1, "share_within": 1 / 3}
    assert totals["accept"] == {"n": 2, "median_s": 52.5, "p90_s": 74.5, "due": 3, "within": 1, "share_within": 1 / 3}
    assert totals["arrive"] == {"n": 2, "median_s": 500.0, "p90_s": 660.0, "due": 2, "within": 1, "share_within": 0.5}
    assert totals["by_disposition"] == {"genuine": 2, "false_alarm": 1, "other": 1}
    assert (totals["resolved"], totals["false_alarms"], totals["false_alarm_rate"]) == (3, 1, 1 / 3)
    assert (totals["escalated_incidents"], totals["escalations"], totals["arrival_overdue"]) == (1, 1, 1)
    assert totals["warnings"] == 2
    grids = {g["id"]: g for g in report["grids"]}
    assert grids["g0"]["incidents"] == 2 and grids["g1"]["incidents"] == 2 and grids["g1"]["test_incidents"] == 1
    assert grids["g0"]["warnings"] == 1 and grids["g1"]["warnings"] == 1
    officers = {o["id"]: o for o in report["officers"]}
    assert officers["o0"]["incidents"] == 1 and officers["o0"]["dispatches"] == {
        "offered": 2,
        "declined": 0,
        "timed_out": 1,
    }
    assert officers["o2"]["incidents"] == 1 and officers["o2"]["warnings"] == 1
    assert officers["o2"]["accept"]["median_s"] == 80.0 and officers["o2"]["accept"]["within"] == 0
    # Nobody accepted incident 4 (dispatched); incident 3 was never dispatched: no officer's figure at all.
    assert officers[None]["incidents"] == 1 and officers[None]["accept"]["due"] == 1
    assert officers["o1"]["dispatches"]["timed_out"] == 1


# ---- periods, empty periods, sites gone from the file, the current month ---------------------------------


async def test_periods_are_whole_days_in_the_district_time_zone(pool: asyncpg.Pool) -> None:
    d = district(sites=2)
    # 23:30 on 31 October in Shanghai is 15:30 UTC: October there, whatever the server's zone.
    late = datetime(2026, 10, 31, 23, 30, tzinfo=ZONE)
    early = datetime(2026, 11, 1, 0, 0, tzinfo=ZONE)  # November
    history = History(
        incidents=[_incident(1, "site-00", late), _incident(2, "site-00", early), _incident(3, "site-01", late)]
    )
    month = await report_of(pool, d, history)
    assert month["totals"]["incidents"] == 2
    assert (
        month["period"]["from"] == "2026-10-01T00:00:00+08:00" and month["period"]["to"] == "2026-11-01T00:00:00+08:00"
    )
    reports = PostgresReports(pool, d)
    day = (await reports.build(parse_period({"period": "day", "date": "2026-11-01"}, d.timezone), NOW)).dump()
    assert day["totals"]["incidents"] == 1
    week = (await reports.build(parse_period({"period": "week", "week": "2026-W44"}, d.timezone), NOW)).dump()
    assert (week["period"]["first_day"], week["period"]["last_day"]) == ("2026-10-26", "2026-11-01")
    assert week["totals"]["incidents"] == 3
    custom = (
        await reports.build(
            parse_period({"period": "custom", "from": "2026-10-31", "to": "2026-10-31"}, d.timezone), NOW
        )
    ).dump()
    assert custom["totals"]["incidents"] == 2 and custom["period"]["days"] == 1


async def test_an_empty_period_has_no_figures_rather_than_zeros(pool: asyncpg.Pool) -> None:
    d = district(sites=3)
    report = await report_of(pool, d, History())
    totals = report["totals"]
    assert totals["incidents"] == 0
    assert totals["ack"]["median_s"] is None and totals["ack"]["share_within"] is None
    assert totals["false_alarm_rate"] is None
    assert report["drills"]["summary"]["missing"] == 3
    assert all(r["uptime_share"] == 1.0 for r in report["availability"]["devices"])
    assert report["sections_not_available"] == []
    coverage = report["patrol_coverage"]
    assert coverage["summary"]["shifts"] == 62 and coverage["summary"]["shifts_patrolled"] == 0
    assert coverage["summary"]["cameras_expected"] == 3  # no tours: every camera is to be patrolled
    assert coverage["summary"]["mean_coverage"] == 0.0


async def test_incidents_of_sites_gone_from_the_district_file_keep_rows_of_their_own(pool: asyncpg.Pool) -> None:
    whole = district(sites=4)
    history = generate(whole, START, END, incidents=80, seed=5)
    d = district(sites=2)  # the file shrank after the incidents
    report = await report_of(pool, d, history)
    gone = {i.site_id for i in history.incidents if i.site_id not in d.sites}
    assert gone
    nameless = report["grids"][-1]
    assert [nameless[k] for k in ("id", "name", "officer_id", "site_ids")] == [None, None, None, []]
    assert nameless["incidents"] == sum(i.site_id in gone and not i.test for i in history.incidents)
    unknown = [s for s in report["sites"] if s["id"] in gone]
    assert {s["id"] for s in unknown} == gone and all(s["kind"] is None and s["name"] == s["id"] for s in unknown)
    assert Report.model_validate(report).dump() == report


async def test_a_report_of_the_current_month_counts_availability_up_to_now(pool: asyncpg.Pool) -> None:
    d = district(sites=1)
    device = next(iter(d.devices.values()))
    now = datetime.now(UTC)
    offline = now - timedelta(hours=2)
    history = History(events=[GenEvent(device.id, device.site_id, device.kind, "offline", offline, offline)])
    async with pool.acquire() as conn:
        await write(conn, history)
    today = now.astimezone(ZONE).date().isoformat()
    report = (
        await PostgresReports(pool, d).build(parse_period({"period": "day", "date": today}, d.timezone), now)
    ).dump()
    row = next(r for r in report["availability"]["devices"] if r["device_id"] == device.id)
    window = report["availability"]["window"]["seconds"]
    assert window < 86400 and row["offline_at_end"]
    expected_down = (now - max(offline, datetime.fromisoformat(report["period"]["from"]))).total_seconds()
    assert row["downtime_s"] == pytest.approx(expected_down, abs=1e-3)
    assert row["uptime_share"] == pytest.approx(1 - expected_down / window)


# ---- patrol log coverage per shift ------------------------------------------------------------------------


def _shift_key(moment: datetime) -> tuple[str, str]:
    """Worked out here, not with hub.domain.patrol: 08:00-20:00 is that day's day shift; 20:00 to 08:00 the next
    morning is the night shift of the evening it started."""
    local = moment.astimezone(ZONE)
    if 8 <= local.hour < 20:
        return local.date().isoformat(), "day"
    start = local.date() if local.hour >= 20 else local.date() - timedelta(days=1)
    return start.isoformat(), "night"


async def test_patrol_coverage_counts_the_cameras_checked_in_each_shift(pool: asyncpg.Pool) -> None:
    raw = synthetic_district(sites=4)
    raw["patrol_tours"] = [{"id": "round", "name": "巡查", "cameras": ["cam-00", "cam-01", "cam-02"], "every": "2h"}]
    d = parse_district(raw)
    at = lambda day, hour, minute=0: datetime(2026, 10, day, hour, minute, tzinfo=ZONE)  # noqa: E731
    views = [
        (at(5, 9), "cam-00", "checked"),
        (at(5, 9, 1), "cam-01", "observation"),
        (at(5, 9, 2), "cam-01", "checked"),  # the same camera twice: one camera checked, two views
        (at(5, 21), "cam-00", "checked"),
        (at(5, 21, 1), "cam-01", "checked"),
        (at(5, 21, 2), "cam-02", "checked"),
        (at(6, 7, 59), "cam-02", "warning_issued"),  # still the night of the 5th
        (at(6, 8), "cam-02", "incident_opened"),  # the day shift of the 6th
        (at(6, 8, 1), "cam-03", "checked"),  # not on the tour: counted apart
        (at(1, 0, 30), "cam-00", "checked"),  # the night of 30 September: not October's
        (datetime(2026, 11, 1, 7, 0, tzinfo=ZONE), "cam-01", "checked"),  # the night of 31 October
        (datetime(2026, 11, 1, 8, 30, tzinfo=ZONE), "cam-01", "checked"),  # November
    ]
    async with pool.acquire() as conn:
        incident_id = await conn.fetchval(
            "INSERT INTO incidents (site_id, kind, priority, state, created_at, last_event_at, event_count)"
            " VALUES ('site-02', 'patrol_observation', 3, 'resolved', $1, $1, 0) RETURNING id",
            at(6, 8),
        )
        run_id = await conn.fetchval(
            "INSERT INTO patrol_runs (tour_id, cameras, dwell_s, started_by, started_at, shift)"
            " VALUES ('round', $1, 20, 'user:zhang', $2, 'x') RETURNING id",
            ["cam-00", "cam-01", "cam-02"],
            at(1, 0),
        )
        for viewed_at, camera, outcome in views:
            await conn.execute(
                "INSERT INTO patrol_views (run_id, camera_id, site_id, viewed_at, outcome, note, incident_id,"
                " warning_ids, logged_by) VALUES ($1, $2, $3, $4, $5, 'n', $6, $7, 'user:zhang')",
                run_id,
                camera,
                d.devices[camera].site_id,
                viewed_at,
                outcome,
                incident_id if outcome == "incident_opened" else None,
                [1] if outcome == "warning_issued" else [],
            )
    report = (await PostgresReports(pool, d).build(parse_period(OCTOBER, d.timezone), NOW)).dump()
    coverage = report["patrol_coverage"]

    tour = {"cam-00", "cam-01", "cam-02"}
    october = [(v, c, o) for v, c, o in views if "2026-10-01" <= _shift_key(v)[0] <= "2026-10-31"]
    expected: dict[tuple[str, str], dict[str, Any]] = defaultdict(
        lambda: {"cameras": set(), "views": 0, "outcomes": defaultdict(int)}
    )
    for viewed_at, camera, outcome in october:
        shift = expected[_shift_key(viewed_at)]
        shift["cameras"].add(camera)
        shift["views"] += 1
        shift["outcomes"][outcome] += 1
    shifts = coverage["shifts"]
    assert len(shifts) == 62 and shifts[0]["shift"] == "2026-10-01 day" and shifts[-1]["shift"] == "2026-10-31 night"
    assert shifts[9]["from"] == "2026-10-05T20:00:00+08:00" and shifts[9]["to"] == "2026-10-06T08:00:00+08:00"
    for row in shifts:
        want = expected.get((row["day"], row["half"]), {"cameras": set(), "views": 0, "outcomes": {}})
        checked = want["cameras"] & tour
        assert row["cameras_checked"] == len(checked), row["shift"]
        assert row["cameras_expected"] == 3 and row["coverage"] == pytest.approx(len(checked) / 3)
        assert row["views"] == want["views"], row["shift"]
        assert row["cameras_not_checked"] == sorted(tour - want["cameras"])
        assert row["other_cameras"] == sorted(want["cameras"] - tour)
        assert row["by_outcome"] == {
            o: want["outcomes"].get(o, 0) for o in ("checked", "observation", "warning_issued", "incident_opened")
        }
        assert row["staff"] == (["user:zhang"] if want["views"] else [])
    patrolled = {k for k in expected}
    full = {k for k, v in expected.items() if tour <= v["cameras"]}
    summary = coverage["summary"]
    assert summary["shifts_patrolled"] == len(patrolled) == 4
    assert summary["shifts_fully_covered"] == len(full) == 1
    assert summary["views"] == len(october) == 10
    assert summary["mean_coverage"] == pytest.approx(sum(len(v["cameras"] & tour) / 3 for v in expected.values()) / 62)
    assert summary["by_outcome"] == {"checked": 7, "observation": 1, "warning_issued": 1, "incident_opened": 1}
    cameras = {c["camera_id"]: c for c in coverage["cameras"]}
    assert list(cameras) == ["cam-00", "cam-01", "cam-02", "cam-03"]
    for camera_id, row in cameras.items():
        in_shifts = {k for k, v in expected.items() if camera_id in v["cameras"]}
        assert row["shifts_checked"] == len(in_shifts), camera_id
        assert row["expected"] == (camera_id in tour)
        assert row["views"] == sum(1 for _, c, _ in october if c == camera_id)
    assert cameras["cam-01"]["last_viewed_at"] == "2026-11-01T07:00:00+08:00"
