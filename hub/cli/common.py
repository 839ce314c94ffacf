"""What the `sentinel` commands share: settings, the actor they audit as, and where to find a running demo's
broker and database when no URL is configured (the demo publishes them in DATA_DIR/demo.json)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TypeAlias

from hub.config import Settings, load_district, load_settings

Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

DEMO_STATE_FILE = "demo.json"


def settings_of(args: argparse.Namespace, http: str | None = None) -> Settings:
    return load_settings(args.settings, http=http)


def running_demo(data_dir: Path, key: str) -> str | None:
    """A value the running `sentinel demo` published in DATA_DIR/demo.json (None without a demo)."""
    try:
        value = json.loads((data_dir / DEMO_STATE_FILE).read_text())[key]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(value) if value else None


def database_url(settings: Settings) -> str:
    """SENTINEL_DATABASE_URL, or the database of a running `sentinel demo`."""
    url = settings.database_url or running_demo(settings.data_dir, "database_url")
    if not url:
        raise SystemExit("no database: set SENTINEL_DATABASE_URL or start `sentinel demo` first")
    return url


def demo_mqtt_url(settings: Settings) -> str:
    """The broker a running `sentinel demo` started, if any."""
    url = running_demo(settings.data_dir, "mqtt_url")
    if url is None:
        raise SystemExit("no broker: set SENTINEL_MQTT_URL or start `sentinel demo` first")
    return url


def officer_known(settings: Settings, officer_id: str | None) -> bool:
    if officer_id is None:
        return True
    district = load_district(settings.district_file)
    if officer_id not in district.officers:
        print(f"unknown officer {officer_id!r} in {settings.district_file}", file=sys.stderr)
        return False
    return True


def cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
