"""Intruder-alarm panels that report over SIA DC-09: which account is which device, and the rules a
receiver applies to every message (the timestamp window, a resend being the same event)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from hub.domain.contact_id import PanelSignal

# ANSI/SIA DC-09 lets a receiver refuse messages whose timestamp is off by more than this.
DEFAULT_WINDOW_S = 20


@dataclass(frozen=True, slots=True)
class PanelAccount:
    """One DC-09 account: the panel device it stands for, and how it must talk to the receiver."""

    account: str  # 3–16 hex digits, upper case, as in the `#acct` field
    site_id: str
    device_id: str
    key: bytes | None = field(default=None, repr=False)  # AES-128/192/256; None: a clear-text account
    prefix: str | None = None  # the `L` field, if the panel must use this one
    receiver: str | None = None  # the `R` field, if the panel must use this one

    @property
    def encrypted(self) -> bool:
        return self.key is not None


@dataclass(frozen=True, slots=True)
class TimestampWindow:
    """How far a message's timestamp may be from the receiver's clock. DC-09 timestamps make a
    recorded encrypted message useless to replay later; the NAK tells the panel the right time."""

    past_s: int = DEFAULT_WINDOW_S
    future_s: int = DEFAULT_WINDOW_S

    def problem(self, sent_at: datetime, now: datetime) -> str | None:
        if sent_at < now - timedelta(seconds=self.past_s):
            return "timestamp_too_old"
        if sent_at > now + timedelta(seconds=self.future_s):
            return "timestamp_in_future"
        return None


@dataclass(frozen=True)
class PanelDirectory:
    accounts: dict[str, PanelAccount] = field(default_factory=dict)  # by account
    window: TimestampWindow = TimestampWindow()

    def find(self, account: str, prefix: str, receiver: str | None) -> PanelAccount | None:
        """The panel this message claims to come from; None if the account, or the line prefix or
        receiver number it must use, does not match (such a message is refused, never guessed)."""
        panel = self.accounts.get(account.upper())
        if panel is None:
            return None
        if panel.prefix is not None and not _same_number(panel.prefix, prefix):
            return None
        if panel.receiver is not None and not _same_number(panel.receiver, receiver):
            return None
        return panel

    def __len__(self) -> int:
        return len(self.accounts)


def panel_event_id(account: str, sequence: int, day: date, index: int, signal: PanelSignal) -> str:
    """A deterministic id for the `index`-th event of a message, so that a panel's resend (same
    account, sequence number and content) is the same (device, event_id) and the store ignores it.

    The day (of the message's timestamp, else of its arrival) keeps sequence numbers apart once
    they wrap at 9999: a resend arrives within minutes, a wrap takes days. A resend that crosses
    midnight is recorded twice, which joins the same incident: a duplicate, never a lost alarm.
    """
    zone = f"-{signal.zone}" if signal.zone else ""
    return f"{account}-{sequence:04d}-{day:%Y%m%d}-{index}-{signal.code}{zone}"


def _same_number(expected: str, sent: str | None) -> bool:
    """Line prefixes and receiver numbers are hex numbers: `L0` and `L00` are the same line."""
    try:
        return sent is not None and int(expected, 16) == int(sent, 16)
    except ValueError:
        return False
