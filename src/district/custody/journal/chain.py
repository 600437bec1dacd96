"""Journal entries, the hash chain that links them, and an in-memory journal.

An entry is the canonical JSON (:mod:`.canonical`) of::

    {"event": {...}, "prev": "<hex hash of the previous entry>", "seq": 0, "ts": "<ISO 8601>"}

- ``seq`` counts from 0 without gaps and equals the entry's leaf index in the Merkle tree;
- ``prev`` is the hash of entry ``seq - 1`` (64 zeros for the first entry), so each entry
  commits to the whole history before it (the hash chain);
- ``ts`` is the time the platform recorded the event, ISO 8601 with its UTC offset, taken
  from the database clock, never from the client;
- ``event`` is the business event (contract signed, deposit, session released, refund,
  closure …), money in integer fen.

The hash of an entry is its RFC 6962 leaf hash ``SHA-256(0x00 ‖ entry bytes)``. One hash
therefore serves both structures: the chain links entries by it, and it is leaf ``seq`` of the
Merkle tree whose signed roots (tree heads) give receipts and consistency proofs. The ``0x00``
prefix keeps entry hashes apart from interior-node hashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from district.core.errors import InputError, NotFoundError

from .canonical import canonical_json_and_copy, load_canonical
from .merkle import HASH_SIZE, MerkleTree, hash_leaf
from .signing import SignedTreeHead, sign_tree_head

GENESIS_PREV = bytes(HASH_SIZE)
"""The ``prev`` of entry 0: 32 zero bytes."""

ENTRY_KEYS = frozenset({"event", "prev", "seq", "ts"})


@dataclass(frozen=True)
class JournalEntry:
    """One journal entry: its canonical bytes and the fields read from them."""

    seq: int
    recorded_at: str
    prev_hash: bytes
    event: Mapping[str, Any]
    data: bytes
    hash: bytes

    @property
    def recorded_datetime(self) -> datetime:
        """``recorded_at`` as an aware datetime."""
        return datetime.fromisoformat(self.recorded_at)


def make_entry(
    seq: int, prev_hash: bytes, recorded_at: datetime, event: Mapping[str, Any]
) -> JournalEntry:
    """Build entry ``seq`` after the entry whose hash is ``prev_hash``.

    ``recorded_at`` must be time-zone aware; ``event`` must be JSON with integer money.
    """
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise InputError(f"seq is {seq!r}; it must be an integer >= 0", field="seq", value=seq)
    if len(prev_hash) != HASH_SIZE:
        raise InputError(
            f"prev_hash is {len(prev_hash)} bytes, not {HASH_SIZE}",
            field="prev_hash",
            fix="Pass the previous entry's hash (GENESIS_PREV for entry 0).",
        )
    if seq == 0 and prev_hash != GENESIS_PREV:
        raise InputError("Entry 0 must follow GENESIS_PREV (32 zero bytes)", field="prev_hash")
    if recorded_at.tzinfo is None or recorded_at.utcoffset() is None:
        raise InputError(
            f"recorded_at {recorded_at.isoformat()} has no time zone",
            field="recorded_at",
            value=recorded_at.isoformat(),
            fix="Pass an aware datetime taken from the database clock.",
        )
    if not isinstance(event, Mapping):
        raise InputError(
            f"event is a {type(event).__name__}; it must be a JSON object",
            field="event",
            fix="Pass a dict such as {'type': 'deposit', 'amount_fen': 100000}.",
        )
    stamp = recorded_at.isoformat(timespec="microseconds")
    data, parsed = canonical_json_and_copy(
        {"event": event, "prev": prev_hash.hex(), "seq": seq, "ts": stamp}
    )
    return JournalEntry(seq, stamp, bytes(prev_hash), parsed["event"], data, hash_leaf(data))


def parse_entry(data: bytes, *, entry_hash: bytes | None = None) -> JournalEntry:
    """Read an entry from its bytes, checking its shape and that it is canonical.

    ``entry_hash`` skips rehashing when the caller already has ``hash_leaf(data)``.
    Raises :class:`InputError` saying what is wrong; tamper checks live in the verifier.
    """
    document = load_canonical(data)
    if not isinstance(document, dict) or set(document) != ENTRY_KEYS:
        keys = sorted(document) if isinstance(document, dict) else type(document).__name__
        raise InputError(
            f"The entry must be an object with keys event, prev, seq, ts; got {keys}",
            field="entry",
        )
    seq, prev, stamp, event = document["seq"], document["prev"], document["ts"], document["event"]
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise InputError(f"The entry has seq {seq!r}", field="seq", value=seq)
    if not isinstance(prev, str) or len(prev) != 2 * HASH_SIZE:
        raise InputError(f"The entry has prev {prev!r}", field="prev", value=prev)
    try:
        prev_hash = bytes.fromhex(prev)
    except ValueError:
        raise InputError(f"The entry's prev {prev!r} is not hex", field="prev") from None
    if not isinstance(stamp, str):
        raise InputError(f"The entry has ts {stamp!r}", field="ts", value=stamp)
    if not isinstance(event, dict):
        raise InputError("The entry's event is not a JSON object", field="event")
    leaf = hash_leaf(data) if entry_hash is None else entry_hash
    return JournalEntry(seq, stamp, prev_hash, event, bytes(data), leaf)


class Journal:
    """An append-only journal held in memory: entries, hash chain and Merkle tree.

    The Django service keeps entries in a table and uses :func:`make_entry` and
    :class:`~.merkle.MerkleTree` directly; this class is the same logic for tests, exports
    and tools.
    """

    def __init__(self) -> None:
        self._data: list[bytes] = []
        self._tree = MerkleTree()

    @classmethod
    def from_entries(cls, entries: Iterable[bytes]) -> Journal:
        """Load entry bytes in order, checking each one's ``seq`` and ``prev``.

        Raises :class:`InputError` at the first entry that does not chain; use
        :func:`~.export.verify_journal` for a diagnosis instead of an exception.
        """
        journal = cls()
        for data in entries:
            entry = parse_entry(data)
            expected_prev = journal.last_hash
            if entry.seq != journal.size or entry.prev_hash != expected_prev:
                raise InputError(
                    f"Entry at position {journal.size} has seq {entry.seq} and prev "
                    f"{entry.prev_hash.hex()[:16]}…; expected seq {journal.size} and prev "
                    f"{expected_prev.hex()[:16]}…",
                    field="entries",
                    fix="Run verify_journal to find what was altered.",
                )
            journal._data.append(entry.data)
            journal._tree.append(entry.hash)
        return journal

    @property
    def size(self) -> int:
        """The number of entries."""
        return self._tree.size

    def __len__(self) -> int:
        return self._tree.size

    @property
    def tree(self) -> MerkleTree:
        """The Merkle tree over the entries (read it, do not append to it)."""
        return self._tree

    @property
    def last_hash(self) -> bytes:
        """The hash of the newest entry (``GENESIS_PREV`` when empty)."""
        return self._tree.leaf_hash(self.size - 1) if self.size else GENESIS_PREV

    def append(self, event: Mapping[str, Any], recorded_at: datetime) -> JournalEntry:
        """Record ``event`` as the next entry and return it."""
        entry = make_entry(self.size, self.last_hash, recorded_at, event)
        self._data.append(entry.data)
        self._tree.append(entry.hash)
        return entry

    def entry_bytes(self, seq: int) -> bytes:
        """The canonical bytes of entry ``seq``."""
        if not 0 <= seq < self.size:
            raise NotFoundError(
                f"The journal has no entry {seq}; it holds entries 0 to {self.size - 1}",
                field="seq",
                value=seq,
            )
        return self._data[seq]

    def entry(self, seq: int) -> JournalEntry:
        """Entry ``seq``, parsed."""
        return parse_entry(self.entry_bytes(seq))

    def entries(self) -> Iterable[bytes]:
        """All entry bytes in order."""
        return iter(self._data)

    def root(self, tree_size: int | None = None) -> bytes:
        """The Merkle root of the first ``tree_size`` entries (default all)."""
        return self._tree.root(tree_size)

    def sign_head(
        self, key: Ed25519PrivateKey, issued_at: datetime, tree_size: int | None = None
    ) -> SignedTreeHead:
        """Sign the current (or an earlier) tree size and root."""
        size = self.size if tree_size is None else tree_size
        return sign_tree_head(key, size, self._tree.root(size), issued_at)

    def inclusion_proof(self, seq: int, tree_size: int | None = None) -> list[bytes]:
        """The audit path of entry ``seq`` in the tree of ``tree_size`` entries."""
        return self._tree.inclusion_proof(seq, tree_size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """The proof that ``new_size`` entries extend the first ``old_size``."""
        return self._tree.consistency_proof(old_size, new_size)
