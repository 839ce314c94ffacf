"""What an incident change costs the live stream before it leaves for the consoles: from the incident a writer
has just committed to the text each console's socket is given, for N consoles (`python -m benchmarks.stream_push`).

Measured: the view (`incident_view`, validated) made into one Frame whose text every console sends. Baselines
in the same run: the same view serialised by each console (what a per-client `send_json` costs), and a plain
dict (no model) serialised by each console, as the stream was before the views. Medians of `--repeats` runs of
`--messages` changes each, in microseconds per change (the variants interleaved); no database or socket is
involved (the part measured is pure CPU).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import asyncpg

from hub.adapters.postgres.incidents import INCIDENT_FIELDS
from hub.adapters.postgres.queries import PostgresIncidentQueries
from hub.config import load_district
from hub.domain.incidents import Incident, IncidentState, Priority
from hub.services.changes import Frame
from hub.services.views.changes import IncidentChange, frame
from simulators.districts import write_district


def _incident() -> Incident:
    now = datetime.now(UTC)
    return Incident(7, "site-01", "panic", Priority(1), IncidentState.NEW, now, now, 1, changed_at=now)


def _plain_dict(incident: Incident, names: dict[str, str]) -> dict[str, Any]:
    """The change as a dict with no model: the stream's shape before the views."""
    values: dict[str, Any] = {"id": incident.id, **{f: getattr(incident, f) for f in INCIDENT_FIELDS}}
    values["priority"] = int(incident.priority)
    values["state"] = incident.state.value
    plain = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
    return {"type": "incident", "incident": {**plain, **names}}


def _per_change_us(push: Callable[[], None], messages: int) -> float:
    started = time.perf_counter()
    for _ in range(messages):
        push()
    return (time.perf_counter() - started) / messages * 1e6


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # as the stream writes JSON


def _pushes(
    consoles: int, queries: PostgresIncidentQueries, incident: Incident, names: dict[str, str]
) -> dict[str, Callable[[], None]]:
    def once() -> None:
        made: Frame = frame(IncidentChange(incident=queries.incident_view(incident)))
        for _ in range(consoles):
            assert made.text

    def view_per_console() -> None:
        change = IncidentChange(incident=queries.incident_view(incident)).dump()
        for _ in range(consoles):
            _dumps(change)

    def dict_per_console() -> None:
        change = _plain_dict(incident, names)
        for _ in range(consoles):
            _dumps(change)

    return {
        "view, one frame for all": once,
        "view, serialised per console": view_per_console,
        "dict, serialised per console (before)": dict_per_console,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--consoles", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        district = load_district(write_district(Path(tmp) / "district.yaml"))
    queries = PostgresIncidentQueries(cast(asyncpg.Pool, None), district)  # incident_view reads no pool
    incident = _incident()
    site = district.sites["site-01"]
    names = {"site_name": site.name, "site_name_en": site.name_en}

    for consoles in args.consoles:
        pushes = _pushes(consoles, queries, incident, names)
        runs: dict[str, list[float]] = {name: [] for name in pushes}
        for _ in range(args.repeats):  # interleaved, so that the machine's load falls on each alike
            for name, push in pushes.items():
                runs[name].append(_per_change_us(push, args.messages))
        for name, us in ((name, statistics.median(times)) for name, times in runs.items()):
            print(f"{consoles:3d} consoles  {name:40s} {us:8.1f} µs/change")


if __name__ == "__main__":
    main()
