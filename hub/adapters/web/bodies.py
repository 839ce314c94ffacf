"""Request bodies as the handlers read them: JSON, where null means absent, 1.0 is the integer 1 (JSON Schema
does not tell them apart), and text PostgreSQL cannot store (NUL, unpaired surrogates) becomes U+FFFD."""

from __future__ import annotations

import json
import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _number(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() else value


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(key): _clean(item) for key, item in value.items() if item is not None}
    return value


def parse_json_body(text: str) -> Any:
    """ValueError when the text is not JSON."""
    return _clean(json.loads(text, parse_float=_number))
