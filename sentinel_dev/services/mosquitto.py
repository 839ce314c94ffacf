"""A private Mosquitto broker on a free loopback port, with its config, persistence and log under base_dir."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import quote

from hub.adapters.mqtt.broker_conf import (
    DEFAULT_MAX_MESSAGE_BYTES,
    listener_auth_lines,
    size_limit_lines,
    tls_listener_lines,
)
from sentinel_dev.services.ports import free_port, port_accepts, wait_for_port

_INSTALL_HINT = "install Debian's mosquitto package (./dev demo and ./dev test do it for you)"

# Brokers still running at interpreter exit are stopped, so a crashed demo or test run does not leak them.
_live: weakref.WeakSet[PrivateMosquitto] = weakref.WeakSet()


def find_mosquitto() -> Path:
    """Locate the broker binary: Debian puts it in /usr/sbin, which is often not on a user's PATH."""
    for candidate in ("/usr/sbin/mosquitto", shutil.which("mosquitto")):
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise FileNotFoundError(f"mosquitto binary not found; {_INSTALL_HINT}")


def tail_file(path: Path, lines: int = 20) -> str:
    """The last lines of a log file, for error messages ('' if it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def pid_alive(pid: int) -> bool:
    """True if pid runs and is not a zombie (an orphan killed here may wait long for our PID 1 to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # Format: "pid (comm) state ..."; comm may contain spaces, so split after the last ')'.
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@dataclass(frozen=True)
class TlsListener:
    port: int
    ca_file: Path
    cert_file: Path
    key_file: Path


@dataclass(frozen=True)
class LabListener:
    """A listener for trusted lab accounts (the test suite's, the demo's simulators) that choose their
    own client ids, several clients per account. Its password file must hold no device account: on
    it, a client may take any client id, the hub's included."""

    port: int
    password_file: Path
    acl_file: Path


class PrivateMosquitto:
    """Mosquitto 2.x bound to 127.0.0.1:port, configured for durability (see DESIGN.md, Architecture).

    The port is fixed at construction so restart() (and a reconnecting client) finds the broker again.
    """

    def __init__(
        self,
        base_dir: Path,
        port: int | None = None,
        password_file: Path | None = None,
        acl_file: Path | None = None,
        *,
        autosave_interval: int = 1,
        login: tuple[str, str] | None = None,
        tls: TlsListener | None = None,
        bind_client_ids: bool = False,
        lab: LabListener | None = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        # `use_username_as_clientid` on the main and TLS listeners (see broker_conf): the production
        # recipe for every listener that devices reach.
        self.bind_client_ids = bind_client_ids
        self.lab = lab
        self.max_message_bytes = max_message_bytes
        # An optional second listener with TLS and client certificates (the certificate's common
        # name is the account name, so the ACL applies as it does to passwords).
        self.tls = tls
        self.base_dir = Path(base_dir).resolve()
        self._port = port or free_port()
        self.password_file = Path(password_file).resolve() if password_file else None
        self.acl_file = Path(acl_file).resolve() if acl_file else None
        # The account `url` signs in with (a broker with a password file refuses anonymous clients).
        self.login = login
        # Seconds between snapshots of the in-memory store; a crash loses at most this much queued state.
        self.autosave_interval = autosave_interval
        self.conf_path = self.base_dir / "mosquitto.conf"
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "mosquitto.log"
        # stdout/stderr of the process: config errors are reported there before the log file is opened.
        self.stderr_path = self.base_dir / "mosquitto.stderr"
        # Our own record of the broker's PID (Mosquitto writes pid_file only when daemonised).
        self.pid_path = self.base_dir / "mosquitto.pid"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        if self.login is None:
            return f"mqtt://127.0.0.1:{self._port}"
        user, password = (quote(part, safe="") for part in self.login)
        return f"mqtt://{user}:{password}@127.0.0.1:{self._port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc else None

    def write_config(self) -> Path:
        """(Re)generate mosquitto.conf; called by start() so a restart picks up changed options."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            "# Generated by sentinel_dev.services.mosquitto; do not edit, it is rewritten on every start.",
            # Password file, ACL and anonymity per listener: the lab listener has accounts of its own.
            "per_listener_settings true",
            "persistence true",
            # Mosquitto concatenates location and file name, so the trailing slash is required.
            f"persistence_location {self.data_dir}/",
            "persistence_file mosquitto.db",
            f"autosave_interval {self.autosave_interval}",
            f"log_dest file {self.log_path}",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            "log_timestamp_format %Y-%m-%dT%H:%M:%S",
            # The defaults (1000 messages) silently drop QoS 1 messages for a slow or offline subscriber,
            # e.g. the hub during a restart; keep (practically) everything instead.
            "max_queued_messages 1000000",
            "max_queued_bytes 0",
            # Wide enough for the hub's receive window (MqttSettings.receive_maximum): a panic behind
            # a backlog then reaches the hub's alarm lane at once (docs/design.md, "Lanes").
            "max_inflight_messages 20000",
            # Small packets (PUBACKs, commands) leave at once instead of waiting on delayed ACKs.
            "set_tcp_nodelay true",
            *size_limit_lines(self.max_message_bytes),
            f"listener {self._port} 127.0.0.1",
            *listener_auth_lines(self.password_file, self.acl_file, self.bind_client_ids),
        ]
        if self.tls is not None:
            lines += [
                f"listener {self.tls.port} 127.0.0.1",
                *tls_listener_lines(self.tls.ca_file, self.tls.cert_file, self.tls.key_file),
                *listener_auth_lines(None, self.acl_file, self.bind_client_ids),
            ]
        if self.lab is not None:
            lines += [
                f"listener {self.lab.port} 127.0.0.1",
                *listener_auth_lines(self.lab.password_file, self.lab.acl_file, bind_client_ids=False),
            ]
        if os.geteuid() == 0:
            # Otherwise Mosquitto drops to user 'mosquitto', which cannot write our persistence/log files.
            lines.append("user root")
        self.conf_path.write_text("\n".join(lines) + "\n")
        return self.conf_path

    def start(self, timeout: float = 10) -> None:
        """Spawn the broker and wait until its port accepts connections. No-op if already running."""
        if self.running:
            return
        binary = find_mosquitto()
        self._stop_leftover()
        if port_accepts(self._port):
            raise RuntimeError(f"port 127.0.0.1:{self._port} is already in use; cannot start private Mosquitto")
        self.write_config()
        with self.stderr_path.open("ab") as out:
            # Own session/process group: Ctrl-C in the terminal does not hit the broker before we stop it,
            # and stop()/kill() can signal the whole group.
            self._proc = subprocess.Popen(
                [str(binary), "-c", str(self.conf_path)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.base_dir,
                start_new_session=True,
            )
        _live.add(self)
        self.pid_path.write_text(f"{self._proc.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            if wait_for_port(self._port, timeout=0.2) and self._proc.poll() is None:
                return
        code = self._proc.poll()
        self.kill()
        state = f"exited with status {code}" if code is not None else f"did not listen within {timeout}s"
        raise RuntimeError(
            f"private Mosquitto on port {self._port} {state} (config {self.conf_path}).\n"
            f"--- {self.stderr_path} ---\n{tail_file(self.stderr_path)}\n"
            f"--- {self.log_path} ---\n{tail_file(self.log_path)}"
        )

    def stop(self, timeout: float = 10) -> None:
        """Graceful shutdown (SIGTERM: Mosquitto saves its persistence file), then SIGKILL if it hangs."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                proc.wait()
        self._proc = None
        _live.discard(self)

    def kill(self) -> None:
        """SIGKILL, simulating a crash: nothing since the last autosave is written."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGKILL)
        proc.wait()
        self._proc = None
        _live.discard(self)

    def restart(self, timeout: float = 10) -> None:
        """Stop (if running) and start again on the same port with the same persistence."""
        self.stop()
        self.start(timeout=timeout)

    def _stop_leftover(self) -> None:
        """Stop a broker left running on this base_dir by a killed process (e.g. a SIGKILLed demo): two
        brokers snapshotting the same persistence file would overwrite each other's state."""
        try:
            pid = int(self.pid_path.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            return
        if str(self.conf_path).encode() not in cmdline:
            return  # dead, or the PID now belongs to something else
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while pid_alive(pid):
            if time.monotonic() > deadline:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.05)

    def _signal(self, sig: signal.Signals) -> None:
        assert self._proc is not None
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(self._proc.pid, sig)

    def __enter__(self) -> PrivateMosquitto:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"PrivateMosquitto(url={self.url!r}, base_dir={str(self.base_dir)!r}, running={self.running})"


@atexit.register
def _stop_all() -> None:
    for broker in list(_live):
        broker.stop(timeout=5)
