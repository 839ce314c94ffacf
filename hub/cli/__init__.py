"""The `sentinel` command (also `python -m hub`): the hub's command groups, then the commands that installed
plugins add through the `sentinel.commands` entry point group (the project's own: `sentinel_dev.cli`, the demo,
simulators, benchmarks and scenarios; the hub never imports them)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from hub import __version__
from hub.cli import accounts, broker, report, service
from hub.config import ConfigError

PLUGIN_GROUP = "sentinel.commands"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"configuration error:\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentinel", description="Sentinel hub: one-button alarms and video patrol for police stations."
    )
    parser.add_argument("--version", action="version", version=f"sentinel {__version__}")
    parser.add_argument("--settings", type=Path, help="YAML settings file (SENTINEL_* variables override it)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in (service, accounts, report, broker):
        group.register(commands)
    for plugin in sorted(entry_points(group=PLUGIN_GROUP), key=lambda p: p.name):
        plugin.load()(commands)
    return parser
