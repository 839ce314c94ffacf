"""YAML text to Python values, through libyaml when PyYAML has it (about 8× faster than the pure-Python
parser: the district file is read by both hub processes at every start, and a backlog's drain counts the start)."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_LOADER)  # a safe loader either way
