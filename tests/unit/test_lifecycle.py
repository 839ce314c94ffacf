"""The incident state machine, checked on thousands of generated action sequences."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.domain.incidents import FINAL_STATES, Incident, IncidentState, Priority
from hub.domain.lifecycle import Action, Disposition, IllegalTransition, apply, escalate, flag_arrival_overdue

T0 = datetime(2026, 11, 21, 20, 0, tzinfo=UTC)
S = IncidentState
# Every state after new sets the clock named after it, in the lifecycle's order.
CLOCKS = tuple(f"{state.value}_at" for state in S if state is not S.NEW)


def new_incident(test: bool = False) -> Incident:
    return Incident(1, "bank", "panic", Priority.P1, S.NEW, T0, T0, 1, test=test)


steps = st.lists(
    st.tuples(st.sampled_from(list(Action)), st.integers(min_value=-30, max_value=120), st.booleans()),
    max_size=25,
)


@settings(max_examples=3000)
@given(steps)
def test_random_action_sequences_never_make_an_illegal_transition_and_clocks_only_move_forward(
    sequence: list[tuple[Action, int, bool]],
) -> None:
    incident = new_incident()
    at = T0
    last_entry_at = T0
    for action, delta_s, by_person in sequence:
        at = at + timedelta(seconds=delta_s)  # device and desk clocks may even go backwards
        before = incident
        try:
            step = apply(incident, action, at, "tester", by_person=by_person)
        except IllegalTransition:
            assert before.state in FINAL_STATES or action is not Action.RESOLVE
            continue
        incident = step.incident
        assert before.state not in FINAL_STATES, "nothing leaves a final state"
        assert step.entry.from_state == before.state and step.entry.to_state == incident.state
        assert step.entry.at >= last_entry_at, "the timeline is in time order"
        last_entry_at = step.entry.at
        for clock in CLOCKS:
            old, new = getattr(before, clock), getattr(incident, clock)
            if old is not None:
                assert new == old, f"{clock} was set once and must not change"
        set_clocks = [getattr(incident, c) for c in ("created_at", *CLOCKS) if getattr(incident, c) is not None]
        assert max(set_clocks) == step.entry.at or step.entry.at >= max(set_clocks)
    # Whatever happened, closing it ends it in exactly one final state.
    if incident.is_open:
        incident = apply(incident, Action.RESOLVE, at, "tester").incident
    assert incident.state in FINAL_STATES
    assert (incident.resolved_at is None) != (incident.cancelled_at is None)
    for action in Action:
        with pytest.raises(IllegalTransition):
            apply(incident, action, at + timedelta(seconds=1), "tester")


def test_the_whole_happy_path_sets_every_clock_in_order() -> None:
    incident = new_incident()
    for n, action in enumerate(
        [Action.ACKNOWLEDGE, Action.DISPATCH, Action.ACCEPT, Action.EN_ROUTE, Action.ON_SCENE, Action.RESOLVE], 1
    ):
        incident = apply(incident, action, T0 + timedelta(seconds=10 * n), "desk").incident
    assert incident.state is S.RESOLVED
    clocks = [getattr(incident, c) for c in CLOCKS[:-1]]
    assert clocks == sorted(clocks) and None not in clocks
    assert incident.disposition == "genuine"


def test_an_automatic_dispatch_does_not_count_as_acknowledged_but_a_person_dispatching_does() -> None:
    auto = apply(new_incident(), Action.DISPATCH, T0, "system", by_person=False).incident
    assert auto.state is S.DISPATCHED and auto.acknowledged_at is None
    acked = apply(auto, Action.ACKNOWLEDGE, T0 + timedelta(seconds=5), "desk").incident
    assert acked.state is S.DISPATCHED and acked.acknowledged_at == T0 + timedelta(seconds=5)
    manual = apply(new_incident(), Action.DISPATCH, T0, "desk").incident
    assert manual.acknowledged_at == T0


def test_acknowledging_twice_is_refused() -> None:
    acked = apply(new_incident(), Action.ACKNOWLEDGE, T0, "desk").incident
    with pytest.raises(IllegalTransition, match="already acknowledged"):
        apply(acked, Action.ACKNOWLEDGE, T0, "desk")


def test_a_decline_returns_the_incident_to_the_desk() -> None:
    dispatched = apply(apply(new_incident(), Action.ACKNOWLEDGE, T0, "d").incident, Action.DISPATCH, T0, "d").incident
    declined = apply(dispatched, Action.DECLINE, T0, "officer:o1").incident
    assert declined.state is S.ACKNOWLEDGED and declined.dispatched_at == T0


def test_cancel_of_a_test_incident_is_recorded_as_test() -> None:
    cancelled = apply(new_incident(test=True), Action.CANCEL, T0, "desk", note="drill").incident
    assert (cancelled.state, cancelled.disposition, cancelled.resolution_note) == (S.CANCELLED, "test", "drill")
    resolved = apply(new_incident(), Action.RESOLVE, T0, "desk", disposition=Disposition.FALSE_ALARM).incident
    assert resolved.disposition == "false_alarm"


def test_escalation_counts_up_and_keeps_the_first_time() -> None:
    once = escalate(new_incident(), T0 + timedelta(seconds=30)).incident
    twice = escalate(once, T0 + timedelta(seconds=60)).incident
    assert (twice.escalation_count, twice.escalated_at, twice.state) == (2, T0 + timedelta(seconds=30), S.NEW)


def test_escalations_arrival_and_closing_say_their_reason_as_data() -> None:
    late = escalate(new_incident(), T0 + timedelta(seconds=30)).entry
    assert (late.code, dict(late.params), late.reason) == (
        "escalated",
        {"seconds": 30},
        "not acknowledged after 30 s: supervisor alerted",
    )
    overdue = flag_arrival_overdue(new_incident(), T0 + timedelta(seconds=500), 480).entry
    assert (overdue.code, dict(overdue.params)) == ("arrival_overdue", {"seconds": 480})
    closed = apply(new_incident(), Action.RESOLVE, T0, "desk", disposition=Disposition.FALSE_ALARM, note="误按").entry
    assert (closed.code, dict(closed.params)) == ("disposition", {"disposition": "false_alarm", "note": "误按"})
    coded = apply(new_incident(), Action.DISPATCH, T0, "desk", "o1: grid", code="route_grid", params={"officer": "o1"})
    assert (coded.entry.code, dict(coded.entry.params)) == ("route_grid", {"officer": "o1"})


def test_incident_has_every_clock_field_the_design_names() -> None:
    names = {f.name for f in fields(Incident)}
    assert {"acknowledged_at", "accepted_at", "on_scene_at", "resolved_at", "created_at", "event_count"} <= names
