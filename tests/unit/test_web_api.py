"""The REST API and error handling of the web adapter. (Its operations endpoints and OpenAPI document:
test_web_operations.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import prometheus_client
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from hub.adapters.web import WebServices, make_app
from hub.domain.district import Device, District, Grid, Officer, Site
from hub.services.auth import Role
from hub.services.changes import Broadcaster
from hub.services.views.incidents import Incident, IncidentDetail
from tests.unit.fakes.accounts import FakeAccounts, bearer

FINAL = {"resolved", "cancelled"}


def incident(incident_id: int, state: str = "new", **fields: Any) -> dict[str, Any]:
    """An incident as the API sends it."""
    return {
        "id": incident_id,
        "site_id": "school-1",
        "site_name": "城南小学",
        "site_name_en": "Chengnan Primary School",
        "kind": "panic",
        "priority": 1,
        "state": state,
        "test": False,
        "created_at": "2024-05-01T10:00:00+08:00",
        "last_event_at": "2024-05-01T10:00:04+08:00",
        "event_count": 1,
        "acknowledged_at": None,
        "dispatched_at": None,
        "accepted_at": None,
        "en_route_at": None,
        "on_scene_at": None,
        "resolved_at": None,
        "cancelled_at": None,
        "escalated_at": None,
        "escalation_count": 0,
        "arrival_overdue_at": None,
        "cancel_requested_at": None,
        "disposition": None,
        "resolution_note": "",
        "changed_at": None,
        **fields,
    }


class FakeIncidentQueries:
    """The read side over a list, with the filtering semantics of IncidentQueries."""

    def __init__(self, incidents: list[dict[str, Any]]) -> None:
        self.incidents = incidents
        self.calls: list[tuple[str | None, int]] = []
        self.failure: Exception | None = None

    async def list_incidents(self, state: str | None = None, limit: int = 200) -> list[Incident]:
        self.calls.append((state, limit))
        if self.failure is not None:
            raise self.failure
        if state is None:
            chosen = self.incidents
        elif state == "open":
            chosen = [i for i in self.incidents if i["state"] not in FINAL]
        else:
            chosen = [i for i in self.incidents if i["state"] == state]
        return [Incident.model_validate(i) for i in chosen[:limit]]

    async def get_incident(self, incident_id: int) -> IncidentDetail | None:
        if self.failure is not None:
            raise self.failure
        for found in self.incidents:
            if found["id"] == incident_id:
                parts: dict[str, list[Any]] = {
                    "timeline": [],
                    "events": [],
                    "dispatches": [],
                    "warnings": [],
                    "media": [],
                }
                return IncidentDetail.model_validate({**found, **parts})
        return None


class FakeProbe:
    def __init__(self, name: str, ready: bool = True) -> None:
        self.name = name
        self.ready = ready

    def is_ready(self) -> bool:
        return self.ready


class BrokenProbe:
    name = "broken"

    def is_ready(self) -> bool:
        raise RuntimeError("probe exploded")


def district() -> District:
    return District(
        id="d1",
        name="城南派出所",
        sites={
            "school-1": Site(
                "school-1",
                "城南小学",
                "Chengnan Primary School",
                "school",
                "g1",
                address="南大街 1 号",
                lat=31.2,
                lon=121.5,
                contact_name="王保安",
                contact_phone="13800000000",
            ),
            "bank-1": Site("bank-1", "工商银行南街支行", "ICBC South Street", "bank", "g2", test_mode=True),
        },
        devices={
            "btn-1": Device("btn-1", "school-1", "button", "gate", 60),
            "cam-1": Device("cam-1", "school-1", "camera", "yard"),
            "btn-2": Device("btn-2", "bank-1", "button", "cashier"),
        },
        grids={"g1": Grid("g1", "南街网格", "o1")},
        officers={
            "o1": Officer("o1", "李警官", "officer", "13900000001", "g1"),
            "s1": Officer("s1", "张所长", "supervisor"),
        },
    )


@pytest.fixture
def queries() -> FakeIncidentQueries:
    return FakeIncidentQueries(
        [
            incident(1),
            incident(2, "acknowledged", priority=2, kind="intrusion"),
            incident(3, "resolved"),
            incident(4, "cancelled"),
        ]
    )


@pytest.fixture
def probes() -> list[FakeProbe]:
    return [FakeProbe("postgres"), FakeProbe("mqtt")]


@pytest.fixture
def services(queries: FakeIncidentQueries, probes: list[FakeProbe], accounts: FakeAccounts) -> WebServices:
    return WebServices(
        queries=queries,
        changes=Broadcaster(),
        district=district(),
        probes=probes,
        metrics=prometheus_client.CollectorRegistry(),
        accounts=accounts,
    )


@pytest.fixture
async def client(
    services: WebServices, accounts: FakeAccounts
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    headers = bearer(accounts.issue_token(Role.DUTY))
    async with TestClient(TestServer(make_app(services)), headers=headers) as client:
        yield client


Client = TestClient[web.Request, web.Application]


async def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status == status
    assert response.content_type == "application/json"
    body = await response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert isinstance(error["message"], str) and error["message"]
    return error


# ---- incidents ---------------------------------------------------------------------------------


async def test_open_incidents_are_listed_by_default(client: Client, queries: FakeIncidentQueries) -> None:
    response = await client.get("/api/v1/incidents")

    assert response.status == 200
    assert [i["id"] for i in (await response.json())["incidents"]] == [1, 2]
    assert queries.calls == [("open", 200)]


async def test_state_and_limit_are_passed_to_the_queries(client: Client, queries: FakeIncidentQueries) -> None:
    response = await client.get("/api/v1/incidents", params={"state": "resolved", "limit": "5"})

    assert [i["id"] for i in (await response.json())["incidents"]] == [3]
    assert queries.calls == [("resolved", 5)]


async def test_state_all_asks_for_every_incident(client: Client, queries: FakeIncidentQueries) -> None:
    response = await client.get("/api/v1/incidents", params={"state": "all", "limit": "1000"})

    assert [i["id"] for i in (await response.json())["incidents"]] == [1, 2, 3, 4]
    assert queries.calls == [(None, 1000)]


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "1.5", "", " 10", "+10", "1e3", "99999999999999999999"])
async def test_bad_limit_is_400_json(client: Client, queries: FakeIncidentQueries, limit: str) -> None:
    response = await client.get("/api/v1/incidents", params={"limit": limit})

    error = await error_of(response, 400)
    assert error["code"] == "invalid_parameter"
    assert "limit" in error["message"]
    assert queries.calls == []


@pytest.mark.parametrize("state", ["closed", "OPEN", "", "new,resolved"])
async def test_unknown_state_is_400_json(client: Client, state: str) -> None:
    response = await client.get("/api/v1/incidents", params={"state": state})

    error = await error_of(response, 400)
    assert error["code"] == "invalid_parameter"
    assert "state" in error["message"]


async def test_a_parameter_given_twice_is_400_json(client: Client) -> None:
    response = await client.get("/api/v1/incidents?state=open&state=all")

    assert (await error_of(response, 400))["code"] == "invalid_parameter"


async def test_incident_detail_is_returned(client: Client) -> None:
    response = await client.get("/api/v1/incidents/2")

    assert response.status == 200
    body = await response.json()
    assert body["id"] == 2
    assert body["state"] == "acknowledged"
    assert body["timeline"] == []


async def test_unknown_incident_is_404_json(client: Client) -> None:
    response = await client.get("/api/v1/incidents/999")

    error = await error_of(response, 404)
    assert error["code"] == "not_found"
    assert "999" in error["message"]


@pytest.mark.parametrize("incident_id", ["abc", "0", "-3", "1.0", "99999999999999999999", "9223372036854775808"])
async def test_bad_incident_id_is_400_json(client: Client, incident_id: str) -> None:
    response = await client.get(f"/api/v1/incidents/{incident_id}")

    assert (await error_of(response, 400))["code"] == "invalid_id"


async def test_unknown_api_path_is_404_json(client: Client) -> None:
    response = await client.get("/api/v1/nothing-here")

    assert (await error_of(response, 404))["code"] == "not_found"


async def test_wrong_method_is_405_json_with_allow(client: Client) -> None:
    response = await client.delete("/api/v1/incidents")

    assert (await error_of(response, 405))["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


async def test_unexpected_error_is_500_json_and_logged(client: Client, queries: FakeIncidentQueries) -> None:
    queries.failure = RuntimeError("database on fire")

    with capture_logs() as logs:
        response = await client.get("/api/v1/incidents")

    error = await error_of(response, 500)
    assert error == {"code": "internal_error", "message": "internal server error"}
    failures = [entry for entry in logs if entry["event"] == "web.request_failed"]
    assert len(failures) == 1
    assert failures[0]["log_level"] == "error"
    assert failures[0]["method"] == "GET"
    assert failures[0]["path"] == "/api/v1/incidents"


# ---- request bodies ---------------------------------------------------------------------------------


async def test_a_body_member_of_the_wrong_type_is_400_naming_it(client: Client) -> None:
    response = await client.post("/api/v1/incidents/1/dispatch", json={"officer_id": 5})

    error = await error_of(response, 400)
    assert (error["code"], error["params"]) == ("invalid_parameter", {"parameter": "officer_id"})
    assert "officer_id" in error["message"]


async def test_a_null_body_member_is_read_as_absent(client: Client) -> None:
    response = await client.post("/api/v1/incidents/1/dispatch", json={"officer_id": None})

    # Accepted as a body: refused further on, only because this server has no lifecycle service.
    assert (await error_of(response, 503))["code"] == "unavailable"


async def test_a_body_that_is_not_a_json_object_is_400_invalid_json(client: Client) -> None:
    for data in ("{not json", "[1, 2]"):
        response = await client.post(
            "/api/v1/incidents/1/cancel", data=data, headers={"Content-Type": "application/json"}
        )
        assert (await error_of(response, 400))["code"] == "invalid_json"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"text": "快离开", "message_id": "leave", "site_id": "s1"}, "exactly one of message_id or text"),
        ({"text": "快离开"}, "exactly one of speaker_id or site_id"),
        ({"text": "快离开", "site_id": "s1", "repeat": 2.5}, "repeat"),
        ({"text": "快离开", "site_id": "s1", "incident_id": 0}, "incident_id"),
        ({"text": "快离开", "site_id": "s1", "lang": "fr"}, "lang"),
    ],
)
async def test_a_warning_body_is_checked_before_anything_is_sent(
    client: Client, body: dict[str, Any], says: str
) -> None:
    error = await error_of(await client.post("/api/v1/warnings", json=body), 400)

    assert error["code"] == "invalid_parameter" and says in error["message"]


# ---- district ----------------------------------------------------------------------------------


async def test_sites_list_the_district_with_their_devices(client: Client) -> None:
    response = await client.get("/api/v1/sites")

    assert response.status == 200
    sites = {site["id"]: site for site in (await response.json())["sites"]}
    assert sites["school-1"] == {
        "id": "school-1",
        "name": "城南小学",
        "name_en": "Chengnan Primary School",
        "kind": "school",
        "grid_id": "g1",
        "address": "南大街 1 号",
        "lat": 31.2,
        "lon": 121.5,
        "contact_name": "王保安",
        "contact_phone": "13800000000",
        "test_mode": False,
        "devices": ["btn-1", "cam-1"],
    }
    assert sites["bank-1"]["test_mode"] is True
    assert sites["bank-1"]["devices"] == ["btn-2"]
    assert sites["bank-1"]["lat"] is None


async def test_devices_are_listed(client: Client) -> None:
    response = await client.get("/api/v1/devices")

    devices = (await response.json())["devices"]
    assert devices[0] == {
        "id": "btn-1",
        "site_id": "school-1",
        "kind": "button",
        "label": "gate",
        "label_en": "gate",  # no label_en in the district file: the label
        "report_interval_s": 60,
        "zones": [],
    }
    assert [d["id"] for d in devices] == ["btn-1", "cam-1", "btn-2"]


async def test_officers_are_listed(client: Client) -> None:
    response = await client.get("/api/v1/officers")

    assert (await response.json())["officers"] == [
        {"id": "o1", "name": "李警官", "name_en": "李警官", "role": "officer", "phone": "13900000001", "grid_id": "g1"},
        {"id": "s1", "name": "张所长", "name_en": "张所长", "role": "supervisor", "phone": "", "grid_id": None},
    ]


async def test_json_keeps_chinese_readable(client: Client) -> None:
    response = await client.get("/api/v1/officers")

    assert "李警官" in await response.text()
    assert response.charset == "utf-8"
