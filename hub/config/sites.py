"""The district file's `sites:` and their devices."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hub.config.camera import CameraConfig
from hub.config.fields import Id
from hub.domain.media import origin_of

SiteKind = Literal["school", "kindergarten", "hospital", "bank", "petrol_station", "shopping_street", "other"]
DeviceKind = Literal["button", "camera", "speaker", "panel"]

DEFAULT_REPORT_INTERVAL_S = {"button": 300, "camera": 60, "speaker": 120, "panel": 300}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ContactConfig(_Strict):
    name: str = ""
    phone: str = ""


class DeviceConfig(_Strict):
    id: Id
    kind: DeviceKind
    label: str = ""
    label_en: str = ""  # the label in English mode and English reports (falls back to `label`)
    report_interval_s: Annotated[int, Field(ge=2, le=86_400)] | None = None
    camera: CameraConfig | None = None  # stream, zones and schedules: only for devices of kind camera
    # Where this camera's snapshot and clip URLs may point besides its `camera.stream` (e.g. the camera
    # agent's media server): http(s)://host[:port], compared by scheme, host and port.
    media_origins: list[str] = []
    # Whether the camera answers the hub's `record` command (video verification of a press). Default: when
    # the camera agent analyses it (a `camera:` section); a smart camera that implements the command says so.
    verification: bool | None = None

    @model_validator(mode="after")
    def _camera_settings_only_on_cameras(self) -> DeviceConfig:
        if self.camera is not None and self.kind != "camera":
            raise ValueError(f"`camera` settings are only for devices of kind camera, not {self.kind}")
        if self.media_origins and self.kind != "camera":
            raise ValueError(f"`media_origins` are only for devices of kind camera, not {self.kind}")
        if self.verification and self.kind != "camera":
            raise ValueError(f"`verification` is only for devices of kind camera, not {self.kind}")
        return self

    @field_validator("media_origins")
    @classmethod
    def _origins(cls, values: list[str]) -> list[str]:
        for value in values:
            origin = origin_of(value)
            if origin is None or urlsplit(value).path not in ("", "/") or urlsplit(value).query:
                raise ValueError(f"{value!r} is not an origin: write http(s)://host[:port], without a path")
        return values


class SiteConfig(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    name_en: str = ""
    kind: SiteKind
    grid: Id
    address: str = ""
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    contact: ContactConfig = ContactConfig()
    test_mode: bool = False
    devices: list[DeviceConfig] = []
