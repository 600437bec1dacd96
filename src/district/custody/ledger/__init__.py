"""The custody ledger on the database: double-entry accounts and transfers in integer fen
(TigerBeetle's semantics, :mod:`.transfers`), the journal with its signed tree heads
(:mod:`.records`), one retried transaction per write (:mod:`.retry`) and the crash points
of the reliability suite (:mod:`.crash`).

Services (:mod:`district.custody.services`) are its only callers outside tests.
"""

from . import sql
from .crash import POINTS as CRASHPOINTS
from .crash import crashpoint, reset_crashpoints
from .records import (
    append_event,
    append_events,
    chain_problems,
    chain_records,
    consistency_proof,
    ensure_head,
    export,
    head_state_sql,
    head_update_values,
    journal_size,
    latest_tree_head,
    merkle_tree,
    public_key_pem,
    receipts_for_records,
    sign_tree_head,
    signing_key,
    signing_key_path,
    tree_heads,
)
from .retry import atomic_with_retry, count_retry, is_retryable, retry_counts, run_atomic
from .transfers import (
    BANK_CODE,
    CNY,
    TransferSpec,
    contract_account,
    contract_accounts,
    create_transfer,
    create_transfers,
    custody_bank,
    fees_account,
    lock_accounts,
    merchant_receivable,
    pending_state,
    post_pending,
    prepare_transfer,
    refunds_payable,
    totals_sql,
    void_pending,
)

__all__ = [
    "BANK_CODE",
    "CNY",
    "CRASHPOINTS",
    "TransferSpec",
    "append_event",
    "append_events",
    "atomic_with_retry",
    "chain_problems",
    "chain_records",
    "consistency_proof",
    "contract_account",
    "contract_accounts",
    "count_retry",
    "crashpoint",
    "create_transfer",
    "create_transfers",
    "custody_bank",
    "ensure_head",
    "export",
    "fees_account",
    "head_state_sql",
    "head_update_values",
    "is_retryable",
    "journal_size",
    "latest_tree_head",
    "lock_accounts",
    "merchant_receivable",
    "merkle_tree",
    "pending_state",
    "post_pending",
    "prepare_transfer",
    "public_key_pem",
    "receipts_for_records",
    "refunds_payable",
    "reset_crashpoints",
    "retry_counts",
    "run_atomic",
    "sign_tree_head",
    "signing_key",
    "signing_key_path",
    "sql",
    "totals_sql",
    "tree_heads",
    "void_pending",
]
