"""A worker thread: drives its connections from one selector (paho's external-loop API) and its share of
the devices and rates; every callback, publish and counter of a connection happens on its thread.

Over 400 lines for a reason: it is one thread's state machine (connections, presses awaiting confirmation,
the selector loop), and its callbacks, publishing and loop share that state without locks; split across
modules they would share it only by reaching into each other."""

from __future__ import annotations

import contextlib
import heapq
import itertools
import random
import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import paho.mqtt.client as paho

from devices.contract import (
    ButtonFeedback,
    CameraEvent,
    CameraEventType,
    ContractError,
    DeviceState,
    decode,
    encode,
)
from devices.contract.payloads import DetectedObject
from devices.link import status_payload
from devices.mqtt_url import parse_mqtt_url
from simulators.button import press_payload
from simulators.load.options import LoadDevice, LoadOptions
from simulators.load.stats import Counts


@dataclass(eq=False)
class _Press:
    conn: _Conn
    topic: str
    payload: bytes
    first_sent: float
    due: float
    resends: int = 0
    last_mid: int | None = None  # the last copy handed to paho, while its PUBACK is outstanding


@dataclass(eq=False)
class _Conn:
    client: paho.Client
    client_id: str
    feedback_filters: list[str]
    up: bool = False
    sock: socket.socket | None = None
    reconnected: bool = False  # presses on it are due again (the broker may be a restarted one)
    retry_at: float = 0.0
    backoff_s: float = 1.0
    mids: dict[int, tuple[str, str | None]] = field(default_factory=dict)  # mid → (stream, press id if any)
    ever_up: bool = False

    def holds(self, press: _Press) -> bool:
        """paho still has the press's last copy (no PUBACK yet): sending another adds nothing."""
        return press.last_mid is not None and press.last_mid in self.mids


class Worker(threading.Thread):
    """Drives its connections and its share of the devices and rates."""

    def __init__(self, index: int, options: LoadOptions, devices: list[LoadDevice], share: float) -> None:
        super().__init__(name=f"load-{index}", daemon=True)
        self.index = index
        self.options = options
        self.devices = devices
        self.share = share  # of the press and camera rates
        self.counts = Counts()
        self.connected = 0
        self.connections: list[_Conn] = []
        self.start_at: float | None = None  # set by the controller once everyone is connected
        self.stop_at: float | None = None
        self.finished = threading.Event()
        self.error: BaseException | None = None  # why the thread ended early, for the controller
        self._go = threading.Event()
        self._stopping = threading.Event()
        self._abort = threading.Event()  # a second Ctrl-C: no more waiting for confirmations
        self._attention: set[_Conn] = set()  # down (to reconnect) or just reconnected (to resend)
        self._selector = selectors.DefaultSelector()
        self._random = random.Random(f"{options.run_id}-{index}")
        self._pending: dict[str, _Press] = {}
        self._resend_due: list[tuple[float, int, str]] = []
        self._order = itertools.count()
        self._endpoint = parse_mqtt_url(options.url)
        self._conn_of: dict[str, _Conn] = {}  # device id → its connection
        self._status_cache: tuple[int, bytes] = (-1, b"")

    # --- controller's side ----------------------------------------------------------------------
    def begin(self, at: float) -> None:
        self.start_at = at
        self._go.set()

    def stop(self) -> None:
        self._stopping.set()
        self._go.set()

    def abort(self) -> None:
        self._abort.set()
        self.stop()

    @property
    def pending_presses(self) -> int:
        return len(self._pending)

    # --- the thread -----------------------------------------------------------------------------
    def run(self) -> None:
        try:
            self._connect_all()
            while not self._go.wait(0.05):
                self._poll(0.0)
            if not self._stopping.is_set():
                self._generate()
            self._drain()
        except Exception as exc:  # reported by the controller, which then stops the run
            self.error = exc
            raise
        finally:
            self._close_all()
            self.finished.set()

    def _connect_all(self) -> None:
        options = self.options
        if options.credentials is not None:
            groups = [[d] for d in self.devices]
        else:
            groups = [
                self.devices[i : i + options.per_connection]
                for i in range(0, len(self.devices), options.per_connection)
            ]
        for n, group in enumerate(groups):
            if self._stopping.is_set():
                return
            if options.credentials is not None:
                device = group[0]
                client_id = device.device
                username: str | None = device.device
                password: str | None = options.credentials[device.device]
                filters = (
                    [options.topics.button_feedback(device.site, device.device)] if device.kind == "button" else []
                )
            else:
                client_id = f"load-{options.run_id}-{self.index}-{n}"
                username, password = self._endpoint.username, self._endpoint.password
                # One wildcard per worker: every worker sees all feedback and keeps what is its own.
                filters = [f"{options.topics.prefix}/v1/site/+/button/+/feedback"] if n == 0 else []
            conn = _Conn(self._client(client_id, username, password), client_id, filters)
            self.connections.append(conn)
            for device in group:
                self._conn_of[device.device] = conn
            self._open(conn)
            if n % 200 == 199:
                self._poll(0.0)  # read the CONNACKs as we go: the broker's listen backlog is finite

    def _client(self, client_id: str, username: str | None, password: str | None) -> paho.Client:
        client = paho.Client(
            callback_api_version=paho.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5
        )
        if username:
            client.username_pw_set(username, password or "")
        if self._endpoint.tls is not None:
            tls = self._endpoint.tls
            client.tls_set(tls.ca_file, tls.cert_file, tls.key_file)
        client.max_inflight_messages_set(1000)
        client.max_queued_messages_set(0)
        return client

    def _open(self, conn: _Conn) -> None:
        client = conn.client
        client.on_connect = lambda _c, _u, _f, reason, _p: self._on_connect(conn, reason)
        client.on_disconnect = lambda *_: self._on_disconnect(conn)
        client.on_publish = lambda _c, _u, mid, reason, _p: self._on_publish(conn, mid, reason)
        client.on_message = lambda _c, _u, message: self._on_feedback(bytes(message.payload))
        try:
            client.connect(self._endpoint.host, self._endpoint.port, keepalive=60)
        except OSError:
            self._later(conn)
            return
        sock = client.socket()
        if isinstance(sock, socket.socket):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sock = sock
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _later(self, conn: _Conn) -> None:
        conn.retry_at = time.monotonic() + conn.backoff_s
        conn.backoff_s = min(conn.backoff_s * 2, 30.0)
        self._attention.add(conn)

    # --- paho callbacks (this thread, inside loop_read) -----------------------------------------
    def _on_connect(self, conn: _Conn, reason: object) -> None:
        if getattr(reason, "is_failure", False):
            return  # refused (bad account, ACL): paho closes; we retry with backoff
        for topic_filter in conn.feedback_filters:
            conn.client.subscribe(topic_filter, qos=1)
        conn.up = True
        conn.reconnected = conn.ever_up
        if conn.reconnected:
            self._attention.add(conn)
        conn.ever_up = True
        conn.backoff_s = 1.0
        self.connected += 1

    def _on_disconnect(self, conn: _Conn) -> None:
        if conn.up:
            self.connected -= 1
        conn.up = False
        for stream, press_id in conn.mids.values():
            if press_id is None or not press_id.startswith("resend:"):
                self.counts.stream(stream).failed += 1  # lost with the connection; presses are resent
        conn.mids.clear()

    def _on_publish(self, conn: _Conn, mid: int, reason: object) -> None:
        what = conn.mids.pop(mid, None)
        if what is None:
            return
        stream, press_id = what
        ok = not getattr(reason, "is_failure", False)
        resend = press_id is not None and press_id.startswith("resend:")
        if press_id is not None and resend:
            self.counts.resend_acked += ok
            press_id = press_id.removeprefix("resend:")
        elif ok:
            self.counts.stream(stream).acked += 1
        else:
            self.counts.stream(stream).failed += 1
        if press_id is not None and (press := self._pending.get(press_id)) is not None and press.last_mid == mid:
            press.last_mid = None

    def _on_feedback(self, body: bytes) -> None:
        try:
            feedback = decode(ButtonFeedback, body)
        except ContractError:
            return
        press = self._pending.pop(feedback.event_id, None)
        if press is not None:  # `received` or any later state: the hub has it
            self.counts.confirmed += 1
            self.counts.confirm_ms.append((time.monotonic() - press.first_sent) * 1000)

    # --- publishing -----------------------------------------------------------------------------
    def _publish(self, conn: _Conn, stream: str, topic: str, payload: bytes, press_id: str | None = None) -> int | None:
        """The message id, or None when the link is down (nothing queued)."""
        if not conn.up:
            return None
        info = conn.client.publish(topic, payload, qos=1)
        if info.rc != paho.MQTT_ERR_SUCCESS:
            return None
        conn.mids[info.mid] = (stream, press_id)
        return info.mid

    def _status(self) -> bytes:
        second = int(time.time())
        if self._status_cache[0] != second:  # the payload's ts, renewed once a second
            self._status_cache = (second, status_payload(DeviceState.ONLINE, battery=90))
        return self._status_cache[1]

    def _heartbeat(self, device: LoadDevice) -> None:
        conn = self._conn_of[device.device]
        topic = self.options.topics.device_status(device.site, device.kind, device.device)
        self.counts.status.sent += 1
        if self._publish(conn, "status", topic, self._status()) is None:
            self.counts.status.failed += 1

    def _press(self, device: LoadDevice, n: int) -> None:
        conn = self._conn_of[device.device]
        event_id, payload = press_payload(self.options.press_type, f"ld-{self.options.run_id}-{self.index}-{n}")
        topic = self.options.topics.button_event(device.site, device.device)
        now = time.monotonic()
        press = _Press(conn, topic, payload, now, now + self.options.rule.delay_s(0))
        self._pending[event_id] = press  # before publishing: the feedback may beat the PUBACK
        heapq.heappush(self._resend_due, (press.due, next(self._order), event_id))
        self.counts.press.sent += 1
        press.last_mid = self._publish(conn, "press", topic, payload, event_id)
        if press.last_mid is None:
            self.counts.press.failed += 1  # kept: resent when its link is back

    def _camera(self, device: LoadDevice, n: int) -> None:
        conn = self._conn_of[device.device]
        event = CameraEvent(
            event_id=f"lc-{self.options.run_id}-{self.index}-{n}",
            type=CameraEventType.INTRUSION,
            ts=datetime.now(UTC),
            score=0.9,
            objects=[DetectedObject(label="person", score=0.9, box=[0.4, 0.4, 0.1, 0.3])],
        )
        self.counts.camera.sent += 1
        topic = self.options.topics.camera_event(device.site, device.device)
        if self._publish(conn, "camera", topic, encode(event)) is None:
            self.counts.camera.failed += 1

    def _resend(self, now: float, everything_on: _Conn | None = None) -> None:
        """Presses whose feedback is overdue (or all of a reconnected link's): the same payload again."""
        rule = self.options.rule
        if everything_on is not None:
            for event_id, pending in self._pending.items():
                if pending.conn is everything_on and not everything_on.holds(pending):
                    self._send_again(event_id, pending)
            return
        while self._resend_due and self._resend_due[0][0] <= now:
            at, _, event_id = heapq.heappop(self._resend_due)
            press = self._pending.get(event_id)
            if press is None or press.due != at:
                continue
            if now - press.first_sent >= rule.give_up_after_s:
                del self._pending[event_id]
                self.counts.given_up += 1
                continue
            press.resends += 1
            press.due = now + rule.delay_s(press.resends)
            heapq.heappush(self._resend_due, (press.due, next(self._order), event_id))
            if not press.conn.holds(press):
                self._send_again(event_id, press)

    def _send_again(self, event_id: str, press: _Press) -> None:
        mid = self._publish(press.conn, "press", press.topic, press.payload, f"resend:{event_id}")
        if mid is not None:
            press.last_mid = mid
            self.counts.resent += 1

    # --- the loop -------------------------------------------------------------------------------
    def _poll(self, timeout: float) -> None:
        for key, _ in self._selector.select(timeout):
            conn: _Conn = key.data
            conn.client.loop_read(100)
            if conn.client.socket() is None:  # the connection ended
                self._forget_socket(conn)
                self._later(conn)
            elif conn.client.want_write():
                conn.client.loop_write()
        now = time.monotonic()
        for conn in list(self._attention):
            if conn.sock is None:
                if now >= conn.retry_at and not self._stopping.is_set():
                    self._attention.discard(conn)
                    self._open(conn)
            else:
                self._attention.discard(conn)
                if conn.reconnected:
                    conn.reconnected = False
                    self._resend(now, everything_on=conn)

    def _forget_socket(self, conn: _Conn) -> None:
        if conn.sock is not None:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(conn.sock)
            conn.sock = None
        if conn.up:
            self._on_disconnect(conn)

    def _misc(self) -> None:
        """Keep-alive pings and timeouts for every connection (paho's loop_misc)."""
        for conn in self.connections:
            if conn.sock is not None:
                conn.client.loop_misc()
                if conn.client.socket() is None:
                    self._forget_socket(conn)
                    self._later(conn)
                elif conn.client.want_write():
                    conn.client.loop_write()

    def _generate(self) -> None:
        assert self.start_at is not None
        options = self.options
        start = self.start_at
        heartbeats = [(start + self._random.uniform(0, d.heartbeat_s), i) for i, d in enumerate(self.devices)]
        heapq.heapify(heartbeats)
        buttons = [d for d in self.devices if d.kind == "button"]
        cameras = [d for d in self.devices if d.kind == "camera"]
        press_rate = options.press_per_s * self.share if buttons else 0.0
        camera_rate = options.camera_per_s * self.share if cameras else 0.0
        presses = cameras_sent = 0
        # Evenly spaced, offset per worker so the workers interleave.
        offset = self.index / max(options.workers, 1)
        next_misc = start
        while not self._stopping.is_set():
            now = time.monotonic()
            if self.stop_at is not None and now >= self.stop_at:
                break
            while heartbeats and heartbeats[0][0] <= now:
                due, i = heartbeats[0]
                device = self.devices[i]
                self._heartbeat(device)
                heapq.heapreplace(heartbeats, (due + device.heartbeat_s, i))
            while press_rate and start + (presses + offset) / press_rate <= now:
                self._press(self._random.choice(buttons), presses)
                presses += 1
            while camera_rate and start + (cameras_sent + offset) / camera_rate <= now:
                self._camera(self._random.choice(cameras), cameras_sent)
                cameras_sent += 1
            self._resend(now)
            if now >= next_misc:
                self._misc()
                next_misc = now + 5.0
            upcoming = [heartbeats[0][0] if heartbeats else now + 0.05]
            if press_rate:
                upcoming.append(start + (presses + offset) / press_rate)
            if camera_rate:
                upcoming.append(start + (cameras_sent + offset) / camera_rate)
            if self._resend_due:
                upcoming.append(self._resend_due[0][0])
            self._poll(min(max(min(upcoming) - time.monotonic(), 0.0), 0.05))

    def _drain(self) -> None:
        """Wait for the outstanding PUBACKs and the hub's confirmations, resending by the rule."""
        deadline = time.monotonic() + self.options.drain_s
        while time.monotonic() < deadline and not self._abort.is_set():
            if not self._pending and all(not c.mids for c in self.connections):
                return
            self._resend(time.monotonic())
            self._poll(0.05)

    def _close_all(self) -> None:
        for conn in self.connections:
            if conn.sock is not None:
                conn.client.disconnect()  # a clean DISCONNECT: no Last Will, the session ends
                conn.client.loop_write()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and any(c.sock is not None and c.client.socket() for c in self.connections):
            for key, _ in self._selector.select(0.05):
                conn = key.data
                conn.client.loop_read(100)
                if conn.client.socket() is None:
                    self._forget_socket(conn)
        self._selector.close()
