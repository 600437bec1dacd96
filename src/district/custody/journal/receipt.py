"""Inclusion receipts: a consumer's offline proof that an entry is in the journal.

A receipt carries everything needed to check it alone: the entry's canonical bytes, its leaf
index, the audit path, a signed tree head that covers it and the operator's public key. A
careful holder pins the key (compares it with the one the notary or the bureau publishes)
and keeps the receipt; any later tree head that is consistent with the receipt's head still
contains the entry, so the history that includes the consumer's deposit cannot be rewritten
without a failed consistency check.

JSON form (``Receipt.to_dict``)::

    {"format": "district-custody-receipt", "version": 1,
     "entry": "<the entry's canonical JSON, as a string>",
     "leaf_index": 41, "inclusion_proof": ["<hex>", ...],
     "tree_head": {"tree_size", "root_hash", "timestamp_us", "signature", "key_id"},
     "public_key_pem": "-----BEGIN PUBLIC KEY-----..."}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from district.core.errors import InputError

from .chain import JournalEntry, parse_entry
from .merkle import HASH_SIZE, hash_leaf, verify_inclusion
from .signing import SignedTreeHead, key_id, load_public_key, verify_tree_head

RECEIPT_FORMAT = "district-custody-receipt"
RECEIPT_VERSION = 1


@dataclass(frozen=True)
class Receipt:
    """Proof that one entry is leaf ``leaf_index`` of a signed tree."""

    entry: bytes
    leaf_index: int
    inclusion_proof: tuple[bytes, ...]
    tree_head: SignedTreeHead
    public_key_pem: bytes

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form documented in the module docstring."""
        return {
            "format": RECEIPT_FORMAT,
            "version": RECEIPT_VERSION,
            "entry": self.entry.decode("utf-8"),
            "leaf_index": self.leaf_index,
            "inclusion_proof": [item.hex() for item in self.inclusion_proof],
            "tree_head": self.tree_head.to_dict(),
            "public_key_pem": self.public_key_pem.decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: Any) -> Receipt:
        """Parse :meth:`to_dict` output; :class:`InputError` names the bad field."""
        if not isinstance(data, dict):
            raise InputError("A receipt must be a JSON object", field="receipt")
        if data.get("format") != RECEIPT_FORMAT or data.get("version") != RECEIPT_VERSION:
            raise InputError(
                f"This is not a version {RECEIPT_VERSION} {RECEIPT_FORMAT}: format "
                f"{data.get('format')!r}, version {data.get('version')!r}",
                field="format",
            )
        try:
            entry = str(data["entry"]).encode("utf-8")
            leaf_index = data["leaf_index"]
            proof = tuple(bytes.fromhex(item) for item in data["inclusion_proof"])
            head = SignedTreeHead.from_dict(data["tree_head"], where="receipt's tree head")
            pem = str(data["public_key_pem"]).encode("ascii")
        except KeyError as missing:
            raise InputError(f"The receipt has no field {missing}", field=str(missing)) from None
        except (TypeError, ValueError):
            raise InputError(
                "The receipt's inclusion_proof must be a list of hex strings",
                field="inclusion_proof",
            ) from None
        if isinstance(leaf_index, bool) or not isinstance(leaf_index, int):
            raise InputError(
                f"The receipt has leaf_index {leaf_index!r}", field="leaf_index", value=leaf_index
            )
        return cls(entry, leaf_index, proof, head, pem)


@dataclass(frozen=True)
class ReceiptCheck:
    """The outcome of :func:`verify_receipt`: ``ok`` or the reasons it failed."""

    ok: bool
    problems: tuple[str, ...] = ()
    entry: JournalEntry | None = None
    tree_head: SignedTreeHead | None = field(default=None)


def make_receipt(
    entry: bytes,
    leaf_index: int,
    inclusion_proof: list[bytes] | tuple[bytes, ...],
    tree_head: SignedTreeHead,
    public_key_pem: bytes,
) -> Receipt:
    """Bundle a receipt (see :meth:`Journal.inclusion_proof` and :meth:`Journal.sign_head`)."""
    return Receipt(bytes(entry), leaf_index, tuple(inclusion_proof), tree_head, public_key_pem)


def verify_receipt(receipt: Receipt, trusted_public_key_pem: bytes | None = None) -> ReceiptCheck:
    """Check a receipt offline: key, head signature, entry shape and inclusion proof.

    ``trusted_public_key_pem`` is the operator key the holder trusts (published by the
    notary or the bureau); without it the key inside the receipt is used, which proves only
    that the receipt is self-consistent.
    """
    problems: list[str] = []
    try:
        public_key = load_public_key(receipt.public_key_pem)
    except InputError as error:
        return ReceiptCheck(False, (str(error),))
    if trusted_public_key_pem is not None:
        trusted = load_public_key(trusted_public_key_pem)
        if key_id(trusted) != key_id(public_key):
            problems.append(
                f"The receipt's key {key_id(public_key)[:16]}… is not the trusted key "
                f"{key_id(trusted)[:16]}…"
            )
            public_key = trusted
    head = receipt.tree_head
    if head.key_id != key_id(public_key):
        problems.append(f"The tree head names key {head.key_id[:16]}…, not the operator key")
    if not verify_tree_head(head, public_key):
        problems.append(f"The signature on the tree head of size {head.tree_size} is not valid")
    entry: JournalEntry | None = None
    try:
        entry = parse_entry(receipt.entry)
    except InputError as error:
        problems.append(f"The entry cannot be read: {error}")
    if entry is not None and entry.seq != receipt.leaf_index:
        problems.append(
            f"The entry has seq {entry.seq} but the receipt says leaf {receipt.leaf_index}"
        )
    if not 0 <= receipt.leaf_index < head.tree_size:
        problems.append(
            f"Leaf {receipt.leaf_index} is outside the signed tree of {head.tree_size} entries"
        )
    elif any(len(item) != HASH_SIZE for item in receipt.inclusion_proof) or not verify_inclusion(
        receipt.leaf_index,
        head.tree_size,
        hash_leaf(receipt.entry),
        receipt.inclusion_proof,
        head.root_hash,
    ):
        problems.append(
            f"The inclusion proof does not lead from entry {receipt.leaf_index} to the signed root"
        )
    return ReceiptCheck(not problems, tuple(problems), entry, head)
