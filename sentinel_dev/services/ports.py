"""Loopback port helpers."""

import random
import socket
import time
from pathlib import Path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now, from below the kernel's ephemeral range.

    Below it, because the tests stop and restart servers on their port (a broker killed with -9, a hub
    started again on the same settings): a port from the ephemeral range may meanwhile become the local
    end of some outgoing connection (another test worker's connection to its database), and the restart
    then fails with "address already in use". There is still a small race until the caller binds it,
    with other callers of this function only; acceptable for private dev/test services.
    """
    low, high = _BELOW_EPHEMERAL or (0, 0)
    for _ in range(50 if high else 0):
        port = random.randint(low, high)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # crowded, or no room below: the kernel picks
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ports_below_ephemeral() -> tuple[int, int] | None:
    try:
        first_ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        first_ephemeral = 32768  # Linux's default
    return (20000, first_ephemeral - 1) if first_ephemeral > 21000 else None  # else: the kernel picks


_BELOW_EPHEMERAL = _ports_below_ephemeral()


def port_accepts(port: int, host: str = "127.0.0.1", timeout: float = 0.2) -> bool:
    """True if a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    """Poll until host:port accepts connections; False on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_accepts(port, host):
            return True
        time.sleep(0.05)
    return False
