"""How long the console's HTTP server waits for idle and slow clients (used by hardening.py and the app)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HttpLimits:
    idle_timeout_s: float = 20.0  # no request under way (and a request head must arrive within it)
    body_timeout_s: float = 30.0  # a request body must arrive whole within it
    lingering_s: float = 2.0  # an unread body is drained this long after the answer, then the socket closes

    def runner_options(self) -> dict[str, Any]:
        """Keyword arguments for `web.AppRunner` (passed on to aiohttp's request handler)."""
        return {"keepalive_timeout": self.idle_timeout_s, "lingering_time": self.lingering_s}
