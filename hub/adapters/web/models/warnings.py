"""Loudspeaker warnings at the HTTP boundary: the message library, sending a warning (the desk, an officer)
and the list with each speaker's answer."""

from __future__ import annotations

import functools
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import Field, WithJsonSchema

from hub.adapters.web.models.base import MAX_ID, Body, DeviceRef, Id, Query, QueryDigits, View
from hub.adapters.web.models.incidents import DEFAULT_LIMIT, MAX_LIMIT
from hub.domain.warnings import speech_problem
from hub.services.views.warnings import SpeakerWarning, WarningStateName

MAX_TEXT = 500

# hub.domain.warnings' markup, as a JSON Schema (ECMA) pattern: `.` there is DOTALL, `[\s\S]` here.
_MARKUP_PATTERN = r"<!--[\s\S]*?(?:-->|$)|<[/!?]?[A-Za-z][^<>]*(?:>|$)"


@functools.cache
def speakable_text(max_length: int) -> dict[str, Any]:
    """Free text a loudspeaker may speak (hub.domain.warnings.speech_problem), as JSON Schema: no control or
    invisible format characters, no markup. Text that hides markup in entities (`&lt;b&gt;`) is refused too
    (text_not_speakable); no pattern says it."""
    hidden = "".join(
        ch
        for ch in map(chr, (*range(0x20000), *range(0xE0000, 0xE1000)))  # the planes with Cc and Cf characters
        if unicodedata.category(ch) in ("Cc", "Cf") and speech_problem(ch) == "control"
    )
    return {
        "type": "string",
        "maxLength": max_length,
        "pattern": f"^[^{hidden}]*$",
        "not": {"pattern": _MARKUP_PATTERN},
    }


# The service checks what can be spoken (400 text_not_speakable); the model checks the length.
SpeakableText = Annotated[str, Field(max_length=MAX_TEXT), WithJsonSchema(speakable_text(MAX_TEXT))]
Lang = Literal["zh-CN", "en"]


class Message(View):
    id: str
    texts: dict[str, str] = Field(description="The text per language.")
    languages: list[str]


class MessageList(View):
    """The loudspeaker message library."""

    messages: list[Message]


class WarningList(View):
    warnings: list[SpeakerWarning]


class _Spoken(Body):
    message_id: DeviceRef | None = None
    text: SpeakableText | None = None
    lang: Lang = "zh-CN"
    repeat: int = Field(2, ge=1, le=10)


class WarningBody(_Spoken):
    """The desk warns on a speaker, or on every speaker of a site."""

    exactly_one = (("message_id", "text"), ("speaker_id", "site_id"))
    speaker_id: DeviceRef | None = None
    site_id: DeviceRef | None = None
    incident_id: Id | None = None
    expires_s: int = Field(60, ge=5, le=600, description="not played by then: expired")


class OfficerWarningBody(_Spoken):
    """An officer warns at the site of one of their own open dispatches."""

    exactly_one = (("message_id", "text"),)
    dispatch_id: Id


class WarningListQuery(Query):
    empty_is_absent = False
    incident_id: Annotated[int, Field(ge=1, le=MAX_ID), QueryDigits] | None = None
    state: WarningStateName | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT), QueryDigits] = DEFAULT_LIMIT
