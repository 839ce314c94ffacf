"""What the private services share: a context manager around a server process, stopped at interpreter exit when
still running (so a crashed demo or test run does not leak it), and the helpers their error messages use."""

from __future__ import annotations

import atexit
import weakref
from pathlib import Path
from types import TracebackType
from typing import Self


class PrivateService:
    """A server process of our own; `with` starts and stops it."""

    exit_timeout_s: float = 10.0  # how long `stop` may take at interpreter exit

    def start(self) -> None:
        raise NotImplementedError

    def stop(self, timeout: float = 10.0) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


# Services running now; those still running at interpreter exit are stopped.
LIVE: weakref.WeakSet[PrivateService] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    for service in list(LIVE):
        service.stop(timeout=service.exit_timeout_s)


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
