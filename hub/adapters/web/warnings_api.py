"""Loudspeaker warnings over REST: the message library, sending a warning (the desk to any speaker,
an officer to the site of their own open dispatch), the list with each speaker's answer, and the
rendered audio that speakers fetch."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from hub.adapters.web.actions import _body, _text
from hub.adapters.web.api import parse_incident_id, parse_limit
from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, NotFound, json_ok
from hub.domain.warnings import UnspeakableText, WarningState
from hub.services.warnings import UnknownTarget, WarningRequest, WarningService

_AUDIO_KEY = re.compile(r"[0-9a-f]{64}")
LANGS = ("zh-CN", "en")


def _service(request: web.Request) -> WarningService:
    service = request.app[SERVICES].warnings
    if service is None:
        raise ApiError(503, "unavailable", "loudspeaker warnings are not available on this server")
    return service


async def list_messages(request: web.Request) -> web.Response:
    district = request.app[SERVICES].district
    messages = [
        {"id": m.id, "texts": dict(m.texts), "languages": list(m.languages)} for m in district.messages.values()
    ]
    return json_ok({"messages": messages})


def _what(body: dict[str, Any]) -> tuple[str | None, str | None, str, int]:
    message_id = _text(body, "message_id", limit=64)
    text = _text(body, "text", limit=500)
    if (message_id is None) == (text is None):
        raise BadRequest("invalid_parameter", "give exactly one of message_id or text")
    lang = _text(body, "lang", limit=8) or "zh-CN"
    if lang not in LANGS:
        raise BadRequest("invalid_parameter", f"lang must be one of: {', '.join(LANGS)}")
    repeat = _integer(body, "repeat", 2, 1, 10)
    return message_id, text, lang, repeat


def _integer(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadRequest("invalid_parameter", f"{name} must be an integer from {low} to {high}")
    return value


async def _send(request: web.Request, warning: WarningRequest) -> web.Response:
    try:
        ids = await _service(request).warn(warning, principal_of(request).actor)
    except UnknownTarget as exc:
        raise NotFound(str(exc)) from None
    except UnspeakableText as exc:
        # Both languages: the desk reads the reason whichever language its console is in.
        raise BadRequest("text_not_speakable", f"{exc.reason_zh}。{exc.reason_en}") from None
    warnings = await request.app[SERVICES].queries.warnings_by_id(ids)
    return json_ok({"warnings": warnings}, status=202)


async def send_warning(request: web.Request) -> web.Response:
    """The desk: `speaker_id` or `site_id` (every speaker of the site), `message_id` or `text`."""
    body = await _body(request)
    message_id, text, lang, repeat = _what(body)
    speaker_id, site_id = _text(body, "speaker_id", limit=64), _text(body, "site_id", limit=64)
    if (speaker_id is None) == (site_id is None):
        raise BadRequest("invalid_parameter", "give exactly one of speaker_id or site_id")
    incident_id = body.get("incident_id")
    if incident_id is not None:
        incident_id = parse_incident_id(str(incident_id))
    try:
        speakers = (speaker_id,) if speaker_id else _service(request).speakers_at(site_id or "")
    except UnknownTarget as exc:
        raise NotFound(str(exc)) from None
    if not speakers:
        raise BadRequest("no_speaker", f"site {site_id} has no loudspeaker")
    expires_s = _integer(body, "expires_s", 60, 5, 600)
    return await _send(
        request,
        WarningRequest(speakers, lang, message_id, text, repeat, incident_id=incident_id, expires_s=expires_s),
    )


async def officer_warning(request: web.Request) -> web.Response:
    """An officer warns at the site of one of their own open dispatches: `dispatch_id` plus the message."""
    officer_id = principal_of(request).officer_id
    if not officer_id:
        raise ApiError(403, "forbidden", "only an officer's own account can warn from the app")
    body = await _body(request)
    message_id, text, lang, repeat = _what(body)
    services = request.app[SERVICES]
    dispatches = {str(d["id"]): d for d in await services.queries.dispatches_for_officer(officer_id, True)}
    dispatch = dispatches.get(str(body.get("dispatch_id")))
    if dispatch is None:
        raise ApiError(403, "forbidden", "warn only at the site of one of your open dispatches")
    speakers = _service(request).speakers_at(dispatch["site_id"])
    if not speakers:
        raise BadRequest("no_speaker", f"site {dispatch['site_id']} has no loudspeaker")
    return await _send(
        request,
        WarningRequest(
            speakers, lang, message_id=message_id, text=text, repeat=repeat, incident_id=dispatch["incident_id"]
        ),
    )


async def list_warnings(request: web.Request) -> web.Response:
    incident = request.query.get("incident_id")
    state = request.query.get("state")
    if state is not None and state not in {s.value for s in WarningState}:
        raise BadRequest("invalid_parameter", "unknown warning state")
    warnings = await request.app[SERVICES].queries.list_warnings(
        incident_id=parse_incident_id(incident) if incident is not None else None,
        state=state,
        limit=parse_limit(request.query.get("limit")),
    )
    return json_ok({"warnings": warnings})


async def audio(request: web.Request) -> web.StreamResponse:
    """Rendered speech, by its content hash: unguessable, so speakers fetch it without a session."""
    key = request.match_info["key"]
    lookup = request.app[SERVICES].audio_files
    path = lookup.resolve(key) if lookup is not None and _AUDIO_KEY.fullmatch(key) else None
    if path is None:
        raise NotFound("no such audio")
    return web.FileResponse(path, headers={"Content-Type": "audio/wav", "Cache-Control": "public, max-age=86400"})
