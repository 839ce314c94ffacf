"""The report exports' words, kept as data (hub/adapters/reports_words.json): every table loads as
(Chinese, English) pairs and names every code the hub can put in a report."""

from __future__ import annotations

import re

import pytest

from devices.contract import DeviceKind
from hub.adapters import reports_text as words
from hub.domain.lifecycle import Disposition
from hub.domain.reports import PeriodKind

HAN = re.compile(r"[\u4e00-\u9fff]")
TABLES = {
    "KINDS": words.KINDS,
    "DISPOSITIONS": words.DISPOSITIONS,
    "DRILL_STATUS": words.DRILL_STATUS,
    "DEVICE_KINDS": words.DEVICE_KINDS,
    "PERIODS": words.PERIODS,
    "STEPS": words.STEPS,
    "HALVES": words.HALVES,
    "OUTCOMES": words.OUTCOMES,
}
NOTES = [words.TEST_NOTE, words.PATROL_NOTE, words.PATROL_MISSING_NOTE, words.TARGET_NOTE, words.OTHER_KIND_WORDS]


@pytest.mark.parametrize("name", TABLES)
def test_every_table_entry_is_chinese_then_english(name: str) -> None:
    for code, pair in TABLES[name].items():
        assert isinstance(pair, tuple) and len(pair) == 2, code
        zh, en = pair
        assert HAN.search(zh), f"{name}[{code}] Chinese side: {zh!r}"
        assert en and not HAN.search(en), f"{name}[{code}] English side: {en!r}"


def test_every_note_is_chinese_then_english() -> None:
    for zh, en in NOTES:
        assert HAN.search(zh) and en and not HAN.search(en)


def test_the_tables_name_every_code_a_report_can_hold() -> None:
    assert set(words.DEVICE_KINDS) == {k.value for k in DeviceKind}
    assert set(words.PERIODS) == {p.value for p in PeriodKind}
    # "deterred" is reported in the deterrence figures, not as a closing disposition of its own.
    assert {d.value for d in Disposition} - {"deterred"} <= set(words.DISPOSITIONS)


def test_an_unknown_kind_reads_as_other_in_both_languages() -> None:
    assert words.kind_of("something_new") == words.OTHER_KIND
    assert words.kind_words("something_new") == ("其他", "Other")
    assert words.term(words.KINDS, "panic") == "紧急报警 Panic"
