"""Secrets people and programs prove who they are with: argon2id password hashes, verified on worker threads
(deliberately slow, never on the loop), and random session and API tokens of which only SHA-256 digests are kept."""

from __future__ import annotations

import asyncio
import hashlib
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

API_TOKEN_PREFIX = "sentinel_"  # recognisable by secret scanners; session tokens have no prefix


def token_digest(token: str) -> bytes:
    """What the store keeps of a session or API token: its SHA-256."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def new_token(prefix: str = "") -> tuple[str, bytes]:
    """A fresh 32-byte random token (URL-safe text) and its digest."""
    token = prefix + secrets.token_urlsafe(32)
    return token, token_digest(token)


# argon2id with argon2-cffi's default parameters (m=64 MiB, t=3, p=4) of a password nobody has.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$GvD7YpxWfNwnbEpNPHmvKw$iHr29VvokHsq/vFUBcWodRI+Udi4QuyJcVOoyfnn4kw"


class Passwords:
    """argon2id hashing on worker threads, a few at a time (each takes ~64 MiB and ~0.1 s)."""

    def __init__(self, hasher: PasswordHasher | None = None, max_concurrent: int = 4) -> None:
        self._hasher = hasher or PasswordHasher(type=Type.ID)
        self._slots = asyncio.Semaphore(max_concurrent)
        # A hash made with the hasher's own parameters, so that checking it costs what a real one does.
        self._dummy: str | None = None if hasher else _DUMMY_HASH

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> tuple[bool, bool]:
        """(matches, needs rehash with the current parameters)."""
        async with self._slots:
            return await asyncio.to_thread(self._verify, password_hash, password)

    async def burn(self, password: str) -> None:
        """Spend the time a real verification would, so an unknown username is not told apart."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy, password)

    def _verify(self, password_hash: str, password: str) -> tuple[bool, bool]:
        try:
            self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False, False
        return True, self._hasher.check_needs_rehash(password_hash)
