"""The Mosquitto settings the hub relies on for identity and size, in one place: the private broker
writes them, and `sentinel broker creds` prints them as the production recipe.

* Identity: `use_username_as_clientid` on every listener that devices reach, so the broker replaces
  whatever client id a client asks for with its account name. A device can then neither take the
  hub's MQTT session (kicking the hub off and destroying the QoS 1 messages queued for it) nor another
  device's. The hub's account is named after its instance (`sentinel-hub-{instance}`, which is also
  the client id it asks for), one account per instance.
* Size: `message_size_limit` drops a publish whose payload is past the hub's largest accepted
  message (camera events with an inline snapshot), so it never reaches the hub; `max_packet_size`
  makes the broker disconnect a client as soon as a packet's header announces more than that plus
  room for topic and properties, before reading it into memory (without it Mosquitto reads up to
  256 MB per packet). Mosquitto 2.0 answers an oversized payload with PUBACK reason 0x95, which paho
  takes as a protocol error and disconnects: either way the device's log shows it.
"""

from __future__ import annotations

from pathlib import Path

HUB_CLIENT_PREFIX = "sentinel-hub-"
# Sized for camera events with an inline base64 snapshot (Settings.max_camera_payload_bytes).
DEFAULT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024


def hub_account_name(instance_id: str) -> str:
    """The broker account, and the MQTT client id, of one hub instance."""
    return f"{HUB_CLIENT_PREFIX}{instance_id}"


def routine_account_name(instance_id: str) -> str:
    """The broker account, and the MQTT client id, of one hub instance's routine lane process
    (hub/routine.py): a session of its own, and an account that reads only the routine topics."""
    return f"{hub_account_name(instance_id)}-routine"


_PACKET_HEADROOM = 64 * 1024  # topic, properties and fixed header around the largest payload


def size_limit_lines(max_message_bytes: int) -> list[str]:
    """Global options (every listener): the payload limit and the packet limit around it."""
    return [f"message_size_limit {max_message_bytes}", f"max_packet_size {max_message_bytes + _PACKET_HEADROOM}"]


def listener_auth_lines(password_file: Path | None, acl_file: Path | None, bind_client_ids: bool) -> list[str]:
    """Authentication of the listener above these lines (with `per_listener_settings true`, or the
    only listener). A listener with neither file is open to anonymous clients (a bare test broker)."""
    secured = password_file is not None or acl_file is not None
    lines = [f"allow_anonymous {'false' if secured else 'true'}"]
    if password_file is not None:
        lines.append(f"password_file {password_file}")
    if acl_file is not None:
        lines.append(f"acl_file {acl_file}")
    if bind_client_ids:
        lines.append("use_username_as_clientid true")
    return lines


def tls_listener_lines(ca_file: Path, cert_file: Path, key_file: Path) -> list[str]:
    """A listener where a client certificate is the account: its common name becomes the username."""
    return [
        f"cafile {ca_file}",
        f"certfile {cert_file}",
        f"keyfile {key_file}",
        "require_certificate true",
        "use_identity_as_username true",
        "tls_version tlsv1.2",
    ]


def production_recipe(
    password_file: Path, acl_file: Path, max_message_bytes: int, tls: tuple[Path, Path, Path] | None = None
) -> str:
    """mosquitto.conf lines for a production broker (besides the durability settings in README):
    devices, officers and hub instances on listeners that bind client ids to accounts."""
    lines = ["per_listener_settings true"] if tls is not None else []
    lines += size_limit_lines(max_message_bytes)
    lines += ["listener 1883", *listener_auth_lines(password_file, acl_file, bind_client_ids=True)]
    if tls is not None:
        lines += [
            "listener 8883",
            *tls_listener_lines(*tls),
            *listener_auth_lines(None, acl_file, bind_client_ids=True),
        ]
    return "\n".join(lines) + "\n"
