"""Contact ID and SIA DCS codes as hub events; what incidents they open; event ids that make a resend a
duplicate; the panel directory and the timestamp window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.contact_id import (
    CONTACT_ID,
    SIA_DCS,
    PanelSignal,
    PayloadError,
    contact_id_signal,
    parse_contact_id,
    parse_sia_dcs,
    sia_dcs_signal,
)
from hub.domain.events import DeviceEvent
from hub.domain.incidents import Priority, correlate, trigger_for
from hub.domain.panels import PanelAccount, PanelDirectory, TimestampWindow, panel_event_id

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)

# Every code the hub maps, with the event type and detail it becomes.
CID_TABLE = [
    ("120", "panic", "panic"),
    ("121", "duress", "duress"),
    ("122", "panic", "silent_24h"),
    ("123", "panic", "audible_24h"),
    *((str(code), "burglary", None) for code in (130, 131, 132, 133, 134, 135, 136, 138, 139)),
    ("137", "tamper", "tamper_zone"),
    ("110", "fire", "fire"),
    ("301", "trouble", "ac_loss"),
    ("302", "low_battery", "low_battery"),
    ("383", "tamper", "tamper_sensor"),
    ("601", "test", "manual_test"),
    ("602", "test", "periodic_test"),
    ("350", "trouble", "communication_trouble"),
    ("354", "trouble", "communication_failure"),
]

SIA_TABLE = [
    ("PA", "panic", "panic"),
    ("PH", "panic", "panic_restored"),
    ("HA", "duress", "holdup"),
    ("HH", "duress", "holdup_restored"),
    ("BA", "burglary", "burglary"),
    ("BH", "burglary", "burglary_restored"),
    ("BR", "burglary", "burglary_restored"),
    ("FA", "fire", "fire"),
    ("FH", "fire", "fire_restored"),
    ("AT", "trouble", "ac_loss"),
    ("AR", "trouble", "ac_loss_restored"),
    ("YT", "low_battery", "low_battery"),
    ("YR", "low_battery", "low_battery_restored"),
    ("TA", "tamper", "tamper"),
    ("TR", "tamper", "tamper_restored"),
    ("RP", "test", "periodic_test"),
    ("RX", "test", "manual_test"),
    ("YC", "trouble", "communication_failure"),
    ("YK", "trouble", "communication_failure_restored"),
]

# What each hub event type of a panel opens (None: recorded only).
EXPECTED_TRIGGERS = {
    "panic": ("panic", Priority.P1),
    "duress": ("duress", Priority.P1),
    "burglary": ("intrusion", Priority.P2),
    "fire": ("fire", Priority.P1),
    "tamper": ("tamper", Priority.P3),
    "trouble": ("trouble", Priority.P3),
    "low_battery": None,
    "test": None,
}


def panel_event(signal: PanelSignal, n: int = 0) -> DeviceEvent:
    at = T0 + timedelta(seconds=n)
    return DeviceEvent("bank", "panel-1", "panel", f"e{n}", signal.type, at, at, zone=signal.zone, detail=signal.detail)


def opens(signal: PanelSignal) -> tuple[str, Priority] | None:
    trigger = trigger_for(panel_event(signal))
    return (trigger.kind, trigger.priority) if trigger else None


@pytest.mark.parametrize(("code", "type_", "detail"), CID_TABLE)
def test_every_listed_contact_id_code_maps_to_its_hub_event(code: str, type_: str, detail: str | None) -> None:
    signal = contact_id_signal("1", code, "01", "015")
    assert (signal.type, signal.code, signal.zone, signal.partition) == (type_, f"1{code}", "15", "1")
    if detail:
        assert signal.detail == detail
    assert not signal.restore
    assert opens(signal) == EXPECTED_TRIGGERS[type_]


@pytest.mark.parametrize(("code", "type_", "detail"), CID_TABLE)
def test_every_contact_id_restore_closes_and_never_opens(code: str, type_: str, detail: str | None) -> None:
    signal = contact_id_signal("3", code, "01", "015")
    assert signal.type == type_
    assert signal.restore and signal.detail.endswith("_restored")
    assert panel_event(signal).is_restore
    assert opens(signal) is None


def test_the_mapped_table_is_exactly_the_listed_codes_plus_fire_subtypes() -> None:
    listed = {code for code, _, _ in CID_TABLE}
    assert set(CONTACT_ID) - listed == {"111", "112", "113", "114", "115", "116", "117", "118"}
    assert all(CONTACT_ID[c].type == "fire" for c in ("111", "118"))


def test_qualifier_6_still_present_is_a_new_event_and_other_qualifiers_are_refused() -> None:
    assert contact_id_signal("6", "130").detail == "burglary"
    with pytest.raises(PayloadError, match="qualifier"):
        contact_id_signal("2", "130")


def test_unmapped_codes_are_events_of_their_own_type_never_dropped() -> None:
    signal = contact_id_signal("1", "401", "01", "007")  # open/close by user
    assert (signal.type, signal.detail, signal.zone) == ("cid_401", "cid_401", "7")
    assert opens(signal) is None
    restore = contact_id_signal("3", "401")
    assert restore.detail == "cid_401_restored"
    sia = sia_dcs_signal("OP", "0012")
    assert (sia.type, sia.zone) == ("sia_OP", "12")
    assert opens(sia) is None


@pytest.mark.parametrize(("code", "type_", "detail"), SIA_TABLE)
def test_every_listed_sia_dcs_code_maps_to_its_hub_event(code: str, type_: str, detail: str) -> None:
    signal = sia_dcs_signal(code, "003", partition="1")
    assert (signal.type, signal.detail, signal.zone, signal.partition) == (type_, detail, "3", "1")
    restore = detail.endswith("_restored")
    assert signal.restore == restore
    assert opens(signal) == (None if restore else EXPECTED_TRIGGERS[type_])
    assert SIA_DCS[code][1] == restore


def test_zone_zero_and_missing_numbers_are_none() -> None:
    signal = contact_id_signal("1", "120", "00", "000")
    assert (signal.zone, signal.partition) == (None, None)
    assert sia_dcs_signal("PA").zone is None


@pytest.mark.parametrize("data", ["1120 01 015", "1120 01 015 ", "112001015"])
def test_contact_id_data_blocks_parse(data: str) -> None:
    [signal] = parse_contact_id(data)
    assert (signal.code, signal.type, signal.zone, signal.partition) == ("1120", "panic", "15", "1")


@pytest.mark.parametrize("data", ["", "1120 01", "1120 01 01A", "11200 01 015", "panic", "1120-01-015"])
def test_malformed_contact_id_data_blocks_are_refused(data: str) -> None:
    with pytest.raises(PayloadError):
        parse_contact_id(data)


def test_sia_dcs_data_blocks_parse_with_modifiers_addresses_and_text() -> None:
    [burglary] = parse_sia_dcs("Nri1/BA001")
    assert (burglary.code, burglary.type, burglary.zone, burglary.partition) == ("BA", "burglary", "1", "1")
    [fire] = parse_sia_dcs("NFA129")  # the standard's own example
    assert (fire.type, fire.zone, fire.partition) == ("fire", "129", None)
    [panic] = parse_sia_dcs("Nid12/ri1/PA")
    assert (panic.type, panic.user, panic.zone) == ("panic", "12", "12")
    [test] = parse_sia_dcs("Nti19:44/id1/ri4/RP")
    assert (test.type, test.partition) == ("test", "4")
    [door] = parse_sia_dcs("Nri2/BA003^Front door / lobby^")
    assert (door.zone, door.text) == ("3", "Front door / lobby")


def test_one_sia_dcs_block_can_carry_several_events_and_modifiers_hold_for_those_after_them() -> None:
    signals = parse_sia_dcs("Nri1/BA001/BA002/ri2/TA005")
    assert [(s.code, s.zone, s.partition) for s in signals] == [
        ("BA", "1", "1"),
        ("BA", "2", "1"),
        ("TA", "5", "2"),
    ]


def test_a_code_starting_with_n_is_not_taken_for_the_new_event_marker() -> None:
    [signal] = parse_sia_dcs("NL4")  # no N marker: the code is NL
    assert (signal.type, signal.zone) == ("sia_NL", "4")
    [marked] = parse_sia_dcs("NNL4")
    assert marked.type == "sia_NL"


@pytest.mark.parametrize("data", ["", "N", "N/", "123", "Nri1", "Nri1//BA01", "nba001"])
def test_sia_dcs_blocks_without_an_event_are_refused(data: str) -> None:
    with pytest.raises(PayloadError):
        parse_sia_dcs(data)


@given(st.text(max_size=40))
def test_parsers_either_read_or_refuse_any_text(data: str) -> None:
    for parse in (parse_contact_id, parse_sia_dcs):
        try:
            signals = parse(data)
        except PayloadError:
            continue
        assert signals and all(s.type for s in signals)


def test_a_panel_panic_opens_the_same_incident_as_a_button_press() -> None:
    [signal] = parse_contact_id("1120 01 000")
    from_panel = correlate(None, panel_event(signal), site_in_test_mode=False).incident
    press = DeviceEvent("bank", "btn-1", "button", "p1", "panic", T0, T0)
    from_button = correlate(None, press, site_in_test_mode=False).incident
    assert from_panel is not None and from_button is not None
    assert (from_panel.kind, from_panel.priority, from_panel.state) == ("panic", Priority.P1, "new")
    assert from_panel == from_button


def test_fire_at_a_site_with_an_open_burglary_raises_the_incident_to_p1() -> None:
    [burglary] = parse_sia_dcs("Nri1/BA001")
    [fire] = parse_sia_dcs("Nri1/FA002")
    incident = correlate(None, panel_event(burglary), False).incident
    assert incident is not None and incident.priority == Priority.P2
    raised = correlate(incident, panel_event(fire, 1), False).incident
    assert raised is not None and (raised.kind, raised.priority, raised.event_count) == ("fire", Priority.P1, 2)


def test_event_ids_are_deterministic_and_tell_messages_apart() -> None:
    [signal] = parse_contact_id("1120 01 015")
    day = date(2026, 11, 21)
    same = panel_event_id("1234", 42, day, 0, signal)
    assert same == panel_event_id("1234", 42, day, 0, signal) == "1234-0042-20261121-0-1120-15"
    assert panel_event_id("1234", 43, day, 0, signal) != same  # the next message
    assert panel_event_id("1234", 42, date(2026, 11, 30), 0, signal) != same  # sequence numbers wrapped
    assert panel_event_id("1234", 42, day, 1, signal) != same  # the second event of a message
    [restore] = parse_contact_id("3120 01 015")
    assert panel_event_id("1234", 42, day, 0, restore) != same


def test_the_directory_finds_an_account_and_checks_the_prefix_and_receiver_it_must_use() -> None:
    loose = PanelAccount("1234", "bank", "panel-1")
    strict = PanelAccount("ABCD", "school", "panel-2", prefix="2", receiver="1A")
    panels = PanelDirectory({"1234": loose, "ABCD": strict})
    assert panels.find("1234", "0", None) is loose
    assert panels.find("abcd", "2", "1a") is strict
    assert panels.find("ABCD", "02", "01A") is strict  # hex numbers: L02 is L2
    assert panels.find("ABCD", "3", "1A") is None
    assert panels.find("ABCD", "2", None) is None
    assert panels.find("9999", "0", None) is None
    assert len(panels) == 2


def test_the_timestamp_window_is_twenty_seconds_each_way_by_default() -> None:
    window = TimestampWindow()
    assert window.problem(T0 - timedelta(seconds=20), T0) is None
    assert window.problem(T0 + timedelta(seconds=20), T0) is None
    assert window.problem(T0 - timedelta(seconds=21), T0) == "timestamp_too_old"
    assert window.problem(T0 + timedelta(seconds=21), T0) == "timestamp_in_future"
    wide = TimestampWindow(past_s=40, future_s=20)
    assert wide.problem(T0 - timedelta(seconds=39), T0) is None
