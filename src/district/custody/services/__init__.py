"""The custody app's write path and the reads other apps use.

Every change goes through these keyword-only functions (views, the API, commands, the demo
and the periodic jobs call them). Each write is one transaction, retried on a serialization
failure, deadlock or busy database (:func:`district.custody.ledger.run_atomic`); it appends
its journal entries in that transaction and is idempotent by ``key``: the same key with the
same arguments returns the first result, with different arguments it raises
:class:`~district.core.errors.ConflictError` naming the field. Money is ``int`` fen.

Other apps call :func:`custody_summary` (``indicators``).
"""

from district.custody.services.contracts import (
    ContractPosition,
    ContractRefusedError,
    confirm_check_in,
    confirm_due_check_ins,
    contract_position,
    dispute_check_in,
    get_contract,
    open_dispute,
    record_check_in,
    request_cooling_off_refund,
    resolve_dispute,
    sign_contract,
)
from district.custody.services.oversight import (
    Difference,
    Reconciliation,
    close_warning,
    import_bank_statement,
    merchant_balance_fen,
    reconciliation_report,
    risk_warnings,
    scan_risks,
)
from district.custody.services.parties import (
    add_merchant_staff,
    check_licence,
    consumer_for,
    register_merchant,
    set_merchant_status,
    uscc_check_character,
)
from district.custody.services.reads import (
    MerchantBalance,
    MerchantOverview,
    RegulatorOverview,
    SectorBalance,
    account_balances_check,
    consistency_proof,
    consumer_contracts,
    custody_summary,
    export_journal,
    latest_tree_head,
    merchant_balances,
    merchant_overview,
    receipts_for,
    regulator_overview,
    sign_tree_head,
    verify_journal_chain,
)
from district.custody.services.settlement import (
    ClosureRefundRow,
    SettleOutcome,
    close_merchant,
    closure_refunds,
    settle_all,
    settle_merchant,
    settle_one,
    settlement_key,
)

__all__ = [
    "ClosureRefundRow",
    "ContractPosition",
    "ContractRefusedError",
    "Difference",
    "MerchantBalance",
    "MerchantOverview",
    "Reconciliation",
    "RegulatorOverview",
    "SectorBalance",
    "SettleOutcome",
    "account_balances_check",
    "add_merchant_staff",
    "check_licence",
    "close_merchant",
    "close_warning",
    "closure_refunds",
    "confirm_check_in",
    "confirm_due_check_ins",
    "consistency_proof",
    "consumer_contracts",
    "consumer_for",
    "contract_position",
    "custody_summary",
    "dispute_check_in",
    "export_journal",
    "get_contract",
    "import_bank_statement",
    "latest_tree_head",
    "merchant_balance_fen",
    "merchant_balances",
    "merchant_overview",
    "open_dispute",
    "receipts_for",
    "reconciliation_report",
    "record_check_in",
    "register_merchant",
    "regulator_overview",
    "request_cooling_off_refund",
    "resolve_dispute",
    "risk_warnings",
    "scan_risks",
    "set_merchant_status",
    "settle_all",
    "settle_merchant",
    "settle_one",
    "settlement_key",
    "sign_contract",
    "sign_tree_head",
    "uscc_check_character",
    "verify_journal_chain",
]
