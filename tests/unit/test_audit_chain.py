"""The audit chain's walk (pure): the first broken link, and why."""

from __future__ import annotations

import hashlib

from hub.domain.audit import GENESIS, ChainEntry, ChainHead, verify_chain


def chain(count: int) -> list[ChainEntry]:
    entries, previous = [], GENESIS
    for seq in range(1, count + 1):
        digest = hashlib.sha256(previous + str(seq).encode()).digest()
        entries.append(ChainEntry(id=100 + seq, seq=seq, prev_hash=previous, hash=digest, recomputed=digest))
        previous = digest
    return entries


def head_of(entries: list[ChainEntry]) -> ChainHead:
    last = entries[-1]
    assert last.seq is not None and last.hash is not None
    return ChainHead(last.seq, last.hash)


def test_an_intact_chain_counts_every_entry() -> None:
    entries = chain(5)
    verdict = verify_chain(entries, head_of(entries))
    assert verdict.intact and verdict.entries == 5


def test_an_empty_log_without_a_head_is_intact() -> None:
    assert verify_chain([], None).intact


def test_changed_content_is_named_at_its_entry() -> None:
    entries = chain(5)
    entries[2] = ChainEntry(103, 3, entries[2].prev_hash, entries[2].hash, recomputed=b"other")
    verdict = verify_chain(entries, head_of(entries))
    assert verdict.broken is not None and (verdict.broken.id, verdict.entries) == (103, 2)
    assert "content was changed" in verdict.broken.reason


def test_a_missing_entry_is_named_at_the_entry_after_it() -> None:
    entries = chain(5)
    del entries[1]
    verdict = verify_chain(entries, head_of(entries))
    assert verdict.broken is not None and verdict.broken.id == 103
    assert "1 entry before it (seq 2) deleted" in verdict.broken.reason


def test_a_head_past_the_last_entry_means_entries_were_cut_off_the_end() -> None:
    entries = chain(5)
    verdict = verify_chain(entries[:3], head_of(entries))
    assert verdict.broken is not None and verdict.broken.id is None
    assert "entries at the end were deleted" in verdict.broken.reason
