"""`sentinel demo`: the hub with the demo district, private services when none are configured, and
simulated devices. Ctrl-C stops everything cleanly, in reverse order of start.

The terminal is for a person: the hub's JSON logs go to DATA_DIR/logs/hub.log, and the banner (console,
accounts, what is simulated) is printed last, again on Enter, and by `sentinel demo info`. Sized for a demo:
media kept a day and at most DEMO_MEDIA_GB (camera agent and hub each), one officer left to a real phone."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from devices.contract import Topics
from devices.link import DeviceLink
from hub.adapters.mqtt.broker_conf import hub_account_name, routine_account_name
from hub.adapters.mqtt.credentials import (
    district_accounts,
    lab_accounts,
    load_credentials,
    with_credentials,
    write_broker_files,
)
from hub.adapters.postgres.accounts import ensure_demo_accounts
from hub.app import Hub, RunningHub, run_until_signalled
from hub.cli.common import DEMO_STATE_FILE, running_demo
from hub.config import Settings, load_district
from hub.domain.district import District
from hub.logging import configure_logging
from sentinel_dev.demo_banner import DemoBanner, phone_officer, show
from sentinel_dev.services import free_port
from simulators.officer import Behaviour, Mode, OfficerSimulator, officer_simulators
from simulators.panel import PanelSimulator, keep_polling
from simulators.speaker import SpeakerSimulator, speaker_simulators

DEMO_MEDIA_DAYS = 1.0
DEMO_MEDIA_GB = 0.5


def running_demo_device_listener(data_dir: Path) -> tuple[str, Path] | None:
    """The running demo's device listener (binds client ids to accounts) and its devices' passwords."""
    url, credentials = running_demo(data_dir, "device_mqtt_url"), running_demo(data_dir, "device_credentials")
    return (url, Path(credentials)) if url and credentials else None


def run_demo(settings: Settings, press_every_s: float, simulators: bool) -> int:
    from sentinel_dev.services.mosquitto import LabListener, PrivateMosquitto
    from sentinel_dev.services.postgres import PrivatePostgres
    from simulators.ambient import AmbientDistrict

    district = load_district(settings.district_file)
    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    logs = data_dir / "logs"
    configure_logging(settings.log_level, file=logs / "hub.log")
    _say(f"the hub's logs go to {logs / 'hub.log'}")
    with contextlib.ExitStack() as stack:
        overrides: dict[str, str] = {}
        simulator_url = settings.mqtt_url
        device_listener: dict[str, str] = {}
        if not settings.mqtt_url:
            _say(f"starting a private Mosquitto under {data_dir / 'mosquitto'} (no anonymous access)")
            auth = data_dir / "mosquitto" / "auth"
            passwords = _broker_accounts(settings, district, auth)
            hub_account = hub_account_name(settings.instance_id)
            # Devices, officers and the hub on a listener that binds client ids to accounts; the
            # simulators' lab account on a second listener that no device account can use.
            lab = LabListener(free_port(), auth / "lab" / "passwd", auth / "lab" / "acl")
            broker = stack.enter_context(
                PrivateMosquitto(
                    data_dir / "mosquitto",
                    password_file=auth / "passwd",
                    acl_file=auth / "acl",
                    login=(hub_account, passwords[hub_account]),
                    bind_client_ids=True,
                    lab=lab,
                    max_message_bytes=settings.max_camera_payload_bytes,
                )
            )
            overrides["mqtt_url"] = broker.url
            routine_account = routine_account_name(settings.instance_id)
            overrides["routine_mqtt_url"] = with_credentials(
                f"mqtt://127.0.0.1:{broker.port}", routine_account, passwords[routine_account]
            )
            # For `sentinel simulate load --per-device`: each device signs in with its own account.
            device_listener = {
                "device_mqtt_url": f"mqtt://127.0.0.1:{broker.port}",
                "device_credentials": str(auth / "credentials.json"),
            }
            simulator_url = with_credentials(f"mqtt://127.0.0.1:{lab.port}", "simulator", passwords["simulator"])
        if not settings.database_url:
            _say(f"starting a private PostgreSQL under {data_dir / 'postgres'}")
            database = stack.enter_context(PrivatePostgres(data_dir / "postgres"))
            overrides["database_url"] = database.url
        if not settings.dc09_tcp and not settings.dc09_udp:
            overrides["dc09_tcp"] = _DEMO_DC09
        settings = settings.model_copy(update={**overrides, **_demo_retention()})
        assert settings.mqtt_url and settings.database_url and simulator_url
        state_file = data_dir / DEMO_STATE_FILE
        # `sentinel simulate`, `sentinel user add` and `sentinel demo info` find the running demo here.
        state: dict[str, str] = {"mqtt_url": simulator_url, "database_url": settings.database_url, **device_listener}
        _write_state(state_file, state)
        stack.callback(state_file.unlink, missing_ok=True)

        async def main() -> None:
            started: asyncio.Future[RunningHub] = asyncio.get_running_loop().create_future()
            background: list[asyncio.Task[int]] = []
            hub_task = asyncio.create_task(Hub(settings, district).run(started))
            running = await _first(started, hub_task)
            assert settings.database_url
            accounts = await ensure_demo_accounts(settings.database_url, district)
            banner = DemoBanner(
                running.http_url,
                [(a.username, a.password, _ROLE_USE.get(a.role, a.role)) for a in accounts if a.role != "officer"],
                phone_officer(district),
                logs=logs,
            )
            if simulators:
                devices = [(d.site_id, d.kind, d.id) for d in district.devices.values()]
                assert settings.mqtt_url
                ambient = AmbientDistrict(simulator_url, Topics(settings.topic_prefix), devices, press_every_s)
                await asyncio.to_thread(ambient.start)
                stack.callback(ambient.stop)
                officers = await asyncio.to_thread(_start_officers, simulator_url, settings, district)
                stack.callback(_stop_officers, officers)
                banner.simulated += _simulated(devices, press_every_s, len(officers[1]))
                speakers = await asyncio.to_thread(_start_speakers, simulator_url, settings, devices)
                stack.callback(_stop_officers, speakers)
                for process in _start_cameras(simulator_url, settings):
                    stack.callback(_stop_process, process)
                if settings.dc09_tcp == _DEMO_DC09:
                    host, _, port = _DEMO_DC09.rpartition(":")
                    panel = PanelSimulator(host, int(port), "1234")
                    background.append(asyncio.create_task(keep_polling(panel, 60, asyncio.Event()), name="demo-panel"))
                    banner.simulated.append(
                        "an alarm panel on SIA DC-09 127.0.0.1:17010 (./dev sentinel simulate panel --port 17010 "
                        "--account 1234 --cid 130 --zone 3)"
                    )
            else:
                banner.simulated.append("nothing (--no-simulators)")
            text = banner.text()
            _write_state(state_file, {**state, "banner": text})
            show(text)
            stop_reading = _show_on_enter(text)
            try:
                await hub_task
            finally:
                stop_reading()
                for task in background:
                    task.cancel()

        run_until_signalled(main())
        _say("stopping")
    return 0


_ROLE_USE = {"duty": "the duty desk", "supervisor": "supervisor: reports, history", "admin": "administrator"}


def _demo_retention() -> dict[str, float]:
    """Media kept for a demo, not a station (unless the variables say otherwise)."""
    retention: dict[str, float] = {}
    if "SENTINEL_MEDIA_RETENTION_DAYS" not in os.environ:
        retention["media_retention_days"] = DEMO_MEDIA_DAYS
    if "SENTINEL_MEDIA_RETENTION_GB" not in os.environ:
        retention["media_retention_gb"] = DEMO_MEDIA_GB
    return retention


def _write_state(state_file: Path, state: dict[str, str]) -> None:
    state_file.write_text(json.dumps(state, ensure_ascii=False))
    state_file.chmod(0o600)


def _simulated(devices: list[tuple[str, str, str]], press_every_s: float, officers: int) -> list[str]:
    kinds = [kind for _, kind, _ in devices]
    return [
        f"{kinds.count('button')} buttons (a press about every {press_every_s:.0f} s somewhere), "
        f"{kinds.count('speaker')} loudspeakers (they play what they are sent)",
        f"{officers} officers (accept after ~10 s, drive there five times faster, resolve after a minute)",
        "2 cameras analysed by the camera agent: the school yard (synthetic people walking into the yard) and",
        "Wangfujing square (looping plaza footage: line crossings); the other cameras only report health",
    ]


def _show_on_enter(text: str) -> Callable[[], None]:
    """Print the banner again each time Enter is pressed in the demo's terminal; returns how to stop."""
    if not sys.stdin.isatty():
        return lambda: None
    loop = asyncio.get_running_loop()
    fd = sys.stdin.fileno()

    def on_input() -> None:
        if not sys.stdin.readline():  # end of input: stop listening
            loop.remove_reader(fd)
            return
        show(text)

    def stop() -> None:
        loop.remove_reader(fd)

    loop.add_reader(fd, on_input)
    return stop


def _broker_accounts(settings: Settings, district: District, folder: Path) -> dict[str, str]:
    """Broker accounts from the registry (one per device and officer, the hub instance's) and the
    demo's simulator account (in folder/lab), made again when the district file or instance changes."""
    stamp = folder / "district.sha256"
    digest = hashlib.sha256(
        Path(settings.district_file).read_bytes() + f"{settings.topic_prefix}\0{settings.instance_id}\0v3".encode()
    ).hexdigest()
    credentials, lab_credentials = folder / "credentials.json", folder / "lab" / "credentials.json"
    if credentials.exists() and lab_credentials.exists() and stamp.exists() and stamp.read_text() == digest:
        return {**load_credentials(credentials), **load_credentials(lab_credentials)}
    accounts = district_accounts(district, settings.topic_prefix, hub_instances=(settings.instance_id,))
    lab = lab_accounts(settings.topic_prefix)
    write_broker_files(accounts, folder)
    write_broker_files(lab, folder / "lab")
    stamp.write_text(digest)
    return {a.username: a.password for a in [*accounts, *lab]}


def _start_speakers(
    url: str, settings: Settings, devices: list[tuple[str, str, str]]
) -> tuple[DeviceLink, list[SpeakerSimulator]]:
    """Every loudspeaker plays (virtually) what it is sent and acks each step."""
    link = DeviceLink(url, "sentinel-sim-speakers").connect()
    speakers = speaker_simulators(link, Topics(settings.topic_prefix), devices)
    for speaker in speakers:
        speaker.start()
    return link, speakers


_DEMO_DC09 = "127.0.0.1:17010"
_DEMO_CAMERA_AGENT = "127.0.0.1:18091"

# The demo's cameras: what each simulated camera shows (the district file points their streams here).
_PLAZA = Path(__file__).resolve().parents[1] / "tests" / "data" / "video" / "plaza_720p.avi"
_DEMO_CAMERAS = {
    "18554": ["--scene", "yard_intrusions"],
    "18555": ["--file", str(_PLAZA)] if _PLAZA.exists() else ["--scene", "line_crossing"],
}


def _start_cameras(url: str, settings: Settings) -> list[subprocess.Popen[bytes]]:
    """Camera simulators (HTTP MJPEG) and the camera agent that analyses them, as child processes
    (the agent runs its own worker processes). Their output goes to DATA_DIR/logs."""
    logs = settings.data_dir.resolve() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "SENTINEL_MQTT_URL": url,
        "SENTINEL_CONFIG": str(Path(settings.district_file).resolve()),
        "SENTINEL_TOPIC_PREFIX": settings.topic_prefix,
        "SENTINEL_DATA_DIR": str(settings.data_dir.resolve()),
    }
    processes = []
    for port, source in _DEMO_CAMERAS.items():
        command = ["simulate", "camera", *source, "--http", f"127.0.0.1:{port}"]
        processes.append(_spawn(command, env, logs / f"camera-{port}.log"))
    # A fixed address: the district file lists it in the cameras' `media_origins`, where the hub may fetch from.
    agent = ["camera-agent", "--http", _DEMO_CAMERA_AGENT]
    agent += ["--retention-days", str(DEMO_MEDIA_DAYS), "--retention-gb", str(DEMO_MEDIA_GB)]
    processes.append(_spawn(agent, env, logs / "camera-agent.log"))
    return processes


def _spawn(arguments: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    log = log_path.open("ab")
    return subprocess.Popen([sys.executable, "-m", "hub", *arguments], env=env, stdout=log, stderr=log)


def _stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def _start_officers(url: str, settings: Settings, district: District) -> tuple[DeviceLink, list[OfficerSimulator]]:
    """Every officer of the demo but the phone officer signs on and answers dispatches: accepts after ~10 s,
    drives there (sped up five times), stays a minute on scene and resolves."""
    link = DeviceLink(url, "sentinel-sim-officers").connect()
    behaviour = Behaviour(Mode.ACCEPT, accept_after_s=10, speed_m_s=12, on_scene_s=60, time_scale=5)
    left_out = phone_officer(district)
    simulated = [o for o in district.officers if left_out is None or o != left_out.id]
    officers = officer_simulators(link, Topics(settings.topic_prefix), district, behaviour, only=simulated)
    for officer in officers:
        officer.start()
    return link, officers


def _stop_officers(running: tuple[DeviceLink, list[OfficerSimulator] | list[SpeakerSimulator]]) -> None:
    link, simulators = running
    for simulator in simulators:
        simulator.stop()
    link.close()


async def _first(started: asyncio.Future[RunningHub], hub_task: asyncio.Task[None]) -> RunningHub:
    either: list[asyncio.Future[Any]] = [started, hub_task]
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if not started.done():
        hub_task.result()  # raises why the hub stopped
        raise RuntimeError("the hub stopped before it started")
    return started.result()


def _say(message: str) -> None:
    print(f"sentinel demo: {message}", file=sys.stderr, flush=True)
