"""Synthetic history for the reports' tests and benchmark: incidents with known clocks, dispatches,
dispositions, loudspeaker warnings, button test presses, device outages and (on request) patrol rounds of
the district's tours with their logged views, written straight into
the hub's tables (COPY and bulk INSERT), so a year for a 50-site district takes seconds.

Everything is drawn from a seeded `random.Random`, and every generated row is kept as a plain Python
object, so a test can compute what a report must say without asking the database.
"""

from simulators.history.generate import DESK_SEATS, generate, patrol_rounds
from simulators.history.model import GenDispatch, GenEvent, GenIncident, GenWarning, History
from simulators.history.write import write

__all__ = [
    "DESK_SEATS",
    "GenDispatch",
    "GenEvent",
    "GenIncident",
    "GenWarning",
    "History",
    "generate",
    "patrol_rounds",
    "write",
]
