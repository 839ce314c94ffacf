"""The broker's optional TLS listener: devices sign in with a client certificate whose name is their
account, so the same ACL confines them; the hub connects over TLS too; no certificate, no entry."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devices.link import DeviceLink, LinkError
from hub.adapters.mqtt.broker_conf import hub_account_name
from hub.adapters.mqtt.certificates import TlsFiles, issue_certificates
from hub.adapters.mqtt.credentials import district_accounts, write_broker_files
from hub.config import Settings, load_district
from sentinel_dev.services import PrivateMosquitto, free_port
from sentinel_dev.services.mosquitto import TlsListener
from tests.integration.conftest import eventually, fetch_value, running_hub


@pytest.fixture
def tls_broker(district_file: Path, hub_settings: Settings) -> Iterator[tuple[PrivateMosquitto, TlsFiles, str]]:
    prefix = f"tls{uuid.uuid4().hex[:6]}"
    instance = hub_settings.instance_id
    accounts = district_accounts(load_district(district_file), prefix, hub_instances=(instance,))
    base = Path(tempfile.mkdtemp(prefix="sentinel-test-tls-"))
    auth = write_broker_files(accounts, base / "auth")
    certs = issue_certificates(base / "tls", ["127.0.0.1", "localhost"], [hub_account_name(instance), "btn-00-0"])
    tls = TlsListener(free_port(), certs.ca_file, certs.server_cert, certs.server_key)
    broker = PrivateMosquitto(
        base, password_file=auth.password_file, acl_file=auth.acl_file, tls=tls, bind_client_ids=True
    )
    broker.start()
    yield broker, certs, prefix
    broker.stop()
    shutil.rmtree(base, ignore_errors=True)


def tls_url(broker: PrivateMosquitto, certs: TlsFiles, account: str) -> str:
    cert, key = certs.client(account)
    assert broker.tls is not None
    return f"mqtts://127.0.0.1:{broker.tls.port}?ca={certs.ca_file}&cert={cert}&key={key}"


@pytest.mark.one_process(
    "moves the hub to a broker of its own that binds client ids to accounts (and for TLS, certificates): the"
    " routine process would need its own account and URL there, which test_broker_security gives it"
)
async def test_a_device_with_its_certificate_reaches_the_hub_over_tls_and_only_under_its_own_topic(
    tls_broker: tuple[PrivateMosquitto, TlsFiles, str], hub_settings: Settings
) -> None:
    broker, certs, prefix = tls_broker
    hub_account = hub_account_name(hub_settings.instance_id)
    settings = hub_settings.model_copy(update={"mqtt_url": tls_url(broker, certs, hub_account), "topic_prefix": prefix})
    db = settings.database_url
    assert db
    async with running_hub(settings) as hub:
        # The device asks for the hub's client id: its certificate's name is what it gets.
        device = DeviceLink(tls_url(broker, certs, "btn-00-0"), hub_account).connect()
        try:
            acks: list[int] = []
            device._client.on_publish = lambda c, u, mid, rc, p: acks.append(rc.value)
            for site, button in (("site-00", "btn-00-0"), ("site-01", "btn-01-0")):
                body = {"event_id": f"tls-{button}", "type": "panic", "ts": datetime.now(UTC).isoformat()}
                device.publish_and_wait(hub.topics.button_event(site, button), json.dumps(body).encode())
            assert acks == [0, 135]  # its own topic; another site's is not authorised
            assert hub.running.mqtt.reconnects == 0 and hub.running.mqtt.connected  # the hub kept its session
        finally:
            device.close()
        await eventually(lambda: fetch_value(db, "SELECT count(*) = 1 FROM events"))
        await asyncio.sleep(0.3)
        assert await fetch_value(db, "SELECT array_agg(device_id) FROM events") == ["btn-00-0"]


def test_a_client_without_a_certificate_cannot_connect(tls_broker: tuple[PrivateMosquitto, TlsFiles, str]) -> None:
    broker, certs, _ = tls_broker
    assert broker.tls is not None
    with pytest.raises((LinkError, ssl.SSLError, OSError)):
        DeviceLink(f"mqtts://127.0.0.1:{broker.tls.port}?ca={certs.ca_file}", "intruder").connect(timeout=3)
