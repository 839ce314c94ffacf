"""Pins the behaviour of the private Mosquitto/PostgreSQL used by `sentinel demo` and the test suite."""

from __future__ import annotations

import queue
import time
import uuid
from pathlib import Path

import asyncpg
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from sentinel_dev.services import PrivateMosquitto, PrivatePostgres

pytestmark = pytest.mark.timeout(30)


class Client:
    """A paho-mqtt 2.x client on a background network thread, with received messages in a queue."""

    def __init__(
        self, port: int, client_id: str, *, persistent: bool = False, login: tuple[str, str] | None = None
    ) -> None:
        self.messages: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.connacks: queue.Queue[tuple[bool, int]] = queue.Queue()
        self.subacks: queue.Queue[int] = queue.Queue()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.on_connect = lambda c, u, flags, rc, props: self.connacks.put((flags.session_present, rc.value))
        self.client.on_subscribe = lambda c, u, mid, rcs, props: self.subacks.put(mid)
        self.client.on_message = lambda c, u, msg: self.messages.put(msg)
        if login is not None:
            self.client.username_pw_set(*login)
        props = None
        if persistent:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 3600
        self.client.connect("127.0.0.1", port, clean_start=not persistent, properties=props)
        self.client.loop_start()
        self.session_present, reason = self.connacks.get(timeout=5)
        assert reason == 0

    def subscribe(self, topic: str) -> None:
        _, mid = self.client.subscribe(topic, qos=1)
        assert self.subacks.get(timeout=5) == mid

    def publish(self, topic: str, payload: bytes) -> None:
        info = self.client.publish(topic, payload, qos=1)
        info.wait_for_publish(timeout=5)  # returns once the broker's PUBACK arrived
        assert info.is_published()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_mosquitto_publish_subscribe_round_trip(mqtt_broker: PrivateMosquitto) -> None:
    assert mqtt_broker.running
    assert mqtt_broker.url.endswith(f"@127.0.0.1:{mqtt_broker.port}")
    assert mqtt_broker.port not in (1883, 8883)
    topic = f"test/{uuid.uuid4().hex}/event"
    sub = Client(mqtt_broker.port, f"sub-{uuid.uuid4().hex[:8]}", login=mqtt_broker.login)
    pub = Client(mqtt_broker.port, f"pub-{uuid.uuid4().hex[:8]}", login=mqtt_broker.login)
    try:
        sub.subscribe(topic)
        pub.publish(topic, b'{"hello": 1}')
        msg = sub.messages.get(timeout=5)
        assert (msg.topic, msg.payload, msg.qos) == (topic, b'{"hello": 1}', 1)
    finally:
        sub.close()
        pub.close()


def test_mosquitto_config_raises_queue_limits(mqtt_broker: PrivateMosquitto) -> None:
    conf = mqtt_broker.conf_path.read_text().splitlines()
    assert "max_queued_messages 1000000" in conf
    assert "max_queued_bytes 0" in conf
    assert "persistence true" in conf


def test_mosquitto_keeps_queued_qos1_message_across_crash(scratch_dir: Path) -> None:
    broker = PrivateMosquitto(scratch_dir)
    broker.start()
    try:
        topic = "test/crash/event"
        sub = Client(broker.port, "persistent-subscriber", persistent=True)
        sub.subscribe(topic)
        sub.close()  # offline, but its session (and subscription) lives on in the broker

        pub = Client(broker.port, "publisher")
        pub.publish(topic, b"queued while offline")
        pub.close()
        acked_at = time.time()

        # The broker snapshots its store every autosave_interval; wait for a snapshot taken after the PUBACK.
        db = broker.data_dir / "mosquitto.db"
        deadline = time.monotonic() + 5
        while not (db.exists() and db.stat().st_mtime > acked_at + 0.01):
            assert time.monotonic() < deadline, "mosquitto did not autosave its persistence file"
            time.sleep(0.05)

        port = broker.port
        broker.kill()
        assert not broker.running
        broker.restart()
        assert broker.running and broker.port == port

        sub = Client(broker.port, "persistent-subscriber", persistent=True)
        try:
            assert sub.session_present
            msg = sub.messages.get(timeout=5)
            assert (msg.topic, msg.payload, msg.qos) == (topic, b"queued while offline", 1)
        finally:
            sub.close()
    finally:
        broker.stop()
        broker.stop()  # idempotent
    assert not broker.running


async def test_postgres_accepts_asyncpg_connections(pg_server: PrivatePostgres) -> None:
    assert pg_server.running
    assert pg_server.url == f"postgresql://sentinel@127.0.0.1:{pg_server.port}/sentinel"
    assert pg_server.port != 5432
    conn = await asyncpg.connect(pg_server.url)
    try:
        assert await conn.fetchval("SELECT current_database()") == "sentinel"
        assert await conn.fetchval("SHOW fsync") == "off"  # fast_unsafe
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
    finally:
        await conn.close()
    pg_server.start()  # already running: no-op
    assert pg_server.running


async def test_postgres_keeps_committed_rows_across_crash(scratch_dir: Path) -> None:
    # A crash-safe instance (fsync on): a fast_unsafe one may lose the last commits on SIGKILL.
    server = PrivatePostgres(scratch_dir, database="crashtest")
    server.start()
    try:
        conn = await asyncpg.connect(server.url)
        await conn.execute("CREATE TABLE t (id int PRIMARY KEY, note text)")
        await conn.execute("INSERT INTO t VALUES (1, 'committed')")
        await conn.close()

        server.kill()
        assert not server.running
        assert (server.data_dir / "PG_VERSION").exists()
        server.restart()  # crash recovery; also clears the stale postmaster.pid
        assert server.running

        conn = await asyncpg.connect(server.url)
        try:
            assert await conn.fetch("SELECT id, note FROM t") == [(1, "committed")]
        finally:
            await conn.close()

        # A new instance on the same directory reuses the cluster and its data.
        server.stop()
        again = PrivatePostgres(scratch_dir, database="crashtest")
        again.start()
        try:
            conn = await asyncpg.connect(again.url)
            assert await conn.fetchval("SELECT count(*) FROM t") == 1
            await conn.close()
        finally:
            again.stop()
    finally:
        server.stop()
    assert not server.running


async def test_database_url_is_a_fresh_migrated_copy_of_the_template(
    database_url: str, pg_server: PrivatePostgres
) -> None:
    name = database_url.rsplit("/", 1)[1]
    assert name.startswith("t_") and database_url == pg_server.admin_url(name)
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT current_database()") == name
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations") > 0
    finally:
        await conn.close()
