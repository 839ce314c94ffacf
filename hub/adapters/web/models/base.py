"""What every model of the HTTP boundary shares: the base classes, the field types used across areas, and
reading a request's body or query string into a model (a refusal is the API's usual 400)."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, ClassVar, Self, TypeVar

from aiohttp import web
from multidict import MultiMapping
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from hub.adapters.web.bodies import parse_json_body
from hub.adapters.web.errors import ApiError, BadRequest
from hub.services.views.base import MAX_ID as MAX_ID
from hub.services.views.base import DateTime as DateTime
from hub.services.views.base import Id as Id
from hub.services.views.base import Time as Time
from hub.services.views.base import View as View

# The views (what responses send) live in hub.services.views, for the read side builds them too; they are
# named here as well so that the web's models find every building block in one place.

MAX_NOTE = 2000

Schema = dict[str, Any]

# Text with at least one character Python's str.strip() keeps (JSON Schema's \\s is another set of spaces).
NOT_BLANK_PATTERN = "[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"

Note = Annotated[str, Field(max_length=MAX_NOTE)]
DeviceRef = Annotated[str, Field(max_length=64)]


def _nullable(schema: Schema) -> Schema:
    if schema.get("type") == "null" or any(s.get("type") == "null" for s in schema.get("anyOf", [])):
        return schema
    if isinstance(schema.get("type"), str):
        return {**schema, "type": [schema["type"], "null"]}
    description = {"description": schema["description"]} if "description" in schema else {}
    return {"anyOf": [schema, {"type": "null"}], **description}


def _optional_members_may_be_null(schema: Schema, model: type) -> None:
    """A JSON null in a body is read as an absent member (bodies.py): the document says so. Rules across
    members (`exactly_one`) are added as `allOf`."""
    required = set(schema.get("required", []))
    for name, member in schema.get("properties", {}).items():
        if name not in required:
            schema["properties"][name] = _nullable(member)
    rules = getattr(model, "exactly_one", ())
    if rules:
        schema["allOf"] = [
            {"oneOf": [{"required": [name], "properties": {name: {"type": "string"}}} for name in names]}
            for names in rules
        ]


class Body(BaseModel):
    """A JSON request body. Checked strictly, as JSON: no number for a string, no boolean for a number.
    Members the model does not name are ignored (older and newer clients send more). `exactly_one` lists
    groups of string members of which a body gives exactly one."""

    exactly_one: ClassVar[tuple[tuple[str, ...], ...]] = ()

    @model_validator(mode="after")
    def _one_of_each_group(self) -> Self:
        for names in self.exactly_one:
            if sum(getattr(self, name) is not None for name in names) != 1:
                raise ValueError(f"give exactly one of {' or '.join(names)}")
        return self

    model_config = ConfigDict(
        strict=True,
        allow_inf_nan=False,
        json_schema_extra=_optional_members_may_be_null,
        json_schema_mode_override="validation",
    )


class Query(BaseModel):
    """A query string. Every parameter may be given once; an unknown one is refused (a typo must not quietly
    widen a search), and an empty value is no value, unless the model says otherwise."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, json_schema_mode_override="validation")
    empty_is_absent: ClassVar[bool] = True


_DIGITS = re.compile(r"[0-9]{1,19}")


def _query_integer(value: Any) -> Any:
    """Only plain digits: no sign, space, exponent or underscore (int() would take some of those)."""
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value):
            raise ValueError("must be a whole number")
        return int(value)
    return value


_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def _query_boolean(value: Any) -> Any:
    if isinstance(value, str):
        if value not in _BOOLEANS:
            raise ValueError("must be true or false")
        return _BOOLEANS[value]
    return value


QueryDigits = BeforeValidator(_query_integer)
"""For a query string's integers; put it after the bounds (`Annotated[int, Field(ge=1), QueryDigits]`), or the
bounds are lost from the JSON Schema."""
QueryBool = Annotated[bool, BeforeValidator(_query_boolean)]
DeviceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]

B = TypeVar("B", bound=Body)
Q = TypeVar("Q", bound=Query)


def _refusal(error: ValidationError, where: str) -> ApiError:
    """The first problem as 400 invalid_parameter, naming the member or parameter at fault in the message and in
    `params.parameter` (the console words the code; the message is for people reading logs and tools)."""
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or where
    pattern = (first.get("ctx") or {}).get("pattern")
    if first["type"] == "extra_forbidden":
        message = f"unknown parameter {name!r}"
    elif first["type"] == "missing":
        message = f"{name} is required"
    elif first["type"] == "string_pattern_mismatch" and pattern == NOT_BLANK_PATTERN:
        message = f"{name} must not be blank"
    else:
        problem = str(first["msg"]).removeprefix("Value error, ")
        message = f"{name}: {problem}" if first["loc"] else problem
    return ApiError(400, "invalid_parameter", message, {"parameter": name})


async def read_body(request: web.Request, model: type[B]) -> B:
    """The request's JSON object as `model`; no body is an empty object (400 invalid_json, invalid_parameter)."""
    body: Any = {}
    if request.body_exists:  # (read already, within the body deadline)
        try:
            body = parse_json_body(await request.text())
        except ValueError:
            raise BadRequest("invalid_json", "the request body is not JSON") from None
        if not isinstance(body, dict):
            raise BadRequest("invalid_json", "the request body must be a JSON object")
    try:
        # As JSON again, so that strict mode reads it as JSON (an enum's value, not an enum member).
        return model.model_validate_json(json.dumps(body))
    except ValidationError as exc:
        raise _refusal(exc, "body") from None


def read_query(query: MultiMapping[str], model: type[Q]) -> Q:
    """The query string as `model`: a parameter given twice, or one the model does not know, is refused."""
    values: dict[str, str] = {}
    for name in set(query):
        given = query.getall(name, [])
        if len(given) > 1:
            raise BadRequest("invalid_parameter", f"{name} is given more than once")
        if given and (given[0] != "" or not model.empty_is_absent):
            values[name] = given[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise _refusal(exc, "query") from None
