"""The custody journal: a tamper-evident, append-only record of every custody event.

Each business event (contract signed, deposit, session released, refund, closure) becomes an
entry of canonical JSON linked to its predecessor by hash (:mod:`.chain`). The entries are
also the leaves of an RFC 6962 / RFC 9162 Merkle tree (:mod:`.merkle`) whose roots the
operator signs with Ed25519 (:mod:`.signing`). From these come consumer receipts
(:mod:`.receipt`), consistency proofs for the notary and the bureau, and the export folder
that anyone can verify offline (:mod:`.export`).

Pure Python plus ``cryptography``; no Django. The Django service stores entries and tree
heads in tables and calls these functions.
"""

from .canonical import canonical_json, load_canonical
from .chain import GENESIS_PREV, Journal, JournalEntry, make_entry, parse_entry
from .export import (
    ExportSummary,
    Problem,
    VerificationReport,
    export_journal,
    read_tree_heads,
    verify_export,
    verify_journal,
)
from .merkle import (
    EMPTY_ROOT,
    MerkleTree,
    Node,
    NodeReader,
    consistency_path,
    hash_children,
    hash_leaf,
    inclusion_path,
    nodes_needed_for_consistency,
    nodes_needed_for_inclusion,
    nodes_needed_for_root,
    range_hash,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)
from .receipt import Receipt, ReceiptCheck, make_receipt, verify_receipt
from .signing import (
    SignedTreeHead,
    generate_signing_key,
    key_id,
    load_public_key,
    load_signing_key,
    public_key_pem,
    sign_tree_head,
    timestamp_us,
    verify_tree_head,
)

__all__ = [
    "EMPTY_ROOT",
    "GENESIS_PREV",
    "ExportSummary",
    "Journal",
    "JournalEntry",
    "MerkleTree",
    "Node",
    "NodeReader",
    "Problem",
    "Receipt",
    "ReceiptCheck",
    "SignedTreeHead",
    "VerificationReport",
    "canonical_json",
    "consistency_path",
    "export_journal",
    "generate_signing_key",
    "hash_children",
    "hash_leaf",
    "inclusion_path",
    "key_id",
    "load_canonical",
    "load_public_key",
    "load_signing_key",
    "make_entry",
    "make_receipt",
    "nodes_needed_for_consistency",
    "nodes_needed_for_inclusion",
    "nodes_needed_for_root",
    "parse_entry",
    "public_key_pem",
    "range_hash",
    "read_tree_heads",
    "root_from_inclusion_proof",
    "sign_tree_head",
    "timestamp_us",
    "verify_consistency",
    "verify_export",
    "verify_inclusion",
    "verify_journal",
    "verify_receipt",
    "verify_tree_head",
]
