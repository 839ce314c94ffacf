"""An acknowledgement target shorter than the talk-down window: the supervisor is not alerted while the hub
watches the zone; the verdict decides. A failed talk-down hands the incident to the desk with the ack clock
restarted at the raised priority; a deterred one closes without any alert (docs/design.md, "Talk-down")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from devices.link import DeviceLink
from hub.config import Settings
from simulators.speaker import SpeakerSimulator
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, running_hub
from tests.integration.test_talkdown import (
    an_intruder_warned_off,
    camera_says,
    first_done,
    rows,
    save_talkdown_district,
    verdict_entry,
)

WINDOW_S = 8
ACK_S = 5  # the district file's minimum; the watch starts ~1 s after the press, so this falls inside it


@pytest.fixture
def district(tmp_path: Path) -> Path:
    return save_talkdown_district(
        tmp_path / "talkdown-short-ack.yaml",
        {"id": "banks", "site_kinds": ["bank"], "window_s": WINDOW_S},
        targets={p: {"ack_s": ACK_S, "accept_s": 60, "arrival_s": 600} for p in ("P1", "P2")},
        auto_dispatch=[],
    )


@pytest.fixture
async def hub(hub_settings: Settings, district: Path) -> AsyncIterator[HubUnderTest]:
    async with running_hub(hub_settings, district) as running:
        yield running


async def timeline(db: str, code: str) -> list[dict[str, Any]]:
    return await rows(db, "SELECT at, reason_params FROM incident_timeline WHERE reason_code = $1 ORDER BY at", code)


async def test_the_supervisor_is_not_alerted_while_the_talk_down_is_watched_and_is_after_a_failed_verdict(
    hub: HubUnderTest, speaker: SpeakerSimulator, device_link: DeviceLink
) -> None:
    db = hub.db
    await camera_says(hub, device_link, "in-1", "intrusion")
    done_at = await first_done(db)
    created = await fetch_value(db, "SELECT created_at FROM incidents")
    assert isinstance(created, datetime)
    assert (done_at - created).total_seconds() < ACK_S  # the ack target falls inside the watch
    held = await eventually(lambda: timeline(db, "escalation_held"), timeout=ACK_S + 3)
    assert len(held) == 1
    verdict = await verdict_entry(db, "talkdown_failed")
    assert await timeline(db, "escalated") == []  # nothing before the verdict
    escalated = await eventually(lambda: timeline(db, "escalated"), timeout=ACK_S + 3)
    # The desk's clock restarted at the verdict, at P1's target.
    assert abs((escalated[0]["at"] - verdict["at"]).total_seconds() - ACK_S) <= 1.0, (escalated, verdict)
    assert await fetch_value(db, "SELECT priority FROM incidents") == 1


async def test_a_deterred_intruder_closes_the_incident_without_alerting_the_supervisor(
    hub: HubUnderTest, speaker: SpeakerSimulator, device_link: DeviceLink
) -> None:
    db = hub.db
    await an_intruder_warned_off(hub, device_link)
    await asyncio.sleep(ACK_S + 1)  # past the held alert's due time
    assert len(await timeline(db, "escalation_held")) == 1
    assert await timeline(db, "escalated") == []
    incident = (await rows(db, "SELECT state, disposition, escalation_count FROM incidents"))[0]
    assert incident == {"state": "resolved", "disposition": "deterred", "escalation_count": 0}
    assert (
        await fetch_value(db, "SELECT count(*) FROM timers WHERE kind = 'ack' AND fired_at IS NULL AND NOT cancelled")
        == 0
    )
