"""`sentinel demo`: the hub with private services, the demo district and simulators; `demo info`."""

from __future__ import annotations

import argparse
import sys

from hub.cli.common import DEMO_STATE_FILE, Commands, settings_of


def register(commands: Commands) -> None:
    demo = commands.add_parser(
        "demo", help="run the hub with private Mosquitto and PostgreSQL (unless URLs are set) and simulators"
    )
    demo.add_argument("action", nargs="?", choices=["info"], help="info: print the running demo's banner again")
    demo.add_argument("--http", help="HOST:PORT for the console (default 127.0.0.1:8080)")
    demo.add_argument("--press-every", type=float, default=90.0, help="mean seconds between simulated presses")
    demo.add_argument("--no-simulators", action="store_true", help="start no simulated devices")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from sentinel_dev.demo import run_demo

    settings = settings_of(args, http=args.http)
    if args.action == "info":
        from sentinel_dev.demo_banner import saved_banner

        banner = saved_banner(settings.data_dir / DEMO_STATE_FILE)
        if banner is None:
            print(f"no demo is running with data in {settings.data_dir} (start one with ./dev demo)", file=sys.stderr)
            return 1
        print(banner)
        return 0
    return run_demo(settings, press_every_s=args.press_every, simulators=not args.no_simulators)
