"""`sentinel simulate button|camera|panel|officer`: simulated devices against a hub (or the running demo)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from hub.cli.common import Commands, demo_mqtt_url, settings_of
from hub.config import load_district
from sentinel_dev.cli import load
from simulators.panel import build_parser as panel_options


def register(commands: Commands) -> None:
    simulate = commands.add_parser("simulate", help="simulated devices").add_subparsers(metavar="DEVICE")
    button = simulate.add_parser("button", help="press a virtual panic button, once or in a burst")
    button.add_argument("--site", help="site id (single press)")
    button.add_argument("--device", help="button device id (single press)")
    button.add_argument("--press", action="store_true", help="press once (the default without --burst)")
    button.add_argument(
        "--type", default="panic", choices=["panic", "duress", "test", "cancel", "tamper", "low_battery"]
    )
    button.add_argument("--burst", type=int, metavar="N", help="publish N presses round-robin over many buttons")
    button.add_argument("--devices", type=int, default=50, help="burst: how many of the district's buttons to use")
    button.add_argument("--rate", type=float, help="burst: presses per second (default: as fast as possible)")
    button.add_argument("--run-id", help="burst: prefix of the event ids (a rerun with the same id resends)")
    button.add_argument(
        "--confirm-within",
        type=float,
        default=30.0,
        metavar="S",
        help="wait this long for the hub's `received`, resending by the contract's rule (burst: 120 s at least)",
    )
    button.set_defaults(handler=_simulate_button)

    camera = simulate.add_parser("camera", help="an HTTP MJPEG camera: synthetic scenes with ground truth, or a file")
    camera.add_argument("--scene", help="a synthetic scene (default yard_intrusions)")
    camera.add_argument("--file", type=Path, help="loop a video file instead, e.g. tests/data/video/plaza_720p.avi")
    camera.add_argument("--http", default="127.0.0.1:8554", help="HOST:PORT to serve /mjpeg on")
    camera.add_argument("--fps", type=float, default=10.0)
    camera.set_defaults(handler=_simulate_camera)

    panel = simulate.add_parser("panel", help="a virtual alarm panel reporting over SIA DC-09")
    panel_options(panel).set_defaults(handler=_simulate_panel)

    officer = simulate.add_parser("officer", help="virtual officers who sign on and answer dispatches")
    officer.add_argument("--officer", action="append", help="officer id (repeatable; default: every officer)")
    officer.add_argument("--mode", default="accept", choices=["accept", "decline", "silent"])
    officer.add_argument("--accept-after", type=float, default=3.0, help="seconds before answering a dispatch")
    officer.add_argument("--on-scene", type=float, default=20.0, help="seconds on scene before resolving")
    officer.add_argument("--speed", type=float, default=12.0, help="metres per second toward the site")
    officer.add_argument("--time-scale", type=float, default=1.0, help="run the journey this many times faster")
    officer.set_defaults(handler=_simulate_officer)
    load.register(simulate)


def _simulate_camera(args: argparse.Namespace) -> int:
    from simulators.camera.mjpeg import run_camera_simulator
    from simulators.camera.scenarios import SCENARIOS

    if args.scene and args.scene not in SCENARIOS:
        print(f"unknown scene {args.scene!r}; scenes: {', '.join(sorted(SCENARIOS))}", file=sys.stderr)
        return 2
    host, _, port = args.http.rpartition(":")
    return run_camera_simulator(scene=args.scene, video=args.file, host=host, port=int(port), fps=args.fps)


def _simulate_button(args: argparse.Namespace) -> int:
    from devices.contract import CONFIRMED_BUTTON_EVENTS, Topics
    from devices.link import DeviceLink
    from simulators.button import ButtonRef, confirmed_burst, press

    settings = settings_of(args)
    mqtt_url = settings.mqtt_url or demo_mqtt_url(settings)
    topics = Topics(settings.topic_prefix)
    if args.burst:
        district = load_district(settings.district_file)
        buttons = [ButtonRef(d.site_id, d.id) for d in district.devices.values() if d.kind == "button"]
        if args.site:
            buttons = [b for b in buttons if b.site == args.site]
        buttons = buttons[: args.devices]
        if not buttons:
            print("no buttons in the district to press", file=sys.stderr)
            return 2
        step = max(args.burst // 10, 1)
        result = confirmed_burst(
            mqtt_url,
            topics,
            buttons,
            args.burst,
            args.rate,
            args.run_id,
            range(step, args.burst + 1, step),
            confirm_timeout_s=max(args.confirm_within, 120.0),
            client_prefix=f"sentinel-sim-button-{os.getpid()}",
        )
        confirmed = len(result.sent) - result.unconfirmed - result.given_up
        print(
            f"burst: {len(result.sent)} presses from {len(buttons)} buttons, {confirmed} confirmed by the hub"
            f" ({result.resent} resent)"
        )
        return 0 if confirmed == len(result.sent) else 1
    if not args.site or not args.device:
        print("a single press needs --site and --device", file=sys.stderr)
        return 2
    link = DeviceLink(mqtt_url, f"sentinel-sim-button-{os.getpid()}").connect()
    try:
        button = ButtonRef(args.site, args.device)
        event_id, feedback = press(link, topics, button, args.type, wait_feedback_s=args.confirm_within)
        states = ", ".join(str(f.get("state")) for f in feedback) or (
            f"none within {args.confirm_within:g} s"
            if args.type in CONFIRMED_BUTTON_EVENTS
            else f"none ({args.type} is not confirmed)"
        )
        print(f"pressed {args.device} at {args.site}: event {event_id}; hub feedback: {states}")
        return 0
    finally:
        link.close()


def _simulate_panel(args: argparse.Namespace) -> int:
    from simulators.panel import run_command

    return asyncio.run(run_command(args))


def _simulate_officer(args: argparse.Namespace) -> int:
    import time

    from devices.contract import Topics
    from devices.link import DeviceLink
    from simulators.officer import Behaviour, Mode, officer_simulators

    settings = settings_of(args)
    district = load_district(settings.district_file)
    unknown = [o for o in args.officer or () if o not in district.officers]
    if unknown:
        print(f"unknown officer(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    behaviour = Behaviour(
        Mode(args.mode), args.accept_after, args.speed, on_scene_s=args.on_scene, time_scale=args.time_scale
    )
    link = DeviceLink(settings.mqtt_url or demo_mqtt_url(settings), f"sentinel-sim-officers-{os.getpid()}").connect()
    officers = officer_simulators(link, Topics(settings.topic_prefix), district, behaviour, args.officer)
    for sim in officers:
        sim.start()
    print(f"{len(officers)} officer(s) signed on ({args.mode}); Ctrl-C signs them off")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        for sim in officers:
            sim.stop()
        time.sleep(0.5)
        link.close()
    return 0
