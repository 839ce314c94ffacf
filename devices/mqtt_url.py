"""MQTT broker URLs, shared by the hub and the devices:

    mqtt://user:pass@host:1883
    mqtts://host:8883?ca=/etc/sentinel/ca.crt&cert=/etc/sentinel/device.crt&key=/etc/sentinel/device.key

`mqtts` connects over TLS, verifying the broker against `ca` (or the system's CAs), and signs in
with the client certificate `cert`/`key` when given (the broker may take the certificate's name as
the account).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass(frozen=True)
class TlsOptions:
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


@dataclass(frozen=True)
class MqttEndpoint:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: TlsOptions | None = None


def parse_mqtt_url(url: str) -> MqttEndpoint:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "tcp", "mqtts", "ssl"):
        raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r} (use mqtt:// or mqtts://)")
    secure = parts.scheme in ("mqtts", "ssl")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"ca", "cert", "key"}
    if unknown:
        raise ValueError(f"unknown MQTT URL options: {', '.join(sorted(unknown))}")
    if query and not secure:
        raise ValueError("ca, cert and key are for mqtts:// URLs")
    return MqttEndpoint(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or (8883 if secure else 1883),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=TlsOptions(query.get("ca"), query.get("cert"), query.get("key")) if secure else None,
    )
