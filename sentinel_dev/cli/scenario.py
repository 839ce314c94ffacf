"""`sentinel scenario run`: play a scripted night against a hub (or a private one) and report."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

from hub.cli.common import Commands, demo_mqtt_url, settings_of


def register(commands: Commands) -> None:
    scenario = commands.add_parser("scenario", help="rehearse a night: scripted scenarios").add_subparsers(
        metavar="ACTION"
    )
    scenario_run = scenario.add_parser(
        "run", help="play a scenario file against a hub (or a private one) and report what passed and failed"
    )
    scenario_run.add_argument("file", type=Path, help="a scenario file, e.g. scenarios/night-intrusion-school.yaml")
    scenario_run.add_argument(
        "--hub", metavar="URL", help="a running hub's HTTP address (default: start a private one)"
    )
    scenario_run.add_argument("--mqtt", metavar="URL", help="--hub: a broker account that may speak for every device")
    scenario_run.add_argument("--token", help="--hub: a duty API token (default SENTINEL_TOKEN)")
    scenario_run.add_argument("--supervisor-token", help="--hub: a supervisor token, for report expectations")
    scenario_run.add_argument("--dc09", metavar="HOST:PORT", help="--hub: the hub's DC-09 receiver (TCP), for panels")
    scenario_run.add_argument("--json", type=Path, metavar="OUT", help="also write the report as JSON")
    scenario_run.set_defaults(handler=_scenario_run)


def _scenario_run(args: argparse.Namespace) -> int:
    from simulators.scenario.model import ScenarioError, load_scenario
    from simulators.scenario.runner import Report, Target, run_scenario

    try:
        scenario = load_scenario(args.file)
    except ScenarioError as exc:
        print(f"invalid scenario:\n{exc}", file=sys.stderr)
        return 2
    settings = settings_of(args)
    live = sys.stderr.isatty()

    def progress(line: str) -> None:
        print(f"\r\033[K{line}" if live else line, end="" if live else "\n", file=sys.stderr, flush=True)

    async def against_running_hub() -> Report:
        token = args.token or os.environ.get("SENTINEL_TOKEN")
        mqtt_url = args.mqtt or settings.mqtt_url or demo_mqtt_url(settings)
        if not token:
            raise SystemExit("--hub needs a duty API token: --token or SENTINEL_TOKEN (sentinel token create)")
        dc09 = None
        if args.dc09:
            host, _, port = args.dc09.rpartition(":")
            dc09 = (host or "127.0.0.1", int(port))
        target = Target(args.hub, mqtt_url, token, args.supervisor_token, settings.topic_prefix, dc09)
        return await run_scenario(scenario, target, progress)

    async def against_private_hub() -> Report:
        from hub.logging import configure_logging
        from sentinel_dev.private_hub import private_hub

        configure_logging("warning")
        district = scenario.district or settings.district_file
        progress(f"starting a private hub (Mosquitto, PostgreSQL) with {district}")
        async with private_hub(Path(district)) as target:
            return await run_scenario(scenario, target, progress)

    report = asyncio.run(against_running_hub() if args.hub else against_private_hub())
    if live:
        print(file=sys.stderr)
    print(report.render())
    if args.json:
        args.json.write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=1), "utf-8")
    return 0 if report.passed else 1
