"""DC-09 encryption (ANSI/SIA DC-09-2013, 5.4.6): AES-CBC with a 128-, 192- or 256-bit key per account
and an all-zero IV. What makes each message's ciphertext unique instead is a random pad in front of
the text, separated from it by `|` and sized so the whole is a multiple of 16 bytes; the ciphertext
travels as upper-case hex.
"""

from __future__ import annotations

import secrets
import string

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16
_IV = bytes(BLOCK)
# The pad may hold anything but the characters that delimit the text.
_PAD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits + string.punctuation if c not in "|[]")


class DecryptError(ValueError):
    pass


def encrypt(key: bytes, text: str) -> str:
    """Pad, encrypt and hex-encode `text` (what follows the `[`: data, extended data, timestamp)."""
    size = len(text.encode("latin-1")) + 1  # + the `|`
    pad_length = -size % BLOCK or BLOCK  # at least one random character, so the first block varies
    pad = "".join(secrets.choice(_PAD_ALPHABET) for _ in range(pad_length))
    encryptor = Cipher(algorithms.AES(key), modes.CBC(_IV)).encryptor()
    plain = f"{pad}|{text}".encode("latin-1")
    return (encryptor.update(plain) + encryptor.finalize()).hex().upper()


def decrypt(key: bytes, hex_text: str) -> str:
    """The plain text, pad included (see `strip_pad`)."""
    try:
        cipher = bytes.fromhex(hex_text.strip())
    except ValueError:
        raise DecryptError("the encrypted part is not hex") from None
    if not cipher or len(cipher) % BLOCK:
        raise DecryptError(f"{len(cipher)} encrypted bytes, not a multiple of {BLOCK}")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(_IV)).decryptor()
    return (decryptor.update(cipher) + decryptor.finalize()).decode("latin-1")


def strip_pad(plain: str) -> tuple[str, bool]:
    """(text without its pad, whether a `|` separated them). The pad never holds `|`, `[` or `]`, so
    the first `|` before the first `]` ends it. Some panels pad with zeros and no `|`; then the pad
    cannot be told from the text here, and the caller strips it knowing the payload's format."""
    close = plain.find("]")
    bar = plain.find("|", 0, close if close >= 0 else len(plain))
    if bar >= 0:
        return plain[bar + 1 :], True
    return plain, False
