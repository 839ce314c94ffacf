"""Private, throw-away service instances (Mosquitto, PostgreSQL) for `sentinel demo` and the tests.

They run from the Debian binaries on free loopback ports, never touching a system-wide broker or cluster.
"""

from hub.adapters.local.mosquitto import PrivateMosquitto
from hub.adapters.local.ports import free_port
from hub.adapters.local.postgres import PrivatePostgres

__all__ = ["PrivateMosquitto", "PrivatePostgres", "free_port"]
