"""Runtime settings of a hub instance: a YAML settings file, overridden by SENTINEL_* variables.

Read once at start by the app, never at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from ipaddress import ip_network
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.config.errors import ConfigError
from hub.config.yaml_text import parse_yaml

DEFAULT_DISTRICT_FILE = Path("config/demo-district.yaml")

# environment variable → settings field
ENVIRONMENT = {
    "SENTINEL_MQTT_URL": "mqtt_url",
    "SENTINEL_DATABASE_URL": "database_url",
    "SENTINEL_HTTP": "http",
    "SENTINEL_CONFIG": "district_file",
    "SENTINEL_TOPIC_PREFIX": "topic_prefix",
    "SENTINEL_INSTANCE": "instance_id",
    "SENTINEL_LOG_LEVEL": "log_level",
    "SENTINEL_DATA_DIR": "data_dir",
    "SENTINEL_SHARED_GROUP": "shared_subscription_group",
    "SENTINEL_INGEST_BATCH_MAX": "ingest_batch_max",
    "SENTINEL_INGEST_ALARM_BATCH_MAX": "ingest_alarm_batch_max",
    "SENTINEL_SECURE_COOKIES": "secure_cookies",
    "SENTINEL_PUBLIC_URL": "public_url",
    "SENTINEL_DC09_TCP": "dc09_tcp",
    "SENTINEL_DC09_UDP": "dc09_udp",
    "SENTINEL_DEAD_LETTER_RETENTION_DAYS": "dead_letter_retention_days",
    "SENTINEL_MEDIA_RETENTION_DAYS": "media_retention_days",
    "SENTINEL_MEDIA_RETENTION_GB": "media_retention_gb",
    "SENTINEL_HTTP_IDLE_TIMEOUT_S": "http_idle_timeout_s",
    "SENTINEL_HTTP_BODY_TIMEOUT_S": "http_body_timeout_s",
    "SENTINEL_TRUSTED_PROXIES": "trusted_proxies",
    "SENTINEL_ROUTINE_PROCESS": "routine_process",
    "SENTINEL_ROUTINE_MQTT_URL": "routine_mqtt_url",
}


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mqtt_url: str | None = None
    database_url: str | None = None
    http: str = "127.0.0.1:8080"
    district_file: Path = DEFAULT_DISTRICT_FILE
    topic_prefix: str = "sentinel"
    # Names the hub's MQTT session: it must stay the same across restarts so that the broker
    # redelivers what a crashed instance had not acknowledged.
    instance_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]{1,40}$")] = "main"
    data_dir: Path = Path(".sentinel")
    # How devices and phones reach this hub's HTTP server (speakers fetch audio from it); default:
    # http://HOST:PORT of `http`.
    public_url: str | None = None
    # SIA DC-09 receivers for alarm panels (HOST:PORT each); off when not set.
    dc09_tcp: str | None = None
    dc09_udp: str | None = None
    # Set on every instance of a scaled-out hub: they then share inbound messages (MQTT 5).
    shared_subscription_group: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{1,40}$")] | None = None
    log_level: str = "info"
    # Bad input limits (DESIGN.md, "Bad input").
    max_payload_bytes: Annotated[int, Field(ge=256)] = 64 * 1024
    max_camera_payload_bytes: Annotated[int, Field(ge=1024)] = 2 * 1024 * 1024
    max_clock_skew_s: Annotated[int, Field(ge=1)] = 300
    max_event_age_s: Annotated[int, Field(ge=60)] = 24 * 3600
    # Refused messages are kept this long in `dead_letters` (a payload over 4 KiB as prefix, length, hash).
    dead_letter_retention_days: Annotated[float, Field(gt=0, le=3650)] = 30.0
    # Camera snapshots and clips the hub keeps (DATA_DIR/hub-media): older ones, and the oldest past the size.
    media_retention_days: Annotated[float, Field(gt=0, le=3650)] = 30.0
    media_retention_gb: Annotated[float, Field(gt=0, le=100_000)] = 50.0
    # HTTP: a connection with no request under way is closed after `http_idle_timeout_s` (this also bounds
    # how long a client may take to send a request's headers); a request body must arrive whole within
    # `http_body_timeout_s`.
    http_idle_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 20.0
    http_body_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 30.0
    # Console sessions: idle timeout, `Secure` cookies when served over HTTPS (behind a proxy), and
    # other origins the console is reached by (for the WebSocket origin check).
    session_idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    secure_cookies: bool = False
    allowed_origins: list[str] = []
    # Reverse proxies in front of the console (addresses or networks, e.g. 127.0.0.1, 10.0.0.0/24):
    # only from them is X-Forwarded-For believed for the client's address (login throttling, audit).
    trusted_proxies: list[str] = []
    # Ingest: messages committed per transaction at most.
    ingest_batch_max: Annotated[int, Field(ge=1, le=10_000)] = 500
    # The alarm lane's: larger, since its batches grow only when alarms queue (a backlog after an outage),
    # and then each transaction's fixed round trips, not its rows, set how fast the backlog drains.
    ingest_alarm_batch_max: Annotated[int, Field(ge=1, le=10_000)] = 2000
    # The routine lane (everything but button events) in an OS process of its own, which the hub starts
    # and supervises (docs/design.md, "Processes"); off: one process does everything.
    routine_process: bool = True
    # The routine process's broker account (mqtt://user:pass@host:port). Needed where the broker binds
    # client ids to accounts (it would otherwise take the main process's session); without one, on such
    # a broker, the routine lane stays in the main process. Default: the hub's URL on an open broker.
    routine_mqtt_url: str | None = None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        """SENTINEL_TRUSTED_PROXIES=127.0.0.1,10.0.0.0/24"""
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    @field_validator("http", "dc09_tcp", "dc09_udp")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
            raise ValueError("must be HOST:PORT, e.g. 127.0.0.1:8080")
        return value

    @property
    def http_host(self) -> str:
        return self.http.rpartition(":")[0]

    @property
    def http_port(self) -> int:
        return int(self.http.rpartition(":")[2])


def load_settings(
    settings_file: Path | None = None, environ: Mapping[str, str] | None = None, **overrides: object
) -> Settings:
    """Settings from the file (if any), then the environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    if settings_file is not None:
        try:
            loaded = parse_yaml(Path(settings_file).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(settings_file, [f"cannot read settings: {exc}"]) from None
        if not isinstance(loaded, dict):
            raise ConfigError(settings_file, ["the settings file must hold a mapping"])
        values.update(loaded)
    for variable, field in ENVIRONMENT.items():
        if environ.get(variable):
            values[field] = environ[variable]
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(settings_file or "environment", problems) from None
