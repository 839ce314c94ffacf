"""Loudspeaker warnings over REST: the message library, sending a warning (the desk to any speaker,
an officer to the site of their own open dispatch), the list with each speaker's answer, and the
rendered audio that speakers fetch."""

from __future__ import annotations

import re

from aiohttp import web

from hub.adapters.web.auth import principal_of
from hub.adapters.web.context import SERVICES
from hub.adapters.web.errors import ApiError, BadRequest, NotFound, json_ok
from hub.adapters.web.models import warnings as w
from hub.adapters.web.models.base import read_body, read_query
from hub.adapters.web.operations import Answer, documented
from hub.domain.warnings import UnspeakableText
from hub.services.warnings import UnknownTarget, WarningRequest, WarningService

_AUDIO_KEY = re.compile(r"[0-9a-f]{64}")


def _service(request: web.Request) -> WarningService:
    service = request.app[SERVICES].warnings
    if service is None:
        raise ApiError(503, "unavailable", "loudspeaker warnings are not available on this server")
    return service


@documented("listMessages", "The loudspeaker message library (texts per language)", {200: w.MessageList})
async def list_messages(request: web.Request) -> web.Response:
    district = request.app[SERVICES].district
    messages = [
        w.Message(id=m.id, texts=dict(m.texts), languages=list(m.languages)) for m in district.messages.values()
    ]
    return json_ok(w.MessageList(messages=messages).dump())


async def _send(request: web.Request, warning: WarningRequest) -> web.Response:
    try:
        ids = await _service(request).warn(warning, principal_of(request).actor)
    except UnknownTarget as exc:
        raise NotFound(str(exc)) from None
    except UnspeakableText as exc:
        # Both languages: the desk reads the reason whichever language its console is in.
        raise BadRequest("text_not_speakable", f"{exc.reason_zh}。{exc.reason_en}") from None
    warnings = await request.app[SERVICES].queries.warnings_by_id(ids)
    return json_ok(w.WarningList(warnings=warnings).dump(), status=202)


_SENT = Answer("Sent; the speakers' answers follow on the stream.", w.WarningList)
_UNAVAILABLE = "Loudspeaker warnings are not available on this server, or the database is away."


@documented(
    "sendWarning",
    "Play a spoken warning on a speaker, or on every speaker of a site",
    {
        202: _SENT,
        400: "A bad body, text a speaker cannot say (text_not_speakable) or a site without one (no_speaker).",
        404: "Unknown speaker, site, message or incident.",
        503: _UNAVAILABLE,
    },
    body=w.WarningBody,
)
async def send_warning(request: web.Request) -> web.Response:
    """The desk: `speaker_id` or `site_id` (every speaker of the site), `message_id` or `text`."""
    body = await read_body(request, w.WarningBody)
    try:
        speakers = (body.speaker_id,) if body.speaker_id else _service(request).speakers_at(body.site_id or "")
    except UnknownTarget as exc:
        raise NotFound(str(exc)) from None
    if not speakers:
        raise BadRequest("no_speaker", f"site {body.site_id} has no loudspeaker")
    return await _send(
        request,
        WarningRequest(
            speakers,
            body.lang,
            body.message_id,
            body.text,
            body.repeat,
            incident_id=body.incident_id,
            expires_s=body.expires_s,
        ),
    )


@documented(
    "officerWarning",
    "An officer warns on the speakers at the site of one of their open dispatches",
    {
        202: _SENT,
        400: "A bad body, text a speaker cannot say (text_not_speakable) or a site without one (no_speaker).",
        403: "Not an officer's own account, or not one of their open dispatches.",
        404: "Unknown message.",
        503: _UNAVAILABLE,
    },
    body=w.OfficerWarningBody,
)
async def officer_warning(request: web.Request) -> web.Response:
    """An officer warns at the site of one of their own open dispatches: `dispatch_id` plus the message."""
    officer_id = principal_of(request).officer_id
    if not officer_id:
        raise ApiError(403, "forbidden", "only an officer's own account can warn from the app")
    body = await read_body(request, w.OfficerWarningBody)
    services = request.app[SERVICES]
    dispatches = {d.id: d for d in await services.queries.dispatches_for_officer(officer_id, True)}
    dispatch = dispatches.get(body.dispatch_id)
    if dispatch is None:
        raise ApiError(403, "forbidden", "warn only at the site of one of your open dispatches")
    speakers = _service(request).speakers_at(dispatch.site_id)
    if not speakers:
        raise BadRequest("no_speaker", f"site {dispatch.site_id} has no loudspeaker")
    return await _send(
        request,
        WarningRequest(
            speakers,
            body.lang,
            message_id=body.message_id,
            text=body.text,
            repeat=body.repeat,
            incident_id=dispatch.incident_id,
        ),
    )


@documented(
    "listWarnings",
    "Loudspeaker warnings, newest first, each with its speaker's latest answer",
    {200: w.WarningList, 400: "A bad filter."},
    query=w.WarningListQuery,
)
async def list_warnings(request: web.Request) -> web.Response:
    query = read_query(request.query, w.WarningListQuery)
    warnings = await request.app[SERVICES].queries.list_warnings(
        incident_id=query.incident_id, state=query.state, limit=query.limit
    )
    return json_ok(w.WarningList(warnings=warnings).dump())


@documented(
    "getAudio",
    "Rendered speech by content hash (what speakers download)",
    {200: Answer("WAV audio.", media={"audio/wav": {}}), 404: "No such audio."},
    path={"key": {"type": "string"}},
)
async def audio(request: web.Request) -> web.StreamResponse:
    """Rendered speech, by its content hash: unguessable, so speakers fetch it without a session."""
    key = request.match_info["key"]
    lookup = request.app[SERVICES].audio_files
    path = lookup.resolve(key) if lookup is not None and _AUDIO_KEY.fullmatch(key) else None
    if path is None:
        raise NotFound("no such audio")
    return web.FileResponse(path, headers={"Content-Type": "audio/wav", "Cache-Control": "public, max-age=86400"})
