"""The resend rule: end-to-end confirmation of button events (a backward-compatible addition).

A broker confirms a QoS 1 publish (PUBACK) from memory and saves to disk now and then, so a broker
crash can lose presses it had already confirmed. A PUBACK therefore does not end a button's duty:

* A button keeps each event of the types in `CONFIRMED_BUTTON_EVENTS` (panic, duress, test, cancel)
  until the hub's feedback for its `event_id` arrives on the button's feedback topic: `received`, or
  any later state (which implies it). Until then it resends the same payload (same `event_id`, same
  content, byte for byte or at least field for field) after `RESEND_RULE.delay_s(n)` seconds for the
  n-th resend: 2, 4, 8, 16, 30, 30… s; and at once after it reconnects to the broker. It gives up
  `give_up_after_s` (1 h) after the press, well inside the hub's `max_event_age_s` (24 h by default),
  past which the hub refuses the event as too old; a button should then show the guard that the alarm
  was not confirmed.
* The hub answers every arrival of such an event with `received`: a new one, and a plain resend of
  one it already stored, since that feedback may have been lost with the broker too.
* A resend is safe, the hub stores a `(device, event_id)` once (a duplicate joins nothing and opens
  nothing), but only if the content is the same: the same id with other content (type, time, `seq`,
  `battery`, any field) is refused as `event_id_reused`, dead-lettered and not confirmed.

Devices that do not follow the rule work as before; tamper and low-battery reports get no feedback,
so they are not resent (the next report or the device's status says the same).
"""

from __future__ import annotations

from dataclasses import dataclass

from devices.contract.payloads import ButtonEventType

# The button events the hub answers with `received` (and so the ones a button resends until it does).
CONFIRMED_BUTTON_EVENTS = frozenset(
    {ButtonEventType.PANIC, ButtonEventType.DURESS, ButtonEventType.TEST, ButtonEventType.CANCEL}
)


@dataclass(frozen=True, slots=True)
class ResendRule:
    """Exponential backoff with a ceiling, bounded in time."""

    first_after_s: float = 2.0  # the hub's `received` normally arrives within a second
    factor: float = 2.0
    max_interval_s: float = 30.0
    give_up_after_s: float = 3600.0

    def delay_s(self, resends: int) -> float:
        """Seconds to wait for the feedback after the original (resends=0) or the n-th resend."""
        return min(self.first_after_s * self.factor**resends, self.max_interval_s)


RESEND_RULE = ResendRule()
