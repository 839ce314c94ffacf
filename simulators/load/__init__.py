"""`sentinel simulate load`: thousands of devices against a hub, at configured rates.

Each device sends its status (heartbeat) every period, buttons press and cameras report at district-wide
rates (evenly spaced, each from a device drawn at random), and presses follow the contract's resend rule
(`devices.contract.resend`): kept until the hub's `received`, resent at 2, 4, 8, 16, 30… s and at once
after a reconnect, given up after the rule's bound.

How devices reach the broker, as load tools do it (one MQTT connection per device costs a socket and a
few tens of KB on both sides, so the two ways differ):

* **multiplexed** (default): the devices share a few connections (`per_connection` devices each) of a
  lab account that may speak for every device, on the lab listener (no `use_username_as_clientid`).
  Cheap; the broker and the hub see the same topics and payloads, not the same number of sessions.
* **per device** (`credentials` given): every device has its own connection with its own account from
  `sentinel broker creds` (on a listener with `use_username_as_clientid` the client id is the account),
  so the broker checks each device's password and ACL as in the field.

Either way no thread per connection: a few worker threads each drive their share of the paho clients
from one selector (paho's external-loop API: `loop_read`, `loop_write`, `loop_misc`), and everything
of a connection (callbacks, publishes, counters) happens on its worker's thread.
"""

from simulators.load.options import LoadDevice, LoadOptions
from simulators.load.run import LoadResult, run_load

__all__ = ["LoadDevice", "LoadOptions", "LoadResult", "run_load"]
