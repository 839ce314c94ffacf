"""The web adapter's operations endpoints (liveness, readiness from the probes, Prometheus metrics) and the
OpenAPI document it serves. (The app and its fakes: test_web_api.py.)"""

from __future__ import annotations

from typing import Any

import prometheus_client
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs

from hub.adapters.web import WebServices, make_app
from tests.unit.test_web_api import BrokenProbe, Client, FakeProbe, incident
from tests.unit.test_web_api import client as client  # the fixtures of the app under test
from tests.unit.test_web_api import probes as probes
from tests.unit.test_web_api import queries as queries
from tests.unit.test_web_api import services as services

# ---- operations --------------------------------------------------------------------------------


async def test_healthz_is_ok(client: Client) -> None:
    response = await client.get("/healthz")

    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_200_when_every_probe_is_ready(client: Client) -> None:
    response = await client.get("/readyz")

    assert response.status == 200
    assert await response.json() == {
        "status": "ready",
        "probes": [{"name": "postgres", "ready": True}, {"name": "mqtt", "ready": True}],
    }


async def test_readyz_is_503_when_a_probe_is_down(client: Client, probes: list[FakeProbe]) -> None:
    probes[1].ready = False

    response = await client.get("/readyz")

    assert response.status == 503
    assert await response.json() == {
        "status": "not_ready",
        "probes": [{"name": "postgres", "ready": True}, {"name": "mqtt", "ready": False}],
    }


async def test_a_probe_that_raises_counts_as_not_ready(services: WebServices) -> None:
    broken = WebServices(
        queries=services.queries,
        changes=services.changes,
        district=services.district,
        probes=[BrokenProbe()],
        metrics=prometheus_client.CollectorRegistry(),
        accounts=services.accounts,
    )
    async with TestClient(TestServer(make_app(broken))) as client:
        with capture_logs() as logs:
            response = await client.get("/readyz")
            body = await response.json()

    assert response.status == 503
    assert body["probes"] == [{"name": "broken", "ready": False}]
    assert any(entry["event"] == "web.probe_failed" for entry in logs)


async def test_metrics_are_prometheus_text(client: Client, services: WebServices) -> None:
    prometheus_client.Counter("sentinel_test_events", "for the test", registry=services.metrics).inc(3)

    response = await client.get("/metrics")

    assert response.status == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = await response.text()
    assert "sentinel_test_events_total 3.0" in text
    assert "# TYPE sentinel_console_clients gauge" in text
    assert "sentinel_console_clients 0.0" in text


async def test_the_clients_gauge_is_removed_on_cleanup_so_the_app_can_be_rebuilt(services: WebServices) -> None:
    async with TestClient(TestServer(make_app(services))):
        pass

    assert services.metrics.get_sample_value("sentinel_console_clients") is None
    async with TestClient(TestServer(make_app(services))) as client:
        assert (await client.get("/healthz")).status == 200


# ---- OpenAPI -----------------------------------------------------------------------------------


async def test_openapi_lists_the_incident_endpoints(client: Client) -> None:
    response = await client.get("/api/v1/openapi.json")

    assert response.status == 200
    document = await response.json()
    assert document["openapi"].startswith("3.1")
    listing = document["paths"]["/api/v1/incidents"]["get"]
    state = next(p for p in listing["parameters"] if p["name"] == "state")
    assert set(state["schema"]["enum"]) == {
        "new",
        "acknowledged",
        "dispatched",
        "accepted",
        "en_route",
        "on_scene",
        "resolved",
        "cancelled",
        "open",
        "all",
    }
    limit = next(p for p in listing["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"], limit["schema"]["default"]) == (1, 1000, 200)
    detail_responses = document["paths"]["/api/v1/incidents/{id}"]["get"]["responses"]
    assert set(detail_responses) == {"200", "400", "401", "403", "404", "500", "503"}
    incident_schema = document["components"]["schemas"]["Incident"]
    for field in ("id", "site_id", "kind", "priority", "state", "created_at", "event_count", "acknowledged_at"):
        assert field in incident_schema["required"]


async def test_openapi_documents_every_route(client: Client) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()

    routes = {
        (route.resource.canonical, route.method)
        for route in client.app.router.routes()
        if route.resource is not None and not isinstance(route.resource, web.StaticResource) and route.method != "HEAD"
    }
    described = {**document["paths"], **document["x-websockets"]}
    documented = {(path, method.upper()) for path, item in described.items() for method in item}
    assert documented == routes


async def test_openapi_references_resolve(client: Client) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [ref for value in node.values() for ref in refs(value)]
        if isinstance(node, list):
            return [ref for value in node for ref in refs(value)]
        return []

    schemas = document["components"]["schemas"]
    for ref in refs(document):
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in schemas


async def test_the_incident_fixture_matches_the_documented_schema(client: Client) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()

    schema = document["components"]["schemas"]["Incident"]
    assert set(schema["required"]) == set(incident(1))
    assert set(schema["properties"]) == set(incident(1))
