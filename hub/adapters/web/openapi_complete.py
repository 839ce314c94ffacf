"""What every operation of the OpenAPI document has in common, added in one pass so that no route can leave it
out: the bounds of ids, that null means absent in request bodies, and the status codes any operation can answer
(a bad parameter or body 400, a body over the limit 413, an unexpected error 500, the database away 503).
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

from hub.adapters.web.api import MAX_ID
from hub.domain.warnings import speech_problem

Schema = dict[str, Any]

# Text with at least one character Python's str.strip() keeps (JSON Schema's \\s is another set of spaces).
NOT_BLANK_PATTERN = "[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"

_ERROR = {"$ref": "#/components/schemas/Error"}

# hub.domain.warnings' markup, as a JSON Schema (ECMA) pattern: `.` there is DOTALL, `[\s\S]` here.
_MARKUP_PATTERN = r"<!--[\s\S]*?(?:-->|$)|<[/!?]?[A-Za-z][^<>]*(?:>|$)"


@functools.cache
def speakable_text(max_length: int) -> Schema:
    """Free text a loudspeaker may speak (hub.domain.warnings.speech_problem): no control or invisible format
    characters, no markup. Text that hides markup in entities (`&lt;b&gt;`) is refused too; no pattern says it."""
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


def _error(description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


def _types(schema: Schema) -> list[str]:
    declared = schema.get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def _bounded_ids(name: str, schema: Schema) -> Schema:
    """Ids (`id`, `…_id`, items of `…_ids`) are the store's positive bigints: the server answers 400 to others."""
    if (name == "id" or name.endswith("_id")) and "integer" in _types(schema):
        return {**schema, "minimum": 1, "maximum": MAX_ID}
    if name.endswith("_ids") and "integer" in _types(schema.get("items", {})):
        return {**schema, "items": {**schema["items"], "minimum": 1, "maximum": MAX_ID}}
    return schema


def _nullable_when_optional(schema: Schema) -> Schema:
    """The server reads a JSON null in a body as an absent member: optional members may be null."""
    if schema.get("type") != "object" or "properties" not in schema:
        return schema
    required = set(schema.get("required", []))
    properties: dict[str, Schema] = {}
    for name, member in schema["properties"].items():
        member = _bounded_ids(name, member)
        if name not in required and isinstance(member.get("type"), str):
            member = {**member, "type": [member["type"], "null"]}
        properties[name] = member
    return {**schema, "properties": properties}


def complete(document: Schema) -> Schema:
    for item in [*document["paths"].values(), *document.get("x-websockets", {}).values()]:
        for operation in item.values():
            parameters = operation.get("parameters", [])
            for parameter in parameters:
                parameter["schema"] = _bounded_ids(parameter["name"], parameter.get("schema", {}))
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None and "schema" in body:
                body["schema"] = _nullable_when_optional(body["schema"])
            responses = operation["responses"]
            if parameters or body is not None:
                responses.setdefault("400", _error("A bad parameter or body."))
            if body is not None:
                responses.setdefault("413", _error("The body is over the size limit."))
            responses.setdefault("500", _error("An unexpected error; it is logged."))
            responses.setdefault(
                "503", _error("The database is unavailable, or the record is being changed elsewhere; see Retry-After.")
            )
    return document
