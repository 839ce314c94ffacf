"""What every view shares: the base class, and the field types of ids and times."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

MAX_ID = 2**63 - 1  # ids are the store's positive bigints

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A store id: a positive bigint."""

_TIME_SCHEMA = {"type": "string", "format": "date-time"}
Time = Annotated[str, WithJsonSchema(_TIME_SCHEMA)]
"""An RFC 3339 time that is already text."""


def _iso(value: datetime) -> str:
    return value.isoformat()


DateTime = Annotated[datetime, PlainSerializer(_iso, return_type=str), WithJsonSchema(_TIME_SCHEMA)]
"""A time as the API has always sent it: isoformat() (`+00:00`, not `Z`)."""


class View(BaseModel):
    """A response shape, as the API sends it (the console's JavaScript reads these names)."""

    model_config = ConfigDict(json_schema_mode_override="serialization")

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
