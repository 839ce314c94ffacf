"""The routine lane holds back while the alarm lane has an alarm in hand (hub.services.lanes), never
for longer than its bound."""

from __future__ import annotations

import asyncio
import time

from hub.services.lanes import AlarmRightOfWay


async def test_the_routine_lane_goes_on_at_once_when_no_alarm_is_in_hand() -> None:
    lanes = AlarmRightOfWay(max_hold_s=5.0)
    await asyncio.wait_for(lanes.routine_turn(), 0.5)


async def test_the_routine_lane_waits_for_an_alarm_in_hand_to_be_committed() -> None:
    lanes = AlarmRightOfWay(max_hold_s=5.0)
    lanes.alarm_taken()
    turn = asyncio.create_task(lanes.routine_turn())
    await asyncio.sleep(0.05)
    assert not turn.done(), "routine work started while an alarm was in hand"
    lanes.alarms_done()
    await asyncio.wait_for(turn, 0.5)


async def test_a_flood_of_alarms_slows_the_routine_lane_but_never_stops_it() -> None:
    lanes = AlarmRightOfWay(max_hold_s=0.05)
    lanes.alarm_taken()  # and never done
    started = time.monotonic()
    for _ in range(3):
        await asyncio.wait_for(lanes.routine_turn(), 2.0)
    assert time.monotonic() - started >= 0.15


async def test_the_routine_lane_waits_until_every_alarm_lane_has_committed_its_alarms() -> None:
    lanes = AlarmRightOfWay(max_hold_s=5.0)
    lanes.alarm_taken("main process")
    lanes.alarm_taken("camera tamper")
    lanes.alarms_done("main process")
    turn = asyncio.create_task(lanes.routine_turn())
    await asyncio.sleep(0.05)
    assert not turn.done(), "routine work started while the camera lane still had an alarm in hand"
    lanes.alarms_done("camera tamper")
    await asyncio.wait_for(turn, 0.5)


def test_an_observer_hears_when_alarms_come_to_be_held_and_when_none_are_left() -> None:
    heard: list[bool] = []
    lanes = AlarmRightOfWay()
    lanes.observe(heard.append)
    lanes.alarm_taken()
    lanes.alarm_taken()  # still held: nothing new to tell
    lanes.alarms_done()
    lanes.alarms_done()
    assert heard == [True, False]
