"""Video patrol, the pure part: when tours fall due, shifts, what a view must carry, what a round covered; the
district file's `patrol_tours`; and the MJPEG parser of the live view."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.adapters.mjpeg import MjpegError, MjpegParser, boundary_of, stream_kind
from hub.config.district import ConfigError, parse_district
from hub.config.patrol import every_seconds
from hub.domain.patrol import (
    Half,
    Outcome,
    PatrolShift,
    Tour,
    TourState,
    Window,
    due_tours,
    shift_of,
    shifts_starting,
    summarize,
    tour_due,
    view_problem,
)
from simulators.districts import synthetic_district

TZ = "Asia/Shanghai"
ZONE = ZoneInfo(TZ)
EVERY_DAY = frozenset(range(7))
CAMERAS = ("cam-a", "cam-b", "cam-c")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in October 2026 (the 5th is a Monday), Shanghai time."""
    return datetime(2026, 10, day, hour, minute, tzinfo=ZONE)


def tour(**fields: Any) -> Tour:
    return Tour(**{"id": "t", "name": "巡查", "cameras": CAMERAS, "dwell_s": 20, "grace_s": 900, **fields})


NIGHT = Window(EVERY_DAY, 19 * 60, 7 * 60)  # 19:00–07:00, overnight


# ---- when a tour is due --------------------------------------------------------------------------------


def test_a_tour_without_a_schedule_runs_on_demand() -> None:
    assert tour_due(tour(), None, at(5, 12), TZ).state is TourState.ON_DEMAND


def test_an_interval_tour_is_due_that_long_after_the_last_round_started_and_overdue_after_its_grace() -> None:
    every_2h = tour(every_s=7200)
    assert tour_due(every_2h, None, at(5, 12), TZ).state is TourState.DUE  # never run
    last = at(5, 10)
    not_yet = tour_due(every_2h, last, at(5, 11, 59), TZ)
    assert not_yet.state is TourState.NOT_DUE and not_yet.next_due_at == at(5, 12)
    due = tour_due(every_2h, last, at(5, 12, 14), TZ)
    assert due.state is TourState.DUE and due.due_at == at(5, 12)
    overdue = tour_due(every_2h, last, at(5, 12, 15), TZ)
    assert overdue.state is TourState.OVERDUE and overdue.due_at == at(5, 12)


def test_a_window_tour_is_due_once_per_window_including_overnight() -> None:
    nightly = tour(windows=(NIGHT,))
    outside = tour_due(nightly, None, at(5, 12), TZ)
    assert outside.state is TourState.NOT_DUE and outside.next_due_at == at(5, 19)
    opened = tour_due(nightly, at(4, 23), at(5, 19, 5), TZ)  # last night's round does not count tonight
    assert opened.state is TourState.DUE and opened.due_at == at(5, 19)
    assert tour_due(nightly, at(4, 23), at(5, 19, 15), TZ).state is TourState.OVERDUE
    # After midnight it is still the window that opened at 19:00 the evening before.
    assert tour_due(nightly, at(4, 23), at(6, 3), TZ).due_at == at(5, 19)
    done = tour_due(nightly, at(5, 22), at(6, 3), TZ)
    assert done.state is TourState.NOT_DUE and done.next_due_at == at(6, 19)


def test_windows_on_some_days_only() -> None:
    weekdays_morning = tour(windows=(Window(frozenset({0, 1, 2, 3, 4}), 8 * 60, 9 * 60),))
    friday = tour_due(weekdays_morning, None, at(9, 10), TZ)  # Friday after the window
    assert friday.state is TourState.NOT_DUE and friday.next_due_at == at(12, 8)  # next Monday
    assert tour_due(weekdays_morning, None, at(12, 8, 30), TZ).state is TourState.OVERDUE
    assert tour_due(weekdays_morning, None, at(10, 8, 30), TZ).state is TourState.NOT_DUE  # Saturday


def test_an_interval_inside_windows() -> None:
    hourly_at_night = tour(windows=(NIGHT,), every_s=3600)
    assert tour_due(hourly_at_night, None, at(5, 19, 1), TZ).due_at == at(5, 19)
    after_first = tour_due(hourly_at_night, at(5, 19, 10), at(5, 20), TZ)
    assert after_first.state is TourState.NOT_DUE and after_first.next_due_at == at(5, 20, 10)
    assert tour_due(hourly_at_night, at(5, 19, 10), at(5, 20, 10), TZ).state is TourState.DUE
    # The last round at 06:30: the next would be 07:30, after the window closes: due again at 19:00.
    late = tour_due(hourly_at_night, at(6, 6, 30), at(6, 6, 45), TZ)
    assert late.state is TourState.NOT_DUE and late.next_due_at == at(6, 19)
    # A round from before the window opened does not push the first one of the night back.
    assert tour_due(hourly_at_night, at(5, 18, 50), at(5, 19, 0), TZ).due_at == at(5, 19)


def test_due_tours_lists_the_overdue_first() -> None:
    a = tour(id="a", every_s=3600)
    b = tour(id="b", every_s=3600)
    c = tour(id="c", every_s=3600)
    now = at(5, 12)
    due = due_tours([a, b, c], {"a": at(5, 10, 40), "b": at(5, 11, 30), "c": at(5, 10, 55)}, now, TZ)
    assert [(t.id, d.state) for t, d in due] == [("a", TourState.OVERDUE), ("c", TourState.DUE)]


@given(st.integers(min_value=0, max_value=7 * 24 * 60 - 1), st.integers(min_value=0, max_value=20 * 24 * 60))
def test_an_interval_tour_is_never_due_before_the_interval_has_passed(started: int, later: int) -> None:
    every = tour(every_s=7200)
    last = at(5, 0) + timedelta(minutes=started)
    now = last + timedelta(minutes=later)
    state = tour_due(every, last, now, TZ).state
    assert (state is TourState.NOT_DUE) == (later < 120)
    assert (state is TourState.OVERDUE) == (later >= 135)


# ---- shifts --------------------------------------------------------------------------------------------


def test_shifts_are_the_day_and_night_halves_named_by_the_day_they_start() -> None:
    assert shift_of(at(5, 8), TZ) == PatrolShift(date(2026, 10, 5), Half.DAY)
    assert shift_of(at(5, 19, 59), TZ) == PatrolShift(date(2026, 10, 5), Half.DAY)
    assert shift_of(at(5, 20), TZ) == PatrolShift(date(2026, 10, 5), Half.NIGHT)
    assert shift_of(at(6, 7, 59), TZ).label == "2026-10-05 night"
    assert shift_of(at(6, 0, 30).astimezone(ZoneInfo("UTC")), TZ).label == "2026-10-05 night"
    night = PatrolShift(date(2026, 10, 5), Half.NIGHT)
    assert (night.start(TZ), night.end(TZ)) == (at(5, 20), at(6, 8))
    assert [s.label for s in shifts_starting(date(2026, 10, 5), date(2026, 10, 6))] == [
        "2026-10-05 day",
        "2026-10-05 night",
        "2026-10-06 day",
        "2026-10-06 night",
    ]


# ---- views and rounds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("camera", "outcome", "note", "incident", "warnings", "expected"),
    [
        ("cam-a", Outcome.CHECKED, "", None, (), None),
        ("cam-a", Outcome.CHECKED, "looks fine", None, (), None),
        ("cam-x", Outcome.CHECKED, "", None, (), "not on this tour"),
        ("cam-a", Outcome.OBSERVATION, "  ", None, (), "needs a note"),
        ("cam-a", Outcome.OBSERVATION, "a van parked at the gate", None, (), None),
        ("cam-a", Outcome.WARNING_ISSUED, "", None, (), "warning_ids"),
        ("cam-a", Outcome.WARNING_ISSUED, "", None, (4, 5), None),
        ("cam-a", Outcome.WARNING_ISSUED, "", None, (4, 4), "must not repeat"),
        ("cam-a", Outcome.INCIDENT_OPENED, "", None, (), "incident_id"),
        ("cam-a", Outcome.INCIDENT_OPENED, "", 7, (), None),
        ("cam-a", Outcome.CHECKED, "", 7, (), "no incident or warning"),
        ("cam-a", Outcome.CHECKED, "x" * 2001, None, (), "at most 2000"),
    ],
)
def test_what_each_outcome_must_carry(
    camera: str, outcome: Outcome, note: str, incident: int | None, warnings: tuple[int, ...], expected: str | None
) -> None:
    problem = view_problem(CAMERAS, camera, outcome, note, incident, warnings)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def test_a_round_summary_lists_cameras_viewed_and_missed_in_tour_order() -> None:
    summary = summarize(
        CAMERAS, [("cam-c", Outcome.CHECKED), ("cam-a", Outcome.OBSERVATION), ("cam-c", Outcome.WARNING_ISSUED)]
    )
    assert summary.views == 3 and summary.cameras == 3
    assert summary.cameras_viewed == ("cam-a", "cam-c") and summary.cameras_missed == ("cam-b",)
    assert summary.by_outcome == {"checked": 1, "observation": 1, "warning_issued": 1, "incident_opened": 0}


# ---- the district file ---------------------------------------------------------------------------------


def district_with(tours: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    raw = synthetic_district(sites=3, **options)
    raw["sites"][0]["devices"][-2]["camera"] = {"stream": "http://127.0.0.1:1/mjpeg"}
    raw["patrol_tours"] = tours
    return raw


def test_tours_are_read_into_the_domain() -> None:
    raw = district_with(
        [
            {"id": "round", "name": "全辖区巡查", "cameras": ["cam-00", "cam-01"], "every": "1h30m"},
            {
                "id": "night",
                "name": "夜巡",
                "name_en": "Night",
                "cameras": ["cam-02"],
                "dwell_s": 30,
                "schedule": [{"days": ["mon", "fri"], "from": "22:00", "to": "06:00"}],
                "grace_s": 600,
            },
        ]
    )
    district = parse_district(raw)
    first, second = district.patrol_tours
    assert (first.id, first.cameras, first.every_s, first.windows, first.dwell_s) == (
        "round",
        ("cam-00", "cam-01"),
        5400,
        (),
        20,
    )
    assert first.name_en == "全辖区巡查"  # the name when there is no English one
    assert second.windows == (Window(frozenset({0, 4}), 22 * 60, 6 * 60),)
    assert (second.every_s, second.grace_s, second.name_en) == (None, 600, "Night")
    assert district.devices["cam-00"].stream == "http://127.0.0.1:1/mjpeg"
    assert district.devices["cam-01"].stream == ""


@pytest.mark.parametrize(
    ("tours", "message"),
    [
        ([{"id": "t", "name": "x", "cameras": ["cam-09"]}], "patrol_tours[0].cameras[0]: unknown device 'cam-09'"),
        ([{"id": "t", "name": "x", "cameras": ["spk-00"]}], "'spk-00' is a speaker, not a camera"),
        ([{"id": "t", "name": "x", "cameras": ["cam-00", "cam-00"]}], "on the tour more than once"),
        (
            [{"id": "t", "name": "x", "cameras": ["cam-00"]}, {"id": "t", "name": "y", "cameras": ["cam-01"]}],
            "patrol_tours[1].id: 't' is used more than once",
        ),
        ([{"id": "t", "name": "x", "cameras": []}], "patrol_tours[0].cameras"),
        ([{"id": "t", "name": "x", "cameras": ["cam-00"], "dwell_s": 1}], "patrol_tours[0].dwell_s"),
        ([{"id": "t", "name": "x", "cameras": ["cam-00"], "every": "2 hours"}], "patrol_tours[0].every"),
        ([{"id": "t", "name": "x", "cameras": ["cam-00"], "every": "1m"}], "from 5 minutes to 7 days"),
        (
            [{"id": "t", "name": "x", "cameras": ["cam-00"], "schedule": [{"from": "25:00", "to": "06:00"}]}],
            "patrol_tours[0].schedule[0].from",
        ),
        ([{"id": "t", "name": "x", "cameras": ["cam-00"], "dwell": 20}], "patrol_tours[0].dwell"),
    ],
)
def test_bad_tours_are_refused_naming_the_key(tours: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_district(district_with(tours))
    assert any(message in problem for problem in refused.value.problems), refused.value.problems


def test_intervals() -> None:
    assert every_seconds("2h") == 7200 and every_seconds("30m") == 1800 and every_seconds("1h30m") == 5400
    for bad in ("", "h", "2", "90s", "-1h", "200h"):
        with pytest.raises(ValueError):
            every_seconds(bad)


def test_the_demo_district_has_a_tour_over_its_cameras() -> None:
    from hub.config import load_district

    district = load_district("config/demo-district.yaml")
    streamed = {d.id for d in district.devices.values() if d.stream.startswith("http")}
    on_tours = {c for t in district.patrol_tours for c in t.cameras}
    assert streamed <= on_tours
    assert any(not district.devices[c].stream for c in on_tours)  # a camera with no live view is fine


# ---- MJPEG -----------------------------------------------------------------------------------------------


def jpeg(n: int) -> bytes:
    return b"\xff\xd8" + bytes([n]) * (100 + n) + b"\xff\xd9"


def part(data: bytes, boundary: str = "frame", length: bool = True, newline: bytes = b"\r\n") -> bytes:
    head = [f"--{boundary}".encode(), b"Content-Type: image/jpeg"]
    if length:
        head.append(f"Content-Length: {len(data)}".encode())
    return newline.join(head) + newline + newline + data + newline


@pytest.mark.parametrize("length", [True, False])
@pytest.mark.parametrize("newline", [b"\r\n", b"\n"])
def test_the_parser_splits_a_stream_into_frames_whatever_the_chunks(length: bool, newline: bytes) -> None:
    frames = [jpeg(n) for n in range(5)]
    stream = b"".join(part(f, length=length, newline=newline) for f in frames) + part(jpeg(9), newline=newline)
    for size in (1, 7, 64, len(stream)):
        parser = MjpegParser("frame")
        found: list[bytes] = []
        for i in range(0, len(stream), size):
            found += parser.feed(stream[i : i + size])
        expected = [*frames, jpeg(9)] if length else frames  # without a length, a frame ends at the next boundary
        assert found[: len(expected)] == expected


def test_the_parser_takes_boundaries_with_or_without_dashes_and_skips_parts_that_are_not_jpeg() -> None:
    parser = MjpegParser("--myboundary")
    text = part(b"hello", boundary="myboundary")
    assert parser.feed(text + part(jpeg(1), boundary="myboundary")) == [jpeg(1)]
    assert boundary_of('multipart/x-mixed-replace; boundary="frame"') == "frame"
    assert boundary_of("multipart/x-mixed-replace;boundary=--abc") == "--abc"
    assert boundary_of("image/jpeg") is None


def test_the_parser_refuses_a_frame_larger_than_its_limit() -> None:
    parser = MjpegParser("frame", max_frame_bytes=1000)
    with pytest.raises(MjpegError):
        parser.feed(part(b"\xff\xd8" + b"x" * 5000))
    endless = MjpegParser("frame", max_frame_bytes=1000)
    with pytest.raises(MjpegError):
        endless.feed(part(jpeg(1), length=False)[:-2] + b"\xff" * 20_000)


def test_stream_kinds() -> None:
    assert stream_kind("http://cam/mjpeg") == "mjpeg" and stream_kind("HTTPS://cam/x") == "mjpeg"
    assert stream_kind("rtsp://user:pw@cam/1") == "rtsp"
    assert stream_kind("footage/plaza.avi") == "file" and stream_kind("file:///x.avi") == "file"
    assert stream_kind("") == "none"
