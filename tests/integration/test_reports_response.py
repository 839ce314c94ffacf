"""The report's press-to-video-verification and step-compliance figures, against the private PostgreSQL: a
generated history (its presses ask the cameras for video, most get an answer within seconds; desk seats resolve
incidents having done some of their response steps) is written into a fresh database, and the figures are checked
against values computed here, in plain Python, from the generated objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.reports import PostgresReports
from hub.config.district import parse_district
from hub.domain.district import District
from hub.domain.reports import parse_period
from simulators.districts import synthetic_district
from simulators.history import DESK_SEATS, GenIncident, History, generate, write

ZONE = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 1, tzinfo=ZONE)
END = datetime(2026, 11, 1, tzinfo=ZONE)
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=ZONE)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, min_size=1, max_size=2)
    yield pool
    await pool.close()


async def october(pool: asyncpg.Pool, d: District, seed: int) -> tuple[History, dict[str, Any]]:
    """A generated history around October, written to the database, and October's report of it as the API
    sends it."""
    history = generate(d, START - timedelta(days=5), END + timedelta(days=5), incidents=400, seed=seed)
    async with pool.acquire() as conn:
        await write(conn, history)
    period = parse_period({"period": "month", "month": "2026-10"}, d.timezone)
    return history, (await PostgresReports(pool, d).build(period, NOW)).dump()


def _median(values: list[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _expected(incidents: list[GenIncident]) -> dict[str, object]:
    seconds = [i.verification_s for i in incidents if i.verification_s is not None]
    return {
        "requested": len(incidents),
        "verified": len(seconds),
        "within_target": sum(s <= 10 for s in seconds),
        "median_s": _median(seconds),
    }


async def test_press_to_video_verification_per_site_matches_an_independent_computation(pool: asyncpg.Pool) -> None:
    d = parse_district(synthetic_district(sites=6))
    history, report = await october(pool, d, seed=23)
    figures = report["video_verification"]

    in_month = [i for i in history.incidents if START <= i.created_at < END and not i.test and i.verification_requested]
    by_site: dict[str, list[GenIncident]] = defaultdict(list)
    for incident in in_month:
        by_site[incident.site_id].append(incident)
    assert len(in_month) > 50 and any(i.verification_s is None for i in in_month)  # the data exercise every case

    def measured(row: dict[str, object]) -> dict[str, object]:
        return {key: row[key] for key in ("requested", "verified", "within_target", "median_s")}

    def close(a: dict[str, object], b: dict[str, object]) -> bool:
        return all(
            abs(a[k] - b[k]) < 1e-3 if isinstance(a[k], float) and isinstance(b[k], float) else a[k] == b[k]  # type: ignore[operator]
            for k in a
        )

    assert close(measured(figures["totals"]), _expected(in_month))
    assert [row["site_id"] for row in figures["sites"]] == sorted(by_site)
    for row in figures["sites"]:
        assert close(measured(row), _expected(by_site[row["site_id"]])), row["site_id"]
        assert row["site_name"] == d.sites[row["site_id"]].name
    assert figures["totals"]["verified_share"] == pytest.approx(
        sum(i.verification_s is not None for i in in_month) / len(in_month)
    )


PLANS = [
    {
        "incident_kinds": ["panic", "duress"],
        "site_kinds": ["bank"],
        "steps": [
            {"id": "view", "label": {"en": "View"}, "required": True},
            {"id": "call", "label": {"en": "Call"}, "required": True},
            {"id": "note", "label": {"en": "Optional"}},
        ],
    },
    {"incident_kinds": ["intrusion"], "steps": [{"id": "dispatch", "label": {"en": "D"}, "required": True}]},
]
REQUIRED = {"panic": {"view", "call"}, "duress": {"view", "call"}, "intrusion": {"dispatch"}}


async def test_step_compliance_per_desk_seat_matches_an_independent_computation(pool: asyncpg.Pool) -> None:
    raw = synthetic_district(sites=4)
    raw["response_steps"] = PLANS
    d = parse_district(raw)
    history, report = await october(pool, d, seed=29)
    figures = report["step_compliance"]

    expected: dict[str, dict[str, int]] = {}
    for i in history.incidents:
        if not (START <= i.created_at < END) or i.test or i.state != "resolved" or i.kind not in REQUIRED:
            continue
        assert i.resolved_by is not None
        seat = expected.setdefault(i.resolved_by, {"incidents": 0, "due": 0, "done": 0, "open": 0})
        done = REQUIRED[i.kind] & set(i.steps_done)
        seat["incidents"] += 1
        seat["due"] += len(REQUIRED[i.kind])
        seat["done"] += len(done)
        seat["open"] += done != REQUIRED[i.kind]
    assert sorted(expected) == sorted(DESK_SEATS)  # every seat resolved some
    measured = {
        row["seat"]: {
            "incidents": row["incidents"],
            "due": row["required_due"],
            "done": row["required_done"],
            "open": row["resolved_with_open_steps"],
        }
        for row in figures["seats"]
    }
    assert measured == expected
    for row in figures["seats"]:
        assert row["compliance"] == pytest.approx(expected[row["seat"]]["done"] / expected[row["seat"]]["due"])
    # The seats differ in diligence, and the figures show it.
    compliance = {row["seat"]: row["compliance"] for row in figures["seats"]}
    assert compliance["user:zhang"] < compliance["user:li"] < compliance["user:wang"]
    assert figures["totals"]["required_due"] == sum(s["due"] for s in expected.values())


async def test_deterrence_rate_per_site_and_month_matches_an_independent_computation(pool: asyncpg.Pool) -> None:
    d = parse_district(synthetic_district(sites=5))
    history, report = await october(pool, d, seed=31)
    figures = report["deterrence"]

    expected: dict[tuple[str, str], dict[str, int]] = {}
    for i in history.incidents:
        if not (START <= i.created_at < END) or i.test or i.talkdown is None:
            continue
        key = (i.site_id, i.created_at.astimezone(ZONE).strftime("%Y-%m"))
        row = expected.setdefault(key, {"deterred": 0, "not_deterred": 0})
        row["deterred" if i.talkdown == "deterred" else "not_deterred"] += 1
    assert sum(r["deterred"] for r in expected.values()) > 10 and sum(r["not_deterred"] for r in expected.values()) > 5
    measured = {
        (row["site_id"], row["month"]): {"deterred": row["deterred"], "not_deterred": row["not_deterred"]}
        for row in figures["sites"]
    }
    assert measured == expected
    for row in figures["sites"]:
        assert row["deterred_share"] == pytest.approx(row["deterred"] / (row["deterred"] + row["not_deterred"]))
        assert row["site_name"] == d.sites[row["site_id"]].name
    deterred = sum(r["deterred"] for r in expected.values())
    warned = deterred + sum(r["not_deterred"] for r in expected.values())
    assert (figures["totals"]["warned"], figures["totals"]["deterred"]) == (warned, deterred)
