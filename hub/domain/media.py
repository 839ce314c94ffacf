"""What the hub takes as camera media, and from where.

A camera event names its snapshot and clip by URL; the hub fetches them and serves them to the desk from
its own origin. So the bytes decide the type (never the remote Content-Type: a page answering text/html
with a script must not come back from the hub's origin), and a camera may only point the hub at the
origins configured for it (its registered stream and an explicit list), never at the hub's own loopback
services or anything else on the network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

JPEG, WEBM, MP4 = "image/jpeg", "video/webm", "video/mp4"
SUFFIXES = {JPEG: ".jpg", WEBM: ".webm", MP4: ".mp4"}
# What each kind of media may be. A snapshot is a still image; a clip is a video.
ACCEPTED = {"snapshot": frozenset({JPEG}), "clip": frozenset({WEBM, MP4})}
# Largest file kept of each kind (a 1080p JPEG is well under 1 MB; a 10 s clip a few MB).
MAX_BYTES = {"snapshot": 8 * 1024 * 1024, "clip": 64 * 1024 * 1024}
_DEFAULT_PORTS = {"http": 80, "https": 443}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V ", b"msnv"}


def sniff(data: bytes) -> str | None:
    """The media type the bytes are (JPEG, WebM or MP4), or None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    # WebM is Matroska (EBML) whose DocType (element 0x4282) is "webm"; the EBML header is short.
    if data.startswith(_EBML_MAGIC) and b"\x42\x82" in data[:64] and b"webm" in data[:64]:
        return WEBM
    # ISO base media: the first box is `ftyp` with an MP4 brand.
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _MP4_BRANDS:
        return MP4
    return None


def media_problem(kind: str, data: bytes) -> str | None:
    """Why these bytes are not acceptable as this kind of media, or None when they are."""
    if len(data) > MAX_BYTES[kind]:
        return f"{kind} larger than {MAX_BYTES[kind]} bytes"
    found = sniff(data)
    if found is None:
        head = data[:16].decode("ascii", "backslashreplace")
        return f"{kind} is not {' or '.join(sorted(ACCEPTED[kind]))} (starts with {head!r})"
    if found not in ACCEPTED[kind]:
        return f"{kind} is {found}, not {' or '.join(sorted(ACCEPTED[kind]))}"
    return None


@dataclass(frozen=True, slots=True)
class Origin:
    """scheme://host:port of an HTTP(S) URL, the unit a camera is allowed to point the hub at."""

    scheme: str
    host: str  # lower case; an IPv6 address without brackets
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def names_local_address(self) -> bool:
        """The configured host is itself a loopback or link-local address (or `localhost`): whoever
        configured it meant a local service, so the fetch may connect to one."""
        return is_local_name(self.host) or is_local_address(self.host)


def origin_of(url: str) -> Origin | None:
    """The origin of an http(s) URL, or None when the URL is not one (other scheme, no host, bad port)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    return Origin(scheme, parts.hostname.lower().rstrip("."), port or _DEFAULT_PORTS[scheme])


def is_local_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def is_local_address(host: str) -> bool:
    """Loopback, link-local (cloud metadata lives there), unspecified or multicast: never a camera's
    address unless configured as such."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_link_local or address.is_unspecified or address.is_multicast


def allowed_origins(stream: str, extra: Iterable[str]) -> tuple[Origin, ...]:
    """A camera's media origins: its stream's (when it is served over HTTP) and the configured ones."""
    found = [o for o in (origin_of(u) for u in (stream, *extra)) if o is not None]
    return tuple(dict.fromkeys(found))


def url_problem(url: str, allowed: Iterable[Origin]) -> str | None:
    """Why the hub must not fetch this URL for a camera with these origins, or None."""
    origin = origin_of(url)
    if origin is None:
        return "media URL is not an http(s) URL with a host"
    if origin not in set(allowed):
        return f"media origin {origin} is not allowed for this camera"
    return None
