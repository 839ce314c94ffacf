"""`sentinel broker creds`: broker accounts, ACL and certificates from the device registry."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hub.cli.common import Commands, settings_of
from hub.config import load_district


def register(commands: Commands) -> None:
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


def _broker_creds(args: argparse.Namespace) -> int:
    from hub.adapters.mqtt.broker_conf import production_recipe
    from hub.adapters.mqtt.credentials import district_accounts, lab_accounts, write_broker_files

    settings = settings_of(args)
    district = load_district(settings.district_file)
    instances = tuple(dict.fromkeys(args.hub_instance or [settings.instance_id]))
    try:
        accounts = district_accounts(district, settings.topic_prefix, hub_instances=instances)
    except ValueError as exc:
        print(f"cannot make the broker accounts: {exc}", file=sys.stderr)
        return 2
    files = write_broker_files(accounts, args.out)
    hubs = ", ".join(a.username for a in accounts[: 2 * len(instances)])  # each instance's, and its routine lane's
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
