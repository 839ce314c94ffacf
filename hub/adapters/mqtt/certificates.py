"""A private certificate authority for the broker's TLS listener: one server certificate, and one
client certificate per account (its common name is the account name, so the broker's ACL applies to
a device that signs in with its certificate exactly as with its password)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_FOR = timedelta(days=825)  # the longest lifetime clients accept for a server certificate


@dataclass(frozen=True)
class TlsFiles:
    ca_file: Path
    server_cert: Path
    server_key: Path
    client_dir: Path  # {account}.crt and {account}.key

    def client(self, account: str) -> tuple[Path, Path]:
        return self.client_dir / f"{account}.crt", self.client_dir / f"{account}.key"


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    old = os.umask(0o077)
    try:
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    finally:
        os.umask(old)


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name | None,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    server_names: Iterable[str] = (),
    client: bool = False,
) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    names: list[x509.GeneralName] = []
    for host in server_names:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if client:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def issue_certificates(out_dir: Path, server_names: Iterable[str], accounts: Iterable[str]) -> TlsFiles:
    """A CA, a server certificate for `server_names` (host names or IP addresses), and a client
    certificate for each account. Keys are written readable by their owner only."""
    out_dir.mkdir(parents=True, exist_ok=True)
    clients = out_dir / "clients"
    clients.mkdir(exist_ok=True)
    ca_key = _key()
    ca_cert = _certificate("Sentinel hub CA", ca_key, None, ca_key, ca=True)
    files = TlsFiles(out_dir / "ca.crt", out_dir / "server.crt", out_dir / "server.key", clients)
    files.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    server_key = _key()
    server_cert = _certificate("sentinel-broker", server_key, ca_cert.subject, ca_key, server_names=list(server_names))
    files.server_cert.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(files.server_key, server_key)
    for account in accounts:
        key = _key()
        cert = _certificate(account, key, ca_cert.subject, ca_key, client=True)
        crt_path, key_path = files.client(account)
        crt_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key_path, key)
    return files
