"""Routing (grid → nearest → supervisor) and the roster's 24-hour coverage."""

from __future__ import annotations

from datetime import datetime

from hub.domain.dispatch import RouteRule
from hub.domain.district import District, Grid, Officer, Site
from hub.domain.roster import MINUTES_PER_WEEK, Shift, coverage_gaps, on_shift
from hub.domain.routing import OfficerPresence, choose_officer, rank_officers

SITE = Site("bank", "银行", "Bank", "bank", "g1", lat=39.90, lon=116.40)
DISTRICT = District(
    "d",
    "辖区",
    sites={"bank": SITE},
    grids={"g1": Grid("g1", "一", "o-grid", ("o-assist",)), "g2": Grid("g2", "二", "o-far")},
    officers={
        "o-grid": Officer("o-grid", "甲", grid_id="g1"),
        "o-assist": Officer("o-assist", "乙", grid_id="g1"),
        "o-near": Officer("o-near", "丙", grid_id="g2"),
        "o-far": Officer("o-far", "丁", grid_id="g2"),
        "sup": Officer("sup", "戊", role="supervisor"),
    },
)


def on(officer: str, lat: float | None = None, lon: float | None = None, busy: bool = False) -> OfficerPresence:
    return OfficerPresence(officer, True, busy, lat, lon)


def test_the_grid_officer_on_duty_is_sent_first() -> None:
    presence = {"o-grid": on("o-grid"), "o-near": on("o-near", 39.9001, 116.4001)}
    chosen = choose_officer(DISTRICT, "bank", presence)
    assert chosen is not None and (chosen.officer_id, chosen.rule) == ("o-grid", RouteRule.GRID)


def test_an_assistant_of_the_grid_comes_before_officers_of_other_grids() -> None:
    presence = {"o-assist": on("o-assist"), "o-near": on("o-near", 39.9001, 116.4001)}
    chosen = choose_officer(DISTRICT, "bank", presence)
    assert chosen is not None and chosen.officer_id == "o-assist"


def test_without_the_grid_team_the_nearest_signed_on_officer_is_sent() -> None:
    presence = {
        "o-grid": OfficerPresence("o-grid", False),
        "o-near": on("o-near", 39.901, 116.401),
        "o-far": on("o-far", 39.99, 116.50),
    }
    chosen = choose_officer(DISTRICT, "bank", presence)
    assert chosen is not None and (chosen.officer_id, chosen.rule) == ("o-near", RouteRule.NEAREST)
    assert chosen.distance_m is not None and 100 < chosen.distance_m < 200


def test_busy_declined_and_signed_off_officers_are_skipped_down_to_the_supervisor() -> None:
    presence = {"o-grid": on("o-grid", busy=True), "o-near": on("o-near", 39.9, 116.4)}
    chosen = choose_officer(DISTRICT, "bank", presence, excluded={"o-near"})
    assert chosen is not None and (chosen.officer_id, chosen.rule) == ("sup", RouteRule.SUPERVISOR)
    ranking = rank_officers(DISTRICT, "bank", presence, excluded={"o-near"})
    reasons = {c.officer_id: c.why_not for c in ranking}
    assert reasons == {
        "o-grid": "busy",
        "o-assist": "not_signed_on",
        "o-near": "declined_or_timed_out",
        "o-far": "not_signed_on",
        "sup": "",
    }
    assert choose_officer(DISTRICT, "bank", presence, excluded={"o-near", "sup"}) is None


def _shift(who: str, start: str, end: str, days: range = range(7), desk: bool = False) -> Shift:
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return Shift(who, desk, frozenset(days), h1 * 60 + m1, h2 * 60 + m2)


def test_day_and_night_shifts_cover_the_week_without_gaps() -> None:
    shifts = [_shift("a", "08:00", "20:00"), _shift("b", "20:00", "08:00"), _shift("desk", "00:00", "00:00", desk=True)]
    assert coverage_gaps(shifts, {"g1": ("a", "b")}) == []


def test_a_missing_night_shift_is_reported_as_a_gap_per_night() -> None:
    gaps = coverage_gaps([_shift("a", "08:00", "20:00")], {"g1": ("a",)})
    grid_gaps = [g for g in gaps if g.who == "g1"]
    assert len(grid_gaps) == 8  # Monday 00:00–08:00, six nights, Sunday 20:00–24:00
    assert grid_gaps[1].describe() == "g1: nobody on shift mon 20:00–tue 08:00"
    assert sum(g.end - g.start for g in grid_gaps) == MINUTES_PER_WEEK // 2
    assert [g.who for g in gaps if g.who == "desk"] == ["desk"]


def test_an_overnight_shift_covers_the_small_hours_of_the_next_day() -> None:
    night = _shift("b", "20:00", "08:00", days=range(4, 5))  # Friday night
    assert on_shift([night], "b", datetime(2026, 11, 21, 3, 0))  # Saturday 03:00
    assert not on_shift([night], "b", datetime(2026, 11, 21, 9, 0))
