"""Correlation rules: presses of one site while an incident is open join it; priorities."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hub.domain.events import DeviceEvent, timestamp_problem
from hub.domain.incidents import Incident, IncidentState, Priority, correlate

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)


def event(n: int = 0, type_: str = "panic", kind: str = "button", site: str = "bank") -> DeviceEvent:
    at = T0 + timedelta(seconds=n)
    return DeviceEvent(site, f"{kind}-1", kind, f"e{n}", type_, at, at)


def run(events: list[DeviceEvent], test_mode: bool = False) -> Incident | None:
    incident = None
    for e in events:
        incident = correlate(incident, e, test_mode).incident
    return incident


def test_a_panic_press_opens_a_p1_incident() -> None:
    result = correlate(None, event(), site_in_test_mode=False)
    assert result.incident is not None
    assert (result.incident.kind, result.incident.priority, result.incident.state) == ("panic", Priority.P1, "new")
    assert result.incident.event_count == 1
    assert [t.action for t in result.timeline] == ["opened"]


def test_five_presses_are_one_incident_pressed_five_times() -> None:
    incident = run([event(n) for n in range(5)])
    assert incident is not None
    assert incident.event_count == 5
    assert incident.created_at == T0
    assert incident.last_event_at == T0 + timedelta(seconds=4)


def test_an_intrusion_joins_the_open_panic_without_lowering_its_priority() -> None:
    incident = run([event(0), event(1, "intrusion", "camera")])
    assert incident is not None
    assert (incident.kind, incident.priority, incident.event_count) == ("panic", Priority.P1, 2)


def test_a_panic_raises_an_open_tamper_incident_to_p1() -> None:
    first = correlate(None, event(0, "tamper"), False).incident
    result = correlate(first, event(1, "panic"), False)
    assert result.incident is not None
    assert (result.incident.kind, result.incident.priority) == ("panic", Priority.P1)
    assert [t.action for t in result.timeline] == ["priority_raised"]


def test_low_battery_and_test_presses_open_no_incident() -> None:
    for type_ in ("low_battery", "test", "cancel"):
        assert correlate(None, event(0, type_), False).incident is None


def test_a_site_in_test_mode_opens_incidents_marked_test() -> None:
    incident = run([event(0)], test_mode=True)
    assert incident is not None and incident.test


def test_a_press_after_the_incident_was_resolved_opens_a_new_one() -> None:
    closed = Incident(
        1, "bank", "panic", Priority.P1, IncidentState.RESOLVED, T0, T0, 3, resolved_at=T0 + timedelta(minutes=5)
    )
    result = correlate(closed, event(600), False)
    assert result.incident is not None and result.incident.id is None and result.incident.event_count == 1


@given(st.lists(st.sampled_from(["panic", "duress", "tamper", "low_battery", "test"]), min_size=1, max_size=50))
def test_event_count_equals_incident_raising_events_and_priority_never_drops(types: list[str]) -> None:
    incident = None
    best = Priority.P4
    raising = 0
    for n, type_ in enumerate(types):
        incident = correlate(incident, event(n, type_), False).incident
        if type_ in ("panic", "duress", "tamper"):
            raising += 1
            best = min(best, Priority.P1 if type_ != "tamper" else Priority.P3)
    if raising == 0:
        assert incident is None
    else:
        assert incident is not None
        assert incident.event_count == raising
        assert incident.priority == best


def test_device_clocks_far_off_are_refused() -> None:
    window = (timedelta(minutes=5), timedelta(hours=24))
    assert timestamp_problem(T0 + timedelta(minutes=10), T0, *window) == "timestamp_in_future"
    assert timestamp_problem(T0 - timedelta(days=2), T0, *window) == "timestamp_too_old"
    assert timestamp_problem(T0 - timedelta(minutes=1), T0, *window) is None


def test_the_timeline_says_as_data_what_opened_raised_and_asked_to_cancel_an_incident() -> None:
    opened = correlate(None, event(0, "tamper"), False)
    assert [(t.code, dict(t.params)) for t in opened.timeline] == [
        ("opened_by_device", {"event": "tamper", "device": "button-1"})
    ]
    raised = correlate(opened.incident, event(1, "panic"), False)
    assert [(t.code, dict(t.params)) for t in raised.timeline] == [
        ("priority_raised", {"event": "panic", "from": 3, "to": 1})
    ]
    cancel = correlate(raised.incident, event(2, "cancel"), False)
    assert [t.code for t in cancel.timeline] == ["cancel_pressed"]
