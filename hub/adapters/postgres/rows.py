"""The base of the per-kind persistence classes (each works on the connection of one transaction), and the
mapping of a row onto the dataclass whose fields are its columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from hub.adapters.postgres.held_writes import HoldingConnection

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


class Rows:
    def __init__(self, conn: HoldingConnection) -> None:
        self._conn = conn


def record(cls: type[T], row: asyncpg.Record | Mapping[str, Any], **converted: Any) -> T:
    """A `cls` from a row: each field from the column of its name, except those given `converted`
    (an enum from its text, a tuple from an array, a figure computed from several columns)."""
    return cls(**{f.name: row[f.name] for f in fields(cls) if f.name not in converted}, **converted)


def insert_sql(table: str, columns: Sequence[str], returning: str) -> str:
    """`INSERT INTO table (columns) VALUES ($1, …) RETURNING returning`, the values in the columns' order."""
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) RETURNING {returning}"
