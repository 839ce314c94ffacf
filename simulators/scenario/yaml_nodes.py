"""YAML read with the line of every value, and the checks that report a wrong value as `FILE:LINE: what`.

The scenario model (simulators.scenario.model) is validated with these; every problem is collected, so a
file's problems are reported all at once (`ScenarioError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ScenarioError(Exception):
    """Every problem found in a scenario file, each naming the file and line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Node:
    """A YAML value and the (1-based) line it starts on."""

    value: Any  # dict[str, Node] | list[Node] | scalar
    line: int

    def plain(self) -> Any:
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _convert(node: yaml.Node) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return Node({str(_scalar(k)): _convert(v) for k, v in node.value}, line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(v) for v in node.value], line)
    return Node(_scalar(node), line)


def _scalar(node: yaml.Node) -> Any:
    return yaml.SafeLoader(yaml.safe_dump(None)).construct_object(node)  # resolves int, float, bool, null


def read_yaml(path: Path) -> Node:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ScenarioError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    if root is None:
        raise ScenarioError([f"{path}:1: the file is empty"])
    return _convert(root)


class Problems:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, node: Node | int, message: str) -> None:
        line = node if isinstance(node, int) else node.line
        self.items.append(f"{self.path}:{line}: {message}")


def as_mapping(node: Node, what: str, problems: Problems) -> dict[str, Node] | None:
    if not isinstance(node.value, dict):
        problems.add(node, f"{what} must be a mapping (key: value), not {kind_of(node.value)}")
        return None
    return node.value


def kind_of(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    return f"{type(value).__name__} {value!r}"


def check_keys(mapping: dict[str, Node], allowed: tuple[str, ...], what: str, problems: Problems) -> None:
    for key, node in mapping.items():
        if key not in allowed:
            problems.add(node, f"{what}: unknown key {key!r} (known: {', '.join(allowed)})")


def as_number(node: Node | None, what: str, problems: Problems, minimum: float = 0.0) -> float | None:
    if node is None:
        return None
    if isinstance(node.value, bool) or not isinstance(node.value, int | float) or node.value < minimum:
        problems.add(node, f"{what} must be a number ≥ {minimum:g}, not {kind_of(node.value)}")
        return None
    return node.value


def as_text(node: Node | None, what: str, problems: Problems, choices: tuple[str, ...] = ()) -> str | None:
    if node is None:
        return None
    if isinstance(node.value, int | float) and not isinstance(node.value, bool):
        value = str(node.value)  # an account or a code written without quotes
    elif isinstance(node.value, str) and node.value:
        value = node.value
    else:
        problems.add(node, f"{what} must be text, not {kind_of(node.value)}")
        return None
    if choices and value not in choices:
        problems.add(node, f"{what} must be one of {', '.join(choices)}, not {value!r}")
        return None
    return value
