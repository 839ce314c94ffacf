"""Talk-down with the real camera agent: a simulated MJPEG camera plays a scripted scene, the agent analyses it
and publishes the intrusion and the zone's presence changes, the hub warns, the speaker plays it, and the verdict
comes at the end of the window: the intruder who walks off closes the incident as deterred; the one who stays gets
it raised, the grid's officer dispatched and the firmer message."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.adapters.camera.agent import AgentOptions
from hub.config import Settings
from sentinel_dev.services import PrivateMosquitto
from simulators.camera.mjpeg import MjpegCamera, SceneSource
from simulators.camera.render import Scene
from simulators.camera.scenarios import YARD, Scenario, walker
from simulators.speaker import SpeakerSimulator
from tests.integration.conftest import HubUnderTest, eventually, fetch_value, running_hub
from tests.integration.test_camera_agent import AgentThread, yard_school
from tests.integration.test_camera_mjpeg import ServedCamera
from tests.integration.test_talkdown import rows

WINDOW_S = 10
SITE, CAMERA, SPEAKER = "school-1", "cam-yard", "spk-yard"  # as in test_camera_agent.yard_school
# Into the yard at about 6 s (the analysis learns the background for 2 s first), standing there until 11 s, then
# walking off to the left and out of the picture.
LEAVES = Scenario(
    "leaves",
    Scene(seed=31, walkers=(walker((4, 0.05, 0.78), (8, 0.55, 0.8), (11, 0.55, 0.8), (15, -0.3, 0.8)),)),
    60,
    (YARD,),
)
STAYS = Scenario("stays", Scene(seed=31, walkers=(walker((4, 0.05, 0.78), (9, 0.55, 0.8), (60, 0.6, 0.85)),)), 60)


def district(path: Path, stream: str) -> Path:
    text = {"zh-CN": "这里是公安视频监控区域，请立即离开。", "en": "Leave now."}
    firmer = {"zh-CN": "警方正在赶来。", "en": "The police are on the way."}
    raw = yard_school(stream, 30)
    raw["grids"][0]["officer"] = "o1"
    raw |= {
        "officers": [{"id": "o1", "name": "警员1", "grid": "g1"}],
        "messages": [{"id": "leave-now", "text": text}, {"id": "police-coming", "text": firmer}],
        "warning_rules": [{"id": "yard", "event": "intrusion", "message": "leave-now", "repeat": 1}],
        "talkdown": [
            {"id": "schools", "site_kinds": ["school"], "window_s": WINDOW_S, "firmer_message": "police-coming"}
        ],
    }
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    return path


@pytest.fixture(params=[LEAVES, STAYS], ids=["leaves", "stays"])
def camera(request: pytest.FixtureRequest) -> Iterator[ServedCamera]:
    served = ServedCamera(MjpegCamera(SceneSource(request.param, fps=10))).start()
    yield served
    served.stop()


@pytest.fixture
async def hub(hub_settings: Settings, camera: ServedCamera, tmp_path: Path) -> AsyncIterator[HubUnderTest]:
    settings = hub_settings.model_copy(update={"district_file": district(tmp_path / "district.yaml", camera.url)})
    async with running_hub(settings) as running:
        await running.running.lifecycle.sign_on("o1", True, "officer:o1")
        yield running


@pytest.fixture
def agent(
    hub: HubUnderTest, camera: ServedCamera, mqtt_broker: PrivateMosquitto, tmp_path: Path
) -> Iterator[AgentThread]:
    speaker = SpeakerSimulator(mqtt_broker.url, hub.topics, SITE, SPEAKER, time_scale=10).start()
    options = AgentOptions(
        district_file=hub.settings.district_file,
        mqtt_url=mqtt_broker.url,
        topic_prefix=hub.topics.prefix,
        media_dir=tmp_path / "media",
        http_port=0,
        workers=1,
        pre_s=1.0,
        post_s=1.0,
    )
    camera.camera.started = time.monotonic()  # the scene starts with the agent (which learns the background first)
    running = AgentThread(options).start()
    yield running
    running.stop()
    speaker.stop()


async def test_the_verdict_on_a_scripted_scene_seen_by_the_camera_agent(
    hub: HubUnderTest, agent: AgentThread, camera: ServedCamera
) -> None:
    db = hub.db
    done = await eventually(
        lambda: fetch_value(db, "SELECT min(finished_at) FROM warnings WHERE state = 'done' AND rule_id = 'yard'"), 30
    )
    assert isinstance(done, datetime)

    async def verdict() -> list[dict[str, Any]]:
        return await rows(
            db,
            "SELECT at, reason_code, reason_params FROM incident_timeline WHERE reason_code LIKE 'talkdown_%'"
            " AND reason_code <> 'talkdown_watch'",
        )

    (entry,) = await eventually(verdict, timeout=WINDOW_S + 15)
    assert abs((entry["at"] - done).total_seconds() - WINDOW_S) <= 1.0, (entry["at"], done)
    params = entry["reason_params"]
    params = json.loads(params) if isinstance(params, str) else params
    incident = (await rows(db, "SELECT state, disposition, priority FROM incidents"))[0]
    source = camera.camera.source
    assert isinstance(source, SceneSource)
    if source.scenario is LEAVES:
        assert entry["reason_code"] == "talkdown_deterred"
        assert incident == {"state": "resolved", "disposition": "deterred", "priority": 2}
        assert params["before"] != params["after"]  # the intruder's snapshot, then the empty zone's
        shown = await rows(
            db, "SELECT m.id, e.type, e.payload->>'present' AS present FROM media m JOIN events e ON e.id = m.event_pk"
            " WHERE m.id = ANY($1::bigint[]) ORDER BY m.id", [params["before"], params["after"]],
        )  # fmt: skip
        before, after = shown  # someone in the yard (an intrusion, or presence true), then the empty yard
        assert before["present"] != "false" and (after["type"], after["present"]) == ("presence", "false")
    else:
        assert (entry["reason_code"], params["reason"]) == ("talkdown_failed", "still_present")
        assert incident["priority"] == 1 and incident["state"] == "dispatched"
        assert await fetch_value(db, "SELECT officer_id FROM dispatches") == "o1"
        await eventually(lambda: fetch_value(db, "SELECT count(*) FROM warnings WHERE rule_id = 'talkdown:schools'"))
