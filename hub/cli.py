"""The `sentinel` command (also `python -m hub`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hub import __version__
from hub.config import ConfigError, Settings, load_district, load_settings
from simulators.panel import build_parser as panel_options


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

    run = commands.add_parser("run", help="run the hub against the configured broker and database")
    run.set_defaults(handler=_run)

    demo = commands.add_parser(
        "demo", help="run the hub with private Mosquitto and PostgreSQL (unless URLs are set) and simulators"
    )
    demo.add_argument("action", nargs="?", choices=["info"], help="info: print the running demo's banner again")
    demo.add_argument("--http", help="HOST:PORT for the console (default 127.0.0.1:8080)")
    demo.add_argument("--press-every", type=float, default=90.0, help="mean seconds between simulated presses")
    demo.add_argument("--no-simulators", action="store_true", help="start no simulated devices")
    demo.set_defaults(handler=_demo)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(metavar="ACTION")
    migrate = db.add_parser("migrate", help="apply pending SQL migrations to SENTINEL_DATABASE_URL")
    migrate.set_defaults(handler=_db_migrate)

    roles = ["duty", "supervisor", "admin", "officer"]
    user = commands.add_parser("user", help="console accounts").add_subparsers(metavar="ACTION")
    user_add = user.add_parser(
        "add", help="create a console account; the password is asked twice on the terminal (or read from stdin)"
    )
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, choices=roles)
    user_add.add_argument("--officer", metavar="ID", help="the officer this account is (required for --role officer)")
    user_add.add_argument("--name", default="", help="display name shown in the console")
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    user_add.set_defaults(handler=_user_add)
    user_unlock = user.add_parser(
        "unlock", help="forget failed sign-ins of an account (from every address), of an address, or of both"
    )
    user_unlock.add_argument("username", nargs="?")
    user_unlock.add_argument("--address", help="the client address (as the audit log's auth.login_throttled names it)")
    user_unlock.set_defaults(handler=_user_unlock)

    token = commands.add_parser("token", help="bearer API tokens").add_subparsers(metavar="ACTION")
    token_create = token.add_parser("create", help="create an API token; it is printed once and stored only hashed")
    token_create.add_argument("--role", required=True, choices=roles)
    token_create.add_argument("--name", required=True, help="what the token is for (unique among active tokens)")
    token_create.add_argument("--officer", metavar="ID", help="the officer it acts for (required for --role officer)")
    token_create.set_defaults(handler=_token_create)
    token_revoke = token.add_parser("revoke", help="revoke the active API token of this name")
    token_revoke.add_argument("name")
    token_revoke.set_defaults(handler=_token_revoke)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(metavar="ACTION")
    verify = audit.add_parser(
        "verify",
        help="check the audit log's hash chain: exit 1 naming the first broken link if an entry was edited or deleted",
    )
    verify.set_defaults(handler=_audit_verify)

    config = commands.add_parser("config", help="district configuration").add_subparsers(metavar="ACTION")
    check = config.add_parser("check", help="validate a district file, naming the file and key of every error")
    check.add_argument("file", nargs="?", type=Path, help="district file (default: SENTINEL_CONFIG or the demo)")
    check.set_defaults(handler=_config_check)

    report = commands.add_parser(
        "report", help="write a supervisors' report (CSV and PDF) of a month, week, day or range to a folder"
    )
    span = report.add_mutually_exclusive_group(required=True)
    span.add_argument("--month", metavar="YYYY-MM")
    span.add_argument("--week", metavar="YYYY-Www", help="an ISO week, e.g. 2026-W41")
    span.add_argument("--day", metavar="YYYY-MM-DD")
    span.add_argument("--from", dest="from_day", metavar="YYYY-MM-DD", help="first day of a range (with --to)")
    report.add_argument("--to", dest="to_day", metavar="YYYY-MM-DD", help="last day of a range (inclusive)")
    report.add_argument("--out", type=Path, required=True, help="folder to write the files to (created if needed)")
    report.add_argument("--format", default="csv,pdf", help="comma-separated: csv, pdf, json (default csv,pdf)")
    report.set_defaults(handler=_report)

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

    broker = commands.add_parser("broker", help="MQTT broker security").add_subparsers(metavar="ACTION")
    creds = broker.add_parser(
        "creds", help="write a Mosquitto password file and ACL from the device registry (one account per device)"
    )
    creds.add_argument("--out", type=Path, required=True, help="folder for passwd, acl and credentials.json")
    creds.add_argument(
        "--hub-instance",
        metavar="ID",
        action="append",
        help="one broker account per hub instance, sentinel-hub-ID (repeatable; default: SENTINEL_INSTANCE)",
    )
    creds.add_argument(
        "--simulator",
        action="store_true",
        help="also a lab account that may speak for every device, in OUT/lab/ for a listener no device uses",
    )
    creds.add_argument(
        "--tls",
        metavar="HOST",
        action="append",
        help="also issue a CA, a server certificate for HOST (repeatable) and a client certificate per account",
    )
    creds.set_defaults(handler=_broker_creds)

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

    bench = commands.add_parser(
        "bench",
        help="run every benchmark (reduced sizes, ~10 min): one table of figures against same-run baselines, one JSON",
    )
    bench.add_argument(
        "--out", type=Path, help="the JSON file to write (default benchmarks/results/bench-YYYYMMDD-HHMMSS.json)"
    )
    bench.add_argument("--compare", type=Path, metavar="OLD.json", help="show the change of each figure against OLD")
    bench.add_argument(
        "--only", action="append", metavar="NAME", help="ingest, supervision, video, warnings, reports (repeatable)"
    )
    bench.add_argument("--markdown", action="store_true", help="also print the table as Markdown (for the README)")
    bench.add_argument(
        "--no-run", type=Path, metavar="NEW.json", help="with --compare: compare this file instead of running anew"
    )
    bench.set_defaults(handler=_bench)

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
    return parser


def _settings(args: argparse.Namespace, http: str | None = None) -> Settings:
    return load_settings(args.settings, http=http)


# --- run --------------------------------------------------------------------------------------------
def _run(args: argparse.Namespace) -> int:
    from hub.app import Hub, run_until_signalled
    from hub.logging import configure_logging

    settings = _settings(args)
    configure_logging(settings.log_level)
    if not settings.mqtt_url or not settings.database_url:
        print(
            "sentinel run needs SENTINEL_MQTT_URL and SENTINEL_DATABASE_URL (or try `sentinel demo`)", file=sys.stderr
        )
        return 2
    hub = Hub(settings, load_district(settings.district_file))
    run_until_signalled(hub.run())
    return 0


# --- demo -------------------------------------------------------------------------------------------
def _demo(args: argparse.Namespace) -> int:
    from hub.demo import run_demo

    settings = _settings(args, http=args.http)
    if args.action == "info":
        from hub.demo_banner import saved_banner

        banner = saved_banner(settings.data_dir / "demo.json")
        if banner is None:
            print(f"no demo is running with data in {settings.data_dir} (start one with ./dev demo)", file=sys.stderr)
            return 1
        print(banner)
        return 0
    return run_demo(settings, press_every_s=args.press_every, simulators=not args.no_simulators)


# --- db ---------------------------------------------------------------------------------------------
def _db_migrate(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.schema import migrate

    settings = _settings(args)
    if not settings.database_url:
        print("set SENTINEL_DATABASE_URL (postgresql://…)", file=sys.stderr)
        return 2
    applied = asyncio.run(migrate(settings.database_url))
    print(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date")
    return 0


# --- user, token ------------------------------------------------------------------------------------
def _user_add(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.accounts import accounts_service
    from hub.services.auth import AccountError, AccountExists

    settings = _settings(args)
    dsn = _accounts_database_url(settings)
    if not _officer_known(settings, args.officer):
        return 2
    password = _read_password(args.password_stdin)

    async def create() -> str:
        async with accounts_service(dsn) as auth:
            user = await auth.create_user(
                args.username, password, args.role, _cli_actor(), officer_id=args.officer, display_name=args.name
            )
            return f"user {user.username} added (role {user.role.value})"

    try:
        print(asyncio.run(create()))
    except (AccountError, AccountExists) as exc:
        print(f"cannot add the user: {exc}", file=sys.stderr)
        return 2
    return 0


def _user_unlock(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.accounts import accounts_service

    if not args.username and not args.address:
        print("name an account, --address, or both", file=sys.stderr)
        return 2
    dsn = _accounts_database_url(_settings(args))

    async def unlock() -> int:
        async with accounts_service(dsn) as auth:
            return await auth.unlock_logins(_cli_actor(), args.username, args.address)

    cleared = asyncio.run(unlock())
    who = " from ".join(part for part in (args.username, args.address) if part)
    print(f"unlocked {who}: {cleared} throttled account/address pair(s) cleared")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.accounts import accounts_service
    from hub.services.auth import AccountError, AccountExists

    settings = _settings(args)
    dsn = _accounts_database_url(settings)
    if not _officer_known(settings, args.officer):
        return 2

    async def create() -> str:
        async with accounts_service(dsn) as auth:
            issued = await auth.create_api_token(args.name, args.role, _cli_actor(), officer_id=args.officer)
            return issued.token

    try:
        token = asyncio.run(create())
    except (AccountError, AccountExists) as exc:
        print(f"cannot create the token: {exc}", file=sys.stderr)
        return 2
    print(f"token {args.name!r} (role {args.role}) created; it is shown only this once:", file=sys.stderr)
    print(token)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.accounts import accounts_service

    dsn = _accounts_database_url(_settings(args))

    async def revoke() -> bool:
        async with accounts_service(dsn) as auth:
            return await auth.revoke_api_token(args.name, _cli_actor())

    if not asyncio.run(revoke()):
        print(f"no active token named {args.name!r}", file=sys.stderr)
        return 1
    print(f"token {args.name!r} revoked")
    return 0


def _accounts_database_url(settings: Settings) -> str:
    """SENTINEL_DATABASE_URL, or the database of a running `sentinel demo` (its .sentinel/demo.json)."""
    if settings.database_url:
        return settings.database_url
    try:
        url = json.loads((settings.data_dir / "demo.json").read_text())["database_url"]
    except (OSError, ValueError, KeyError, TypeError):
        url = None
    if not url:
        raise SystemExit("no database: set SENTINEL_DATABASE_URL or start `sentinel demo` first")
    return str(url)


def _officer_known(settings: Settings, officer_id: str | None) -> bool:
    if officer_id is None:
        return True
    district = load_district(settings.district_file)
    if officer_id not in district.officers:
        print(f"unknown officer {officer_id!r} in {settings.district_file}", file=sys.stderr)
        return False
    return True


def _read_password(from_stdin: bool) -> str:
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("no terminal to ask for the password on: use --password-stdin")
    password = getpass.getpass("password: ")
    if getpass.getpass("password again: ") != password:
        raise SystemExit("the two passwords differ")
    return password


def _cli_actor() -> str:
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


# --- audit ------------------------------------------------------------------------------------------
def _audit_verify(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.audit_chain import ChainVerdict, verify_audit_chain
    from hub.adapters.postgres.schema import migrate

    dsn = _accounts_database_url(_settings(args))

    async def verify() -> ChainVerdict:
        await migrate(dsn)  # a database from before the chain gets it (and its old entries chained) first
        return await verify_audit_chain(dsn)

    verdict = asyncio.run(verify())
    head = f"seq {verdict.head.seq}, hash {verdict.head.hash.hex()}" if verdict.head else "empty"
    if verdict.broken is None:
        print(f"audit log intact: {verdict.entries} entries; head {head}")
        return 0
    broken = verdict.broken
    where = f"entry id {broken.id}" + (f" (seq {broken.seq})" if broken.seq is not None else "")
    if broken.id is None:
        where = "the end of the chain"
    print(
        f"audit log BROKEN at {where}: {broken.reason}; {verdict.entries} entries before it are intact",
        file=sys.stderr,
    )
    return 1


# --- config -----------------------------------------------------------------------------------------
def _config_check(args: argparse.Namespace) -> int:
    path = args.file or _settings(args).district_file
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


# --- report -------------------------------------------------------------------------------------------
def _report(args: argparse.Namespace) -> int:
    """The same report as GET /api/v1/reports (.csv, .pdf), from SENTINEL_DATABASE_URL or the running demo's
    database."""
    from datetime import UTC, datetime

    from hub.adapters.postgres.pool import create_pool
    from hub.adapters.postgres.reports import PostgresReports
    from hub.adapters.reports_csv import render_csv
    from hub.adapters.reports_pdf import render_pdf
    from hub.domain.reports import PeriodError, parse_period

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    if not formats or set(formats) - {"csv", "pdf", "json"}:
        print("--format takes csv, pdf and/or json, comma-separated", file=sys.stderr)
        return 2
    if (args.from_day is None) != (args.to_day is None):
        print("give --from and --to together", file=sys.stderr)
        return 2
    if args.month:
        query = {"period": "month", "month": args.month}
    elif args.week:
        query = {"period": "week", "week": args.week}
    elif args.day:
        query = {"period": "day", "date": args.day}
    else:
        query = {"period": "custom", "from": args.from_day, "to": args.to_day}
    settings = _settings(args)
    district = load_district(settings.district_file)
    try:
        period = parse_period(query, district.timezone)
    except PeriodError as exc:
        print(f"bad period: {exc}", file=sys.stderr)
        return 2
    dsn = _accounts_database_url(settings)

    async def build() -> dict[str, object]:
        pool = await create_pool(dsn, min_size=1, max_size=2)
        try:
            return await PostgresReports(pool, district).build(period, datetime.now(UTC))
        finally:
            await pool.close()

    report = asyncio.run(build())
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"sentinel-report-{district.id}-{period.label.replace('..', '_')}"
    renderers = {
        "csv": render_csv,
        "pdf": render_pdf,
        "json": lambda r: json.dumps(r, ensure_ascii=False, indent=1).encode(),
    }
    for fmt in formats:
        path = args.out / f"{stem}.{fmt}"
        path.write_bytes(renderers[fmt](report))
        print(path)
    return 0


# --- cameras ------------------------------------------------------------------------------------------
def _camera_agent(args: argparse.Namespace) -> int:
    from hub.adapters.camera.agent import AgentOptions, run_agent

    settings = _settings(args)
    host, _, port = args.http.rpartition(":")
    return run_agent(
        AgentOptions(
            district_file=settings.district_file,
            mqtt_url=settings.mqtt_url or _demo_mqtt_url(settings),
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


def _simulate_camera(args: argparse.Namespace) -> int:
    from simulators.camera.mjpeg import run_camera_simulator
    from simulators.camera.scenarios import SCENARIOS

    if args.scene and args.scene not in SCENARIOS:
        print(f"unknown scene {args.scene!r}; scenes: {', '.join(sorted(SCENARIOS))}", file=sys.stderr)
        return 2
    host, _, port = args.http.rpartition(":")
    return run_camera_simulator(scene=args.scene, video=args.file, host=host, port=int(port), fps=args.fps)


# --- broker -------------------------------------------------------------------------------------------
def _broker_creds(args: argparse.Namespace) -> int:
    from hub.adapters.mqtt.broker_conf import production_recipe
    from hub.adapters.mqtt.credentials import district_accounts, lab_accounts, write_broker_files

    settings = _settings(args)
    district = load_district(settings.district_file)
    instances = tuple(dict.fromkeys(args.hub_instance or [settings.instance_id]))
    try:
        accounts = district_accounts(district, settings.topic_prefix, hub_instances=instances)
    except ValueError as exc:
        print(f"cannot make the broker accounts: {exc}", file=sys.stderr)
        return 2
    files = write_broker_files(accounts, args.out)
    hubs = ", ".join(a.username for a in accounts[: len(instances)])
    print(f"{len(accounts)} accounts: {hubs}, {len(district.devices)} devices, {len(district.officers)} officers")
    print(f"  password file  {files.password_file}  (salted hashes)")
    print(f"  ACL            {files.acl_file}")
    print(f"  passwords      {files.credentials_file}  (mode 0600: provision devices from it, then keep it safe)")
    tls = None
    if args.tls:
        from hub.adapters.mqtt.certificates import issue_certificates

        tls = issue_certificates(args.out / "tls", args.tls, [a.username for a in accounts])
        print(
            f"client certificates: {tls.client_dir}/ACCOUNT.crt and .key "
            "(devices connect with mqtts://HOST:8883?ca=…&cert=…&key=…)"
        )
    recipe = production_recipe(
        files.password_file,
        files.acl_file,
        settings.max_camera_payload_bytes,
        (tls.ca_file, tls.server_cert, tls.server_key) if tls else None,
    )
    print("mosquitto.conf (with the durability settings in README):\n  " + recipe.rstrip().replace("\n", "\n  "))
    if args.simulator:
        lab = write_broker_files(lab_accounts(settings.topic_prefix), args.out / "lab")
        print(
            f"lab account 'simulator' in {lab.password_file} and {lab.acl_file}: only on a listener of its own "
            "(no use_username_as_clientid, no device account), never on a production broker"
        )
    return 0


# --- simulate ---------------------------------------------------------------------------------------
def _simulate_button(args: argparse.Namespace) -> int:
    from devices.contract import CONFIRMED_BUTTON_EVENTS, Topics
    from devices.link import DeviceLink
    from simulators.button import ButtonRef, confirmed_burst, press

    settings = _settings(args)
    mqtt_url = settings.mqtt_url or _demo_mqtt_url(settings)
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

    settings = _settings(args)
    district = load_district(settings.district_file)
    unknown = [o for o in args.officer or () if o not in district.officers]
    if unknown:
        print(f"unknown officer(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    behaviour = Behaviour(
        Mode(args.mode), args.accept_after, args.speed, on_scene_s=args.on_scene, time_scale=args.time_scale
    )
    link = DeviceLink(settings.mqtt_url or _demo_mqtt_url(settings), f"sentinel-sim-officers-{os.getpid()}").connect()
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


def _simulate_load(args: argparse.Namespace) -> int:
    from devices.contract import Topics
    from hub.adapters.mqtt.credentials import load_credentials
    from simulators.load import LoadDevice, LoadOptions, run_load

    settings = _settings(args)
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
        from hub.demo import running_demo_device_listener

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
        url=url or _demo_mqtt_url(settings),
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


def _demo_mqtt_url(settings: Settings) -> str:
    """The broker a running `sentinel demo` started, if any."""
    from hub.demo import running_demo_mqtt_url

    url = running_demo_mqtt_url(settings.data_dir)
    if url is None:
        raise SystemExit("no broker: set SENTINEL_MQTT_URL or start `sentinel demo` first")
    return url


# --- bench ------------------------------------------------------------------------------------------
def _bench(args: argparse.Namespace) -> int:
    from datetime import datetime

    from benchmarks import bench

    old = None
    try:
        if args.compare:
            old = bench.load_document(args.compare)
        if args.no_run:
            if old is None:
                print("--no-run compares two files: give --compare OLD.json too", file=sys.stderr)
                return 2
            new = bench.load_document(args.no_run)
            print(bench.compare_table(bench.compare(old, new)))
            return 0
    except bench.FormatError as exc:
        print(exc, file=sys.stderr)
        return 2
    unknown = sorted(set(args.only or ()) - set(bench.PLAN))
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; there are {', '.join(bench.PLAN)}", file=sys.stderr)
        return 2
    out = args.out or bench.RESULTS / f"bench-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"

    def say(line: str) -> None:
        print(f"bench: {line}", file=sys.stderr, flush=True)

    doc, figures = bench.run_bench(args.only, out, say)
    print(bench.table(figures))
    if args.markdown:
        print()
        print(bench.markdown(figures))
    failed = [b["benchmark"] for b in doc["benchmarks"] if not b["ok"]]
    print(
        f"\n{len(figures)} figures in {doc['seconds']:.0f} s; written {out}"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    if old is not None:
        print()
        print(bench.compare_table(bench.compare(old, doc)))
    return 1 if failed else 0


# --- scenario ---------------------------------------------------------------------------------------
def _scenario_run(args: argparse.Namespace) -> int:
    from simulators.scenario.model import ScenarioError, load_scenario
    from simulators.scenario.runner import Report, Target, run_scenario

    try:
        scenario = load_scenario(args.file)
    except ScenarioError as exc:
        print(f"invalid scenario:\n{exc}", file=sys.stderr)
        return 2
    settings = _settings(args)
    live = sys.stderr.isatty()

    def progress(line: str) -> None:
        print(f"\r\033[K{line}" if live else line, end="" if live else "\n", file=sys.stderr, flush=True)

    async def against_running_hub() -> Report:
        token = args.token or os.environ.get("SENTINEL_TOKEN")
        mqtt_url = args.mqtt or settings.mqtt_url or _demo_mqtt_url(settings)
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
        from simulators.scenario.private_hub import private_hub

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
