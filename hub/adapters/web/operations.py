"""Each route's part of the OpenAPI document, declared on its handler: what it is, what it reads (query
string, body) and every answer it can give. hub.adapters.web.openapi builds the document from the route
table and these declarations; a route without one stops the document from being built."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

from hub.adapters.web.models.base import Body, Query

Schema = dict[str, Any]
OPERATION = "__openapi_operation__"


@dataclass(frozen=True)
class Answer:
    """A response: JSON of `model`, or another media type (`media`, with `schema`), or no body."""

    description: str
    model: type[BaseModel] | None = None
    media: Mapping[str, Schema] = field(default_factory=dict)


Response = type[BaseModel] | str | Answer
"""A model (its JSON, described by its docstring), a sentence (an Error with that description) or an Answer."""


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    responses: Mapping[int, Response]
    description: str = ""
    query: type[Query] | None = None
    body: type[Body] | None = None
    path: Mapping[str, Schema] = field(default_factory=dict)  # path parameters that are not ids
    parameters: tuple[Schema, ...] = ()  # headers and other parameters no model describes
    websocket: bool = False
    frames: type[BaseModel] | None = None  # a WebSocket's server → client frames


H = TypeVar("H", bound=Callable[..., Any])


def documented(
    operation_id: str,
    summary: str,
    responses: Mapping[int, Response],
    **more: Any,
) -> Callable[[H], H]:
    """Declare a handler's operation (see Operation for `more`)."""
    operation = Operation(operation_id, summary, responses, **more)

    def attach(handler: H) -> H:
        setattr(handler, OPERATION, operation)
        return handler

    return attach


def operation_of(handler: Callable[..., Any]) -> Operation | None:
    found = getattr(handler, OPERATION, None)
    return found if isinstance(found, Operation) else None


HTML_PAGE = Answer("The page.", media={"text/html": {"schema": {"type": "string"}}})
