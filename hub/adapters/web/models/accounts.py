"""Accounts and officers' own actions at the HTTP boundary: signing in, who is signed in, and what an
officer sends from the app (duty, location, replies to dispatches)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from devices.contract import OfficerAction
from hub.adapters.web.models.base import Body, Note, Query, View
from hub.domain.incidents import IncidentState
from hub.domain.lifecycle import Disposition
from hub.services.auth import AuthKind, Role
from hub.services.views.dispatches import Dispatch

MAX_USERNAME = 64
MAX_PASSWORD = 1024

Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class LoginRequest(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=MAX_USERNAME)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD)] = Field(
        json_schema_extra={"format": "password"}
    )


class User(View):
    username: str = Field(description="The username, or an API token's name.")
    role: Role
    officer_id: str | None = Field(description="The officer this account is.")
    display_name: str


class Session(View):
    user: User
    auth: AuthKind
    csrf_token: str | None = Field(
        description="Send it as `X-CSRF-Token` with every POST, PUT, PATCH and DELETE made with the session "
        "cookie. Null for API tokens, which need none."
    )


class DutyBody(Body):
    on_duty: bool


class Duty(View):
    officer_id: str
    on_duty: bool


class LocationBody(Body):
    lat: Latitude
    lon: Longitude


class Location(View):
    officer_id: str
    lat: float
    lon: float


class ReplyBody(Body):
    action: OfficerAction
    note: Note | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    disposition: Disposition | None = None


class Reply(View):
    dispatch: Dispatch | None
    incident_state: IncidentState


class MyDispatchesQuery(Query):
    empty_is_absent = False
    model_config = ConfigDict(extra="ignore")  # the officer app has always been free to add its own
    all: Literal["1", "0"] | None = Field(None, description="`1`: the last 50, not only the active ones.")

    @property
    def every(self) -> bool:
        return self.all == "1"


class DispatchList(View):
    dispatches: list[Dispatch]
