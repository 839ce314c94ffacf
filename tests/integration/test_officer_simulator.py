"""The officer simulator is on the receiving end of dispatches the hub may repeat (QoS 1 redelivery,
a resend after a broker crash): it acts on a dispatch id once."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

from devices.contract import Topics
from devices.link import DeviceLink
from simulators.officer import Behaviour, Mode, OfficerSimulator


def test_a_repeated_dispatch_is_answered_once(device_link: DeviceLink) -> None:
    topics = Topics(f"t{uuid.uuid4().hex[:8]}")
    officer = OfficerSimulator(
        device_link,
        topics,
        "o1",
        (39.9, 116.4),
        Behaviour(Mode.ACCEPT, accept_after_s=0.1, on_scene_s=0.1, time_scale=50),
    )
    officer.start()
    time.sleep(0.3)  # the subscription settles
    dispatch = {
        "dispatch_id": "17",
        "incident_id": "5",
        "site": {"id": "site-01", "name": "测试银行01", "lat": 39.9001, "lon": 116.4001},
        "priority": 1,
        "summary": "panic",
        "ts": datetime.now(UTC).isoformat(),
    }
    for _ in range(3):
        device_link.publish_and_wait(topics.officer_dispatch("o1"), json.dumps(dispatch).encode())
    deadline = time.monotonic() + 10
    while ("17", "resolved") not in officer.handled and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # a second run of the same dispatch would have replied by now
    assert [action for _, action in officer.handled] == ["accept", "en_route", "on_scene", "resolved"]
