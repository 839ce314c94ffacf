"""The audit log's hash chain, checked (pure): each entry names the hash of the entry before it and
carries the hash of its own content, and the chain's places (seq) run 1, 2, 3, ... without a gap.

The database links every entry as it commits (migration 013); `sentinel audit verify` reads the
entries in chain order with the hash their content gives now, and this module names the first link
that does not hold, so a supervisor can show that nobody rewrote who acknowledged what, and when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

GENESIS = bytes(32)  # what the first entry names as the hash before it


@dataclass(frozen=True, slots=True)
class ChainEntry:
    id: int
    seq: int | None
    prev_hash: bytes | None
    hash: bytes | None
    recomputed: bytes | None  # the hash of the entry's content as it is now


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    hash: bytes


@dataclass(frozen=True, slots=True)
class BrokenLink:
    id: int | None  # the entry where the chain breaks (None: past the last entry)
    seq: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    entries: int  # entries checked up to the first broken link, or all
    head: ChainHead | None
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


class ChainWalk:
    """Walks the entries in chain order (seq ascending, unlinked ones last), one at a time, so a long
    log is checked without holding it in memory."""

    def __init__(self) -> None:
        self.checked = 0
        self.broken: BrokenLink | None = None
        self._expected_seq = 1
        self._previous = GENESIS

    def step(self, entry: ChainEntry) -> bool:
        """Check the next entry; False once the chain is broken (the walk can stop)."""
        if self.broken is None:
            self.broken = _check(entry, self._expected_seq, self._previous)
        if self.broken is not None:
            return False
        assert entry.seq is not None and entry.hash is not None
        self.checked, self._expected_seq, self._previous = self.checked + 1, entry.seq + 1, entry.hash
        return True

    def finish(self, head: ChainHead | None) -> ChainVerdict:
        """The verdict, given the head (last seq and hash) the database keeps."""
        return ChainVerdict(self.checked, head, self.broken or self._check_head(head))

    def _check_head(self, head: ChainHead | None) -> BrokenLink | None:
        last_seq = self._expected_seq - 1
        if head is None:
            return None if last_seq == 0 else BrokenLink(None, None, "the chain head is missing")
        if head.seq > last_seq:
            return BrokenLink(
                None,
                head.seq,
                f"the chain head is at seq {head.seq} but the last entry is seq {last_seq}: "
                "entries at the end were deleted",
            )
        if head.seq < last_seq:
            return BrokenLink(None, head.seq, f"the chain head is at seq {head.seq}, behind the last entry")
        if head.hash != self._previous:
            return BrokenLink(None, head.seq, "the chain head's hash differs from the last entry's")
        return None


def verify_chain(entries: Iterable[ChainEntry], head: ChainHead | None) -> ChainVerdict:
    walk = ChainWalk()
    for entry in entries:
        if not walk.step(entry):
            break
    return walk.finish(head)


def _check(entry: ChainEntry, expected_seq: int, previous: bytes) -> BrokenLink | None:
    if entry.seq is None or entry.hash is None:
        return BrokenLink(entry.id, None, "the entry is not linked into the chain (written around it)")
    if entry.seq > expected_seq:
        missing = entry.seq - expected_seq
        return BrokenLink(
            entry.id,
            entry.seq,
            f"{missing} entr{'y' if missing == 1 else 'ies'} before it (seq {expected_seq}) deleted",
        )
    if entry.seq < expected_seq:
        return BrokenLink(entry.id, entry.seq, f"seq {entry.seq} appears twice or out of order")
    if entry.prev_hash != previous:
        return BrokenLink(entry.id, entry.seq, "it does not follow the entry before it (that one was rewritten)")
    if entry.recomputed != entry.hash:
        return BrokenLink(entry.id, entry.seq, "its content was changed after it was written")
    return None
