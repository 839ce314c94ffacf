"""The resend rule against a broker crash: Mosquitto acknowledges a publish from memory and saves to
disk only now and then, so kill -9 loses presses it had already confirmed (issue 12). Buttons that
resend each press until the hub's `received` get every one stored, exactly once.

A private broker of the test's own (the project's broker settings), killed with SIGKILL in the middle
of a burst from 50 buttons and restarted on the same port; the hub runs throughout and reconnects."""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.contract import Topics
from hub.adapters.mqtt.credentials import BrokerAccount, write_broker_files
from hub.config import load_district
from sentinel_dev.services import PrivateMosquitto
from simulators.button import BurstResult, ButtonRef, confirmed_burst
from tests.integration.conftest import (
    assert_each_press_stored_once,
    eventually,
    fetch_value,
    hub_process,
    process_ready,
    settings_for_test,
    stop_hub_process,
)

PRESSES = 5000
BUTTONS = 50
RATE = 1000.0  # presses per second: the burst is still going when the broker dies
KILL_AT_STORED = 1000


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[PrivateMosquitto]:
    """Never the session's broker: this one gets killed."""
    tester = BrokerAccount("tester", uuid.uuid4().hex, readwrites=("#",))
    files = write_broker_files([tester], tmp_path / "auth")
    broker = PrivateMosquitto(
        tmp_path / "mqtt", password_file=files.password_file, acl_file=files.acl_file, login=("tester", tester.password)
    )
    broker.start()
    try:
        yield broker
    finally:
        broker.kill()
        shutil.rmtree(tmp_path / "mqtt", ignore_errors=True)


@pytest.mark.parametrize("run", range(5))
async def test_kill_9_of_the_broker_mid_burst_loses_no_press_of_buttons_that_resend(
    run: int, own_broker: PrivateMosquitto, database_url: str, district_file: Path, tmp_path: Path
) -> None:
    settings = settings_for_test(own_broker.url, database_url, district_file, tmp_path)
    district = load_district(district_file)
    buttons = [ButtonRef(d.site_id, d.id) for d in district.devices.values() if d.kind == "button"]
    assert len(buttons) == BUTTONS
    topics = Topics(settings.topic_prefix)
    log = tmp_path / "hub.log"
    hub = hub_process(settings, log)
    outcome: list[BurstResult] = []
    try:
        await eventually(lambda: process_ready(settings.http), timeout=30)
        await asyncio.sleep(2.0)  # the broker has saved the hub's session and subscriptions (autosave: 1 s)

        def guards() -> None:
            outcome.append(
                confirmed_burst(own_broker.url, topics, buttons, PRESSES, RATE, f"r{run}", confirm_timeout_s=150)
            )

        publisher = threading.Thread(target=guards, name="guards")
        publisher.start()
        await eventually(
            lambda: fetch_value(database_url, f"SELECT count(*) >= {KILL_AT_STORED} FROM events"),
            timeout=60,
            interval=0.01,
        )
        own_broker.kill()  # SIGKILL: whatever was not saved yet is gone
        stored_at_kill = await fetch_value(database_url, "SELECT count(*) FROM events")
        await asyncio.sleep(0.5)
        own_broker.start()  # same port, same persistence file
        await asyncio.to_thread(publisher.join, 200)
        assert not publisher.is_alive(), "the buttons did not finish"
        (result,) = outcome
        print(f"run {run}: stored at kill {stored_at_kill}, resent {result.resent}, unconfirmed {result.unconfirmed}")
        assert isinstance(stored_at_kill, int) and stored_at_kill < PRESSES, "the burst ended before the kill"
        assert result.unconfirmed == 0 and result.given_up == 0
        await asyncio.sleep(1.0)  # anything redelivered late must not add to it
        await assert_each_press_stored_once(database_url, PRESSES)
    finally:
        stop_hub_process(hub)
    assert hub.returncode == 0, log.read_text()[-3000:]
