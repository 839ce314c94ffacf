"""The console's own read endpoints (district, device health, history search) and timeline notes:
answers, validation (4xx JSON) and who may use them. (The history search's answers and validation:
test_web_history_search.py; against PostgreSQL in tests/integration/test_console_api.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

import prometheus_client
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from hub.adapters.web import WebServices, make_app
from hub.domain.escalation import ResponseTargets
from hub.domain.incidents import Priority
from hub.services.auth import Role
from hub.services.changes import Broadcaster
from hub.services.ports import IncidentSearch
from hub.services.views.devices import DeviceStatus
from hub.services.views.incidents import Incident, IncidentDetail
from tests.unit.fakes.accounts import FakeAccounts, bearer
from tests.unit.test_web_api import district, error_of, incident

Client = TestClient[web.Request, web.Application]


class FakeDeskQueries:
    """The read side with what the console's views need, recording what was asked."""

    def __init__(self) -> None:
        self.health: list[dict[str, Any]] = []
        self.searches: list[dict[str, Any]] = []
        self.found: list[dict[str, Any]] = [incident(7, "resolved", disposition="false_alarm")]

    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[Incident]:
        return []

    async def get_incident(self, incident_id: int) -> IncidentDetail | None:
        return None

    async def device_health(self) -> list[DeviceStatus]:
        return [DeviceStatus.model_validate(row) for row in self.health]

    async def search_incidents(
        self, search: IncidentSearch, limit: int = 50, offset: int = 0
    ) -> tuple[list[Incident], int]:
        self.searches.append({**asdict(search), "limit": limit, "offset": offset})
        return [Incident.model_validate(found) for found in self.found], 31


@pytest.fixture
def queries() -> FakeDeskQueries:
    return FakeDeskQueries()


@pytest.fixture
async def app_client(queries: FakeDeskQueries, accounts: FakeAccounts) -> AsyncIterator[Client]:
    registry = district()
    registry.targets[Priority.P1] = ResponseTargets(ack_s=20, accept_s=45, arrival_s=480)
    services = WebServices(
        queries=queries,
        changes=Broadcaster(),
        district=registry,
        probes=[],
        metrics=prometheus_client.CollectorRegistry(),
        accounts=accounts,
    )
    async with TestClient(TestServer(make_app(services))) as client:
        yield client


def as_role(accounts: FakeAccounts, role: Role) -> dict[str, str]:
    return bearer(accounts.issue_token(role, officer_id="o1" if role is Role.OFFICER else None))


# ---- the district ------------------------------------------------------------------------------


async def test_the_district_gives_targets_per_priority_and_grids(app_client: Client, accounts: FakeAccounts) -> None:
    response = await app_client.get("/api/v1/district", headers=as_role(accounts, Role.DUTY))

    assert response.status == 200
    body = await response.json()
    assert body["id"] == "d1" and body["timezone"] == "Asia/Shanghai"
    assert body["targets"][0] == {"priority": 1, "ack_s": 20, "accept_s": 45, "arrival_s": 480}
    assert [t["priority"] for t in body["targets"]] == [1, 2, 3, 4]
    assert body["auto_dispatch"] == [1]
    assert body["grids"] == [
        {
            "id": "g1",
            "name": "南街网格",
            "name_en": "南街网格",
            "officer_id": "o1",
            "assistant_ids": [],
            "site_ids": ["school-1"],
        }
    ]


# ---- device health -----------------------------------------------------------------------------


async def test_device_health_covers_every_registered_device(
    app_client: Client, accounts: FakeAccounts, queries: FakeDeskQueries
) -> None:
    queries.health = [
        {
            "device_id": "btn-1",
            "site_id": "school-1",
            "online": True,
            "last_seen_at": "2024-05-01T10:00:00+08:00",
            "deadline_at": "2024-05-01T10:02:00+08:00",
            "offline_since": None,
            "battery": 12,
            "low_battery": True,
            "status_state": "online",
            "status_reported_at": "2024-05-01T10:00:00+08:00",
            "status_battery": 12,
            "rssi": -60,
            "firmware": "2.4.1",
            "heard": True,
            "open_faults": [{"type": "tamper", "incident_id": 5, "since": "2024-05-01T09:59:00+08:00"}],
        },
        {
            "device_id": "cam-1",
            "site_id": "school-1",
            "online": False,
            "last_seen_at": "2024-05-01T09:00:00+08:00",
            "deadline_at": "2024-05-01T09:01:30+08:00",
            "offline_since": "2024-05-01T09:01:30+08:00",
            "battery": None,
            "low_battery": False,
            "status_state": None,
            "status_reported_at": None,
            "status_battery": None,
            "rssi": None,
            "firmware": None,
            "heard": False,
            "open_faults": [{"type": "offline", "incident_id": 6, "since": "2024-05-01T09:01:30+08:00"}],
        },
    ]

    response = await app_client.get("/api/v1/devices/health", headers=as_role(accounts, Role.DUTY))

    assert response.status == 200
    body = await response.json()
    devices = {d["id"]: d for d in body["devices"]}
    assert [d["id"] for d in body["devices"]] == ["btn-1", "cam-1", "btn-2"]  # registry order
    button = devices["btn-1"]
    assert (button["state"], button["battery"], button["low_battery"]) == ("online", 12, True)
    assert button["faults"] == ["low_battery", "tamper"]
    assert button["last_seen_at"] == "2024-05-01T10:00:00+08:00"
    assert button["open_faults"][0]["incident_id"] == 5
    camera = devices["cam-1"]
    assert camera["state"] == "offline"
    assert camera["faults"] == ["never_heard", "offline"]
    assert camera["last_seen_at"] is None  # only supervision's seed time: never really heard
    unknown = devices["btn-2"]  # no row at all: not even supervised yet
    assert (unknown["state"], unknown["heard"], unknown["online"], unknown["faults"]) == (
        "never_heard",
        False,
        None,
        ["never_heard"],
    )
    assert body["summary"] == {
        "total": 3,
        "online": 1,
        "offline": 1,
        "never_heard": 1,
        "low_battery": 1,
        "with_faults": 3,
    }


# ---- who may use them --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/district"),
        ("GET", "/api/v1/devices/health"),
        ("GET", "/api/v1/incidents/search"),
        ("POST", "/api/v1/incidents/1/notes"),
    ],
)
async def test_without_credentials_it_is_401(app_client: Client, method: str, path: str) -> None:
    response = await app_client.request(method, path, json={"text": "x"})

    assert (await error_of(response, 401))["code"] == "unauthenticated"


@pytest.mark.parametrize(
    ("role", "method", "path"),
    [
        (Role.DUTY, "GET", "/api/v1/incidents/search"),
        (Role.OFFICER, "GET", "/api/v1/incidents/search"),
        (Role.OFFICER, "GET", "/api/v1/district"),
        (Role.OFFICER, "GET", "/api/v1/devices/health"),
        (Role.OFFICER, "POST", "/api/v1/incidents/1/notes"),
    ],
)
async def test_roles_without_the_permission_get_403(
    app_client: Client, accounts: FakeAccounts, role: Role, method: str, path: str
) -> None:
    response = await app_client.request(method, path, json={"text": "x"}, headers=as_role(accounts, role))

    assert (await error_of(response, 403))["code"] == "forbidden"


async def test_the_search_path_is_not_taken_for_an_incident_id(app_client: Client, accounts: FakeAccounts) -> None:
    response = await app_client.get("/api/v1/incidents/search", headers=as_role(accounts, Role.DUTY))

    assert response.status == 403  # the search's own rule, not "search is not an incident id" (400)


# ---- notes -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "   "}, {"text": 5}, {"text": "x" * 2001}, ["text"]],
)
async def test_a_bad_note_is_400_json(app_client: Client, accounts: FakeAccounts, body: Any) -> None:
    response = await app_client.post("/api/v1/incidents/1/notes", json=body, headers=as_role(accounts, Role.DUTY))

    assert (await error_of(response, 400))["code"] in {"invalid_parameter", "invalid_json"}


async def test_a_note_needs_the_lifecycle(app_client: Client, accounts: FakeAccounts) -> None:
    response = await app_client.post(
        "/api/v1/incidents/1/notes", json={"text": "called the guard"}, headers=as_role(accounts, Role.SUPERVISOR)
    )

    assert (await error_of(response, 503))["code"] == "unavailable"


async def test_openapi_documents_the_console_endpoints(app_client: Client) -> None:
    document = await (await app_client.get("/api/v1/openapi.json")).json()

    search = document["paths"]["/api/v1/incidents/search"]["get"]
    assert search["x-sentinel-roles"] == ["supervisor", "admin"]
    assert {p["name"] for p in search["parameters"]} == {
        "site",
        "kind",
        "state",
        "disposition",
        "from",
        "to",
        "escalated",
        "limit",
        "offset",
    }
    assert set(search["responses"]) == {"200", "400", "401", "403", "500", "503"}
    assert "DeviceHealth" in document["components"]["schemas"]
    assert document["paths"]["/api/v1/incidents/{id}/notes"]["post"]["x-sentinel-roles"] == [
        "duty",
        "supervisor",
        "admin",
    ]


def test_the_district_has_an_english_name_for_english_mode_and_reports() -> None:
    from pathlib import Path

    from hub.adapters.web.desk import district_json
    from hub.config.district import load_district

    demo = load_district(Path(__file__).parents[2] / "config" / "demo-district.yaml")
    assert demo.name_en == "Dongcheng demo district"
    assert district_json(demo)["name_en"] == "Dongcheng demo district"
