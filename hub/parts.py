"""What both of the hub's processes build alike (docs/design.md, "Processes"): the main process
(hub/app.py: the alarm lane, web, timers, leadership) and the routine lane's process (hub/routine.py)
check messages and apply device facts with the same services, wired the same way."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from devices.contract import Topics
from hub.adapters.media import DiskMediaFiles
from hub.adapters.speech import EspeakSynthesizer, PrerecordedAudio
from hub.config import Settings
from hub.domain.district import District
from hub.services.intake import IntakeChecker, IntakeLimits
from hub.services.lifecycle import LifecycleService
from hub.services.ports.transaction import Store
from hub.services.recording import EventRecorder
from hub.services.supervision import SupervisionService
from hub.services.warnings import WarningService


def intake_checker(s: Settings, district: District, topics: Topics) -> IntakeChecker:
    return IntakeChecker(
        topics,
        district,
        IntakeLimits(
            max_payload_bytes=s.max_payload_bytes,
            max_camera_payload_bytes=s.max_camera_payload_bytes,
            max_clock_skew=timedelta(seconds=s.max_clock_skew_s),
            max_event_age=timedelta(seconds=s.max_event_age_s),
        ),
    )


def shared(filters: list[str], group: str | None) -> list[str]:
    """Several instances share the inbound load through MQTT 5 shared subscriptions."""
    return [f"$share/{group}/{f}" for f in filters] if group else filters


@dataclass
class DeviceServices:
    """The services that apply what devices and officers report."""

    lifecycle: LifecycleService
    warnings: WarningService
    supervision: SupervisionService
    media_files: DiskMediaFiles
    recordings: PrerecordedAudio
    speech_dir: Path

    def for_ingest(self) -> dict[str, Any]:
        """The keyword arguments of an IngestService that apply what it stores."""
        return {
            "lifecycle": self.lifecycle,
            "supervision": self.supervision,
            "media_files": self.media_files,
            "warnings": self.warnings,
        }


async def device_services(
    s: Settings,
    district: District,
    topics: Topics,
    store: Store,
    outbox_nudge: asyncio.Event,
    public_url: Callable[[], str | None],
) -> DeviceServices:
    """`public_url`: how devices and phones reach the main process's HTTP server (read when a message
    needs it: it is known once the server is bound)."""
    lifecycle = LifecycleService(
        store,
        district,
        topics,
        on_outbox=outbox_nudge,
        media_url=lambda media_id: f"{public_url()}/api/v1/media/{media_id}",
        # A failed talk-down's firmer message (the warning service is made just below).
        firmer_warning=lambda tx, incident, rule, now: warnings.queue_firmer(tx, incident, rule, now),
    )
    media_files = DiskMediaFiles(s.data_dir / "hub-media", s.media_retention_days, s.media_retention_gb)
    speech_dir = s.data_dir / "speech"
    recordings = await _register_recordings(district, s.district_file.absolute().parent)
    warnings = WarningService(
        store,
        district,
        topics,
        EspeakSynthesizer(speech_dir),
        lambda key: f"{public_url()}/audio/{key}.wav",
        on_outbox=outbox_nudge,
        recordings=recordings,
    )
    supervision = SupervisionService(
        store, district, EventRecorder(district, topics), lifecycle, on_outbox=outbox_nudge
    )
    return DeviceServices(lifecycle, warnings, supervision, media_files, recordings, speech_dir)


async def _register_recordings(district: District, folder: Path) -> PrerecordedAudio:
    """The library's recorded messages (WAV files next to the district file)."""
    recordings = PrerecordedAudio(folder)
    for message in district.messages.values():
        for lang, file in message.recordings.items():
            await recordings.register(message.id, lang, folder / file, message.texts.get(lang, ""))
    return recordings
