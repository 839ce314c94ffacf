"""The duty desk's shift summary over HTTP (the real app and store on the private PostgreSQL): a generated history
(simulators/history.py, with talk-down verdicts) is written into a fresh database, and the summary of the running
and of the previous desk shift is checked against counts made here, in plain Python, from the generated objects."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hub.adapters.postgres.pool import create_pool
from hub.adapters.postgres.shift_summary import PostgresShiftSummary
from hub.config.district import parse_district
from simulators.districts import synthetic_district
from simulators.history import GenIncident, History, generate, write
from tests.integration.conftest import bearer, create_api_token
from tests.integration.web_services import Client, web_client

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 6, 10, 30, tzinfo=ZONE)  # a Tuesday, in the day desk's shift (08:00–20:00)
VERDICT_AFTER = timedelta(seconds=40)  # simulators.history writes each talk-down verdict 40 s after the first event


def _district() -> Any:
    config = synthetic_district(sites=6)
    config["roster"] = [
        {"desk": "值班台一", "desk_en": "Desk 1", "days": "all", "from": "08:00", "to": "20:00"},
        {"desk": "值班台二", "desk_en": "Desk 2", "days": "all", "from": "20:00", "to": "08:00"},
    ]
    return parse_district(config)


DISTRICT = _district()
HISTORY = generate(DISTRICT, NOW - timedelta(days=3), NOW + timedelta(hours=6), 700, seed=19)


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[Client]:
    pool = await create_pool(database_url, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        await write(conn, HISTORY)
    async with web_client(
        pool, DISTRICT, clock=lambda: NOW, shift_summary=PostgresShiftSummary(pool, DISTRICT)
    ) as client:
        yield client
    await pool.close()


@pytest.fixture
async def desk(database_url: str) -> dict[str, str]:
    return bearer(await create_api_token(database_url, role="duty"))


def outcome(incident: GenIncident) -> str:
    if incident.state == "resolved":
        return incident.disposition or "other"
    return "cancelled" if incident.state == "cancelled" else "open"


def expected(history: History, start: datetime, until: datetime) -> dict[str, Any]:
    """The summary's figures, counted from the generated incidents."""
    opened = [i for i in history.incidents if start <= i.created_at < until]
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for incident in opened:
        if not incident.test:
            by_kind[incident.kind][outcome(incident)] += 1
    deterred = sorted(
        (i for i in history.incidents if i.talkdown == "deterred" and not i.test),
        key=lambda i: (i.created_at, i.id),
    )
    handed = [
        i
        for i in history.incidents
        if not i.test and i.created_at < until and (i.closed_at is None or i.closed_at > until)
    ]
    return {
        "tests": sum(i.test for i in opened),
        "by_kind": {kind: dict(counts) for kind, counts in by_kind.items()},
        "deterred": [(i.id, i.site_id) for i in deterred if start <= i.created_at + VERDICT_AFTER < until],
        "handed_over": [i.id for i in sorted(handed, key=lambda i: (i.priority, i.created_at, i.id))],
    }


def observed(summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "tests": summary["totals"]["test_incidents"],
        "by_kind": {k["kind"]: k["outcomes"] for k in summary["by_kind"]},
        "deterred": [(d["incident_id"], d["site_id"]) for d in summary["deterred"]],
        "handed_over": [h["incident_id"] for h in summary["handed_over"]],
    }


async def test_the_running_shift_is_summed_up_to_now_against_an_independent_count(client: Client, desk: Any) -> None:
    response = await client.get("/api/v1/shift-summary", headers=desk)
    assert response.status == 200
    summary = await response.json()
    start = datetime(2026, 10, 6, 8, 0, tzinfo=ZONE)
    assert summary["shift"] == {
        "which": "current",
        "seat": "值班台一",
        "seat_en": "Desk 1",
        "start": start.isoformat(),
        "end": datetime(2026, 10, 6, 20, 0, tzinfo=ZONE).isoformat(),
        "until": NOW.isoformat(),
        "complete": False,
    }
    want = expected(HISTORY, start, NOW)
    assert observed(summary) == want
    assert summary["totals"]["incidents"] == sum(sum(k.values()) for k in want["by_kind"].values()) > 0
    assert want["deterred"] and want["handed_over"]  # the generated data exercises every list


async def test_the_previous_shift_lists_what_was_deterred_and_what_it_handed_over(client: Client, desk: Any) -> None:
    summary = await (await client.get("/api/v1/shift-summary?shift=previous", headers=desk)).json()
    start, end = datetime(2026, 10, 5, 20, 0, tzinfo=ZONE), datetime(2026, 10, 6, 8, 0, tzinfo=ZONE)
    assert (summary["shift"]["seat_en"], summary["shift"]["start"], summary["shift"]["until"]) == (
        "Desk 2",
        start.isoformat(),
        end.isoformat(),
    )
    assert summary["shift"]["complete"] is True
    want = expected(HISTORY, start, end)
    assert observed(summary) == want
    assert want["deterred"]
    for row in summary["deterred"]:  # with the site's names, never only its id
        site = DISTRICT.sites[row["site_id"]]
        assert (row["site_name"], row["site_name_en"]) == (site.name, site.name_en)
        opened = datetime.fromisoformat(row["opened_at"])
        assert datetime.fromisoformat(row["verdict_at"]) - opened == VERDICT_AFTER


async def test_a_bad_shift_is_refused_and_the_summary_needs_a_signed_in_desk(client: Client, desk: Any) -> None:
    assert (await client.get("/api/v1/shift-summary")).status == 401
    for query in ("shift=tomorrow", "shift=", "shift=current&shift=previous", "from=2026-10-01"):
        response = await client.get("/api/v1/shift-summary?" + query, headers=desk)
        assert response.status == 400, query
        assert (await response.json())["error"]["code"] == "invalid_parameter"


async def test_a_quiet_shift_has_zero_figures_and_empty_lists(database_url: str) -> None:
    pool = await create_pool(database_url, min_size=1, max_size=1)
    try:
        summary = (await PostgresShiftSummary(pool, DISTRICT).build(False, NOW)).dump()
    finally:
        await pool.close()
    assert summary["totals"] == {"incidents": 0, "test_incidents": 0, "deterred": 0, "handed_over": 0}
    assert summary["by_kind"] == summary["deterred"] == summary["handed_over"] == []
