"""The one error every config reader raises."""

from __future__ import annotations

from pathlib import Path


class ConfigError(Exception):
    """Every problem found in a config file, each naming the file and the key."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))
