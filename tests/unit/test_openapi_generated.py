"""The OpenAPI document is generated from the route table and each handler's declaration: every route under
/api/v1 is in it and nothing else, an undeclared route stops it, and what every operation shares is there."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web

from hub.adapters.web.app import routes
from hub.adapters.web.auth import ACCESS, PUBLIC, Route, add_routes
from hub.adapters.web.models.base import MAX_ID
from hub.adapters.web.openapi import WEBSOCKETS, openapi_document


def _app(table: list[Route]) -> web.Application:
    app = web.Application()
    app[ACCESS] = {}
    add_routes(app, table)
    return app


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document(_app(routes())[ACCESS])


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for paths in (document["paths"], document[WEBSOCKETS])
        for path, item in paths.items()
        for method, operation in item.items()
    ]


def test_every_api_route_is_documented_and_every_documented_operation_is_a_route(document: dict[str, Any]) -> None:
    app = _app(routes())
    registered = {
        (route.resource.canonical, route.method.lower())
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD" and route.resource.canonical.startswith("/api/v1/")
    }
    documented = {(path, method) for path, method, _ in _operations(document) if path.startswith("/api/v1/")}
    assert len(registered) > 40
    assert documented == registered


def test_a_route_without_a_declaration_stops_the_document() -> None:
    async def undeclared(request: web.Request) -> web.Response:
        return web.Response()

    app = _app([*routes(), Route("GET", "/api/v1/undeclared", undeclared, PUBLIC)])
    with pytest.raises(RuntimeError, match="GET /api/v1/undeclared"):
        openapi_document(app[ACCESS])


def test_every_operation_lists_the_answers_any_operation_can_give(document: dict[str, Any]) -> None:
    for path, _, operation in _operations(document):
        assert {"500", "503"} <= set(operation["responses"]), path
        reads = [p for p in operation.get("parameters", []) if p["in"] != "header"]  # (the CSRF header: 403)
        if reads or "requestBody" in operation:
            assert "400" in operation["responses"], path
        if "requestBody" in operation:
            assert "413" in operation["responses"], path
        for parameter in operation.get("parameters", []):
            is_id = parameter["name"] == "id" or parameter["name"].endswith("_id")
            if is_id and parameter["schema"].get("type") == "integer":
                assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (1, MAX_ID), path


def _body_schema(document: dict[str, Any], path: str) -> dict[str, Any]:
    ref = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def test_optional_body_members_may_be_null_and_required_ones_may_not(document: dict[str, Any]) -> None:
    note = _body_schema(document, "/api/v1/incidents/{id}/notes")
    assert note["required"] == ["text"] and note["properties"]["text"]["type"] == "string"
    warning = _body_schema(document, "/api/v1/warnings")
    assert warning["properties"]["repeat"]["type"] == ["integer", "null"]
    incident = warning["properties"]["incident_id"]
    assert {"type": "null"} in incident["anyOf"] and {"type": "integer", "minimum": 1, "maximum": MAX_ID} in (
        {k: v for k, v in branch.items() if k in ("type", "minimum", "maximum")} for branch in incident["anyOf"]
    )
    assert [rule["oneOf"][0]["required"] for rule in warning["allOf"]] == [["message_id"], ["speaker_id"]]


def test_query_parameters_come_from_the_query_models(document: dict[str, Any]) -> None:
    search = {p["name"]: p for p in document["paths"]["/api/v1/incidents/search"]["get"]["parameters"]}
    assert {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}.items() <= search["limit"]["schema"].items()
    assert search["from"]["required"] is False and search["from"]["schema"]["type"] == "string"
    assert "SearchQuery" not in document["components"]["schemas"]
