"""The MQTT client publishes a batch (a backlog's `received` confirmations) within its own outgoing window:
every message reaches the broker and is confirmed, and never more than the window is in flight."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from hub.adapters.mqtt import MqttClient, MqttSettings
from hub.services.messages import OutboundMessage, SendWindowClosed
from sentinel_dev.services import PrivateMosquitto

WINDOW = 50


async def test_a_batch_larger_than_the_window_is_all_confirmed_with_never_more_than_the_window_in_flight(
    mqtt_broker: PrivateMosquitto,
) -> None:
    client = MqttClient(
        MqttSettings(
            url=mqtt_broker.url, client_id=f"w-{uuid.uuid4().hex[:8]}", clean_start=True, max_inflight_out=WINDOW
        )
    )
    running = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(client.wait_connected(), 10)
        paho_client = client._client
        assert paho_client is not None
        peak = 0
        confirm = paho_client.on_publish

        def counting(*args: Any) -> None:  # paho's count of publishes not yet confirmed, at every PUBACK
            nonlocal peak
            peak = max(peak, len(paho_client._out_messages))
            confirm(*args)

        paho_client.on_publish = counting
        topic = f"t/{uuid.uuid4().hex[:6]}/feedback"
        messages = [OutboundMessage(topic, f'{{"n": {n}}}'.encode()) for n in range(20 * WINDOW)]
        results = await client.publish_all(messages, timeout_s=30)
        assert results == [None] * len(messages)
        assert 0 < peak <= WINDOW
        assert client._in_window == set()  # every place in the window given back
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_messages_past_the_claim_are_not_handed_to_the_broker(mqtt_broker: PrivateMosquitto) -> None:
    client = MqttClient(MqttSettings(url=mqtt_broker.url, client_id=f"w-{uuid.uuid4().hex[:8]}", clean_start=True))
    running = asyncio.create_task(client.run())
    try:
        await asyncio.wait_for(client.wait_connected(), 10)
        lapsed = time.monotonic() - 1
        results = await client.publish_all([OutboundMessage("t/x/feedback", b"{}")], not_after=lapsed, timeout_s=5)
        assert isinstance(results[0], SendWindowClosed)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
