"""`sentinel simulate load`'s figures: per-second rows of the live table and the verdict on the rates."""

from __future__ import annotations

from simulators.load.stats import Counts, Rates, row, summary, total, unacked, verdicts


def counts(status: tuple[int, int, int], press: tuple[int, int, int], confirmed: int = 0) -> Counts:
    c = Counts()
    c.status.sent, c.status.acked, c.status.failed = status
    c.press.sent, c.press.acked, c.press.failed = press
    c.confirmed = confirmed
    return c


def test_workers_counters_add_up() -> None:
    one, two = counts((10, 9, 1), (2, 2, 0), confirmed=1), counts((5, 5, 0), (1, 0, 0), confirmed=1)
    two.confirm_ms.append(12.0)
    summed = total([one, two])
    assert (summed.status.sent, summed.status.acked, summed.status.failed) == (15, 14, 1)
    assert (summed.press.sent, summed.confirmed, summed.confirm_ms) == (3, 2, [12.0])
    assert unacked(summed) == 1  # one press without its PUBACK yet


def test_a_row_shows_rates_per_second_over_its_window() -> None:
    before = counts((1000, 1000, 0), (10, 10, 0), confirmed=10)
    now = counts((7670, 7660, 0), (30, 30, 0), confirmed=30)
    now.confirm_ms.extend([20.0, 30.0, 40.0])
    line = row(before, now, window_s=10.0, elapsed_s=20.0, duration_s=300.0)
    assert "667/666/0" in line and "2/2/2.0/0" in line and line.rstrip().endswith("30")
    assert line.startswith("[#")


def test_rates_are_held_only_when_sent_and_acked_reach_the_configuration_and_nothing_failed() -> None:
    rates = Rates(status=100.0, press=2.0, camera=0.0)
    good = counts((30_000, 30_000, 0), (600, 600, 0), confirmed=600)
    assert all(v.held for v in verdicts(good, rates, elapsed_s=300.0))
    slow = counts((27_000, 27_000, 0), (600, 600, 0), confirmed=600)  # 90/s of 100/s
    assert [v.stream for v in verdicts(slow, rates, 300.0) if not v.held] == ["status"]
    failing = counts((30_000, 29_999, 1), (600, 600, 0), confirmed=600)
    assert [v.stream for v in verdicts(failing, rates, 300.0) if not v.held] == ["status"]


def test_the_summary_tells_rates_held_apart_from_the_hub_keeping_up() -> None:
    rates = Rates(status=100.0, press=2.0, camera=0.0)
    behind = counts((30_000, 30_000, 0), (600, 600, 0), confirmed=114)
    text, ok = summary(behind, rates, 300.0, devices=10_000, connections=40)
    assert not ok
    assert "rates held (sent and acknowledged by the broker, nothing failed): yes" in text
    assert "hub kept up (every press confirmed by the end): NO" in text
    assert "114 confirmed by the hub, 486 unconfirmed" in text
    _, ok = summary(counts((30_000, 30_000, 0), (600, 600, 0), confirmed=600), rates, 300.0, 10_000, 40)
    assert ok
