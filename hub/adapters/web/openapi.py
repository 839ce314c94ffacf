"""The OpenAPI 3.1 document, generated from the app's route table and each handler's declaration
(hub.adapters.web.operations) with pydantic's JSON Schema of the models: nothing here describes a route
by hand. Access (security, 401/403/302, the CSRF header) comes from the routes' declared Access, so the
document cannot drift from the middleware; the answers any operation can give (400, 413, 500, 503) are
added in one pass."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractRoute
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

import hub
from hub.adapters.web.auth import ACCESS, CSRF_HEADER, SESSION_COOKIE, UNSAFE_METHODS, Access
from hub.adapters.web.errors import json_ok
from hub.adapters.web.models.base import MAX_ID, Body, Query
from hub.adapters.web.models.ops import Error
from hub.adapters.web.operations import Answer, Operation, documented, operation_of
from hub.services.auth import ROLE_PERMISSIONS

Schema = dict[str, Any]
WEBSOCKETS = "x-websockets"
_REF = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"\{([^}]+)\}")
_ID_SCHEMA: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _error(description: str) -> Schema:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
    }


def _first_line(model: type[BaseModel]) -> str:
    doc = (model.__doc__ or "").strip()
    return doc.split("\n\n")[0].replace("\n", " ") if doc else model.__name__


def _mode(model: type[BaseModel]) -> JsonSchemaMode:
    return "validation" if issubclass(model, Body | Query) else "serialization"


class _Schemas:
    """Every model the operations name, as components; queries become parameters instead."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        models: set[type[BaseModel]] = {Error}
        for operation in operations:
            models.update(m for m in (operation.query, operation.body, operation.frames) if m is not None)
            for response in operation.responses.values():
                model = response.model if isinstance(response, Answer) else response
                if isinstance(model, type):
                    models.add(model)
        ordered = sorted(models, key=lambda m: m.__name__)
        refs, defs = models_json_schema([(m, _mode(m)) for m in ordered], ref_template=_REF)
        self.refs = {model: refs[(model, _mode(model))] for model in ordered}
        self.components: dict[str, Schema] = defs.get("$defs", {})
        self.queries: set[str] = set()  # query models: parameters, not components

    def used_components(self) -> dict[str, Schema]:
        return {name: schema for name, schema in self.components.items() if name not in self.queries}

    def ref(self, model: type[BaseModel]) -> Schema:
        return self.refs[model]

    def query_parameters(self, model: type[Query]) -> list[Schema]:
        name = self.refs[model]["$ref"].rsplit("/", 1)[1]
        schema = self.components[name]
        self.queries.add(name)
        required = set(schema.get("required", []))
        parameters = []
        for alias, member in schema["properties"].items():
            member = dict(member)
            branches = [b for b in member.pop("anyOf", []) if b.get("type") != "null"]
            if len(branches) == 1:  # null is no value in a query string: the parameter is left out
                member.update(branches[0])
            elif branches:
                member["anyOf"] = branches
            member.pop("title", None)
            if member.get("default", "") is None:
                del member["default"]
            parameter: Schema = {"name": alias, "in": "query", "required": alias in required}
            if "description" in member:
                parameter["description"] = member.pop("description")
            parameters.append({**parameter, "schema": member})
        return parameters


def _response(answer: Any, schemas: _Schemas) -> Schema:
    if isinstance(answer, str):
        return _error(answer)
    if isinstance(answer, Answer):
        content = dict(answer.media)
        if answer.model is not None:
            content["application/json"] = {"schema": schemas.ref(answer.model)}
        return {"description": answer.description, **({"content": content} if content else {})}
    return {"description": _first_line(answer), "content": {"application/json": {"schema": schemas.ref(answer)}}}


def _operation(path: str, declared: Operation, schemas: _Schemas) -> Schema:
    operation: Schema = {"operationId": declared.operation_id, "summary": declared.summary}
    if declared.description:
        operation["description"] = declared.description
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": declared.path.get(name, _ID_SCHEMA)}
        for name in _PATH_PARAMETER.findall(path)
    ]
    if declared.query is not None:
        parameters += schemas.query_parameters(declared.query)
    parameters += [dict(p) for p in declared.parameters]
    if parameters:
        operation["parameters"] = parameters
    if declared.body is not None:
        schema = declared.body.model_json_schema(ref_template=_REF)
        operation["requestBody"] = {
            "required": bool(schema.get("required") or schema.get("allOf")),
            "content": {"application/json": {"schema": schemas.ref(declared.body)}},
        }
    responses = {str(status): _response(answer, schemas) for status, answer in sorted(declared.responses.items())}
    if declared.frames is not None:
        responses.setdefault("101", {"description": "Switching to the WebSocket protocol."})
        responses["101"]["x-sentinel-frames"] = schemas.ref(declared.frames)
    if parameters or declared.body is not None:
        responses.setdefault("400", _error("A bad parameter or body."))
    if declared.body is not None:
        responses.setdefault("413", _error("The body is over the size limit."))
    responses.setdefault("500", _error("An unexpected error; it is logged."))
    responses.setdefault(
        "503", _error("The database is unavailable, or the record is being changed elsewhere; see Retry-After.")
    )
    operation["responses"] = responses
    return operation


def _roles_with(access: Access) -> list[str]:
    return [role.value for role, granted in ROLE_PERMISSIONS.items() if access.permission in granted]


def _annotate_access(operation: Schema, path: str, method: str, needed: Access) -> None:
    """What the route really requires: public operations need no security, the others answer 401 (pages
    redirect to the sign-in page), and 403 when a role or the CSRF token is wrong (pages: an HTML page)."""
    responses = operation["responses"]
    if needed.public:
        operation["security"] = []
        return
    if needed.page:
        responses.setdefault("302", {"description": "Not signed in: redirected to /login?next=…"})
    else:
        responses.setdefault("401", _error("Not signed in, or the token is unknown or revoked."))
    refusals = []
    if needed.permission is not None:
        operation["x-sentinel-permission"] = needed.permission.value
        operation["x-sentinel-roles"] = _roles_with(needed)
        refusals.append(f"the role lacks `{needed.permission.value}`")
    if method.upper() in UNSAFE_METHODS:
        refusals.append(f"a cookie session sent no or a wrong `{CSRF_HEADER}`")
        operation.setdefault("parameters", []).append(
            {
                "name": CSRF_HEADER,
                "in": "header",
                "description": "The session's CSRF token (cookie sessions only).",
                "schema": {"type": "string"},
            }
        )
    if path == "/api/v1/stream":
        refusals.append("a cookie session from another origin")
    if refusals and needed.page:
        responses.setdefault(
            "403",
            {
                "description": (
                    "Refused: " + "; or ".join(refusals) + ". A page (HTML, in the language the user chose) saying "
                    "what this page is for, with a link back to the user's own page."
                ),
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
        )
    elif refusals:
        responses.setdefault("403", _error("Refused: " + "; or ".join(refusals) + "."))
    operation["responses"] = dict(sorted(responses.items()))


def documented_routes(access: Mapping[AbstractRoute, Access]) -> list[tuple[str, str, Operation, Access]]:
    """(path, method, declaration, access) of every route but static files and HEAD; RuntimeError names the
    routes whose handler declares no operation."""
    found, undeclared = [], []
    for route, needed in access.items():
        if route.resource is None or isinstance(route.resource, web.StaticResource) or route.method == "HEAD":
            continue
        declared = operation_of(route.handler)
        if declared is None:
            undeclared.append(f"{route.method} {route.resource.canonical}")
        else:
            found.append((route.resource.canonical, route.method.lower(), declared, needed))
    if undeclared:
        raise RuntimeError(f"routes without an OpenAPI declaration (hub.adapters.web.operations): {undeclared}")
    return found


def openapi_document(access: Mapping[AbstractRoute, Access]) -> dict[str, Any]:
    routes = documented_routes(access)
    schemas = _Schemas(declared for _, _, declared, _ in routes)
    paths: dict[str, Schema] = {}
    websockets: dict[str, Schema] = {}
    for path, method, declared, needed in routes:
        operation = _operation(path, declared, schemas)
        _annotate_access(operation, path, method, needed)
        # OpenAPI describes request and response, not a WebSocket: as operations, HTTP clients and fuzzers
        # would take the 101 for an answer. The handshakes are described in the same shape, outside `paths`.
        (websockets if declared.websocket else paths).setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Sentinel hub",
            "version": hub.__version__,
            "description": "The duty desk's API: incidents, the district registry, a live stream and "
            'operations endpoints. Errors are JSON: `{"error": {"code", "message"}}`. Authenticate with the '
            "console's session cookie (plus `X-CSRF-Token` on state-changing requests) or a bearer API token; "
            "`x-sentinel-roles` names the roles an operation allows. Generated from the routes and their models.",
        },
        "paths": paths,
        WEBSOCKETS: websockets,
        "components": {
            "schemas": schemas.used_components(),
            "securitySchemes": {
                "cookieAuth": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": SESSION_COOKIE,
                    "description": f"The console's session (POST /api/v1/auth/login). State-changing requests "
                    f"also need the `{CSRF_HEADER}` header.",
                },
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from `sentinel token create --role ROLE --name NAME`.",
                },
            },
        },
        "security": [{"cookieAuth": []}, {"bearerAuth": []}],
    }


DOCUMENT = web.AppKey("openapi_document", dict[str, Any])
"""Filled on first use (the routes do not change once the app runs); make_app puts an empty dict."""


@documented(
    "openapi",
    "This document",
    {200: Answer("OpenAPI 3.1", media={"application/json": {}})},
)
async def openapi(request: web.Request) -> web.Response:
    document = request.app[DOCUMENT]
    if not document:
        access = request.app[ACCESS]
        document.update(openapi_document(access))
    return json_ok(document)
