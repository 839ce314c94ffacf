"""What an alarm panel's report means to the hub: Ademco Contact ID (ADM-CID, SIA DC-05) and SIA DCS
(SIA DC-03) event codes mapped to the hub's event types.

A mapped code becomes a hub event type that `TRIGGERS` may turn into an incident (panic, duress,
burglary, fire, tamper, trouble); a restore keeps its type with a `detail` ending in `_restored`, which
closes and never opens. A code the table does not know is still an event (`cid_XXX`, `sia_XX`):
stored and shown, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class PayloadError(ValueError):
    """The data block is not Contact ID / SIA DCS as the standards write it."""


@dataclass(frozen=True, slots=True)
class Meaning:
    type: str  # the hub's event type
    detail: str  # what exactly; the fault name for tamper (a restore clears the same fault)
    description: str


@dataclass(frozen=True, slots=True)
class PanelSignal:
    """One event reported by a panel, as the hub reads it."""

    code: str  # as sent: Contact ID qualifier + event ("1120"), or SIA DCS code ("BA")
    type: str
    detail: str  # ends in "_restored" for a restore
    description: str
    zone: str | None = None  # zone or user number without leading zeros; None when 0 or absent
    partition: str | None = None  # area / partition
    user: str | None = None  # SIA DCS `id` modifier
    text: str | None = None  # SIA DCS ^text^ after the code

    @property
    def restore(self) -> bool:
        return self.detail.endswith("_restored")


def _m(type_: str, detail: str, description: str) -> Meaning:
    return Meaning(type_, detail, description)


# Contact ID event codes (SIA DC-05). 137 is a burglary-zone tamper: a tamper, not a break-in.
CONTACT_ID: dict[str, Meaning] = {
    "110": _m("fire", "fire", "Fire alarm"),
    "111": _m("fire", "smoke", "Fire: smoke"),
    "112": _m("fire", "combustion", "Fire: combustion"),
    "113": _m("fire", "water_flow", "Fire: water flow"),
    "114": _m("fire", "heat", "Fire: heat"),
    "115": _m("fire", "pull_station", "Fire: pull station"),
    "116": _m("fire", "duct", "Fire: duct"),
    "117": _m("fire", "flame", "Fire: flame"),
    "118": _m("fire", "near_alarm", "Fire: near alarm"),
    "120": _m("panic", "panic", "Panic alarm"),
    "121": _m("duress", "duress", "Duress"),
    "122": _m("panic", "silent_24h", "24-hour silent alarm"),
    "123": _m("panic", "audible_24h", "24-hour audible alarm"),
    "130": _m("burglary", "burglary", "Burglary"),
    "131": _m("burglary", "perimeter", "Burglary: perimeter"),
    "132": _m("burglary", "interior", "Burglary: interior"),
    "133": _m("burglary", "24h_zone", "Burglary: 24-hour zone"),
    "134": _m("burglary", "entry_exit", "Burglary: entry/exit"),
    "135": _m("burglary", "day_night", "Burglary: day/night"),
    "136": _m("burglary", "outdoor", "Burglary: outdoor"),
    "137": _m("tamper", "tamper_zone", "Burglary: tamper"),
    "138": _m("burglary", "near_alarm", "Burglary: near alarm"),
    "139": _m("burglary", "verified", "Burglary: intrusion verified"),
    "301": _m("trouble", "ac_loss", "AC power loss"),
    "302": _m("low_battery", "low_battery", "Low system battery"),
    "350": _m("trouble", "communication_trouble", "Communication trouble"),
    "354": _m("trouble", "communication_failure", "Failure to communicate an event"),
    "383": _m("tamper", "tamper_sensor", "Sensor tamper"),
    "601": _m("test", "manual_test", "Manual test report"),
    "602": _m("test", "periodic_test", "Periodic test report"),
}

# Contact ID qualifiers: 1 new event (or opening), 3 restore (or closing), 6 still present.
_NEW, _RESTORE, _STILL_PRESENT = "1", "3", "6"

# SIA DCS event codes (SIA DC-03): code → (meaning, is a restore).
_PANIC = _m("panic", "panic", "Panic alarm")
_HOLDUP = _m("duress", "holdup", "Hold-up / duress alarm")
_BURGLARY = _m("burglary", "burglary", "Burglary")
_FIRE = _m("fire", "fire", "Fire alarm")
_AC = _m("trouble", "ac_loss", "AC power trouble")
_BATTERY = _m("low_battery", "low_battery", "System battery trouble")
_TAMPER = _m("tamper", "tamper", "Tamper")
_COMMS = _m("trouble", "communication_failure", "Communication failure")
SIA_DCS: dict[str, tuple[Meaning, bool]] = {
    "PA": (_PANIC, False),
    "PH": (_PANIC, True),
    "PR": (_PANIC, True),
    "HA": (_HOLDUP, False),
    "HH": (_HOLDUP, True),
    "HR": (_HOLDUP, True),
    "BA": (_BURGLARY, False),
    "BV": (_m("burglary", "verified", "Burglary verified"), False),
    "BH": (_BURGLARY, True),
    "BR": (_BURGLARY, True),
    "FA": (_FIRE, False),
    "FH": (_FIRE, True),
    "FR": (_FIRE, True),
    "AT": (_AC, False),
    "AR": (_AC, True),
    "YT": (_BATTERY, False),
    "YR": (_BATTERY, True),
    "TA": (_TAMPER, False),
    "TR": (_TAMPER, True),
    "RP": (_m("test", "periodic_test", "Automatic test"), False),
    "RX": (_m("test", "manual_test", "Manual test"), False),
    "YC": (_COMMS, False),
    "YK": (_COMMS, True),
}

_RESTORED = "_restored"


def contact_id_signal(qualifier: str, event: str, partition: str = "00", zone: str = "000") -> PanelSignal:
    """The meaning of one Contact ID report (qualifier, 3-digit event, 2-digit partition, 3-digit zone)."""
    if qualifier not in (_NEW, _RESTORE, _STILL_PRESENT):
        raise PayloadError(f"unknown Contact ID qualifier {qualifier!r} (1 new, 3 restore, 6 still present)")
    meaning = CONTACT_ID.get(event) or Meaning(f"cid_{event}", f"cid_{event}", f"Contact ID {event}")
    restore = qualifier == _RESTORE
    return PanelSignal(
        code=f"{qualifier}{event}",
        type=meaning.type,
        detail=meaning.detail + (_RESTORED if restore else ""),
        description=meaning.description + (" restored" if restore else ""),
        zone=_number(zone),
        partition=_number(partition),
    )


def sia_dcs_signal(
    code: str, address: str = "", partition: str | None = None, user: str | None = None, text: str | None = None
) -> PanelSignal:
    """The meaning of one SIA DCS event code with its address (zone or user number)."""
    known = SIA_DCS.get(code)
    meaning, restore = known if known else (Meaning(f"sia_{code}", f"sia_{code}", f"SIA {code}"), False)
    return PanelSignal(
        code=code,
        type=meaning.type,
        detail=meaning.detail + (_RESTORED if restore else ""),
        description=meaning.description + (" restored" if restore else ""),
        zone=_number(address) or _number(user or ""),
        partition=_number(partition or ""),
        user=_number(user or ""),
        text=text or None,
    )


# "QEEE GG ZZZ": qualifier, event, partition, zone/user. Some panels leave out the spaces.
_CID = re.compile(r"(?P<q>\d)(?P<event>\d{3}) ?(?P<partition>\d{2}) ?(?P<zone>\d{3})")


def parse_contact_id(data: str) -> list[PanelSignal]:
    """The ADM-CID data block (without the `#acct|` echo), e.g. `1120 01 015`."""
    match = _CID.fullmatch(data.strip())
    if match is None:
        raise PayloadError(f"not a Contact ID report (QEEE GG ZZZ): {data[:60]!r}")
    return [contact_id_signal(match["q"], match["event"], match["partition"], match["zone"])]


# SIA DCS data: an optional `N` (new event), then `/`-separated modifiers (two lower-case letters
# and a value: ri area, id user, ti time, ...) and events (two upper-case letters, an address of
# digits, optional ^text^). A modifier holds for the events after it.
_MODIFIER = re.compile(r"(?P<name>[a-z]{2})(?P<value>[^/\[\]]*)")
_EVENT = re.compile(r"(?P<code>[A-Z]{2})(?P<address>\d{0,6})(?:\^(?P<text>[^^]*)\^|(?P<rest>[^/\[\]^]*))")


def parse_sia_dcs(data: str) -> list[PanelSignal]:
    """The SIA-DCS data block (without the `#acct|` echo), e.g. `Nri1/BA001` or `Nid12/ri1/PA`."""
    for body in (data[1:], data) if data.startswith("N") else (data,):
        signals = _sia_events(body)
        if signals:
            return signals
    raise PayloadError(f"no SIA DCS event code in {data[:60]!r}")


def _sia_events(body: str) -> list[PanelSignal] | None:
    modifiers: dict[str, str] = {}
    signals: list[PanelSignal] = []
    position = 0
    while position < len(body):
        event = _EVENT.match(body, position)
        modifier = None if event else _MODIFIER.match(body, position)
        if event is not None:
            text = event["text"] if event["text"] is not None else (event["rest"] or "").strip()
            signals.append(
                sia_dcs_signal(event["code"], event["address"], modifiers.get("ri"), modifiers.get("id"), text)
            )
            position = event.end()
        elif modifier is not None:
            modifiers[modifier["name"]] = modifier["value"]
            position = modifier.end()
        else:
            return None
        if position < len(body):
            if body[position] != "/":
                return None
            position += 1
    return signals or None


def _number(digits: str) -> str | None:
    """Zone, partition and user numbers without leading zeros; 0 means none."""
    digits = digits.strip()
    if not digits.isdigit():
        return digits or None
    value = int(digits)
    return str(value) if value else None
