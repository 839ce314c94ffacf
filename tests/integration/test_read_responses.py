"""Every read endpoint's answer is its documented model, exactly: a real response (a hub on PostgreSQL with an
incident acknowledged, dispatched, noted and warned about) is read into the model its operation declares and
written out again, and must come back unchanged. A member the model does not declare (the document would not
show it), a null the model would drop or add, or a time written another way makes the test fail. The live
stream's frames are held to the stream's frame model the same way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

import aiohttp
import pytest
from pydantic import BaseModel

from devices.link import DeviceLink
from hub.adapters.web.app import routes
from hub.adapters.web.models.ops import OfficerStreamMessage, StreamMessage
from hub.adapters.web.models.warnings import WarningList
from hub.adapters.web.operations import Answer, operation_of
from hub.services.views.incidents import IncidentDetail
from hub.services.views.reports import Report
from simulators.button import ButtonRef, press
from simulators.districts import save_district, synthetic_district
from tests.integration.conftest import HubUnderTest, bearer, create_api_token, eventually, fetch_value
from tests.integration.test_response_steps import STEPS

NOT_JSON = {"/api/v1/openapi.json"}  # the document itself (a JSON Schema, not a model)
QUERIES = {"/api/v1/reports": {"month": datetime.now(UTC).strftime("%Y-%m")}}  # the month the incident is in


@pytest.fixture
def district_file(tmp_path: Path) -> Path:
    """The synthetic district with guided-response steps, so that steps and their marks are checked too."""
    district = synthetic_district()
    district["response_steps"] = STEPS
    return save_district(tmp_path / "district.yaml", district)


def _model_of_200(handler: Any) -> type[BaseModel] | None:
    operation = operation_of(handler)
    assert operation is not None
    answer = operation.responses.get(200)
    model = answer.model if isinstance(answer, Answer) else answer
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _json_reads() -> dict[str, type[BaseModel]]:
    """Every GET route that answers JSON of a model, and that model."""
    reads = {}
    for route in routes():
        model = _model_of_200(route.handler)
        if route.method == "GET" and model is not None and route.path not in NOT_JSON:
            reads[route.path] = model
    return reads


def _differences(sent: Any, again: Any, path: str = "") -> list[str]:
    """Where two JSON values differ: a member only one has, or a different value."""
    if isinstance(sent, dict) and isinstance(again, dict):
        found = [f"{path}.{key}: sent but not in the model" for key in sent.keys() - again.keys()]
        found += [f"{path}.{key}: in the model but not sent" for key in again.keys() - sent.keys()]
        for key in sent.keys() & again.keys():
            found += _differences(sent[key], again[key], f"{path}.{key}")
        return found
    if isinstance(sent, list) and isinstance(again, list) and len(sent) == len(again):
        return [d for i, (a, b) in enumerate(zip(sent, again, strict=True)) for d in _differences(a, b, f"{path}[{i}]")]
    return [] if sent == again else [f"{path}: sent {sent!r}, the model writes {again!r}"]


def _models_forbidding_extras(model: type[BaseModel]) -> bool:
    """Every model reachable from `model` refuses members it does not declare."""
    seen: set[type[BaseModel]] = set()
    todo = [model]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        assert current.model_config.get("extra") == "forbid", f"{current.__name__} accepts undeclared members"
        for field in current.model_fields.values():
            todo += [t for t in _types_in(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
    return True


def _types_in(annotation: Any) -> list[Any]:
    return [annotation, *(t for arg in get_args(annotation) for t in _types_in(arg))]


def assert_is_exactly(model: type[BaseModel], sent: Any, where: str) -> None:
    again = model.model_validate(sent).model_dump(mode="json", by_alias=True)
    assert not _differences(sent, again), f"{where} is not exactly a {model.__name__}: {_differences(sent, again)}"


async def test_every_read_endpoint_answers_exactly_its_documented_model(
    hub: HubUnderTest, device_link: DeviceLink
) -> None:
    db = hub.db
    supervisor = await create_api_token(db, "supervisor", "reads-supervisor")
    officer = await create_api_token(db, "officer", "reads-o1", "o1")
    api = f"{hub.http}/api/v1"
    async with (
        aiohttp.ClientSession(headers=bearer(supervisor)) as desk,
        aiohttp.ClientSession(headers=bearer(officer)) as phone,
        desk.ws_connect(f"{api}/stream") as console,
        phone.ws_connect(f"{api}/me/stream") as app,
    ):
        async with phone.post(f"{api}/me/duty", json={"on_duty": True}) as signed_on:
            assert signed_on.status == 200
        await asyncio.to_thread(press, device_link, hub.topics, ButtonRef("site-01", "btn-01-0"))
        found = await eventually(lambda: fetch_value(db, "SELECT id FROM incidents WHERE site_id = 'site-01'"))
        incident_id = int(found)  # type: ignore[call-overload]
        async with desk.post(f"{api}/incidents/{incident_id}/ack") as acked:
            assert acked.status == 200
            assert_is_exactly(IncidentDetail, await acked.json(), "ack")
        async with desk.post(f"{api}/incidents/{incident_id}/notes", json={"text": "caller on the line"}) as noted:
            assert noted.status == 200
            assert_is_exactly(IncidentDetail, await noted.json(), "note")
        warning = {"speaker_id": "spk-01", "text": "请离开", "incident_id": incident_id}
        async with desk.post(f"{api}/warnings", json=warning) as warned:
            assert warned.status == 202
            assert_is_exactly(WarningList, await warned.json(), "send a warning")
        await eventually(lambda: fetch_value(db, "SELECT 1 FROM dispatches WHERE officer_id = 'o1'"))
        async with desk.get(f"{api}/incidents/{incident_id}") as response:
            detail = await response.json()
        # Every part of the detail is there to be checked, not an empty list (media needs a camera).
        assert [part for part in ("timeline", "events", "dispatches", "warnings", "steps") if not detail[part]] == []
        assert any(step["done"] for step in detail["steps"])

        checked = []
        for path, model in _json_reads().items():
            url = api + path.removeprefix("/api/v1").replace("{id}", str(incident_id))
            if not path.startswith("/api/v1"):
                url = hub.http + path
            session = phone if path.startswith("/api/v1/me/") else desk
            async with session.get(url, params=QUERIES.get(path, {})) as response:
                assert response.status == 200, f"{path}: {response.status} {await response.text()}"
                assert_is_exactly(model, await response.json(), path)
            checked.append(path)
        # The incident, its dispatch and its timeline were there to be checked, not empty lists.
        assert {"/api/v1/incidents", "/api/v1/incidents/{id}", "/api/v1/me/dispatches", "/api/v1/reports"} <= set(
            checked
        )
        # The report's every part is typed: no member anywhere in it is an open dict the document cannot describe.
        assert _json_reads()["/api/v1/reports"] is Report and _models_forbidding_extras(Report)

        console_frames = await _frames_until(console, "dispatch")
        app_frames = await _frames_until(app, "dispatch")
    assert [f["type"] for f in console_frames[:2]] == ["health", "snapshot"]
    assert any(f["type"] == "incident" and f["incident"]["id"] == incident_id for f in console_frames)
    assert [f["type"] for f in app_frames] == ["health", "snapshot", "dispatch"]
    for frame in console_frames:
        assert_is_exactly(StreamMessage, frame, f"stream {frame['type']}")
    for frame in app_frames:
        assert_is_exactly(OfficerStreamMessage, frame, f"officer stream {frame['type']}")


async def _frames_until(socket: aiohttp.ClientWebSocketResponse, wanted: str) -> list[Any]:
    """The frames a stream sent, up to and with the first of type `wanted`."""
    frames = [await socket.receive_json(timeout=5)]
    while frames[-1]["type"] != wanted:
        frames.append(await socket.receive_json(timeout=5))
    return frames
