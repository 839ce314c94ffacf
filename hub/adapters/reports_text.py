"""Bilingual words of the report exports (CSV and PDF): Chinese first, then English."""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

from hub.domain.reports import DEFINITIONS
from hub.services.views.reports import Report

Words = tuple[str, str]  # (Chinese, English)

# The tables are data, kept in reports_words.json next to this module: one table for each kind of word.
_WORDS: dict[str, Any] = json.loads(resources.files(__package__).joinpath("reports_words.json").read_text("utf-8"))


def _table(name: str) -> dict[str, Words]:
    return {code: (zh, en) for code, (zh, en) in _WORDS[name].items()}


def _words(name: str) -> Words:
    zh, en = _WORDS[name]
    return zh, en


# Every kind an incident can have (hub.domain.incidents, patrol's manual incidents); any other kind a desk
# may type is reported as "other", never as its code.
KINDS = _table("kinds")
OTHER_KIND = "other"
OTHER_KIND_WORDS = _words("other_kind_words")
DISPOSITIONS, DRILL_STATUS, DEVICE_KINDS, PERIODS, STEPS, HALVES, OUTCOMES = map(
    _table, ("dispositions", "drill_status", "device_kinds", "periods", "steps", "halves", "outcomes")
)
TEST_NOTE, PATROL_NOTE, PATROL_MISSING_NOTE, TARGET_NOTE = map(
    _words, ("test_note", "patrol_note", "patrol_missing_note", "target_note")
)


def both(pair: Words) -> str:
    return f"{pair[0]} {pair[1]}"


def term(table: Mapping[str, Words], code: str | None) -> str:
    if code is None:
        return "—"
    return both(table[code]) if code in table else code


def seconds_text(value: float | None, compact: bool = False) -> str:
    """Seconds as people read them: 42 s, 3 min 05 s, 1 h 02 min; compact, for tables and bars: 47 s,
    2:17 (min:s), 1:02:05 (h:min:s); '–' for none."""
    if value is None:
        return "–"
    total = round(value)
    if total < 60:
        return f"{total} s"
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if compact:
        return f"{minutes}:{seconds:02d}" if hours == 0 else f"{hours}:{minutes:02d}:{seconds:02d}"
    if total < 3600:
        return f"{minutes} min {seconds:02d} s"
    if total < 86400:
        return f"{hours} h {minutes:02d} min"
    return f"{total // 86400} d {hours % 24} h"


def percent_text(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f} %"


def patrol_note(report: Report) -> tuple[str, str]:
    """How patrol coverage is counted, or that the report has none (a report made before patrol logs)."""
    return PATROL_NOTE if report.patrol_coverage is not None else PATROL_MISSING_NOTE


def group_name(row: dict[str, Any], fallback: str = "—") -> str:
    return str(row.get("name") or row.get("id") or fallback)


def kind_of(code: str) -> str:
    """The kind a report shows: a known kind, else "other"."""
    return code if code in KINDS else OTHER_KIND


def kind_words(code: str) -> tuple[str, str]:
    return KINDS.get(code, OTHER_KIND_WORDS)


def kind_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts per kind with unknown kinds summed as "other", in the order KINDS lists them."""
    merged: dict[str, int] = {}
    for code, n in counts.items():
        merged[kind_of(code)] = merged.get(kind_of(code), 0) + n
    order = [*KINDS, OTHER_KIND]
    return {k: merged[k] for k in sorted(merged, key=order.index)}


def definitions(report: Report) -> list[tuple[str, str]]:
    """(Chinese, English) of each figure's definition: the report's own, else today's."""
    if report.definitions:
        return [(d.zh, d.en) for d in report.definitions]
    return [(d.zh, d.en) for d in DEFINITIONS]
