"""Private, throw-away service instances (Mosquitto, PostgreSQL) for `sentinel demo` and the tests.

They run from the Debian binaries on free loopback ports, never touching a system-wide broker or cluster.
"""

from sentinel_dev.services.mosquitto import PrivateMosquitto
from sentinel_dev.services.ports import free_port
from sentinel_dev.services.postgres import PrivatePostgres

__all__ = ["PrivateMosquitto", "PrivatePostgres", "free_port"]
