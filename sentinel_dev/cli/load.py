"""`sentinel simulate load`: thousands of devices at configured rates, with a live table."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hub.cli.common import Commands, demo_mqtt_url, settings_of
from hub.config import load_district


def register(simulate: Commands) -> None:
    load = simulate.add_parser(
        "load",
        help="thousands of devices at configured rates (heartbeats, presses, camera events) with a live table",
    )
    load.add_argument("--devices", type=int, default=10_000, help="how many of the district's devices (default 10000)")
    load.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (default: at Ctrl-C)")
    load.add_argument("--press-rate", type=float, default=2.0, help="presses per second over all buttons")
    load.add_argument("--camera-rate", type=float, default=1.0, help="camera events per second over all cameras")
    load.add_argument("--press-type", default="panic", choices=["panic", "duress", "test"], help="what the presses are")
    load.add_argument(
        "--heartbeat",
        type=float,
        metavar="S",
        help="status every S seconds (default: half of each device's report_interval_s in the district)",
    )
    load.add_argument(
        "--per-device",
        action="store_true",
        help="one connection and broker account per device (the running demo's device listener and passwords)",
    )
    load.add_argument("--credentials", type=Path, help="per device: credentials.json from `sentinel broker creds`")
    load.add_argument("--mqtt", metavar="URL", help="the broker (default: SENTINEL_MQTT_URL or the running demo's)")
    load.add_argument("--per-connection", type=int, default=250, help="devices per shared connection (default 250)")
    load.add_argument("--workers", type=int, default=2, help="threads driving the connections")
    load.add_argument("--drain", type=float, default=30.0, metavar="S", help="after the stop, wait for confirmations")
    load.add_argument(
        "--every", type=float, metavar="S", help="seconds per table row (default 1, or 10 off a terminal)"
    )
    load.add_argument(
        "--write-district",
        type=Path,
        metavar="FILE",
        help="write a synthetic district with --devices devices (3 buttons, a camera, a speaker per site) and exit",
    )
    load.add_argument(
        "--report-interval", type=int, default=30, help="--write-district: each device's report_interval_s"
    )
    load.set_defaults(handler=_simulate_load)


def _simulate_load(args: argparse.Namespace) -> int:
    from devices.contract import Topics
    from hub.adapters.mqtt.credentials import load_credentials
    from simulators.load import LoadDevice, LoadOptions, run_load

    settings = settings_of(args)
    if args.write_district:
        from simulators.districts import write_district

        sites = -(-args.devices // 5)
        interval = args.report_interval
        write_district(
            args.write_district, sites=sites, buttons_per_site=3, camera_interval_s=interval,
            button_interval_s=interval, speaker_interval_s=interval,
        )  # fmt: skip
        print(
            f"{args.write_district}: {sites} sites, {sites * 5} devices reporting every {interval} s; run the hub "
            f"with it, e.g. SENTINEL_CONFIG={args.write_district} ./dev sentinel demo --no-simulators"
        )
        return 0
    district = load_district(settings.district_file)
    mqtt_devices = [d for d in district.devices.values() if d.kind in ("button", "camera", "speaker")]
    if len(mqtt_devices) < args.devices:
        print(
            f"{settings.district_file} has {len(mqtt_devices)} MQTT devices, fewer than --devices {args.devices}: "
            "write a bigger district with --write-district FILE and run the hub with SENTINEL_CONFIG=FILE",
            file=sys.stderr,
        )
        return 2
    devices = [
        LoadDevice(d.site_id, d.kind, d.id, args.heartbeat or d.report_interval_s / 2)
        for d in mqtt_devices[: args.devices]
    ]
    credentials = None
    url = args.mqtt or settings.mqtt_url
    if args.per_device or args.credentials:
        from sentinel_dev.demo import running_demo_device_listener

        demo = running_demo_device_listener(settings.data_dir)
        path = args.credentials or (demo[1] if demo else None)
        url = url or (demo[0] if demo else None)
        if path is None or url is None:
            print("--per-device needs --credentials FILE and --mqtt URL (or a running demo)", file=sys.stderr)
            return 2
        credentials = load_credentials(path)
        missing = [d.device for d in devices if d.device not in credentials]
        if missing:
            print(f"{path} has no account for {len(missing)} device(s), e.g. {missing[0]}", file=sys.stderr)
            return 2
    options = LoadOptions(
        url=url or demo_mqtt_url(settings),
        topics=Topics(settings.topic_prefix),
        devices=devices,
        press_per_s=args.press_rate,
        camera_per_s=args.camera_rate,
        duration_s=args.duration,
        credentials=credentials,
        per_connection=args.per_connection,
        workers=args.workers,
        press_type=args.press_type,
        drain_s=args.drain,
        report_every_s=args.every or (1.0 if sys.stdout.isatty() else 10.0),
    )
    result = run_load(options, out=lambda line: print(line, flush=True))
    return 0 if result.held else 1
