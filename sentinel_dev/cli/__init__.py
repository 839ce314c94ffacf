"""The dev commands of `sentinel` (demo, simulate, bench, scenario), added to the hub's CLI through the
`sentinel.commands` entry point (pyproject.toml), so that the hub package never imports them."""

from __future__ import annotations

from hub.cli.common import Commands
from sentinel_dev.cli import bench, demo, scenario, simulate


def register(commands: Commands) -> None:
    for group in (demo, simulate, bench, scenario):
        group.register(commands)
