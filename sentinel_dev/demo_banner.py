"""What a newcomer reads when the demo is up: the console's address, who to sign in as, what is simulated and
what is not, where the logs are. Printed last (after every start-up line), again on Enter in the demo's
terminal, and by `sentinel demo info` from another terminal (it is kept in DATA_DIR/demo.json)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from hub.domain.district import District, Officer

RULE = "─" * 78


def phone_officer(district: District) -> Officer | None:
    """The officer the demo leaves to a person with a phone: the district's first patrol officer."""
    return next((o for o in district.officers.values() if o.role != "supervisor"), None)


@dataclass
class DemoBanner:
    console_url: str
    desk_accounts: list[tuple[str, str, str]]  # (user, password, what for)
    phone: Officer | None
    simulated: list[str] = field(default_factory=list)
    logs: Path | None = None

    def text(self) -> str:
        lines = [RULE, "Sentinel demo is running", RULE, f"  Console   {self.console_url}/   (any browser)"]
        lines += [
            f"  Sign in   {user} / {password}   {what}" if n == 0 else f"            {user} / {password}   {what}"
            for n, (user, password, what) in enumerate(self.desk_accounts)
        ]
        if self.phone is not None:
            lines += [
                f"  Phone     {self.console_url}/officer   as {self.phone.id} / {self.phone.id} ({self.phone.name})",
                f"            {self.phone.id} is NOT simulated: sign on in the officer app. While the roster has",
                f"            him on duty for grid {self.phone.grid_id}, its P1 alarms are dispatched to you (one not",
                "            accepted in time passes to the next officer). The other officers are simulated",
                "            (user and password: their id).",
            ]
        if self.simulated:
            lines.append(f"  Simulated {self.simulated[0]}")
            lines += [f"            {line}" for line in self.simulated[1:]]
        lines.append(
            "  Press     ./dev sentinel simulate button --site bank-icbc-dongsi --device btn-bank-icbc-dongsi-counter"
        )
        if self.logs is not None:
            lines.append(f"  Logs      {self.logs / 'hub.log'} (JSON lines; cameras: camera-*.log)")
        lines += [
            "  Again     press Enter here, or run ./dev sentinel demo info in another terminal",
            "  Stop      Ctrl-C (the data stays for the next run)",
            RULE,
        ]
        return "\n".join(lines)


def show(text: str) -> None:
    print(f"\n{text}\n", file=sys.stderr, flush=True)


def saved_banner(state_file: Path) -> str | None:
    """The running demo's banner, from its state file; None when no demo is running there."""
    try:
        return str(json.loads(state_file.read_text())["banner"])
    except (OSError, ValueError, KeyError):
        return None
