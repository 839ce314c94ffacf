"""The console's history search (GET /api/v1/incidents/search): the filters and page passed to the queries,
times with and without an offset, and bad parameters answered 400 JSON naming them. (Who may search, and
the console's other read endpoints: test_web_desk.py.)"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hub.services.auth import Role
from tests.unit.fakes.accounts import FakeAccounts
from tests.unit.test_web_api import error_of
from tests.unit.test_web_desk import Client, FakeDeskQueries, as_role
from tests.unit.test_web_desk import app_client as app_client  # the app under test, and its fixture
from tests.unit.test_web_desk import queries as queries

SHANGHAI = ZoneInfo("Asia/Shanghai")

# ---- history search ----------------------------------------------------------------------------


async def test_a_search_passes_every_filter_and_answers_a_page(
    app_client: Client, accounts: FakeAccounts, queries: FakeDeskQueries
) -> None:
    params = {
        "site": "school-1",
        "kind": "panic",
        "state": "resolved",
        "disposition": "false_alarm",
        "from": "2024-05-01",
        "to": "2024-05-31",
        "escalated": "true",
        "limit": "10",
        "offset": "20",
    }

    response = await app_client.get(
        "/api/v1/incidents/search", params=params, headers=as_role(accounts, Role.SUPERVISOR)
    )

    assert response.status == 200
    body = await response.json()
    assert [i["id"] for i in body["incidents"]] == [7]
    assert (body["total"], body["limit"], body["offset"]) == (31, 10, 20)
    assert queries.searches == [
        {
            "site_id": "school-1",
            "kind": "panic",
            "state": "resolved",
            "disposition": "false_alarm",
            # Days in the district's time zone, `to` up to the end of its day.
            "created_from": datetime(2024, 5, 1, tzinfo=SHANGHAI),
            "created_to": datetime(2024, 6, 1, tzinfo=SHANGHAI),
            "escalated": True,
            "limit": 10,
            "offset": 20,
        }
    ]


async def test_a_search_without_filters_asks_for_the_newest_page(
    app_client: Client, accounts: FakeAccounts, queries: FakeDeskQueries
) -> None:
    response = await app_client.get("/api/v1/incidents/search", headers=as_role(accounts, Role.ADMIN))

    assert response.status == 200
    assert queries.searches == [
        {
            "site_id": None,
            "kind": None,
            "state": None,
            "disposition": None,
            "created_from": None,
            "created_to": None,
            "escalated": None,
            "limit": 50,
            "offset": 0,
        }
    ]


async def test_times_with_an_offset_are_taken_as_they_are(
    app_client: Client, accounts: FakeAccounts, queries: FakeDeskQueries
) -> None:
    query = "from=2024-05-01T08:00:00Z&to=2024-05-01T20:30:00%2B08:00&state=open&escalated=0"

    response = await app_client.get(f"/api/v1/incidents/search?{query}", headers=as_role(accounts, Role.SUPERVISOR))

    assert response.status == 200
    search = queries.searches[0]
    assert search["created_from"] == datetime.fromisoformat("2024-05-01T08:00:00+00:00")
    assert search["created_to"] == datetime.fromisoformat("2024-05-01T20:30:00+08:00")
    assert (search["state"], search["escalated"]) == ("open", False)


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("state=closedd", "state"),
        ("state=OPEN", "state"),
        ("disposition=solved", "disposition"),
        ("kind=Panic!", "kind"),
        ("site=../etc", "site"),
        ("site=" + "x" * 65, "site"),
        ("from=2024-13-01", "from"),
        ("from=2024-02-30", "from"),
        ("from=yesterday", "from"),
        ("from=2024-05-01T10:00:00", "from"),  # no offset
        ("to=2024-05-01T10:00:00 08:00", "to"),  # an unencoded "+" arrives as a space
        ("from=2024-05-02&to=2024-05-01", "from"),
        ("escalated=yes", "escalated"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=100001", "offset"),
        ("limit=5&limit=6", "limit"),
        ("sort=created_at", "sort"),
        ("site=school-1';DROP TABLE incidents;--", "site"),
    ],
)
async def test_a_bad_search_is_400_json_naming_the_parameter(
    app_client: Client, accounts: FakeAccounts, queries: FakeDeskQueries, query: str, name: str
) -> None:
    response = await app_client.get(f"/api/v1/incidents/search?{query}", headers=as_role(accounts, Role.SUPERVISOR))

    error = await error_of(response, 400)
    assert error["code"] == "invalid_parameter"
    assert name in error["message"]
    assert queries.searches == []


async def test_an_empty_parameter_is_no_filter(
    app_client: Client, accounts: FakeAccounts, queries: FakeDeskQueries
) -> None:
    response = await app_client.get(
        "/api/v1/incidents/search?site=&kind=&state=", headers=as_role(accounts, Role.SUPERVISOR)
    )

    assert response.status == 200
    assert queries.searches[0]["site_id"] is None
