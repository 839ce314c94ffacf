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
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser(argv)
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


def _parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentinel", description="Sentinel hub: one-button alarms and video patrol for police stations."
    )
    parser.add_argument("--version", action="version", version=f"sentinel {__version__}")
    parser.add_argument("--settings", type=Path, help="YAML settings file (SENTINEL_* variables override it)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in (service, accounts, report, broker):
        group.register(commands)
    # Plugins are loaded only for a command that is not the hub's own: `run` does not pay for importing
    # the simulators and benchmarks (hub start is part of how fast a backlog drains).
    if _command_of(argv) not in commands.choices:
        for plugin in sorted(entry_points(group=PLUGIN_GROUP), key=lambda p: p.name):
            plugin.load()(commands)
    return parser


def _command_of(argv: Sequence[str]) -> str | None:
    """The command named on the line: the first word that is neither an option nor --settings' value."""
    words = iter(argv)
    for word in words:
        if word == "--settings":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None
