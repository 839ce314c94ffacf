"""`sentinel run`, `db migrate`, `config check` and `camera-agent`: running the hub and its parts."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from hub.cli.common import Commands, demo_mqtt_url, settings_of
from hub.config import load_district


def register(commands: Commands) -> None:
    run = commands.add_parser("run", help="run the hub against the configured broker and database")
    run.set_defaults(handler=_run)

    routine = commands.add_parser("routine", help="the hub's routine lane process (`sentinel run` starts it)")
    routine.set_defaults(handler=_routine)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(metavar="ACTION")
    migrate = db.add_parser("migrate", help="apply pending SQL migrations to SENTINEL_DATABASE_URL")
    migrate.set_defaults(handler=_db_migrate)

    config = commands.add_parser("config", help="district configuration").add_subparsers(metavar="ACTION")
    check = config.add_parser("check", help="validate a district file, naming the file and key of every error")
    check.add_argument("file", nargs="?", type=Path, help="district file (default: SENTINEL_CONFIG or the demo)")
    check.set_defaults(handler=_config_check)

    agent = commands.add_parser(
        "camera-agent", help="run camera analytics and publish events as a smart camera would (hub host or edge box)"
    )
    agent.add_argument("--camera", action="append", help="camera device id (repeatable; default: every camera)")
    agent.add_argument("--media-dir", type=Path, help="snapshots and clips (default: DATA_DIR/media)")
    agent.add_argument("--http", default="127.0.0.1:8091", help="HOST:PORT of the agent's media server")
    agent.add_argument("--public-url", help="how the hub reaches the media server (default http://HOST:PORT)")
    agent.add_argument("--workers", type=int, default=2, help="analysis processes")
    agent.add_argument("--retention-days", type=float, default=14.0)
    agent.add_argument("--retention-gb", type=float, default=20.0)
    agent.add_argument("--pre-s", type=float, default=4.0, help="seconds of video kept before an event")
    agent.add_argument("--post-s", type=float, default=4.0, help="seconds of video after an event")
    agent.set_defaults(handler=_camera_agent)


def _run(args: argparse.Namespace) -> int:
    from hub.app import Hub, run_until_signalled
    from hub.logging import configure_logging

    settings = settings_of(args)
    configure_logging(settings.log_level)
    if not settings.mqtt_url or not settings.database_url:
        print(
            "sentinel run needs SENTINEL_MQTT_URL and SENTINEL_DATABASE_URL (or try `sentinel demo`)", file=sys.stderr
        )
        return 2
    hub = Hub(settings, load_district(settings.district_file))
    run_until_signalled(hub.run())
    return 0


def _routine(_args: argparse.Namespace) -> int:
    from hub.routine import run_routine

    run_routine()
    return 0


def _db_migrate(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.schema import migrate

    settings = settings_of(args)
    if not settings.database_url:
        print("set SENTINEL_DATABASE_URL (postgresql://…)", file=sys.stderr)
        return 2
    applied = asyncio.run(migrate(settings.database_url))
    print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date")
    return 0


def _config_check(args: argparse.Namespace) -> int:
    path = args.file or settings_of(args).district_file
    district = load_district(path)
    buttons = sum(1 for d in district.devices.values() if d.kind == "button")
    print(
        f"{path}: OK — district {district.id}: {len(district.sites)} sites, {len(district.devices)} devices "
        f"({buttons} buttons), {len(district.grids)} grids, {len(district.officers)} officers, "
        f"{len(district.shifts)} roster shifts, {len(district.patrol_tours)} patrol tours"
    )
    for gap in district.roster_gaps():
        print(f"{path}: warning: roster gap — {gap.describe()}")
    return 0


def _camera_agent(args: argparse.Namespace) -> int:
    from hub.adapters.camera.agent import AgentOptions, run_agent

    settings = settings_of(args)
    host, _, port = args.http.rpartition(":")
    return run_agent(
        AgentOptions(
            district_file=settings.district_file,
            mqtt_url=settings.mqtt_url or demo_mqtt_url(settings),
            topic_prefix=settings.topic_prefix,
            cameras=tuple(args.camera or ()),
            media_dir=args.media_dir or settings.data_dir / "media",
            http_host=host,
            http_port=int(port),
            public_url=args.public_url,
            workers=args.workers,
            retention_days=args.retention_days,
            retention_gb=args.retention_gb,
            pre_s=args.pre_s,
            post_s=args.post_s,
            log_level=settings.log_level,
        )
    )
