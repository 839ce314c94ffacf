"""Guided response, the pure part: which plan covers an incident, which steps an action ticks, which required
steps are open; and the district file's `response_steps` section."""

from __future__ import annotations

import pytest

from hub.config.district import ConfigError, parse_district
from hub.domain.steps import SeenAction, Step, StepPlan, StepRole, open_required, steps_for, ticked_by
from simulators.districts import synthetic_district

CALL = Step("call", {"en": "Call"}, required=True)
DISPATCH = Step("dispatch", {"en": "Dispatch"}, required=True, done_by=SeenAction.DISPATCH)
VIEW = Step("view", {"en": "View"}, done_by=SeenAction.LIVE_VIEW)
BANK = StepPlan(frozenset({"panic"}), frozenset({"bank"}), (VIEW, CALL, DISPATCH))
ANY_SITE = StepPlan(frozenset({"panic", "intrusion"}), frozenset(), (CALL,))


def test_a_plan_for_the_site_kind_wins_over_one_for_any_site() -> None:
    assert steps_for([ANY_SITE, BANK], "panic", "bank") == (VIEW, CALL, DISPATCH)
    assert steps_for([ANY_SITE, BANK], "panic", "school") == (CALL,)
    assert steps_for([ANY_SITE, BANK], "intrusion", "bank") == (CALL,)
    assert steps_for([BANK], "tamper", "bank") == ()


def test_an_action_ticks_only_the_steps_waiting_for_it() -> None:
    assert ticked_by(BANK.steps, SeenAction.DISPATCH) == ["dispatch"]
    assert ticked_by(BANK.steps, SeenAction.WARNING) == []


def test_open_required_steps_are_the_required_ones_not_done() -> None:
    assert open_required(BANK.steps, {"view"}) == [CALL, DISPATCH]
    assert open_required(BANK.steps, {"call", "dispatch"}) == []


def _district_with(steps: list[dict[str, object]]) -> dict[str, object]:
    district = synthetic_district(sites=1)
    district["response_steps"] = steps
    return district


def test_the_district_file_defines_steps_in_order_with_labels_roles_and_what_ticks_them() -> None:
    plan = {
        "incident_kinds": ["panic"],
        "site_kinds": ["bank"],
        "steps": [
            {"id": "view", "label": {"zh-CN": "看摄像机", "en": "View"}, "done_by": "live_view"},
            {"id": "guard", "label": {"zh-CN": "与保安确认"}, "required": True, "role": "officer"},
        ],
    }
    (parsed,) = parse_district(_district_with([plan])).response_steps
    assert parsed.incident_kinds == {"panic"} and parsed.site_kinds == {"bank"}
    assert [s.id for s in parsed.steps] == ["view", "guard"]
    assert parsed.steps[0].done_by is SeenAction.LIVE_VIEW and parsed.steps[1].role is StepRole.OFFICER
    assert parsed.steps[1].required and parsed.steps[1].label == {"zh-CN": "与保安确认"}


@pytest.mark.parametrize(
    "step",
    [
        {"id": "a", "label": {"en": "A"}, "done_by": "phone_call"},  # the hub cannot see a phone call
        {"id": "a", "label": {"fr": "A"}},  # labels in the console's languages only
        {"id": "a", "label": {"en": "A"}, "role": "guard"},
    ],
)
def test_steps_the_hub_cannot_work_with_are_refused(step: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        parse_district(_district_with([{"incident_kinds": ["panic"], "steps": [step]}]))


def test_step_ids_are_unique_within_a_plan() -> None:
    step = {"id": "a", "label": {"en": "A"}}
    with pytest.raises(ConfigError):
        parse_district(_district_with([{"incident_kinds": ["panic"], "steps": [step, step]}]))
