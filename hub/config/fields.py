"""Field types shared by the district file's sections."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Id = Annotated[str, Field(min_length=1, max_length=64)]
# A local wall-clock time of a weekly window (hub.domain.weekly), 00:00 to 23:59.
TimeOfDay = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", examples=["19:00"])]
