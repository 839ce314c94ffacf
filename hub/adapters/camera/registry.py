"""The cameras to analyse, from the district file: each camera device with a `camera:` section."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hub.config.camera import CameraConfig
from hub.config.district import ConfigError, read_district
from hub.config.sites import DEFAULT_REPORT_INTERVAL_S


@dataclass(frozen=True, slots=True)
class CameraSpec:
    site: str
    device: str
    label: str
    config: CameraConfig
    stream: str  # the config's stream, a relative file path made absolute against the district file's folder
    timezone: str
    report_interval_s: int


def load_cameras(district_file: Path | str, only: Sequence[str] = ()) -> list[CameraSpec]:
    """Every camera with analysis settings (or just `only`); ConfigError names the file and key of each problem."""
    path = Path(district_file)
    config = read_district(path)
    devices = {d.id: (site, i, j, d) for i, site in enumerate(config.sites) for j, d in enumerate(site.devices)}
    problems = [f"camera {device!r} is not in the district" for device in only if device not in devices]
    cameras = []
    for site, i, j, device in devices.values():
        if device.kind != "camera" or (only and device.id not in only):
            continue
        key = f"sites[{i}].devices[{j}]"
        if device.camera is None:
            if only:
                problems.append(f"{key}.camera: camera {device.id!r} has no `camera:` settings (stream, zones)")
            continue
        for k, speaker in enumerate(device.camera.speakers):
            linked = devices.get(speaker)
            if linked is None or linked[3].kind != "speaker" or linked[0].id != site.id:
                problems.append(f"{key}.camera.speakers[{k}]: {speaker!r} is not a speaker of site {site.id!r}")
        cameras.append(
            CameraSpec(
                site=site.id,
                device=device.id,
                label=device.label,
                config=device.camera,
                stream=_resolve_stream(device.camera.stream, path.parent),
                timezone=config.district.timezone,
                report_interval_s=device.report_interval_s or DEFAULT_REPORT_INTERVAL_S["camera"],
            )
        )
    if problems:
        raise ConfigError(path, problems)
    return cameras


def _resolve_stream(stream: str, base: Path) -> str:
    if "://" in stream:
        return stream
    return str((base / stream).resolve())
